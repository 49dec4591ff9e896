"""The cost of occlusion and saliency, in single traces of the same digit.

Run:  python benchmarks/bench_analysis.py [--model assets/default.keras] [--rounds N] [--quick]

One run alternates a single trace, an occlusion (band 1) and a saliency map on the same digits,
round after round, and reports the medians and the ratios occlusion / trace and saliency / trace:
whatever else the machine does falls on all three alike. Both analyses are timed from the image
alone (they compute their own clean trace), and occlusion also given the trace, as the app calls it.
Measured with numpy's BLAS limited to one thread (the app's setting for traces) and with every core
(the app's importance job runs occlusion so: ``core.blas.all_cores``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench_core import machine  # noqa: E402  (after sys.path is set; the one description of the machine)


def measure(net, digits: np.ndarray, rounds: int) -> dict[str, float]:
    """Median milliseconds of each computation, the computations alternating within every round."""
    from lstm_viewer.analysis import occlusion, saliency

    def given_trace(image):
        trace = net.trace(image)          # outside the timed call below
        return lambda: occlusion(net, image, trace=trace)

    times: dict[str, list[float]] = {"trace": [], "occlusion": [], "occlusion given the trace": [],
                                     "saliency": []}
    for image in digits[:2]:              # warm-up: weight caches, first allocations
        net.trace(image), occlusion(net, image), saliency(net, image, 0)
    for r in range(rounds):
        image = digits[r % len(digits)]
        cls = net.trace(image).prediction
        for name, run in (("trace", lambda image=image: net.trace(image)),
                          ("occlusion", lambda image=image: occlusion(net, image, band=1)),
                          ("occlusion given the trace", given_trace(image)),
                          ("saliency", lambda image=image, cls=cls: saliency(net, image, cls))):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1e3 for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "assets" / "default.keras"))
    parser.add_argument("--digits", type=int, default=10, help="how many sample digits to cycle through")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="a few rounds (a smoke run)")
    args = parser.parse_args()

    from lstm_viewer import load_network
    from lstm_viewer.core.blas import limit_blas_threads  # numpy only; imports no Qt

    net = load_network(args.model)
    digits = np.load(ROOT / "assets" / "samples.npz")["images"][:args.digits].astype(np.float32) / 255.0
    rounds = 6 if args.quick else args.rounds
    print(f"Machine: {machine()}\nModel: {Path(args.model).name} ({net.describe()}), "
          f"{len(digits)} sample digits, {rounds} rounds\n")
    print("| BLAS threads | trace | occlusion (band 1) | occlusion / trace | occlusion given the trace "
          "| its ratio | saliency | saliency / trace |")
    print("|---|---|---|---|---|---|---|---|")
    for threads in (1, os.cpu_count() or 1):
        if not limit_blas_threads(threads):
            print(f"(could not set OpenBLAS to {threads} threads: measured with its default)")
        ms = measure(net, digits, rounds)
        trace = ms["trace"]
        where = ' (traces in the app)' if threads == 1 else ' (occlusion in the app)'
        print(f"| {threads}{where} | {trace:.2f} ms "
              f"| {ms['occlusion']:.1f} ms | {ms['occlusion'] / trace:.2f} "
              f"| {ms['occlusion given the trace']:.1f} ms | {ms['occlusion given the trace'] / trace:.2f} "
              f"| {ms['saliency']:.1f} ms | {ms['saliency'] / trace:.2f} |")


if __name__ == "__main__":
    main()

"""Time the unit analysis the inspector calls on every click and row step (issue 11, point 1).

Run:  python benchmarks/bench_unit.py [--model assets/default.keras] [--repeats 300]

One shipped sample digit is traced; each call is timed many times over varied layers, units and
rows, and reported as median and p95 in microseconds, next to one ``Network.trace`` of the same
digit measured in the same run (the ratio is what carries over to another machine).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lstm_viewer import load_network  # noqa: E402  (after sys.path is set)
from lstm_viewer.analysis.unit import class_contributions, logit_contributions, retention, unit_story  # noqa: E402  (after sys.path is set)
from lstm_viewer.core.assets import samples_path  # noqa: E402  (after sys.path is set)


def timed(fn, arguments) -> tuple[list[float], list[float]]:
    """Microseconds per call, wall clock and this process's CPU time, one call per argument tuple.

    The CPU time is what the call costs when other programs share the cores (the wall clock then
    includes waiting for a core); for ``Network.trace`` it sums BLAS's threads.
    """
    wall, cpu = [], []
    for args in arguments:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(*args)
        cpu.append((time.process_time() - start_cpu) * 1e6)
        wall.append((time.perf_counter() - start) * 1e6)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--repeats", type=int, default=300)
    options = parser.parse_args()

    network = load_network(options.model)
    with np.load(samples_path()) as samples:
        image = samples["images"][0] / 255.0
    trace = network.trace(image)
    rng = np.random.default_rng(0)
    n = options.repeats
    layers = len(network.layers)
    picks = []
    for _ in range(n):   # a unit of each layer's own width (layers may differ)
        layer = int(rng.integers(layers))
        picks.append((layer, int(rng.integers(network.units[layer])), int(rng.integers(28))))
    stories = {(layer, unit): unit_story(network, trace, layer, unit) for layer, unit, _ in picks}

    def row_step(story, t):
        """What the inspector needs at one row: memory and the top inputs of the four gates."""
        story.memory(t)
        for gate in range(4):
            story.top_inputs(t, gate)
            story.top_recurrent(t, gate)

    results = {
        "Network.trace (reference)": timed(network.trace, [(image,)] * max(n // 10, 10)),
        "unit_story": timed(unit_story, [(network, trace, layer, u) for layer, u, _ in picks]),
        "memory(t)": timed(lambda s, t: s.memory(t), [(stories[layer, u], t) for layer, u, t in picks]),
        "top_inputs(t, gate, 5)": timed(lambda s, t: s.top_inputs(t, t % 4),
                                        [(stories[layer, u], t) for layer, u, t in picks]),
        "row step (memory + top 5 of 4 gates x 2)": timed(
            row_step, [(stories[layer, u], t) for layer, u, t in picks]),
        "retention (whole layer)": timed(retention, [(trace, layer) for layer, _, _ in picks[:n // 3]]),
        "logit_contributions": timed(logit_contributions, [(network, trace, t) for *_, t in picks]),
        "class_contributions": timed(class_contributions,
                                     [(network, trace, t % 10, t) for *_, t in picks]),
    }
    reference = statistics.median(results["Network.trace (reference)"][0])
    print(f"{network.describe()}, {n} calls each; microseconds")
    print(f"{'call':44s} {'median':>9s} {'p95':>9s} {'/ trace':>8s} {'cpu med':>9s}")
    for name, (wall, cpu) in results.items():
        median = statistics.median(wall)
        p95 = float(np.percentile(wall, 95))
        print(f"{name:44s} {median:9.1f} {p95:9.1f} {median / reference:8.4f} "
              f"{statistics.median(cpu):9.1f}")

if __name__ == "__main__":
    main()

"""Measure the viewing path against plain Keras: trace speed, cold start, training throughput, memory.

Run:  python benchmarks/bench_core.py [--model assets/default.keras] [--quick]

Each comparison is measured in one run, the two sides alternating, and reported as medians, so
that whatever else the machine does falls on both sides alike.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PEAK_HELPER = """
def peak_kib():  # VmHWM: this process's own peak (ru_maxrss can carry the parent's over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1])
"""
VIEW_SCRIPT = PEAK_HELPER + """
import sys, numpy as np
from lstm_viewer import load_network
net = load_network(sys.argv[1])
net.trace(np.load(sys.argv[2])["images"][0] / 255.0)
print(peak_kib())
"""
KERAS_SCRIPT = PEAK_HELPER + """
import os, sys, numpy as np
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
model = keras.saving.load_model(sys.argv[1])
model.predict(np.load(sys.argv[2])["images"][:1] / 255.0, verbose=0)
print(peak_kib())
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()}, Python {platform.python_version()}"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def bench_trace(model_path: Path, digits: np.ndarray, rounds: int) -> dict:
    import keras

    from lstm_viewer import load_network
    net = load_network(model_path)
    model = keras.saving.load_model(model_path)
    times = {"trace": [], "predict": [], "call": []}
    for image in digits[:3]:  # warm-up: the first Keras calls build graphs
        net.trace(image), model.predict(image[None], verbose=0), model(image[None])
    for r in range(rounds):
        image = digits[r % len(digits)]
        for name, run in (("trace", lambda image=image: net.trace(image)),
                          ("predict", lambda image=image: model.predict(image[None], verbose=0)),
                          ("call", lambda image=image: model(image[None]))):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: _median_ms(values) for name, values in times.items()}


def bench_cold_start(model_path: Path, samples: Path, rounds: int) -> dict:
    walls = {"view": [], "keras": []}
    rss = {"view": [], "keras": []}
    for _ in range(rounds):
        for name, script in (("view", VIEW_SCRIPT), ("keras", KERAS_SCRIPT)):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", script, str(model_path), str(samples)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
            walls[name].append(time.perf_counter() - start)
            rss[name].append(int(out.stdout.strip().splitlines()[-1]) / 1024)  # VmHWM is in KiB
    return {"wall_s": {k: statistics.median(v) for k, v in walls.items()},
            "rss_mb": {k: statistics.median(v) for k, v in rss.items()}}


def bench_training(digits: int, rounds: int, layers: int, units: int) -> dict:
    """Samples per second: the project's ``train`` (progress + cancel plumbing) vs a plain ``fit``."""
    from lstm_viewer.core.data import Mnist
    from lstm_viewer.ml.datasets import load_mnist
    from lstm_viewer.ml.training import TrainConfig, _compile, as_inputs, build_model, train

    data = load_mnist()
    small = Mnist(data.x_train[:digits], data.y_train[:digits], data.x_test[:1000], data.y_test[:1000],
                  source=data.source)
    config = TrainConfig(layers=layers, units=units, epochs=1, batch_size=64)
    x, y = as_inputs(small.x_train), small.y_train.astype(np.int64)
    validation = (as_inputs(small.x_test), small.y_test.astype(np.int64))

    def ours():
        train(config, small, on_progress=lambda p: None, check=lambda: None)

    def plain():
        model = build_model(config)
        _compile(model, config, 1)
        model.fit(x, y, batch_size=config.batch_size, epochs=1, shuffle=True,
                  validation_data=validation, validation_batch_size=1000, verbose=0)

    rates = {"train": [], "fit": []}
    for _ in range(rounds):
        for name, run in (("train", ours), ("fit", plain)):
            start = time.perf_counter()
            run()
            rates[name].append(digits / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "assets" / "default.keras"))
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    model_path = Path(args.model)
    samples = ROOT / "assets" / "samples.npz"
    digits = np.load(samples)["images"].astype(np.float32) / 255.0
    q = args.quick
    trace = bench_trace(model_path, digits, rounds=30 if q else 200)
    cold = bench_cold_start(model_path, samples, rounds=2 if q else 5)
    training = bench_training(digits=1024 if q else 3072, rounds=1 if q else 3, layers=3, units=256)

    print(f"Machine: {machine()}\nModel: {model_path.name}\n")
    print("| measurement | lstm-viewer | Keras | ratio |")
    print("|---|---|---|---|")
    print(f"| one digit, full trace vs `model.predict` (median) | {trace['trace']:.2f} ms | "
          f"{trace['predict']:.2f} ms | {trace['predict'] / trace['trace']:.1f}× faster |")
    print(f"| one digit, full trace vs `model(x)` (median) | {trace['trace']:.2f} ms | "
          f"{trace['call']:.2f} ms | {trace['call'] / trace['trace']:.1f}× faster |")
    print(f"| cold start: new process, load model, trace one digit (median wall) | "
          f"{cold['wall_s']['view']:.2f} s | {cold['wall_s']['keras']:.2f} s | "
          f"{cold['wall_s']['view'] / cold['wall_s']['keras']:.2f} of Keras |")
    print(f"| peak memory (RSS) of that process | {cold['rss_mb']['view']:.0f} MB | "
          f"{cold['rss_mb']['keras']:.0f} MB | "
          f"{cold['rss_mb']['view'] / cold['rss_mb']['keras']:.2f} of Keras |")
    print(f"| training throughput, 3 × 256, `train()` vs plain `model.fit` | "
          f"{training['train']:.0f} digits/s | {training['fit']:.0f} digits/s | "
          f"{training['train'] / training['fit']:.2f} of `fit` |")
    if args.json:
        Path(args.json).write_text(json.dumps({"trace_ms": trace, "cold": cold, "training": training,
                                               "machine": machine()}, indent=1))


if __name__ == "__main__":
    main()

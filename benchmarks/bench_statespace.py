"""The state space's cost: the batched pass against Keras ``predict``, the full test set's build time
and memory, and the per-row queries the panel makes.

Run:  python benchmarks/bench_statespace.py [--model assets/default.keras] [--digits 2000] [--quick]

Needs the MNIST test set (``LSTM_VIEWER_MNIST``). numpy's BLAS is limited to one thread first, as the
app does at start (``core/blas.py``): the pass runs its own threads. Most of the pass is matrix
products, so OpenBLAS's kernels decide much: the table names them when ``OPENBLAS_CORETYPE`` forces
them (the 2-core VM's environment sets Haswell, AVX2; OpenBLAS's own choice there is SkylakeX,
AVX-512, and the pass takes about 0.6 of the time with it; Keras's oneDNN picks AVX-512 itself). The
comparison alternates the sides within each round and reports medians of wall time and of CPU time
(user + system, all threads): on a machine shared with other work, wall time shows who got the
cores, CPU time what each side spent. The full build runs in a fresh process (its peak memory is its
own) with a temporary cache folder.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FULL_BUILD_SCRIPT = r"""
import json, os, sys, time
import numpy as np

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024   # KiB -> MiB

from lstm_viewer import load_network
from lstm_viewer.core.blas import limit_blas_threads   # numpy and ctypes only; no Qt
from lstm_viewer.statespace import StateSpace, default_digits

limit_blas_threads(1)
network = load_network(sys.argv[1])
digits = default_digits()
network.trace(digits.images[0] / 255.0)               # warm: the empty digit's trace, imports
result = {"digits": len(digits.images), "source": digits.source}
with open("/proc/self/clear_refs", "w") as fh:        # reset the peak (VmHWM) to the current size
    fh.write("5")
before = status("VmRSS")
start = time.perf_counter()
space = StateSpace.build(network, digits.images, digits.labels)
result["build_s"] = time.perf_counter() - start
result["peak_increase_mb"] = status("VmHWM") - before
result["after_build_increase_mb"] = status("VmRSS") - before

def per_call_ms(fn, calls):
    times = []
    for args in calls:
        t = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - t) * 1e3)
    return {"p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)),
            "max": float(max(times))}

rows = [(layer, row) for layer in range(space.layers) for row in range(28)]
result["cloud_first_ms"] = per_call_ms(space.cloud, rows)
result["cloud_again_ms"] = per_call_ms(space.cloud, rows)
trace = network.trace(digits.images[1] / 255.0)
result["project_ms"] = per_call_ms(lambda layer: space.project(trace, layer),
                                   [(k,) for k in range(space.layers)] * 10)
result["neighbours_ms"] = per_call_ms(lambda layer, row: space.neighbours(trace, layer, row, k=8), rows)
result["selectivity_first_ms"] = per_call_ms(space.selectivity, rows)
result["accuracy"] = float(np.mean(space.predictions == digits.labels))
del space
start = time.perf_counter()
again = StateSpace.build(network, digits.images, digits.labels)
result["cached_load_s"] = time.perf_counter() - start
result["cached_from_cache"] = again.from_cache
result["cached_cloud_first_ms"] = per_call_ms(again.cloud, rows)
print(json.dumps(result))
"""


from bench_core import machine  # noqa: E402  (after sys.path is set; the one description of the machine)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)   # every thread of this process
    return usage.ru_utime + usage.ru_stime


def bench_pass(model_path: Path, images: np.ndarray, labels: np.ndarray, rounds: int) -> dict:
    """Wall and CPU seconds per side, medians over alternating rounds."""
    from lstm_viewer import load_network
    from lstm_viewer.ml.keras_bridge import load_keras_model
    from lstm_viewer.statespace import StateSpace

    network = load_network(model_path)
    model = load_keras_model(model_path)
    inputs = images.astype(np.float32) / 255.0
    sides = {
        "statespace": lambda: StateSpace.build(network, images, labels, cache=False),
        "network_predict": lambda: network.predict(inputs),
        "keras_predict": lambda: model.predict(inputs, verbose=0),
        "keras_predict_256": lambda: model.predict(inputs, verbose=0, batch_size=256),
    }
    for run in sides.values():   # warm-up: Keras builds its graphs, numpy its buffers
        if run is not sides["statespace"]:
            run()
    StateSpace.build(network, images[:300], labels[:300], cache=False)
    wall = {name: [] for name in sides}
    cpu = {name: [] for name in sides}
    for _ in range(rounds):
        for name, run in sides.items():
            c, t = _cpu_seconds(), time.perf_counter()
            run()
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(_cpu_seconds() - c)
    return {"wall_s": {k: statistics.median(v) for k, v in wall.items()},
            "cpu_s": {k: statistics.median(v) for k, v in cpu.items()},
            "load_average": os.getloadavg()}


def bench_full_build(model_path: Path, cache_home: Path) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    done = subprocess.run([sys.executable, "-c", FULL_BUILD_SCRIPT, str(model_path)], capture_output=True,
                          text=True, check=True, cwd=ROOT, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    import tempfile

    from lstm_viewer.core.blas import limit_blas_threads
    from lstm_viewer.core.data import load_test_set

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "assets" / "default.keras"))
    parser.add_argument("--digits", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    model_path = Path(args.model)
    limit_blas_threads(1)
    images, labels = load_test_set()
    images, labels = images[:args.digits], labels[:args.digits]
    passes = bench_pass(model_path, images, labels, rounds=1 if args.quick else 5)
    with tempfile.TemporaryDirectory() as cache_home:
        full = bench_full_build(model_path, Path(cache_home))

    wall, cpu = passes["wall_s"], passes["cpu_s"]
    kernels = os.environ.get("OPENBLAS_CORETYPE", "OpenBLAS's own choice")
    print(f"Machine: {machine()}\nModel: {model_path.name}; OpenBLAS kernels: {kernels}; "
          f"load average at the end {passes['load_average'][0]:.1f}\n")
    print(f"| {len(images):,} test digits | wall (median) | CPU, all threads | "
          f"predict ÷ this, wall | predict ÷ this, CPU |")
    print("|---|---|---|---|---|")
    for name, label in (("statespace", "`StateSpace.build` (pass + axes, 2 threads)"),
                        ("network_predict", "`Network.predict` (the trace engine, 1 thread)"),
                        ("keras_predict", "Keras `predict` (batch 32, its default)"),
                        ("keras_predict_256", "Keras `predict(batch_size=256)`")):
        print(f"| {label} | {wall[name]:.2f} s | {cpu[name]:.2f} s | "
              f"{wall['keras_predict'] / wall[name]:.2f}× | {cpu['keras_predict'] / cpu[name]:.2f}× |")
    print(f"\nFull build ({full['source']}): {full['build_s']:.1f} s, "
          f"peak memory +{full['peak_increase_mb']:.0f} MB "
          f"(+{full['after_build_increase_mb']:.0f} MB once built: the states memory-mapped from the cache); "
          f"accuracy {full['accuracy']:.4f}")
    print(f"Second build, from the cache: {full['cached_load_s'] * 1e3:.0f} ms "
          f"(from cache: {full['cached_from_cache']})")
    for key, label in (("cloud_first_ms", "cloud(layer, row), first time"),
                       ("cloud_again_ms", "cloud(layer, row), again (cached)"),
                       ("cached_cloud_first_ms", "cloud, first time, states from the cache file"),
                       ("project_ms", "project(trace, layer)"),
                       ("neighbours_ms", "neighbours(trace, layer, row, k=8)"),
                       ("selectivity_first_ms", "selectivity(layer, row), first time")):
        t = full[key]
        print(f"  {label}: p50 {t['p50']:.3f} ms, p95 {t['p95']:.3f} ms, max {t['max']:.3f} ms")
    if args.json:
        Path(args.json).write_text(json.dumps({"pass": passes, "full": full, "machine": machine()}, indent=1))


if __name__ == "__main__":
    main()

"""The state space across training (issue 24, point 7): the all-snapshot pass for the shipped history.

Run:  python benchmarks/bench_history_statespace.py [--repeats 3] [--threads 2]

Every snapshot of ``assets/history-2x64.keras`` (29 snapshots, 2 × 64) runs the probe (the first
1,000 of the state space's digits: the MNIST test set's when ``LSTM_VIEWER_MNIST`` names it, else the
1,000 shipped test digits) through the batched pass, and each snapshot's clouds and class means are
projected on the final snapshot's axes: what the state-space panel's "statespace history" job does,
here without the disk cache (``cache=False``) and then once more from it. Budget: a minute on 2 cores,
in the background. numpy's BLAS is limited to one thread first, as the app does at start. Reports
medians of wall time and of CPU time (user + system, all threads) over the repeats.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_S = 60.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="worker threads (default: every core)")
    args = parser.parse_args()
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bench-history-statespace-")

    from lstm_viewer.core.assets import history_model_path
    from lstm_viewer.core.blas import limit_blas_threads, worker_threads
    from lstm_viewer.core.history import load_history
    from lstm_viewer.statespace import default_digits
    from lstm_viewer.statespace.history import HistorySpace, probe

    limit_blas_threads(1)
    history = load_history(history_model_path())
    digits = default_digits()
    images, labels = probe(digits.images, digits.labels)
    final = history.network(len(history) - 1)
    final.trace(images[0] / 255.0)   # warm: imports, the empty digit's trace
    walls, cpus = [], []
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), _cpu()
        space = HistorySpace.build(history, images, labels, cache=False, threads=args.threads,
                                   background=True)
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    HistorySpace.build(history, images, labels, threads=args.threads)   # written to the cache
    start = time.perf_counter()
    cached = HistorySpace.build(history, images, labels)
    load = time.perf_counter() - start
    assert cached.from_cache
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    right = (space.predictions == labels).mean(axis=1)
    print(f"history: {history_model_path().name}, {final.describe()}, {len(history)} snapshots; "
          f"probe: the first {len(images):,} of {digits.source}")
    print(f"cores: {os.cpu_count()}, worker threads: {args.threads or worker_threads()}, "
          f"load average: {os.getloadavg()[0]:.2f}")
    print(f"all-snapshot pass (no cache): wall {wall:.2f} s (median of {args.repeats}; "
          f"{min(walls):.2f}..{max(walls):.2f}), CPU {cpu:.2f} s, "
          f"{1000 * wall / len(history):.0f} ms a snapshot   budget {BUDGET_S:g} s: "
          f"{'ok' if wall < BUDGET_S else 'OVER'}")
    print(f"from the cache: {1000 * load:.0f} ms; stored per snapshot: "
          f"{sum(a.nbytes for a in space.arrays().values()) / len(history) / 1e6:.2f} MB")
    print(f"probe accuracy, step 0 → final: {right[0]:.1%} → {right[-1]:.1%}")
    return 0 if wall < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

"""What recording a training history costs: the same training with and without snapshots.

Run:  python benchmarks/bench_history.py [--data ../shared/mnist] [--layers 2 --units 64 --limit 12000]
                                          [--epochs 1] [--snapshots 40] [--repeats 2]

The two runs alternate (without, with, without, with…) in this one process so that the machine's
moods fall on both; each reports the wall time of ``ml.training.train`` from start to return, which
for the recording run includes copying out the snapshots' weights and computing every snapshot's
accuracy on the probe set (the first 1,000 test digits, numpy engine). Reported: the medians and the
cost as a share of the plain training's time (the issue's target: at most 10 %).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "mnist"))
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--limit", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--snapshots", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from lstm_viewer.ml.datasets import load_mnist
    from lstm_viewer.ml.training import TrainConfig, train

    data = load_mnist(args.data)
    seconds: dict[int, list[float]] = {0: [], args.snapshots: []}
    kept = 0
    for _ in range(args.repeats):
        for snapshots in (0, args.snapshots):
            config = TrainConfig(layers=args.layers, units=args.units, epochs=args.epochs,
                                 limit=args.limit, history=snapshots)
            result = train(config, data)
            seconds[snapshots].append(result.seconds)
            if result.snapshots is not None:
                kept = len(result.snapshots)
    plain, recorded = statistics.median(seconds[0]), statistics.median(seconds[args.snapshots])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"{args.layers} × {args.units} LSTM, {args.limit} digits × {args.epochs} epoch(s), "
          f"{args.repeats} alternating repeats")
    runs = {n: ", ".join(f"{s:.1f}" for s in values) for n, values in seconds.items()}
    print(f"  without history: median {plain:.1f} s  ({runs[0]})")
    print(f"  with {kept} snapshots: median {recorded:.1f} s  ({runs[args.snapshots]})")
    print(f"  recording costs {100 * (recorded - plain) / plain:+.1f} % of the training time")


if __name__ == "__main__":
    main()

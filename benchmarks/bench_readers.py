"""Opening a 3 × 256 model: PyTorch (.pth) and .safetensors against the .keras file the app reads today.

Run:  python benchmarks/bench_readers.py [--torch-python /path/to/venv-with-torch/bin/python] [--repeats 30]

The three files hold the same weights (the shipped default model's): the .keras file is the shipped
one, the .safetensors file is written here with the safetensors package, and the .pth file with
real torch when ``--torch-python`` names an interpreter that has it (torch is never a dependency of
the project). Each repeat opens the three in turn in this one process (alternating, so the machine's
moods fall on all alike), through ``lstm_viewer.load_network``: content sniffing, the architecture
check and the conversion included. Reported: medians and their ratio to the .keras read.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WRITE_PTH = """
import sys, numpy as np, torch
arrays = np.load(sys.argv[1])
torch.save({k: torch.from_numpy(arrays[k]) for k in arrays.files}, sys.argv[2])
"""


def torch_state_dict(network) -> dict[str, np.ndarray]:
    """The network as ``nn.LSTM(28, 256, 3)`` + ``nn.Linear(256, 10)`` name their tensors."""
    out = {}
    for k, w in enumerate(network.layers):
        out[f"lstm.weight_ih_l{k}"] = np.ascontiguousarray(w.kernel.T)
        out[f"lstm.weight_hh_l{k}"] = np.ascontiguousarray(w.recurrent_kernel.T)
        out[f"lstm.bias_ih_l{k}"] = w.bias.copy()
        out[f"lstm.bias_hh_l{k}"] = np.zeros_like(w.bias)
    out["fc.weight"] = np.ascontiguousarray(network.dense_kernel.T)
    out["fc.bias"] = network.dense_bias.copy()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--torch-python", help="a Python with torch, to write the .pth file")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    from safetensors.numpy import save_file

    from lstm_viewer import load_network
    from lstm_viewer.core.assets import default_model_path

    keras_path = default_model_path()
    network = load_network(keras_path)
    folder = Path(tempfile.mkdtemp(prefix="bench-readers-"))
    tensors = torch_state_dict(network)
    files = {".keras": keras_path}
    save_file(tensors, str(folder / "model.safetensors"))
    files[".safetensors"] = folder / "model.safetensors"
    if args.torch_python:
        np.savez(folder / "tensors.npz", **tensors)
        subprocess.run([args.torch_python, "-c", WRITE_PTH, str(folder / "tensors.npz"),
                        str(folder / "model.pth")], check=True)
        files[".pth"] = folder / "model.pth"

    reference = network.predict(np.zeros((1, 28, 28), np.float32))
    times: dict[str, list[float]] = {name: [] for name in files}
    for path in files.values():   # one untimed open each: the page cache and imports warm
        np.testing.assert_allclose(load_network(path).predict(np.zeros((1, 28, 28), np.float32)),
                                   reference, atol=1e-6)
    for _ in range(args.repeats):
        for name, path in files.items():
            start = time.perf_counter()
            load_network(path)
            times[name].append(time.perf_counter() - start)

    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}; 3 × 256 LSTM, {args.repeats} alternating repeats")
    base = statistics.median(times[".keras"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:13s} median {median * 1e3:6.1f} ms   ({median / base:.2f}× the .keras read)")


if __name__ == "__main__":
    main()

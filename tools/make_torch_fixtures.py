"""Make tests/fixtures/torch/: tiny PyTorch models saved the ways learners save them, and torch's outputs.

Run once, with a Python that has torch (never a dependency of lstm-viewer):

    /work/torchvenv/bin/python tools/make_torch_fixtures.py

Accepted models (their outputs on five digits of assets/samples.npz go into expected.npz):
``yunjey`` (yunjey's tutorial RNN: nn.LSTM(28, 16, 2) + nn.Linear(16, 10), logits) saved as a bare
state_dict (zip and legacy), a training checkpoint, a DataParallel state_dict, safetensors, and a
GPU-like file (location cuda:0, the LSTM's weights views into one flat storage as cuDNN leaves them);
``nobias`` (bias=False) and ``twolstm`` (lstm1 28->16, lstm2 16->8, fc 8->10). Refused ones:
bidirectional, proj_size, GRU, pytorch/examples' mnist_rnn (BatchNorm + two Linear), float16, a whole
pickled model, TorchScript, NaN weights, and two hand-written hostile pickles.

expected.npz holds, per model M: ``M/h{k}``, ``M/c{k}`` (5, 28, units) for each LSTM layer k,
``M/probs_rows`` (5, 28, 10) (softmax of the head on the top h at every row) and ``M/probs`` (5, 10)
(softmax of the model's own forward). ``yunjey_normalized/...``: the same model on (x - 0.1307) / 0.3081.
"""
from __future__ import annotations

import io
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "torch"
DIGITS = [0, 1, 2, 3, 4]          # rows of assets/samples.npz
HOSTILE_MARKER = "/tmp/lstm_viewer_hostile_pickle_ran"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class RNN(nn.Module):
    """yunjey/pytorch-tutorial's recurrent_neural_network/main.py, smaller."""

    def __init__(self, input_size=28, hidden_size=16, num_layers=2, num_classes=10, **lstm_options):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, **lstm_options)
        directions = 2 if lstm_options.get("bidirectional") else 1
        out = lstm_options.get("proj_size") or hidden_size
        self.fc = nn.Linear(out * directions, num_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class TwoLstm(nn.Module):
    """Two nn.LSTM modules of different widths, chained."""

    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTM(28, 16, batch_first=True)
        self.lstm2 = nn.LSTM(16, 8, batch_first=True)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        out, _ = self.lstm1(x)
        out, _ = self.lstm2(out)
        return self.fc(out[:, -1, :])


class GruNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(28, 16, batch_first=True)
        self.fc = nn.Linear(16, 10)


class MnistRnn(nn.Module):
    """pytorch/examples mnist_rnn/main.py's Net."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)


def digits(normalized: bool = False) -> torch.Tensor:
    images = np.load(ROOT / "assets" / "samples.npz")["images"][DIGITS].astype(np.float32) / 255.0
    if normalized:
        images = (images - MNIST_MEAN) / MNIST_STD
    return torch.from_numpy(images)


def stacked_lstm_layers(model: nn.Module) -> list[nn.Module]:
    """Each LSTM layer of the model as its own one-layer nn.LSTM, bottom to top."""
    layers = []
    for lstm in (m for m in model.modules() if isinstance(m, nn.LSTM)):
        for k in range(lstm.num_layers):
            one = nn.LSTM(lstm.input_size if k == 0 else lstm.hidden_size, lstm.hidden_size,
                          batch_first=True, bias=lstm.bias)
            for name in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if lstm.bias else ()):
                getattr(one, f"{name}_l0").data.copy_(getattr(lstm, f"{name}_l{k}").data)
            layers.append(one)
    return layers


def torch_outputs(model: nn.Module, x: torch.Tensor, key: str) -> dict[str, np.ndarray]:
    """h and c of every layer at every row (prefix runs give c), and the head's softmax."""
    expected = {}
    with torch.no_grad():
        inputs = x
        for k, layer in enumerate(stacked_lstm_layers(model)):
            out, _ = layer(inputs)
            cs = [layer(inputs[:, :t + 1])[1][1][0] for t in range(inputs.shape[1])]
            expected[f"{key}/h{k}"] = out.numpy()
            expected[f"{key}/c{k}"] = torch.stack(cs, dim=1).numpy()
            inputs = out
        expected[f"{key}/probs_rows"] = torch.softmax(model.fc(inputs), dim=-1).numpy()
        expected[f"{key}/probs"] = torch.softmax(model(x), dim=-1).numpy()
    # The layer-by-layer run is torch's own model, not a re-implementation: same final answer.
    assert np.allclose(expected[f"{key}/probs_rows"][:, -1], expected[f"{key}/probs"], atol=1e-6)
    return expected


def seeded(make, seed: int):
    torch.manual_seed(seed)
    model = make()
    model.eval()
    return model


def save_gpu_like(model: RNN, path: Path) -> None:
    """As a model trained on a GPU: the LSTM's weights are views into one flat storage, on cuda:0."""
    lstm = model.lstm
    params = list(lstm.parameters())
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    offset = 0
    for p in params:
        p.data = flat[offset:offset + p.numel()].view_as(p)
        offset += p.numel()
    real_tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(model.state_dict(), path)
    finally:
        torch.serialization.location_tag = real_tag
    shared = {t.untyped_storage().data_ptr() for k, t in model.state_dict().items() if k.startswith("lstm.")}
    assert len(shared) == 1


def save_checkpoint(model: RNN, path: Path) -> None:
    """A training checkpoint as the PyTorch tutorials write it, after one real Adam step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    loss = nn.functional.cross_entropy(model(digits()), torch.tensor([5, 0, 4, 1, 9]))
    loss.backward()
    optimizer.step()
    torch.save({"epoch": 1, "model_state_dict": state, "optimizer_state_dict": optimizer.state_dict(),
                "loss": loss.item()}, path)
    model.load_state_dict(state)  # the saved weights are the ones before the step: same as yunjey.ckpt


def hostile_zip(path: Path, data_pkl: bytes) -> None:
    """A torch-like zip whose data.pkl is the given pickle."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")


def legacy_header() -> bytes:
    """The first three pickles of torch's legacy format: magic number, protocol version, sys_info."""
    sys_info = {"protocol_version": 1001, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    return b"".join(pickle.dumps(v, protocol=2) for v in (0x1950A86A20F9469CFC6C, 1001, sys_info))


def write_hostile(out: Path) -> None:
    # GLOBAL os.system, called on a string: a shell command if unpickled with pickle.load.
    system = b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(f"touch {HOSTILE_MARKER}")) \
        + f"touch {HOSTILE_MARKER}".encode() + b"\x85R."
    hostile_zip(out / "hostile_system.pt", system)
    # GLOBAL this.s: importing the module 'this' prints the Zen of Python (any import runs code).
    imports = b"\x80\x02}X\x01\x00\x00\x00wcthis\ns\ns."
    (out / "hostile_import.pth").write_bytes(legacy_header() + imports)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    expected: dict[str, np.ndarray] = {"digits": np.array(DIGITS, np.int32)}

    yunjey = seeded(RNN, 1)
    expected |= torch_outputs(yunjey, digits(), "yunjey")
    expected |= torch_outputs(yunjey, digits(normalized=True), "yunjey_normalized")
    state = yunjey.state_dict()
    torch.save(state, OUT / "yunjey.ckpt")
    torch.save(state, OUT / "yunjey_legacy.pth", _use_new_zipfile_serialization=False)
    save_file({k: v.contiguous() for k, v in state.items()}, OUT / "yunjey.safetensors")
    dp = nn.DataParallel(yunjey)
    torch.save(dp.state_dict(), OUT / "yunjey_dataparallel.pt")
    save_checkpoint(yunjey, OUT / "yunjey_checkpoint.pth")
    torch.save(yunjey, OUT / "whole_model.pt")
    torch.jit.script(yunjey).save(str(OUT / "torchscript.pt"))
    nan_state = OrderedDict((k, v.clone()) for k, v in state.items())
    nan_state["lstm.weight_hh_l1"][3, 2] = float("nan")
    torch.save(nan_state, OUT / "nan_weights.pt")
    torch.save(seeded(RNN, 1).half().state_dict(), OUT / "half.pt")
    gpu = seeded(RNN, 1)
    save_gpu_like(gpu, OUT / "yunjey_gpu.pt")

    nobias = seeded(lambda: RNN(bias=False), 2)
    expected |= torch_outputs(nobias, digits(), "nobias")
    torch.save(nobias.state_dict(), OUT / "nobias.pt")

    two = seeded(TwoLstm, 3)
    expected |= torch_outputs(two, digits(), "twolstm")
    torch.save(two.state_dict(), OUT / "twolstm.pt")

    torch.save(seeded(lambda: RNN(bidirectional=True), 4).state_dict(), OUT / "bidirectional.pt")
    torch.save(seeded(lambda: RNN(proj_size=8), 5).state_dict(), OUT / "proj.pt")
    torch.save(seeded(GruNet, 6).state_dict(), OUT / "gru.pt")
    torch.save(seeded(MnistRnn, 7).state_dict(), OUT / "mnist_rnn.pt")
    write_hostile(OUT)

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **expected)
    (OUT / "expected.npz").write_bytes(buffer.getvalue())
    total = sum(p.stat().st_size for p in OUT.iterdir())
    for p in sorted(OUT.iterdir()):
        print(f"{p.stat().st_size:8d}  {p.name}")
    print(f"{total:8d}  total")


if __name__ == "__main__":
    main()

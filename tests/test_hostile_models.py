"""Hostile and damaged model files: each is one plain sentence, runs nothing, imports nothing, never hangs.

Pickles are written opcode by opcode; zips, safetensors and TF1 tables by hand, in tmp_path.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstm_viewer.core.errors import UserError
from lstm_viewer.core.readers import read_model, torch_pickle
from lstm_viewer.core.readers.tf1_format import crc32c
from lstm_viewer.core.readers.torch_pickle import STORAGE_TYPES, SafeUnpickler, TorchFile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "torch"
MARKER = "/tmp/lstm_viewer_hostile_models_ran"


def outcome(path: Path, seconds: float = 5.0):
    """The network read from ``path``, or the one sentence refusing it; read in a thread that must end
    in time (a FIFO or a bomb would otherwise hang the test rather than fail it)."""
    result: list = []

    def run():
        try:
            result.append(read_model(path))
        except BaseException as exc:  # noqa: BLE001  (a UserError is the answer; anything else fails below)
            result.append(exc)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{path.name}: still reading after {seconds} s"
    assert result, path
    if isinstance(result[0], BaseException):
        assert isinstance(result[0], UserError), f"{path.name}: {result[0]!r:.300}"
        message = str(result[0])
        assert "\n" not in message and "\r" not in message and len(message) < 1200, message[:300]
        return message
    return result[0]


def refused(path: Path, seconds: float = 5.0) -> str:
    """The one sentence the registry gives for ``path``."""
    message = outcome(path, seconds)
    assert isinstance(message, str), f"{path.name} was read: {message!r:.200}"
    return message


# --- pickles, by hand ------------------------------------------------------------------------------

def g(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def s8(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def u(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def ints(values) -> bytes:
    return b"(" + b"".join(b"J" + struct.pack("<i", v) if -2**31 <= v < 2**31 else b"L%dL\n" % v
                           for v in values) + b"t"


def storage(key: str = "0", numel: int = 4, kind: str = "FloatStorage") -> bytes:
    return b"(" + u("storage") + g("torch", kind) + u(key) + u("cpu") + b"L%dL\n" % numel + b"tQ"


def tensor(offset=0, shape=(2, 2), stride=(2, 1), key="0", numel=4) -> bytes:
    return (g("torch._utils", "_rebuild_tensor_v2") + b"(" + storage(key, numel) + b"L%dL\n" % offset
            + ints(shape) + ints(stride) + b"\x89" + b")t" + b"R")


def state_dict(*tensors: bytes) -> bytes:
    body = b"".join(u(f"w{k}") + t for k, t in enumerate(tensors))
    return b"\x80\x02" + g("collections", "OrderedDict") + b")R(" + body + b"u."


def torch_zip(path: Path, pkl: bytes, storages: dict[str, bytes] | None = None, **members: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", b"little")
        for key, data in (storages if storages is not None else {"0": bytes(16)}).items():
            z.writestr(f"archive/data/{key}", data)
        for name, data in members.items():
            z.writestr(name, data)
    return path


def memo_list(n: int) -> bytes:
    """A list of n small ints, memoised at 0 (a few bytes of pickle per element)."""
    return b"](" + b"K\x01" * n + b"eq\x00"


HOSTILE_PICKLES = {
    # names that act on the machine, every way a pickle can call them
    "global_reduce": b"\x80\x02" + g("os", "system") + b"(" + u(f"touch {MARKER}") + b"tR.",
    "stack_global": b"\x80\x04" + s8("builtins") + s8("eval") + b"\x93(" + u(f"open('{MARKER}','w')")
                    + b"tR.",
    "inst": b"(" + u(f"touch {MARKER}") + b"ios\nsystem\n.",
    "obj": b"(" + g("os", "system") + u(f"touch {MARKER}") + b"o.",
    "newobj": b"\x80\x02" + g("subprocess", "Popen") + b"(" + u("true") + b"t\x81.",
    "getattr": b"\x80\x02" + g("builtins", "getattr") + b"(" + g("collections", "OrderedDict")
               + u("__init__") + b"tR.",
    "copyreg": b"\x80\x02" + g("copyreg", "_reconstructor") + b"(" + g("os", "_wrap_close") + b")tR.",
    "import": b"\x80\x02" + g("importlib", "import_module") + b"(" + u("this") + b"tR.",
    "ext": b"\x80\x02\x82\x01.",
    "sneaky_torch_name": b"\x80\x02" + g("torch._utils", "_rebuild_tensor_v2.__globals__") + b".",
    "newline_in_name": b"\x80\x04" + s8("os\nfoo") + s8("system") + b"\x93.",
    # allowed names, called in ways torch never does
    "newobj_ordereddict": b"\x80\x02" + g("collections", "OrderedDict") + b")\x81.",
    "newobj_ex_kwargs": b"\x80\x04" + g("argparse", "Namespace") + b")}(" + u("a") + b"K\x01u\x92.",
    "reduce_dtype_name": b"\x80\x02" + g("torch", "float32") + b")R.",
    "reduce_storage_type": b"\x80\x02" + g("torch", "FloatStorage") + b")R.",
    "reduce_too_many_args": b"\x80\x02" + g("torch._utils", "_rebuild_tensor_v2") + b"(" + b"N" * 20 + b"tR.",
    "codecs_rot13": b"\x80\x02" + g("_codecs", "encode") + b"(" + u("x") + u("rot13") + b"tR.",
    "codecs_not_text": b"\x80\x02" + g("_codecs", "encode") + b"(" + b"K\x01" + u("latin1") + b"tR.",
    "ordereddict_from_dict": b"\x80\x02" + g("collections", "OrderedDict") + b"(}tR.",
    "build_on_storage_type": b"\x80\x02" + g("torch", "FloatStorage") + b"}(" + u("numpy") + u("<f8")
                             + u("itemsize") + b"K\x08ub.",
    "build_slots_on_function": b"\x80\x02" + g("_codecs", "encode") + b"(N}(" + u("__defaults__")
                               + b"(" + u("utf-16") + b"tutb.",
    "build_on_tensor": b"\x80\x02" + tensor() + b"}(" + u("offset") + b"J\xff\xff\xff\xffub.",
    "build_on_storage": b"\x80\x02" + storage() + b"}(" + u("numel") + b"J\x00\x00\x00\x10ub.",
    "build_on_dict": b"\x80\x02}}(" + u("a") + b"K\x01ub.",
    # persistent ids
    "pid_short": b"\x80\x02(" + u("storage") + b"tQ.",
    "pid_not_tuple": b"\x80\x02" + u("storage") + b"Q.",
    "pid_text": b"P0\n.",
    "pid_numel_negative": b"\x80\x02" + storage(numel=-4) + b".",
    "pid_key_long": b"\x80\x02" + storage(key="k" * 100_000) + b".",
    "pid_kind_wrong": b"\x80\x02(" + u("storage") + u("FloatStorage") + u("0") + u("cpu") + b"K\x04tQ.",
    "pid_nested_view": b"\x80\x02(" + u("storage") + g("torch", "FloatStorage") + u("0") + u("cpu")
                       + b"K\x04(" + u("v") + b"J\xff\xff\xff\xffK\x02ttQ.",
    # tensors
    "tensor_negative_offset": b"\x80\x02" + tensor(offset=-1) + b".",
    "tensor_negative_dim": b"\x80\x02" + tensor(shape=(-2, 2)) + b".",
    "tensor_shape_stride_lengths": b"\x80\x02" + tensor(shape=(2, 2), stride=(1,)) + b".",
    "tensor_many_dims": b"\x80\x02" + tensor(shape=(1,) * 100, stride=(1,) * 100) + b".",
    "tensor_not_on_storage": b"\x80\x02" + g("torch._utils", "_rebuild_tensor_v2") + b"(K\x00K\x00)))tR.",
    "size_of_memo_list": b"\x80\x02" + memo_list(1000) + (g("torch", "Size") + b"(h\x00tR0") * 50 + b"N.",
    # memo and stack
    "memo_missing": b"\x80\x02h\x07.",
    "memo_huge_index": b"\x80\x02Nr\xff\xff\xff\xff0j\x00\x00\x00\x00.",
    "stack_underflow": b"\x80\x02R.",
    "empty": b"",
    "not_a_pickle": b"\x00\x01\x02hello",
    "unknown_opcode": b"\x80\x02\xff.",
    "no_stop": b"\x80\x02N",
    "bad_protocol": b"\x80\x09N.",
    "huge_binbytes8": b"\x80\x04\x8e" + struct.pack("<Q", 2**62) + b"x.",
    "huge_binunicode8": b"\x80\x04\x8d" + struct.pack("<Q", 2**40) + b"x.",
    "huge_frame": b"\x80\x04\x95" + struct.pack("<Q", 2**50) + b"N.",
    "long_float_line": b"F" + b"1" * 100_000 + b"x\n.",
    "long_int_line": b"I" + b"9" * 100_000 + b"\n.",
    # keys whose hash costs more than their bytes
    "tuple_key": b"\x80\x02}(" + b"(" * 3 + b"K\x01" + b"t" * 3 + b"Nu.",
    "huge_int_key": b"\x80\x02}\x8b" + struct.pack("<i", 100_000) + b"\x01" * 100_000 + b"Ns.",
    "frozenset_of_lists": b"\x80\x04(]]\x91.",
    # protocol 0 and 1 spellings of a harmless-looking dict with a hostile value
    "protocol0": b"(dp0\nS'a'\np1\ncos\nsystem\np2\ns.",
    "protocol1": b"}q\x00(U\x01aq\x01cposix\nsystem\nq\x02u.",
}


@pytest.mark.parametrize("label", sorted(HOSTILE_PICKLES))
def test_a_hostile_pickle_is_one_sentence(tmp_path, label):
    path = torch_zip(tmp_path / f"{label}.pt", HOSTILE_PICKLES[label])
    before = {k: (v.numpy, v.itemsize) for k, v in STORAGE_TYPES.items()}
    defaults = torch_pickle._codecs_encode.__defaults__
    message = refused(path)
    assert "PyTorch file" in message
    assert not os.path.exists(MARKER)
    # nothing the pickle touched outlives it
    assert {k: (v.numpy, v.itemsize) for k, v in STORAGE_TYPES.items()} == before
    assert torch_pickle._codecs_encode.__defaults__ == defaults


def test_the_legacy_format_refuses_the_same_pickles(tmp_path):
    magic = b"\x80\x02\x8a\x0a" + torch_pickle.MAGIC_NUMBER.to_bytes(10, "little") + b"."
    head = magic + b"\x80\x02M\xe9\x03." + b"\x80\x02}."
    for label in ("global_reduce", "build_on_storage_type", "huge_binbytes8", "tuple_key", "inst"):
        path = tmp_path / f"{label}.pth"
        path.write_bytes(head + HOSTILE_PICKLES[label] + b"\x80\x02]." + bytes(64))
        refused(path)
    assert not os.path.exists(MARKER)


def test_hostile_pickles_import_and_create_nothing_in_a_fresh_interpreter(tmp_path):
    """In a subprocess: sys.modules after reading every hostile file is what it was before."""
    for label, pkl in HOSTILE_PICKLES.items():
        torch_zip(tmp_path / f"{label}.pt", pkl)
    script = f"""
import os, sys
import encodings.cp437                                 # zipfile's, for member names: not the pickle's
from pathlib import Path
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.readers import read_model
try:
    read_model({str(FIXTURES / 'nobias.pt')!r})     # the reader's own imports, done once
except UserError:
    pass
before = set(sys.modules)
for path in sorted(Path({str(tmp_path)!r}).glob('*.pt')):
    try:
        read_model(path)
        print('READ', path.name)
    except UserError:
        pass
print('NEW', sorted(set(sys.modules) - before))
print('MARKER', os.path.exists({MARKER!r}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "NEW []" in done.stdout and "MARKER False" in done.stdout, done.stdout
    assert "READ" not in done.stdout, done.stdout


# --- pickles that would take forever or all the memory ----------------------------------------------

def _quick(data: bytes, memory: int = torch_pickle.MAX_PICKLE_MEMORY, seconds: float = 2.0) -> str:
    start = time.perf_counter()
    with pytest.raises(UserError) as caught:
        torch_pickle.unpickle(io.BytesIO(data)) if memory == torch_pickle.MAX_PICKLE_MEMORY else \
            SafeUnpickler(io.BytesIO(data), memory=memory).load()
    assert time.perf_counter() - start < seconds
    return str(caught.value)


def test_a_pickle_bomb_is_stopped_by_the_memory_budget():
    sets = b"\x80\x04(" + b"\x8f" * 100_000 + b"l."          # 100 kB of pickle, 23 MB of empty sets
    assert "more objects than a dictionary of tensors" in _quick(sets, memory=8 << 20)
    laughs = b"\x80\x02]q\x00(" + b"h\x00" * 1000 + b"l."      # references to one list: cheap, allowed
    assert len(SafeUnpickler(io.BytesIO(laughs)).load()) == 1000


def test_hash_and_copy_bombs_are_refused_at_once():
    # a tuple of tuples of ... whose hash would take 100**5 steps, used as a key
    nested = b"\x80\x02(" + b"K\x01" * 100 + b"tq\x00"
    for level in range(1, 5):
        nested += b"(" + (b"h" + bytes([level - 1])) * 100 + b"tq" + bytes([level])
    assert "dictionary key" in _quick(nested + b"}h\x04Ns.")
    assert "dictionary key" in _quick(nested + b"(h\x04\x91.")
    # calls given large memoised objects: refused before anything is copied, or counted as they copy
    big = b"\x80\x02" + memo_list(100_000)
    assert "size" in _quick(big + (g("torch", "Size") + b"(h\x00tR0") * 1000 + b"N.")
    assert "arguments" in _quick(big + g("torch", "device") + b"(" + b"h\x00" * 9 + b"tR.")
    pairs = b"\x80\x02](" + b"".join(b"(" + u(f"k{k}") + b"Nt" for k in range(20_000)) + b"eq\x00"
    assert "more objects" in _quick(pairs + (g("collections", "OrderedDict") + b"(h\x00tR0") * 5000 + b"N.",
                                    memory=64 << 20)
    text = b"\x80\x02" + u("x" * 1_000_000) + b"q\x00"
    assert "more objects" in _quick(text + (g("_codecs", "encode") + b"(h\x00" + u("latin1") + b"tR0") * 1000
                                    + b"N.")


def test_deep_nesting_is_one_sentence(tmp_path):
    deep_lists = b"\x80\x02" + b"]" * 200_000 + b"a" * 199_999 + b"."
    path = torch_zip(tmp_path / "deep.pt", deep_lists)
    assert "holds a list" in refused(path)
    deep_tuples = b"\x80\x02" + b"(" * 100_000 + b"t" * 100_000 + b"."
    refused(torch_zip(tmp_path / "deep_tuples.pt", deep_tuples))


def test_a_checkpoint_referring_to_one_large_dictionary_everywhere_is_quick(tmp_path):
    one = tensor(shape=(4,), stride=(1,)) + b"q\x01" + b"0"
    inner = b"}q\x00(" + b"".join(u(f"k{k}") + b"h\x01" for k in range(20_000)) + b"u0"
    outer = b"}(" + b"".join(u(f"m{k}") + b"h\x00" for k in range(20_000)) + b"u."
    message = refused(torch_zip(tmp_path / "refs.pt", b"\x80\x02" + one + inner + outer), seconds=5)
    assert "has no nn.LSTM weights" in message


def test_a_tensor_lying_about_its_storage(tmp_path):
    cases = {
        "past_end": tensor(shape=(2, 2), stride=(2, 3)),
        "huge_numel": tensor(numel=2**60, shape=(2**30, 2**30), stride=(2**30, 1)),
        "huge_offset": tensor(offset=2**62, shape=(1,), stride=(1,)),
        "zero_d": tensor(shape=(), stride=()),
        "empty_huge": tensor(shape=(0, 2**62), stride=(2**62, 1)),
    }
    for label, t in cases.items():
        path = torch_zip(tmp_path / f"{label}.pt", b"\x80\x02}(" + u("weight_ih_l0") + t + b"u.")
        refused(path)
        with TorchFile(path) as f:
            try:
                value = f.load()["weight_ih_l0"].array()
                assert value.size <= 4
            except UserError as exc:
                assert "\n" not in str(exc)


def test_storage_keys_cannot_reach_outside_the_archive(tmp_path):
    for key in ("../../../../etc/passwd", "/etc/passwd", "..", "0/../../1"):
        path = torch_zip(tmp_path / "traversal.pt", state_dict(tensor(key=key, shape=(4,), stride=(1,))), {})
        refused(path)
        with TorchFile(path) as f, pytest.raises(UserError, match="has no data for its storage"):
            f.load()["w0"].array()
    # a member really named so is read from the archive, like any other: nothing outside it is opened
    path = torch_zip(tmp_path / "named.pt", state_dict(tensor(key="../../x", shape=(4,), stride=(1,))),
                     {"../../x": np.arange(4, dtype="<f4").tobytes()})
    with TorchFile(path) as f:
        assert f.load()["w0"].array().tolist() == [0, 1, 2, 3]


def test_a_2_gb_data_pkl_is_refused_before_inflating(tmp_path):
    path = torch_zip(tmp_path / "small.pt", b"\x80\x02N.")
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")          # the central directory's entry for data.pkl: 2 GB uncompressed
    while at != -1:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46:at + 46 + name_len].endswith(b"data.pkl"):
            struct.pack_into("<I", raw, at + 24, 2**31)
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))
    assert "too large" in refused(path)


# --- damaged zips -----------------------------------------------------------------------------------

def _small_model_zip(path: Path) -> Path:
    return torch_zip(path, state_dict(tensor(shape=(2, 2), stride=(2, 1))), {"0": bytes(16)})


def test_every_prefix_and_some_flips_of_a_torch_zip(tmp_path):
    good = _small_model_zip(tmp_path / "good.pt").read_bytes()
    path = tmp_path / "cut.pt"
    start = time.perf_counter()
    for n in range(len(good)):
        path.write_bytes(good[:n])
        if n > 0:
            refused(path)
    rng = np.random.default_rng(1)
    for _ in range(300):
        data = bytearray(good)
        for at in rng.integers(0, len(data), 3):
            data[at] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(data))
        try:
            read_model(path)
        except UserError as exc:
            assert "\n" not in str(exc)
    assert time.perf_counter() - start < 8


def test_zip_members_that_are_encrypted_or_compressed_oddly(tmp_path):
    path = _small_model_zip(tmp_path / "odd.pt")
    good = path.read_bytes()
    for label, offset, value in (("encrypted", 6, 1), ("method_99", 8, 99), ("method_bzip2", 8, 12)):
        raw = bytearray(good)
        for sig in (b"PK\x03\x04", b"PK\x01\x02"):
            at = raw.find(sig)
            while at != -1:
                struct.pack_into("<H", raw, at + offset + (2 if sig == b"PK\x01\x02" else 0), value)
                at = raw.find(sig, at + 4)
        (tmp_path / f"{label}.pt").write_bytes(bytes(raw))
        refused(tmp_path / f"{label}.pt")
    crc = bytearray(good)
    at = crc.find(b"PK\x01\x02")
    struct.pack_into("<I", crc, at + 16, 0xDEADBEEF)
    (tmp_path / "crc.pt").write_bytes(bytes(crc))
    refused(tmp_path / "crc.pt")


def test_cut_and_flipped_fixtures(tmp_path):
    rng = np.random.default_rng(2)
    for name in ("yunjey.ckpt", "yunjey_legacy.pth", "yunjey.safetensors"):
        good = (FIXTURES / name).read_bytes()
        path = tmp_path / name
        for n in list(range(0, 200, 7)) + list(range(200, len(good), 997)):
            path.write_bytes(good[:n])
            if n:
                refused(path)
        for _ in range(40):
            data = bytearray(good)
            at = int(rng.integers(0, min(len(data), 4096)))
            data[at] ^= 0xFF
            path.write_bytes(bytes(data))
            try:
                read_model(path)
            except UserError as exc:
                assert "\n" not in str(exc)


# --- safetensors ------------------------------------------------------------------------------------

def _safetensors(path: Path, header, data: bytes = b"", length: int | None = None) -> Path:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw + data)
    return path


def test_hostile_safetensors(tmp_path):
    def entry(dtype="F32", shape=(2, 2), offsets=(0, 16)):
        return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}
    cases = {
        "length_past_file": (b'{"a":1}', b"", 10_000),
        "length_huge": (b'{"a":1}', b"", 2**63),
        "not_json": (b"{not json at all", b"", None),
        "not_utf8": (b'{"\xff\xfe": 1}', b"", None),
        "deep_json": (b"{" + b'"a":[' * 1 + b"[" * 100_000 + b"]" * 100_000 + b"]}", b"", None),
        "not_object": (b"[1, 2, 3]", b"", None),
        "offsets_past_data": ({"lstm.weight_ih_l0": entry(offsets=(0, 1 << 40))}, bytes(16), None),
        "offsets_overlap": ({"a": entry(), "b": entry(offsets=(8, 24))}, bytes(24), None),
        "offsets_backwards": ({"a": entry(offsets=(16, 0))}, bytes(16), None),
        "unknown_dtype": ({"a": entry(dtype="F128")}, bytes(16), None),
        "shape_overflow": ({"a": entry(shape=(2**62, 2**62, 16))}, bytes(16), None),
        "shape_negative": ({"a": entry(shape=(-2, -2))}, bytes(16), None),
        "shape_strings": ({"a": {"dtype": "F32", "shape": ["x"], "data_offsets": [0, 4]}}, bytes(4), None),
        "metadata_not_strings": ({"__metadata__": {"a": [1]}, "a": entry()}, bytes(16), None),
        "newline_key": ({"lstm\n.weight_ih_l0": entry()}, bytes(16), None),
        "huge_layer_number": ({"lstm.weight_ih_l" + "9" * 5000: entry()}, bytes(16), None),
        "long_key": ({"k" * 100_000: entry()}, bytes(16), None),
    }
    for label, (header, data, length) in cases.items():
        message = refused(_safetensors(tmp_path / f"{label}.safetensors", header, data, length))
        assert len(message) < 1200, label


# --- TF1 checkpoints, by hand -------------------------------------------------------------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, value) -> bytes:
    if isinstance(value, bytes):
        return varint(number << 3 | 2) + varint(len(value)) + value
    return varint(number << 3) + varint(value)


def bundle_entry(shape, offset=0, size=None, dtype=1) -> bytes:
    dims = b"".join(field(2, field(1, d if d >= 0 else d + 2**64)) for d in shape)
    count = max(0, int(np.prod(shape))) if shape else 1
    return field(1, dtype) + field(2, dims) + field(4, offset) + field(5, count * 4 if size is None else size)


def _masked(data: bytes) -> bytes:
    crc = crc32c(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def table(entries: list[tuple[bytes, bytes]], index_handles=None,
          footer: bytes | None = None) -> bytes:
    """A LevelDB table as TensorFlow writes it: one data block, an index block, the footer."""
    block = b"".join(varint(0) + varint(len(k)) + varint(len(v)) + k + v for k, v in entries)
    block += struct.pack("<II", 0, 1)
    data = block + b"\x00" + _masked(block + b"\x00")
    handle = varint(0) + varint(len(block))
    handles = [handle] if index_handles is None else index_handles(handle)
    index = b"".join(varint(0) + varint(1) + varint(len(h)) + bytes([k % 256]) + h
                     for k, h in enumerate(handles)) + struct.pack("<II", 0, 1)
    index_at = len(data)
    data += index + b"\x00" + _masked(index + b"\x00")
    if footer is None:
        footer = (varint(0) + varint(0) + varint(index_at) + varint(len(index))).ljust(40, b"\x00")
    return data + footer + struct.pack("<Q", 0xDB4775248B80FB57)


def tf1_checkpoint(folder: Path, variables: dict[str, bytes], data: bytes = b"", header=None,
                   **table_args) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    header = field(1, 1) if header is None else header
    entries = [(b"", header)] + sorted((k.encode(), v) for k, v in variables.items())
    (folder / "model.ckpt.index").write_bytes(table(entries, **table_args))
    (folder / "model.ckpt.data-00000-of-00001").write_bytes(data)
    return folder / "model.ckpt"


def lstm_entries(units: int = 4, reads: int = 28) -> tuple[dict[str, bytes], bytes]:
    shapes = {"rnn/basic_lstm_cell/kernel": (reads + units, 4 * units),
              "rnn/basic_lstm_cell/bias": (4 * units,), "Variable": (units, 10), "Variable_1": (10,)}
    variables, offset = {}, 0
    for name, shape in shapes.items():
        variables[name] = bundle_entry(shape, offset)
        offset += int(np.prod(shape)) * 4
    return variables, np.full(offset // 4, 0.01, "<f4").tobytes()


def test_the_hand_written_tf1_checkpoint_reads(tmp_path):
    variables, data = lstm_entries()
    prefix = tf1_checkpoint(tmp_path / "good", variables, data)
    assert read_model(prefix.parent).units == [4]


def test_hostile_tf1_indexes(tmp_path):
    variables, data = lstm_entries()
    cases = {
        "handle_past_end": dict(index_handles=lambda h: [varint(10**6) + varint(10)]),
        "handle_size_huge": dict(index_handles=lambda h: [varint(0) + varint(2**62)]),
        "handle_never_ends": dict(index_handles=lambda h: [b"\xff" * 20]),
        "repeated_handles": dict(index_handles=lambda h: [h] * 5000),
        "footer_never_ends": dict(footer=b"\xff" * 40),
        "footer_past_end": dict(footer=(varint(0) + varint(0) + varint(2**40) + varint(5)).ljust(40, b"\0")),
    }
    for label, args in cases.items():
        prefix = tf1_checkpoint(tmp_path / label, variables, data, **args)
        refused(prefix)
    # entries whose fields are of the wrong wire type, shapes that overflow, shards and offsets out of range
    bad = {
        "dtype_is_bytes": {**variables, "rnn/basic_lstm_cell/bias": field(1, b"x") + field(2, b"")},
        "shape_is_number": {**variables, "rnn/basic_lstm_cell/bias": field(1, 1) + field(2, 7)},
        "dim_is_bytes": {**variables,
                         "rnn/basic_lstm_cell/bias": field(1, 1) + field(2, field(2, field(1, b"x")))},
        "dims_negative": {**variables, "rnn/basic_lstm_cell/bias": bundle_entry((-16,), size=0)},
        "dims_many": {**variables, "rnn/basic_lstm_cell/bias": bundle_entry((1,) * 100)},
        "product_overflow": {**variables, "rnn/basic_lstm_cell/kernel": bundle_entry((2**33, 2**33), size=0),
                             "rnn/basic_lstm_cell/bias": bundle_entry((2**33,), size=0)},
        "overflow_matching_head": {"rnn/basic_lstm_cell/kernel": bundle_entry((28 + 2**32, 2**34), size=0),
                                   "rnn/basic_lstm_cell/bias": bundle_entry((2**34,), size=0),
                                   "Variable": bundle_entry((2**32, 10), size=0),
                                   "Variable_1": bundle_entry((10,))},
        "offset_past_eof": {**variables, "Variable_1": bundle_entry((10,), offset=2**50)},
        "shard_out_of_range": {**variables, "Variable_1": bundle_entry((10,)) + field(3, 7)},
        "varint_never_ends": {**variables, "Variable_1": field(1, 1) + b"\x20" + b"\xff" * 30},
        "newline_name": {k.replace("rnn", "rn\nn"): v for k, v in variables.items()},
        "digits_name": {k.replace("rnn", "cell_" + "9" * 5000): v for k, v in variables.items()},
        "two_heads_digits": {**variables, "Variable_" + "9" * 5000: bundle_entry((4, 10))},
    }
    for label, entries in bad.items():
        prefix = tf1_checkpoint(tmp_path / label, entries, data)
        if label in ("newline_name", "digits_name"):
            outcome(prefix.parent)        # odd names, but a model: read, or one sentence
        else:
            refused(prefix.parent)
    refused(tf1_checkpoint(tmp_path / "header_bytes", variables, data, header=field(1, b"x")))
    refused(tf1_checkpoint(tmp_path / "shards_zero", variables, data, header=field(1, 0)))


def test_a_quadratic_index_block_is_refused(tmp_path):
    # every entry shares the whole previous key and adds a byte: keys of n bytes for n entries
    block = b"".join(varint(k) + varint(1) + varint(0) + b"a" for k in range(200_000))
    block += struct.pack("<II", 0, 1)
    data = block + b"\x00" + _masked(block + b"\x00")
    index = varint(0) + varint(1) + varint(len(varint(0) + varint(len(block)))) + b"a" + varint(0) + \
        varint(len(block)) + struct.pack("<II", 0, 1)
    at = len(data)
    data += index + b"\x00" + _masked(index + b"\x00")
    data += (varint(0) + varint(0) + varint(at) + varint(len(index))).ljust(40, b"\0")
    (tmp_path / "model.ckpt.index").write_bytes(data + struct.pack("<Q", 0xDB4775248B80FB57))
    assert any(words in refused(tmp_path) for words in ("variable name of", "far more variables"))


def test_hostile_meta_graphs_lose_only_the_graph(tmp_path):
    variables, data = lstm_entries()
    metas = {
        "garbage": os.urandom(5000),
        "deep": b"\x12" * 10 + b"\x0a" * 1000,
        "node_fields_as_numbers": b"\x12" + varint(6) + b"\x0a\x04\x08\x01\x10\x02",
        "attr_fields_as_numbers": field(2, field(1, field(1, b"rnn/basic_lstm_cell/LSTMBlockCell")
                                                 + field(2, b"LSTMBlockCell") + field(5, field(1, 5)))),
        "too_large": b"\x00" * (33 << 20),
    }
    for label, meta in metas.items():
        prefix = tf1_checkpoint(tmp_path / label, variables, data)
        prefix.with_name("model.ckpt.meta").write_bytes(meta)
        assert outcome(prefix.parent).units == [4], label


def test_checkpoint_files_pointing_anywhere(tmp_path):
    variables, data = lstm_entries()
    prefix = tf1_checkpoint(tmp_path / "good", variables, data)
    for label, target in (("outside", "../../../../etc/passwd"), ("absolute", "/etc/passwd"),
                          ("missing", "nothing_here"), ("nul", "model\\x00.ckpt"), ("escape", "\\x4"),
                          ("dev", "/dev/zero")):
        folder = tmp_path / label
        folder.mkdir()
        (folder / "checkpoint").write_text(f'model_checkpoint_path: "{target}"\n')
        refused(folder / "checkpoint")
        refused(folder)
    (tmp_path / "beside").mkdir()
    for name in os.listdir(prefix.parent):
        os.link(prefix.parent / name, tmp_path / "beside" / name)
    (tmp_path / "beside" / "checkpoint").write_text('model_checkpoint_path: "/elsewhere/model.ckpt"\n')
    assert read_model(tmp_path / "beside" / "checkpoint").units == [4]


# --- the file system -----------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifos_never_block(tmp_path):
    variables, data = lstm_entries()
    for name in ("model.pt", "model.pth", "x.safetensors", "model.keras", "model.h5", "checkpoint"):
        os.mkfifo(tmp_path / name)
        refused(tmp_path / name, seconds=3)
    for part in ("index", "data-00000-of-00001", "meta"):
        prefix = tf1_checkpoint(tmp_path / part, variables, data)
        target = prefix.with_name(f"model.ckpt.{part}")
        target.unlink(missing_ok=True)
        os.mkfifo(target)
        if part == "meta":
            assert outcome(prefix.parent, seconds=3).units == [4]
        else:
            refused(prefix.parent, seconds=3)
            refused(target, seconds=3)
    folder = tmp_path / "state"
    folder.mkdir()
    os.mkfifo(tmp_path / "elsewhere.index")
    (folder / "checkpoint").write_text(f'model_checkpoint_path: "{tmp_path / "elsewhere"}"\n')
    refused(folder / "checkpoint", seconds=3)


def test_symlink_loops_and_folders_named_as_files(tmp_path):
    (tmp_path / "a.pt").symlink_to(tmp_path / "b.pt")
    (tmp_path / "b.pt").symlink_to(tmp_path / "a.pt")
    refused(tmp_path / "a.pt")
    (tmp_path / "m.ckpt.index").symlink_to(tmp_path / "m.ckpt.index")
    refused(tmp_path / "m.ckpt.index")
    for name in ("model.pt", "x.safetensors", "model.keras", "model.ckpt.index", "model.h5"):
        (tmp_path / "dirs" / name).mkdir(parents=True)
        refused(tmp_path / "dirs" / name)
    variables, data = lstm_entries()
    prefix = tf1_checkpoint(tmp_path / "datadir", variables, data)
    data_path = prefix.with_name("model.ckpt.data-00000-of-00001")
    data_path.unlink()
    data_path.mkdir()
    assert "folder" in refused(prefix.parent)


def test_messages_quote_names_on_one_short_line(tmp_path):
    pkl = b"\x80\x02}(" + u("evil\nname" * 1000 + ".weight") + tensor() + b"u."
    message = refused(torch_zip(tmp_path / "names.pt", pkl))
    assert "\\n" in message and len(message) < 1200
    pickle.loads(pickle.dumps(1))   # (pickle itself still works for everyone else)

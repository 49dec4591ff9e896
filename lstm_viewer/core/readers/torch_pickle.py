"""Read what ``torch.save`` wrote, without torch and without running anything from the file.

``torch.save`` pickles the object (for us: a dict of tensors) with each tensor written as a call
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` and each storage as a
persistent id ``('storage', torch.FloatStorage, key, location, numel)``. The storage's bytes are
elsewhere: in a zip (torch >= 1.6) at ``<root>/data/<key>`` beside ``<root>/data.pkl``, in the
byte order of ``<root>/byteorder``; in the legacy format (a sequence of pickles: magic number,
protocol version, sys_info, the object, the sorted storage keys) after the last pickle, each storage
as an 8-byte element count followed by its raw bytes.

A pickle is a program: ``pickle.load`` imports and calls whatever it names. ``SafeUnpickler`` names
only our own stand-ins (``find_class`` never imports), so a tensor becomes a ``TensorRef`` (where its
numbers are) and anything else the pickle names, a model class or ``os.system``, is refused before
it exists. Tensors are read lazily, after checking that the bytes they claim are in the file.

The unpickler is pickle's own pure-Python one with a few opcodes restricted, so that a hostile pickle
can neither change anything that outlives it nor make the reader's work or memory grow faster than
the file: every call goes to a stand-in of fixed arity, which copies nothing large; state (BUILD)
is accepted only by the harmless stand-ins and thrown away; dictionary keys and set members are
plain values (no tuple whose hash costs more than its bytes); the operations and the memory they
can claim are counted against a budget.
"""
from __future__ import annotations

import io
import lzma
import math
import os
import pickle
import stat
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..errors import UnsupportedModel, UserError
from ..i18n import ntr, tr

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
MAX_PICKLE_BYTES = 64 * 2**20        # a state_dict's data.pkl is kilobytes; the numbers are elsewhere
MAX_PICKLE_MEMORY = 512 * 2**20      # what the objects a pickle builds may take, estimated per opcode
MAX_CALL_ARGS = 8                    # torch's _rebuild_tensor_v2 takes 7
MAX_DIMS = 64                        # torch's own limit on a tensor's dimensions
MAX_KEY_CHARS = 256                  # a storage key is a small number, a location 'cpu' or 'cuda:0'


@dataclass(frozen=True)
class StorageType:
    """``torch.FloatStorage`` and friends: only a marker of the element type."""

    name: str        # "float32", "float16", "bfloat16", ...
    itemsize: int
    numpy: str | None  # numpy's little-endian code; None where numpy has no such type (bfloat16)


STORAGE_TYPES = {
    "FloatStorage": StorageType("float32", 4, "<f4"),
    "DoubleStorage": StorageType("float64", 8, "<f8"),
    "HalfStorage": StorageType("float16", 2, "<f2"),
    "BFloat16Storage": StorageType("bfloat16", 2, None),
    "LongStorage": StorageType("int64", 8, "<i8"),
    "IntStorage": StorageType("int32", 4, "<i4"),
    "ShortStorage": StorageType("int16", 2, "<i2"),
    "CharStorage": StorageType("int8", 1, "|i1"),
    "ByteStorage": StorageType("uint8", 1, "|u1"),
    "BoolStorage": StorageType("bool", 1, "|b1"),
    "ComplexFloatStorage": StorageType("complex64", 8, "<c8"),
    "ComplexDoubleStorage": StorageType("complex128", 16, "<c16"),
    "UntypedStorage": StorageType("uint8", 1, "|u1"),
}


class StorageRef:
    """One storage: its element type, claimed length, and a way to fetch its bytes when needed."""

    def __init__(self, kind: StorageType, key: str, location: str, numel: int) -> None:
        self.kind, self.key, self.location, self.numel = kind, key, location, numel
        self.fetch: Callable[[int], bytes] | None = None   # set by the archive: fetch(nbytes) -> bytes
        self.big_endian = False
        self.parent: tuple[StorageRef, int] | None = None  # legacy views: (root storage, element offset)
        self._flat: np.ndarray | None = None

    def flat(self) -> np.ndarray:
        """The storage's elements, one flat array (read once; shared by every tensor viewing it)."""
        if self._flat is None:
            if self.parent is not None:
                root, start = self.parent
                self._flat = root.flat()[start:start + self.numel]
                if self._flat.size != self.numel:
                    raise UserError(tr("storage '{key}' lies outside the storage it views; "
                                       "the file is damaged", key=self.key))
            else:
                self._flat = self._read()
        return self._flat

    def _read(self) -> np.ndarray:
        if self.kind.numpy is None:
            raise UnsupportedModel(tr("stores tensors as {kind_name}, which lstm-viewer does not read",
                                      kind_name=self.kind.name))
        if self.fetch is None:
            raise UserError(tr("storage '{key}' has no data in the file; the file is damaged", key=self.key))
        nbytes = self.numel * self.kind.itemsize
        data = self.fetch(nbytes)  # checks that the file holds nbytes before reading them
        dtype = np.dtype(self.kind.numpy)
        if self.big_endian:
            dtype = dtype.newbyteorder(">")
        return np.frombuffer(data, dtype=dtype, count=self.numel)


@dataclass
class TensorRef:
    """A tensor as the pickle describes it: a strided view of a storage, not read yet."""

    storage: StorageRef
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    @property
    def dtype_name(self) -> str:
        return self.storage.kind.name

    def array(self) -> np.ndarray:
        """The tensor's numbers, copied out of its storage (little-endian, native)."""
        size = math.prod(self.shape)
        if math.prod(max(n, 1) for n in self.shape) * self.storage.kind.itemsize >= 2**62:
            raise UserError(tr("a tensor of shape {shape} is larger than any array can be; the "
                               "file is damaged", shape=brief(self.shape)))
        if size > self.storage.numel or self._extent() > self.storage.numel:
            raise UserError(tr("a tensor of shape {shape} claims more numbers than its storage "
                               "holds ({numel}); the file is damaged", shape=self.shape,
                               numel=self.storage.numel))
        flat = self.storage.flat()
        if size == 0:
            return np.zeros(self.shape, dtype=flat.dtype.newbyteorder("="))
        view = np.lib.stride_tricks.as_strided(flat[self.offset:], shape=self.shape,
                                               strides=[s * flat.itemsize for s in self.stride],
                                               writeable=False)
        return np.array(view, dtype=flat.dtype.newbyteorder("="))

    def _extent(self) -> int:
        """How many elements of the storage, from its start, this view reaches."""
        if not self.shape or min(self.shape) > 0:
            return self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride, strict=True)) + 1
        return self.offset


def brief(value: Any, limit: int = 60) -> str:
    """A value from a hostile file, shown in a message: one line, short, never a costly repr."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str):   # repr escapes what is not printable: a newline stays on the line
        return repr(value[:limit] + ("…" if len(value) > limit else ""))
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 64 else "a number of more than 20 digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (tuple, list)) and len(value) <= 8 and all(
            type(v) is int and v.bit_length() <= 64 for v in value):
        return repr(tuple(value))
    if isinstance(value, (tuple, list, dict, set, frozenset)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _whole_numbers(value: Any, what: str) -> tuple[int, ...]:
    if (not isinstance(value, (tuple, list)) or len(value) > MAX_DIMS
            or not all(type(v) is int and 0 <= v < 2**63 for v in value)):
        raise UserError(tr("a tensor's {what} {value} is not a list of whole numbers; the file is "
                           "damaged", what=what, value=brief(value)))
    return tuple(value)


# --- the stand-ins the pickle may name ---------------------------------------------------------
# Each takes a fixed number of arguments (a call with more fails before anything is copied) and
# copies nothing larger than a tensor's shape.

def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=None, backward_hooks=None,
                    metadata=None) -> TensorRef:
    """torch._utils._rebuild_tensor(_v2): requires_grad, hooks and metadata change no number."""
    if not isinstance(storage, StorageRef):
        raise UserError(tr("a tensor is built on something that is not a storage; the file is damaged"))
    if type(storage_offset) is not int or not 0 <= storage_offset < 2**63:
        raise UserError(tr("a tensor starts at {offset} in its storage; the file is damaged",
                           offset=brief(storage_offset)))
    shape, stride = _whole_numbers(size, "shape"), _whole_numbers(stride, "stride")
    if len(shape) != len(stride):
        raise UserError(tr("a tensor's shape {shape} and stride {stride} differ in length; "
                           "the file is damaged", shape=brief(shape), stride=brief(stride)))
    return TensorRef(storage, storage_offset, shape, stride)


def _rebuild_parameter(data, requires_grad=None, backward_hooks=None, state=None):
    """nn.Parameter around a tensor: for us, the tensor."""
    return data


def _torch_size(dims=()):
    return _whole_numbers(dims, "size")


class StateDict(OrderedDict):
    """What the pickle's ``collections.OrderedDict`` becomes; its state (``_metadata``) is dropped."""

    def __setstate__(self, state) -> None:
        pass


class Opaque:
    """A harmless stand-in for data a training checkpoint may carry beside the weights (argparse
    options, numpy scalars, a device): kept as nothing, never used. It takes no arguments and has no
    attributes; its state is thrown away."""

    __slots__ = ()

    def __setstate__(self, state) -> None:
        pass


def _opaque(a=None, b=None, c=None, d=None) -> Opaque:
    return Opaque()


TORCH_DTYPES = {"float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long",
                "int32", "int", "int16", "short", "int8", "uint8", "bool", "complex64", "complex128"}

# Modules whose names, called from a pickle, act on the machine rather than describe a model.
_SYSTEM_MODULES = {"os", "posix", "nt", "sys", "subprocess", "builtins", "__builtin__", "importlib", "runpy",
                   "shutil", "socket", "pty", "io", "codecs", "ctypes", "pickle", "marshal", "types",
                   "functools", "operator", "code", "webbrowser", "platform", "signal", "tempfile"}


def forbidden_global(module: str, name: str) -> UnsupportedModel:
    """The one sentence for a pickle naming something we will not stand in for."""
    full = brief(f"{module}.{name}", 80)[1:-1]
    root = module.split(".")[0]
    if root == "__torch__" or module.startswith("torch.jit"):
        return UnsupportedModel(tr("is a TorchScript archive, whose code lstm-viewer will not run; save the "
                                   "weights instead: torch.save(model.state_dict(), 'model.pth')"))
    if module.startswith("torch.nn.") or module == "__main__":
        return UnsupportedModel(tr("is a whole pickled model (class {full}), which could run code when "
                                   "opened; save the weights instead: torch.save(model.state_dict(), "
                                   "'model.pth')", full=full))
    if name[:1].isupper() and root not in _SYSTEM_MODULES:  # a class of the training code or a library
        return UnsupportedModel(tr("contains an object of class {full}, which could run code when opened; "
                                   "lstm-viewer refuses it and ran nothing; save the weights instead: "
                                   "torch.save(model.state_dict(), 'model.pth')", full=full))
    return UnsupportedModel(tr("contains a pickle that would call {full}; lstm-viewer refuses it and ran "
                               "nothing (a state_dict of tensors needs no such call)", full=full))


def _ordered_dict(items=()) -> StateDict:
    """collections.OrderedDict: empty as Python 3 pickles it, or from Python 2's list of pairs."""
    if isinstance(items, (list, tuple)) and all(
            isinstance(pair, (list, tuple)) and len(pair) == 2 and _plain_key(pair[0]) for pair in items):
        return StateDict(items)
    raise UserError(tr("the pickle builds an OrderedDict from something that is not pairs of names and "
                       "values; the file is damaged"))


def _codecs_encode(text, encoding="latin1"):
    """How protocol 2 writes bytes; only the latin-1 round trip, nothing else of the codecs module."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UserError(tr("the pickle encodes bytes in a way PyTorch does not; the file is damaged"))
    return text.encode("latin1")


ALLOWED: dict[str, Any] = {
    "collections.OrderedDict": _ordered_dict,
    "torch._utils._rebuild_tensor": _rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
    "torch.Size": _torch_size,
    "_codecs.encode": _codecs_encode,
    # Data beside the weights in training checkpoints; never reconstructed.
    "torch.device": _opaque,
    "argparse.Namespace": Opaque,
    "numpy.core.multiarray.scalar": _opaque,
    "numpy._core.multiarray.scalar": _opaque,
    "numpy.core.multiarray._reconstruct": _opaque,
    "numpy._core.multiarray._reconstruct": _opaque,
    "numpy.dtype": _opaque,
    "numpy.ndarray": Opaque,
}
_CALLABLE = frozenset(id(f) for f in ALLOWED.values())   # what REDUCE, INST, OBJ and NEWOBJ may call


def _plain_key(key: Any) -> bool:
    """A dictionary key or set member whose hash costs no more than its bytes (and those once)."""
    if type(key) is int:
        return key.bit_length() <= 256
    return key is None or type(key) in (str, bytes, float, bool)


# Estimated bytes each opcode may leave behind (a set is 216 bytes empty); the rest costs 64 at most.
_OPCODE_COST = {op[0]: cost for op, cost in ((pickle.EMPTY_SET, 232), (pickle.FROZENSET, 232),
                                              (pickle.EMPTY_DICT, 72), (pickle.DICT, 72))}


class SafeUnpickler(pickle._Unpickler):
    """An unpickler that knows only the names a dictionary of tensors needs, as our stand-ins."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file: BinaryIO, storages: dict[str, StorageRef] | None = None,
                 memory: int = MAX_PICKLE_MEMORY) -> None:
        super().__init__(file)
        self.storages = {} if storages is None else storages
        self.left = memory            # bytes the objects built so far may still take (an estimate)

    def load(self) -> Any:
        """pickle's own loop, counting what each opcode may cost against the budget."""
        self._unframer = pickle._Unframer(self._file_read, self._file_readline)
        self.read = self._unframer.read
        self.readinto = self._unframer.readinto
        self.readline = self._unframer.readline
        self.metastack, self.stack = [], []
        self.append = self.stack.append
        self.proto = 0
        read, dispatch, costs = self.read, self.dispatch, _OPCODE_COST
        try:
            while True:
                key = read(1)
                if not key:
                    raise EOFError
                self.left -= costs.get(key[0], 64)
                if self.left < 0:
                    raise _too_much()
                dispatch[key[0]](self)
        except pickle._Stop as stop:
            return stop.value

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":
            module = "builtins"
        if module == "torch" and name in STORAGE_TYPES:
            return STORAGE_TYPES[name]
        if module == "torch" and name in TORCH_DTYPES:
            return name
        try:
            return ALLOWED[f"{module}.{name}"]
        except KeyError:
            raise forbidden_global(module, name) from None

    # --- calls: only our stand-ins, with few arguments ---
    def _call(self, func: Any, args: Any) -> Any:
        if id(func) not in _CALLABLE:
            raise UserError(tr("its pickle calls {func}, which is not a function; the file is damaged",
                               func=brief(func)))
        if not isinstance(args, (tuple, list)) or len(args) > MAX_CALL_ARGS:
            raise UserError(tr("its pickle calls {function} with {args} as arguments; the file is damaged",
                               function=func.__name__, args=brief(args)))
        # A stand-in may copy what it is given (Python 2's OrderedDict of pairs, latin-1 text): that
        # is counted too, or a few bytes of references to one large object would copy it endlessly.
        self.left -= sum(len(a) * (1 if isinstance(a, (str, bytes)) else 128) for a in args
                         if isinstance(a, (str, bytes, list, tuple, dict)))
        if self.left < 0:
            raise _too_much()
        try:
            return func(*args)
        except TypeError:   # the wrong number of arguments: nothing was built
            raise UserError(ntr("its pickle calls {function} with {count} argument; the file is damaged",
                                "its pickle calls {function} with {count} arguments; the file is damaged",
                                len(args), function=func.__name__)) from None

    def load_reduce(self) -> None:
        args = self.stack.pop()
        self.stack[-1] = self._call(self.stack[-1], args)
    dispatch[pickle.REDUCE[0]] = load_reduce

    def _instantiate(self, klass: Any, args: list) -> None:   # INST and OBJ
        self.append(self._call(klass, args))

    def load_newobj(self) -> None:
        args = self.stack.pop()
        self.append(self._new(self.stack.pop(), args, {}))
    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self) -> None:
        kwargs = self.stack.pop()
        args = self.stack.pop()
        self.append(self._new(self.stack.pop(), args, kwargs))
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def _new(self, cls: Any, args: Any, kwargs: Any) -> Any:
        """cls.__new__(cls, *args): only our own harmless class, and without arguments to copy."""
        if cls is not Opaque:
            raise UserError(tr("its pickle creates an object of {cls}, which a dictionary of tensors "
                               "never holds; the file is damaged", cls=brief(cls)))
        return Opaque()

    def load_build(self) -> None:
        """Setting an object's state: only the harmless stand-ins take it, and ignore it."""
        self.stack.pop()
        if not isinstance(self.stack[-1], (StateDict, Opaque)):
            raise UserError(tr("its pickle sets the state of {stack}, which a dictionary of "
                               "tensors never needs; the file is damaged", stack=brief(self.stack[-1])))
    dispatch[pickle.BUILD[0]] = load_build

    # --- dictionaries and sets: keys whose hash is cheap ---
    def _keys(self, keys) -> None:
        for key in keys:
            if not _plain_key(key):
                raise UserError(tr("its pickle uses {key} as a dictionary key, which a dictionary of "
                                   "tensors never does; the file is damaged", key=brief(key)))

    def load_setitem(self) -> None:
        self._keys(self.stack[-2:-1])
        super().load_setitem()
    dispatch[pickle.SETITEM[0]] = load_setitem

    def load_setitems(self) -> None:
        self._keys(self.stack[0::2])   # after a MARK, self.stack holds only the items
        super().load_setitems()
    dispatch[pickle.SETITEMS[0]] = load_setitems

    def load_dict(self) -> None:
        self._keys(self.stack[0::2])   # after a MARK, self.stack holds only the items
        super().load_dict()
    dispatch[pickle.DICT[0]] = load_dict

    def load_additems(self) -> None:
        self._keys(self.stack)
        super().load_additems()
    dispatch[pickle.ADDITEMS[0]] = load_additems

    def load_frozenset(self) -> None:
        self._keys(self.stack)
        super().load_frozenset()
    dispatch[pickle.FROZENSET[0]] = load_frozenset

    def persistent_load(self, pid: Any) -> StorageRef:
        if not isinstance(pid, tuple) or len(pid) not in (5, 6) or _text(pid[0]) != "storage":
            raise UserError(tr("the pickle refers to an unknown object ({pid}); the file is damaged",
                               pid=brief(pid)))
        kind, key, location, numel = pid[1], _text(pid[2]), _text(pid[3]), pid[4]
        if (not isinstance(kind, StorageType) or type(numel) is not int or not 0 <= numel < 2**62
                or key is None or location is None):
            raise UserError(tr("the pickle describes a storage it cannot have; the file is damaged"))
        storage = self.storages.get(key)
        if storage is None:
            storage = self.storages[key] = StorageRef(kind, key, location, numel)
        view = pid[5] if len(pid) == 6 else None
        if view is None:
            return storage
        return self._legacy_view(storage, view)

    def _legacy_view(self, root: StorageRef, view: Any) -> StorageRef:
        """Legacy files may describe a storage as a slice of another: (view key, offset, size)."""
        if not (isinstance(view, tuple) and len(view) == 3 and type(view[1]) is int and type(view[2]) is int
                and _text(view[0]) is not None and 0 <= view[1] < 2**62 and 0 <= view[2] < 2**62):
            raise UserError(tr("the pickle describes a storage view it cannot have; the file is damaged"))
        key = _text(view[0])
        if key not in self.storages:
            piece = StorageRef(root.kind, key, root.location, view[2])
            piece.parent = (root, view[1])
            self.storages[key] = piece
        return self.storages[key]


def _too_much() -> UserError:
    return UserError(tr("its pickle builds more objects than a dictionary of tensors ever needs; lstm-viewer "
                        "stopped reading it (a damaged or hostile file)"))


def _text(value: Any) -> str | None:
    """Keys and locations: str, or bytes in pickles written by Python 2; None if neither, or long."""
    if isinstance(value, (str, bytes)) and len(value) <= MAX_KEY_CHARS:
        return value.decode("ascii", "replace") if isinstance(value, bytes) else value
    return None


def unpickle(file: BinaryIO, storages: dict[str, StorageRef] | None = None) -> Any:
    """One pickle from ``file`` through ``SafeUnpickler``; any fault of the pickle is one sentence."""
    try:
        return SafeUnpickler(file, storages).load()
    except UserError:
        raise
    except RecursionError:
        raise UserError(tr("its pickle nests too deeply; the file is damaged")) from None
    except MemoryError:
        raise UserError(tr("its pickle claims more memory than there is; the file is damaged")) from None
    except Exception as exc:  # noqa: BLE001  (a damaged pickle can raise almost anything)
        raise UserError(tr("its pickle cannot be read ({error_type}: {exc}); "
                           "the file is damaged or not written by torch.save", error_type=type(exc).__name__,
                           exc=brief(str(exc), 80)[1:-1])) from None


# --- the two containers ------------------------------------------------------------------------

def zip_pickle_member(names: list[str]) -> str | None:
    """The ``<root>/data.pkl`` of a torch zip (the root is the file's name when saved, or 'archive')."""
    found = [n for n in names if n.endswith("/data.pkl")]
    shallowest = [n for n in found if found and n.count("/") == min(f.count("/") for f in found)]
    return shallowest[0] if len(shallowest) == 1 else None


def is_torchscript(names: list[str]) -> bool:
    return any(n.endswith("/constants.pkl") or "/code/" in n for n in names)


def legacy_prefix_matches(head: bytes) -> bool:
    """Does the file start with a pickle of torch's magic number (PROTO n, LONG1 of 10 bytes)?"""
    return (len(head) >= 14 and head[0] == 0x80 and head[2:4] == b"\x8a\x0a"
            and int.from_bytes(head[4:14], "little") == MAGIC_NUMBER)


# What a damaged zip member can raise while it is opened or inflated.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError,
              RuntimeError, ValueError, OverflowError, KeyError)


def open_regular(path: Path) -> BinaryIO:
    """``open(path, 'rb')`` for a regular file only: a FIFO or a device would block or never end.

    Opened without blocking, then checked, so a FIFO swapped in after a check cannot hang us either.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(21, "not a regular file") if stat.S_ISDIR(os.fstat(fd).st_mode) \
                else OSError(f"{Path(path).name} is not a regular file (a pipe or a device?)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _Bounded:
    """A file's read/readline that never ask for more than the file holds (pickle's length fields
    could otherwise make the buffered reader allocate what they claim)."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        self.file, self.size = file, size

    def read(self, n: int = -1) -> bytes:
        left = max(0, self.size - self.file.tell())
        return self.file.read(left if n is None or n < 0 else min(n, left))

    def readline(self) -> bytes:
        return self.file.readline(max(0, self.size - self.file.tell()))


class TorchFile:
    """An open torch.save file: ``load()`` gives its object; tensors read from it while it is open."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self._file: BinaryIO | None = None

    def __enter__(self) -> TorchFile:
        return self

    def __exit__(self, *exc) -> None:
        for handle in (self._zip, self._file):
            if handle is not None:
                handle.close()

    def load(self) -> Any:
        try:
            self._file = open_regular(self.path)
            head = self._file.read(16)
        except OSError as exc:
            raise UserError(tr("cannot be read ({reason})", reason=exc.strerror or exc)) from None
        if head.startswith(b"PK"):
            return self._load_zip()
        if legacy_prefix_matches(head):
            return self._load_legacy()
        raise UserError(tr("is neither a torch.save zip nor torch's legacy format; the file is damaged"))

    def _load_zip(self) -> Any:
        try:
            self._file.seek(0)
            self._zip = zipfile.ZipFile(self._file)
            names = self._zip.namelist()
        except ZIP_ERRORS as exc:
            raise UserError(tr("is a damaged zip archive ({exc})", exc=brief(str(exc), 80)[1:-1])) from None
        if is_torchscript(names):
            raise UnsupportedModel(tr("is a TorchScript archive (torch.jit.save), whose code lstm-viewer "
                                      "will not run; save the weights instead: "
                                      "torch.save(model.state_dict(), 'model.pth')"))
        member = zip_pickle_member(names)
        if member is None:
            raise UserError(tr("is a zip archive without exactly one '<name>/data.pkl'; it is not a "
                               "torch.save file"))
        root = member[: -len("data.pkl")]
        big_endian = self._member_text(root + "byteorder", "little") == "big"
        if self._zip.getinfo(member).file_size > MAX_PICKLE_BYTES:
            raise UserError(tr("its data.pkl is too large to be a dictionary of tensors; the file is "
                               "damaged"))
        try:
            data = self._zip.read(member)
        except ZIP_ERRORS as exc:
            raise UserError(tr("is a damaged zip archive: its data.pkl cannot be read "
                               "({exc})", exc=brief(str(exc), 80)[1:-1])) from None
        storages: dict[str, StorageRef] = {}
        obj = unpickle(io.BytesIO(data), storages)
        for storage in storages.values():
            storage.big_endian = big_endian
            storage.fetch = self._zip_fetcher(f"{root}data/{storage.key}")
        return obj

    def _member_text(self, name: str, default: str) -> str:
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            return default  # files from torch 1.6 to 1.9 have no byteorder: little-endian
        try:
            with self._zip.open(info) as member:
                return member.read(16).decode("ascii", "replace").strip()
        except ZIP_ERRORS:
            raise UserError(tr("is a damaged zip archive: its byteorder cannot be read")) from None

    def _zip_fetcher(self, name: str) -> Callable[[int], bytes]:
        def fetch(nbytes: int) -> bytes:
            try:
                info = self._zip.getinfo(name)
            except KeyError:
                raise UserError(tr("has no data for its storage {name}; the file is "
                                   "damaged", name=brief(name, 80))) from None
            # torch stores its members uncompressed; a compressed one may not inflate past deflate's limit.
            most = info.compress_size * (1 if info.compress_type == zipfile.ZIP_STORED else 1032)
            if min(info.file_size, most) < nbytes:
                raise UserError(tr("its storage {name} claims {nbytes} bytes but holds {size}; the file is "
                                   "damaged", name=brief(name, 80), nbytes=nbytes, size=info.file_size))
            try:
                with self._zip.open(info) as member:
                    data = member.read(nbytes)
            except ZIP_ERRORS as exc:
                raise UserError(tr("is a damaged zip archive: its storage {name} cannot be read "
                                   "({exc})", name=brief(name, 80), exc=brief(str(exc), 80)[1:-1])) from None
            if len(data) != nbytes:
                raise UserError(tr("its storage {name} ends early; the file is damaged",
                                   name=brief(name, 80)))
            return data
        return fetch

    def _load_legacy(self) -> Any:
        self._file.seek(0)
        size = os.fstat(self._file.fileno()).st_size
        f = _Bounded(self._file, size)
        if unpickle(f) != MAGIC_NUMBER:
            raise UserError(tr("does not start with torch's magic number; the file is damaged"))
        version = unpickle(f)
        if version != LEGACY_PROTOCOL_VERSION:
            raise UserError(tr("is torch's legacy format version {version}, not {expected}",
                               version=brief(version), expected=LEGACY_PROTOCOL_VERSION))
        sys_info = unpickle(f)
        big_endian = isinstance(sys_info, dict) and sys_info.get("little_endian") is False
        storages: dict[str, StorageRef] = {}
        obj = unpickle(f, storages)
        keys = unpickle(f)
        if not isinstance(keys, list) or not all(_text(k) is not None for k in keys):
            raise UserError(tr("its list of storages is missing; the file is damaged"))
        self._locate_legacy_storages([_text(k) for k in keys], storages, big_endian, size)
        return obj

    def _locate_legacy_storages(self, keys: list[str], storages: dict[str, StorageRef],
                                big_endian: bool, size: int) -> None:
        """Walk the storages section: for each key, an 8-byte element count, then the bytes."""
        f = self._file
        position = f.tell()
        order = "big" if big_endian else "little"
        for key in keys:
            storage = storages.get(key)
            if storage is None or storage.parent is not None or storage.fetch is not None:
                raise UserError(tr("lists a storage {key} its pickle never uses; the file is damaged",
                                   key=brief(key)))
            f.seek(position)
            count = f.read(8)
            if len(count) != 8:
                raise UserError(tr("ends inside its storages; the file is damaged (cut short?)"))
            numel = int.from_bytes(count, order)
            start, nbytes = position + 8, numel * storage.kind.itemsize
            if start + nbytes > size or numel < storage.numel:
                raise UserError(tr("its storage {key} claims {nbytes} bytes beyond what the file holds; "
                                   "the file is damaged", key=brief(key), nbytes=nbytes))
            storage.big_endian = big_endian
            storage.fetch = self._legacy_fetcher(start, nbytes)
            position = start + nbytes

    def _legacy_fetcher(self, start: int, available: int) -> Callable[[int], bytes]:
        def fetch(nbytes: int) -> bytes:
            if nbytes > available:
                raise UserError(tr("a storage claims {nbytes} bytes but holds {available}; the file is "
                                   "damaged",
                                   nbytes=nbytes, available=available))
            try:
                self._file.seek(start)
                data = self._file.read(nbytes)
            except OSError as exc:
                raise UserError(tr("cannot be read ({reason})", reason=exc.strerror or exc)) from None
            if len(data) != nbytes:
                raise UserError(tr("ends inside its storages; the file is damaged (cut short?)"))
            return data
        return fetch

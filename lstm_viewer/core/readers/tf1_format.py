"""The bytes of a TensorFlow 1 checkpoint (V2, what ``tf.train.Saver`` writes), read without TensorFlow.

- ``prefix.index`` is a LevelDB-style table: data blocks of key/value entries (keys share prefixes with
  the entry before; restart points every few entries), an index block pointing at the data blocks,
  and a 48-byte footer (two varint block handles padded to 40 bytes, then the magic number). Each
  block is followed by one compression byte (TF writes 0, none) and a masked CRC-32C.
- The key ``""`` holds a ``BundleHeaderProto``; every other key is a variable name whose value is a
  ``BundleEntryProto``: dtype, shape, shard, offset and size of its raw little-endian bytes in
  ``prefix.data-{shard:05d}-of-{num_shards:05d}``.
- ``prefix.meta`` is a ``MetaGraphDef`` protobuf; only the graph's nodes (name, op, inputs, attributes)
  are read, and attribute values only when asked for.

Protobuf is decoded by a few lines of wire-format parsing (varint, fixed32/64, length-delimited); no
field is interpreted beyond the few named here, and nothing in a file is executed.
"""
from __future__ import annotations

import math
import os
import re
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import UnsupportedModel, UserError
from ..i18n import ntr, tr

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48                 # 2 block handles padded to 40 bytes + the 8-byte magic
BLOCK_TRAILER_SIZE = 5           # compression type + masked crc32c
MAX_INDEX_BYTES = 64 << 20       # an index describes variables, not their values: never this big
MAX_META_BYTES = 32 << 20        # a graph (the seed's is 2 MB); pure-Python parsing takes ~3 MB/s at worst
MAX_KEY_BYTES = 1 << 16          # a variable's name
MAX_ENTRIES = 1_000_000          # variables in one index
MAX_DIMS = 64

# TensorFlow's DataType enum: the numbers a checkpoint stores and what numpy reads them as.
DTYPES = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
          9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 19: "float16", 22: "uint32",
          23: "uint64"}
NUMPY_DTYPES = {"float32": "<f4", "float64": "<f8", "int32": "<i4", "uint8": "u1", "int16": "<i2",
                "int8": "i1", "int64": "<i8", "bool": "?", "uint16": "<u2", "float16": "<f2",
                "uint32": "<u4", "uint64": "<u8"}
HALF_PRECISION = ("float16", "bfloat16")


class FormatError(UserError):
    """The bytes do not decode as the format says: the file is damaged (or not a checkpoint)."""


# --- protobuf wire format ---------------------------------------------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise FormatError(tr("a number in the file runs past its end; the file is damaged"))
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """``(field number, value)`` of each field of one protobuf message, in order.

    Varints and fixed-width numbers come as ints, length-delimited fields as bytes.
    """
    pos, end = 0, len(buf)
    while pos < end:
        key = buf[pos]                  # one-byte varints inline: most keys and lengths are
        if key < 0x80:
            pos += 1
        else:
            key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            size = buf[pos] if pos < end else 0x80
            if size < 0x80:
                pos += 1
            else:
                size, pos = _varint(buf, pos)
            if pos + size > end:
                raise FormatError(tr("a protobuf field runs past its message; the file is damaged"))
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            if pos + 4 > end:
                raise FormatError(tr("a protobuf field runs past its message; the file is damaged"))
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        elif wire == 1:
            if pos + 8 > end:
                raise FormatError(tr("a protobuf field runs past its message; the file is damaged"))
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        else:  # groups (3, 4) are long deprecated and never written by TensorFlow
            raise FormatError(tr("a protobuf field has wire type {wire}; the file is damaged", wire=wire))
        if number == 0:
            raise FormatError(tr("a protobuf field has number 0; the file is damaged"))
        yield number, value


def open_regular(path: Path):
    """``open(path, 'rb')`` for a regular file only: a FIFO would block forever, a device never end.

    Opened without blocking and checked after opening, so nothing swapped in after a check can hang us.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory")
        if not stat.S_ISREG(mode):
            raise OSError(f"'{Path(path).name}' is not a regular file (a pipe or a device?)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes, refusing (OSError) more than ``limit`` of them."""
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise OSError(f"'{Path(path).name}' is {size >> 20} MB, more than such a file ever holds")
        return f.read(limit + 1)[:limit + 1]


def message(buf: bytes) -> dict[int, list]:
    """All fields of one message: field number -> its values in order (repeated fields have several)."""
    out: dict[int, list] = {}
    for number, value in fields(buf):
        out.setdefault(number, []).append(value)
    return out


def number(fields_: dict[int, list], key: int, default: int = 0) -> int:
    """The last value of a varint (or fixed-width) field: an int, whatever a damaged file holds there."""
    value = fields_.get(key, [default])[-1]
    if not isinstance(value, int):
        raise FormatError(tr("a protobuf field that holds a number holds bytes; the file is damaged"))
    return value


def submessage(fields_: dict[int, list], key: int, default: bytes = b"") -> bytes:
    """The last value of a length-delimited field (a string or a message): bytes."""
    value = fields_.get(key, [default])[-1]
    if not isinstance(value, bytes):
        raise FormatError(tr("a protobuf field that holds a message holds a number; the file is damaged"))
    return value


def _float32(bits: int) -> float:
    return struct.unpack("<f", bits.to_bytes(4, "little"))[0]


# --- the table (.index) -----------------------------------------------------------------------------

def has_table_footer(path: Path) -> bool:
    """True if the file ends in the table magic number: reads 8 bytes."""
    try:
        with open_regular(path) as f:
            f.seek(0, 2)
            if f.tell() < FOOTER_SIZE:
                return False
            f.seek(-8, 2)
            return int.from_bytes(f.read(8), "little") == TABLE_MAGIC
    except (OSError, ValueError):   # unreadable, not a regular file, a name with a NUL
        return False


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), as LevelDB and TensorFlow compute it. Pure Python: for small blocks."""
    crc = 0xFFFFFFFF
    table = _CRC32C
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _unmask(masked: int) -> int:
    """LevelDB stores crc rotated and offset ("masked") so a crc of data holding crcs stays useful."""
    rotated = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rotated >> 17) | (rotated << 15)) & 0xFFFFFFFF


def _block(data: bytes, handle: bytes, name: str) -> bytes:
    """The contents of the block a handle (varint offset, varint size) points at, after its checks."""
    offset, pos = _varint(handle, 0)
    size, _ = _varint(handle, pos)
    end = offset + size + BLOCK_TRAILER_SIZE
    if end > len(data) - FOOTER_SIZE:
        raise FormatError(tr("the index file '{name}' is cut short (a block runs past its end); the "
                             "file is damaged", name=name))
    contents, compression = data[offset:offset + size], data[offset + size]
    if compression != 0:
        raise UnsupportedModel(tr("the index file '{name}' has compressed blocks (type {compression}); "
                                  "TensorFlow writes them uncompressed and the direct reader reads "
                                  "only those", name=name, compression=compression))
    stored = int.from_bytes(data[offset + size + 1:end], "little")
    if crc32c(data[offset:offset + size + 1]) != _unmask(stored):
        raise FormatError(tr("the index file '{name}' fails its checksum; the file is damaged", name=name))
    return contents


def _block_entries(block: bytes, name: str) -> Iterator[tuple[bytes, bytes]]:
    """``(key, value)`` of each entry of one block; keys are stored as (shared, unshared) prefixes."""
    if len(block) < 4:
        raise FormatError(tr("the index file '{name}' has a block too short to hold its restart points; "
                             "the file is damaged", name=name))
    restarts = int.from_bytes(block[-4:], "little")
    limit = len(block) - 4 - 4 * restarts
    if limit < 0:
        raise FormatError(ntr("the index file '{name}' has a block with {count} restart point in {size} "
                              "bytes; the file is damaged",
                              "the index file '{name}' has a block with {count} restart points in {size} "
                              "bytes; the file is damaged", restarts, name=name, size=len(block)))
    pos, key = 0, b""
    while pos < limit:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        size, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + size > limit:
            raise FormatError(tr("the index file '{name}' has an entry running past its block; "
                                 "the file is damaged", name=name))
        if shared + unshared > MAX_KEY_BYTES:   # each key copies the shared part: keep that bounded
            raise FormatError(tr("the index file '{name}' has a variable name of {length} bytes; the file "
                                 "is damaged", name=name, length=shared + unshared))
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + size]
        pos += size


def read_table(path: Path) -> dict[str, bytes]:
    """Every key and value of the table file, keys decoded as UTF-8."""
    name = path.name
    try:
        with open_regular(path) as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_INDEX_BYTES:
                raise FormatError(tr("the index file '{name}' is {size} MB, far more than a "
                                     "checkpoint's list of variables; the file is damaged", name=name,
                                     size=size >> 20))
            data = f.read(MAX_INDEX_BYTES + 1)
    except FileNotFoundError:
        raise UserError(tr("the index file '{name}' is missing", name=name)) from None
    except IsADirectoryError:
        raise UserError(tr("the index file '{name}' is a folder, not a file", name=name)) from None
    except OSError as exc:
        raise UserError(tr("the index file '{name}' cannot be read ({reason})", name=name,
                           reason=exc.strerror or exc)) from None
    except ValueError:   # a path the system refuses (a NUL in a 'checkpoint' file's path)
        raise UserError(tr("the index file's name {name!r} is not a valid path", name=name)) from None
    if len(data) > MAX_INDEX_BYTES:
        raise FormatError(tr("the index file '{name}' is far more than a checkpoint's list of variables; "
                             "the file is damaged", name=name))
    if len(data) < FOOTER_SIZE or int.from_bytes(data[-8:], "little") != TABLE_MAGIC:
        raise FormatError(tr("the index file '{name}' does not end in a TensorFlow table's footer "
                             "(cut short, or not a checkpoint index)", name=name))
    footer = data[-FOOTER_SIZE:-8]
    pos = 0
    for _ in range(2):                   # skip the metaindex handle: TensorFlow stores nothing there
        _, pos = _varint(footer, pos)
    index_block = _block(data, footer[pos:], name)
    table: dict[str, bytes] = {}
    block_end, budget = 0, 4 * len(data) + (1 << 20)   # the bytes of keys and values the table may hold
    for _, handle in _block_entries(index_block, name):
        # Data blocks follow each other (TensorFlow writes them so): each is read and checked once,
        # and the work is bounded by the file's size, however many handles the index block holds.
        offset, _ = _varint(handle, 0)
        if offset < block_end:
            raise FormatError(tr("the index file '{name}' has blocks that overlap or repeat; the file is "
                                 "damaged", name=name))
        block = _block(data, handle, name)
        block_end = offset + len(block) + BLOCK_TRAILER_SIZE
        for key, value in _block_entries(block, name):
            budget -= len(key) + len(value) + 64
            if budget < 0 or len(table) >= MAX_ENTRIES:
                raise FormatError(tr("the index file '{name}' lists far more variables than a checkpoint "
                                     "holds; the file is damaged", name=name))
            try:
                table[key.decode("utf-8")] = value
            except UnicodeDecodeError:
                raise FormatError(tr("the index file '{name}' has a variable name that is not text; "
                                     "the file is damaged", name=name)) from None
    return table


# --- the bundle: variables in the index, bytes in the data files ------------------------------------

@dataclass(frozen=True)
class Variable:
    """One variable of the checkpoint, as its ``BundleEntryProto`` describes it."""

    name: str
    dtype: str                  # numpy's name, or TensorFlow's for types numpy lacks ("bfloat16")
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    sliced: bool = False        # a partitioned variable, stored as slices

    @property
    def is_float(self) -> bool:
        return self.dtype in ("float32", "float64") or self.dtype in HALF_PRECISION


@dataclass
class Bundle:
    """A checkpoint's list of variables; reading one's values needs the data files."""

    prefix: Path
    num_shards: int
    variables: dict[str, Variable] = field(default_factory=dict)

    def data_path(self, shard: int) -> Path:
        return self.prefix.with_name(f"{self.prefix.name}.data-{shard:05d}-of-{self.num_shards:05d}")


def _shape(buf: bytes) -> tuple[int, ...]:
    """TensorShapeProto: repeated dim (2) {size (1)}; unknown_rank (3)."""
    dims = []
    for field_number, value in fields(buf):
        if field_number == 2:
            if not isinstance(value, bytes) or len(dims) >= MAX_DIMS:
                raise FormatError(tr("a variable of the checkpoint has a shape it cannot have; the file is "
                                     "damaged"))
            size = number(message(value), 1)
            dims.append(size - (1 << 64) if size >= 1 << 63 else size)   # int64: -1 is "unknown"
        elif field_number == 3 and value:
            raise FormatError(tr("a variable of the checkpoint has no known shape; the file is damaged"))
    return tuple(dims)


def _variable(name: str, buf: bytes) -> Variable:
    fields_ = message(buf)
    code = number(fields_, 1)
    dtype = DTYPES.get(code, f"type {code}")
    shape = _shape(submessage(fields_, 2)) if 2 in fields_ else ()
    if any(d < 0 for d in shape):
        raise FormatError(tr("the variable '{name}' has a negative dimension {shape}; the file is damaged",
                             name=name, shape=shape))
    return Variable(name, dtype, shape, shard=number(fields_, 3), offset=number(fields_, 4),
                    size=number(fields_, 5), sliced=7 in fields_)


def read_bundle(prefix: Path) -> Bundle:
    """The checkpoint's header and variables, from ``prefix.index`` alone."""
    index = prefix.with_name(prefix.name + ".index")
    table = read_table(index)
    if "" not in table:
        raise FormatError(tr("the index file '{index}' has no bundle header; it is not a TensorFlow "
                             "2-format checkpoint index", index=index.name))
    header = message(table.pop(""))
    num_shards = number(header, 1, 1)
    if number(header, 2) != 0:
        raise UnsupportedModel(tr("the checkpoint stores big-endian numbers; the direct reader reads "
                                  "little-endian checkpoints, as every common machine writes them"))
    if not 1 <= num_shards <= 100000:
        raise FormatError(ntr("the index file '{index}' names {count} data shard; the file is damaged",
                              "the index file '{index}' names {count} data shards; the file is damaged",
                              num_shards, index=index.name))
    bundle = Bundle(prefix, num_shards)
    for name, value in table.items():
        bundle.variables[name] = _variable(name, value)
    return bundle


def read_tensor(bundle: Bundle, variable: Variable) -> np.ndarray:
    """One variable's values, after checking its type, size and place in the data file."""
    name = variable.name
    if variable.dtype in HALF_PRECISION:
        raise UnsupportedModel(tr("the checkpoint stores '{name}' as half-precision (float16/bfloat16) "
                                  "numbers; lstm-viewer computes in float32 and would not reproduce the "
                                  "model's own numbers", name=name))
    if variable.sliced:
        raise UnsupportedModel(tr("the checkpoint stores '{name}' in slices (a partitioned variable); "
                                  "the direct reader reads whole variables only", name=name))
    if variable.dtype not in NUMPY_DTYPES:
        raise UnsupportedModel(tr("the checkpoint stores '{name}' as {dtype} values, not "
                                  "numbers lstm-viewer can read", name=name, dtype=variable.dtype))
    dtype = np.dtype(NUMPY_DTYPES[variable.dtype])
    count = math.prod(variable.shape)      # exact: numpy's int64 product would wrap round
    if variable.size != count * dtype.itemsize:
        raise FormatError(tr("the checkpoint records {size} bytes for '{name}', but its shape {shape} of "
                             "{dtype} needs {needed}; the file is damaged", size=variable.size, name=name,
                             shape=variable.shape, dtype=variable.dtype, needed=count * dtype.itemsize))
    if not 0 <= variable.shard < bundle.num_shards:
        raise FormatError(tr("the checkpoint puts '{name}' in data shard {shard} of "
                             "{num_shards}; the file is damaged", name=name, shard=variable.shard,
                             num_shards=bundle.num_shards))
    path = bundle.data_path(variable.shard)
    try:
        with open_regular(path) as f:
            f.seek(0, 2)
            available = f.tell()
            if variable.offset + variable.size > available:
                raise FormatError(tr("the weights file '{file}' holds {available} bytes, but '{name}' "
                                     "should end at byte {end}; the file is cut short or damaged",
                                     file=path.name, available=available, name=name,
                                     end=variable.offset + variable.size))
            f.seek(variable.offset)
            raw = f.read(variable.size)
        if len(raw) != variable.size:
            raise FormatError(tr("the weights file '{file}' ends inside '{name}'; the file is cut short",
                                 file=path.name, name=name))
    except FileNotFoundError:
        raise UserError(tr("the weights file '{file}' is missing: the checkpoint's index lists the "
                           "variables, but their values are in that file", file=path.name)) from None
    except IsADirectoryError:
        raise UserError(tr("the weights file '{file}' is a folder, not a file", file=path.name)) from None
    except OSError as exc:
        raise UserError(tr("the weights file '{file}' cannot be read ({reason})", file=path.name,
                           reason=exc.strerror or exc)) from None
    return np.frombuffer(raw, dtype=dtype).reshape(variable.shape).astype(dtype.newbyteorder("="))


# --- the graph (.meta) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """One NodeDef of the graph; attributes stay encoded until asked for (most are never needed)."""

    name: str
    op: str
    inputs: tuple[str, ...]
    raw_attrs: tuple[bytes, ...]

    @cached_property
    def attrs(self) -> dict[str, bytes]:
        """Attribute name -> its encoded AttrValue (map entries: key (1), value (2))."""
        out = {}
        for raw in self.raw_attrs:
            entry = message(raw)
            out[entry.get(1, [b""])[-1].decode("utf-8", "replace")] = entry.get(2, [b""])[-1]
        return out

    def attr_float(self, key: str) -> float | None:
        """An attribute holding one float (AttrValue.f), or None."""
        raw = self.attrs.get(key)
        values = message(raw).get(4) if raw is not None else None
        return _float32(values[-1]) if values else None

    def attr_bool(self, key: str) -> bool | None:
        raw = self.attrs.get(key)
        values = message(raw).get(5) if raw is not None else None
        return bool(values[-1]) if values else None

    def const_value(self) -> float | None:
        """A Const node's value when it is one float (scalar, or one element), else None."""
        if self.op != "Const" or "value" not in self.attrs:
            return None
        tensor = message(self.attrs["value"]).get(8)
        if not tensor:
            return None
        proto = message(tensor[-1])
        dtype = DTYPES.get(proto.get(1, [0])[-1])
        if dtype == "float32":
            if 4 in proto and len(proto[4][-1]) == 4:           # tensor_content
                return float(np.frombuffer(proto[4][-1], "<f4")[0])
            return _single(_floats(proto.get(5, []), "<f4", 4))  # float_val
        if dtype == "float64":
            if 4 in proto and len(proto[4][-1]) == 8:
                return float(np.frombuffer(proto[4][-1], "<f8")[0])
            return _single(_floats(proto.get(6, []), "<f8", 8))  # double_val
        return None


def _floats(values: list, dtype: str, width: int) -> list[float]:
    """A repeated float/double field, packed (bytes) or one value per field (int bits)."""
    out: list[float] = []
    for value in values:
        if isinstance(value, bytes):
            out.extend(np.frombuffer(value[:len(value) // width * width], dtype).tolist())
        else:
            out.append(float(np.frombuffer(value.to_bytes(width, "little"), dtype)[0]))
    return out


def _single(values: list[float]) -> float | None:
    return values[0] if len(set(values)) == 1 else None


def _node(buf: bytes) -> Node:
    name = op = ""
    inputs: list[str] = []
    attrs: list[bytes] = []
    for field_number, value in fields(buf):
        if not isinstance(value, bytes):
            continue                                            # a damaged node: what is text is kept
        if field_number == 1:
            name = value.decode("utf-8", "replace")
        elif field_number == 2:
            op = value.decode("utf-8", "replace")
        elif field_number == 3:
            inputs.append(value.decode("utf-8", "replace"))
        elif field_number == 5:                                 # map<string, AttrValue> entry
            attrs.append(value)
    return Node(name, op, tuple(inputs), tuple(attrs))


def read_graph(path: Path) -> dict[str, Node]:
    """The nodes of a ``.meta`` file's graph by name (MetaGraphDef.graph_def (2) -> node (1))."""
    data = read_regular(path, MAX_META_BYTES)
    nodes: dict[str, Node] = {}
    for field_number, graph in fields(data):
        if field_number == 2 and isinstance(graph, bytes):
            for node_number, node in fields(graph):
                if node_number == 1 and isinstance(node, bytes):
                    parsed = _node(node)
                    nodes[parsed.name] = parsed
    return nodes


def tensor_node(name: str) -> str:
    """The node an input names: 'a/b:2' -> 'a/b'; '^a' (a control input) -> 'a'."""
    return re.sub(r":\d+$", "", name.lstrip("^"))

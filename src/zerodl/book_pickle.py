"""Reading a weight pickle as data: the pickle's program is interpreted here, never run.

A pickle is a small program for a stack machine. Its opcodes push values (numbers, strings,
bytes), gather the values above a MARK into a tuple or a dict, remember values in a memo and
fetch them back, and, for everything else, name a global (a module attribute) that REDUCE
calls with arguments and BUILD hands a state. pickle.load runs that program, so a file can call
anything it names. Allow-lists of "harmless" callables do not fix that: NumPy's own dtype and
array hooks trust the state they are given, and a dtype state with lying flags crashes the
interpreter. (The same class of flaw was PyTorch's restricted unpickler, CVE-2026-24747.)

This reader runs the program on values that are only data. A global stays two strings, and a
call is recognised by those strings, never made. A dict of NumPy arrays, as NumPy 1.x and 2.x
write it in protocols 0 to 5 (and Python 2 before them), needs only these shapes:

    _reconstruct(ndarray, (0,), b'b'), then BUILD (1, shape, dtype, fortran, data)  protocols 0-4
    _frombuffer(data, dtype, shape, order)                                           protocol 5
    dtype('f8', False, True), then BUILD (3, '<', None, None, None, -1, -1, 0)
    _codecs.encode(text, 'latin1') and bytes()                  how protocols 0-2 write bytes

A dtype is read as data (kind f, i or u, byte order, item size) and made by zerodl from those
three facts; an array is np.frombuffer over bytes of the file, once its element count times its
item size was found equal to the number of bytes present. Every count the file controls (opcodes,
stack, marks, memo, nesting, dimensions, entries) has a limit, so no file can make the reader
allocate much more than the file's own size.
"""

from __future__ import annotations

import codecs
import math
import pickle
import pickletools
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from zerodl.errors import ModelFileError

MAX_PICKLE_BYTES = 128 << 20  # the book's largest weight file is 3.4 MB
MAX_OPCODES = 100_000  # a dict of arrays takes about 40 opcodes per array
MAX_STACK = 10_000
MAX_MARKS = 16  # a dict of arrays nests four deep: items, state, dtype state, shape
MAX_MEMO = 10_000
MAX_DEPTH = 4  # tuples in tuples: an array's state holds its shape, two deep
MAX_DIMS = 32
MAX_ENTRIES = 1_000
MAX_NAME_CHARS = 256  # dict keys and global names
MAX_LINE = 256  # the text arguments of protocol 0: numbers, memo indices, global names
SHORT_TEXT = 4096  # longer texts can only be array data, which is latin-1
_TEXT_CHUNK = 1 << 20

# The globals a NumPy weight pickle names, with the role each plays here. None is imported.
GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("_codecs", "encode"): "encode",
    ("__builtin__", "bytes"): "bytes",
    ("builtins", "bytes"): "bytes",
}
# Element kinds and item sizes of the arrays a weight file may hold.
NUMERIC = {"f": (2, 4, 8), "i": (1, 2, 4, 8), "u": (1, 2, 4, 8)}
# A plain numeric dtype's state after its byte order: (field name, the one value it may have).
_PLAIN_DTYPE_STATE = (("subarray", None), ("names", None), ("fields", None), ("elsize", -1),
                      ("alignment", -1), ("flags", 0))
_OPCODE_NAMES = {op.code.encode("latin1")[0]: op.name for op in pickletools.opcodes}
_PERSISTENT = "uses persistent references (objects kept outside the file)"
_OUT_OF_BAND = "refers to out-of-band buffers, which are not in the file"
_DECIMAL = re.compile(rb"[-+]?[0-9]{1,19}")


@dataclass(frozen=True)
class _Global:
    """A global the file names, as its two strings (only those of GLOBALS are ever made)."""

    module: str
    name: str

    @property
    def role(self) -> str:
        return GLOBALS[(self.module, self.name)]


@dataclass(frozen=True)
class _Py2Str:
    """A Python 2 str (STRING, BINSTRING, SHORT_BINSTRING): bytes that also served as text."""

    raw: memoryview | bytes


@dataclass(frozen=True)
class _Latin1Text:
    """A text too long to be a name, kept as its latin-1 bytes: protocol 0-2 array data."""

    data: bytearray


class _Tuple(tuple):
    """A tuple from the file that knows how deeply it nests."""

    depth: int


@dataclass(eq=False)
class _Pending:
    """What a REDUCE of dtype or _reconstruct made, waiting for BUILD to give it its value."""

    kind: str  # "dtype" or "array"
    spec: tuple[str, int] | None = None  # a dtype's kind and item size, read from its name
    value: np.dtype | np.ndarray | None = None


def _is_int(value) -> bool:
    return type(value) in (int, bool)


def _same(value, expected) -> bool:
    """value == expected, compared only between values of the same kind (an array from the file
    would compare elementwise, and True == 1 is fine where NumPy itself writes either)."""
    if isinstance(expected, tuple):
        return (isinstance(value, tuple) and len(value) == len(expected)
                and all(map(_same, value, expected)))
    if _is_int(expected):
        return _is_int(value) and value == expected
    return type(value) is type(expected) and value == expected


def describe(value) -> str:
    """A short, one-line account of a value from the file, for error messages."""
    if value is None or _is_int(value):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"a text of {len(value)} characters"
    if isinstance(value, (memoryview, bytearray)):
        return f"{len(value)} bytes"
    if isinstance(value, _Py2Str):
        return f"a Python 2 string of {len(value.raw)} bytes"
    if isinstance(value, _Latin1Text):
        return f"a text of {len(value.data)} characters"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, _Global):
        return f"the global {value.module}.{value.name}"
    if isinstance(value, _Pending):
        kind = "a dtype" if value.kind == "dtype" else "an array"
        return kind + ("" if value.value is not None else " without its state")
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


class _Reader:
    """The stack machine: run() interprets the opcodes and returns the dict of arrays."""

    def __init__(self, buffer: bytearray) -> None:
        self.buffer, self.view = buffer, memoryview(buffer)
        self.pos = self.op_pos = 0
        self.stack: list = []
        self.marks: list[int] = []
        self.memo: dict[int, object] = {}

    def run(self) -> dict[str, np.ndarray]:
        for _ in range(MAX_OPCODES):
            self.op_pos = self.pos
            code = self._take(1)[0]
            if code == pickle.STOP[0]:
                return self._stop()
            handler = _HANDLERS.get(code)
            if handler is None:
                raise ModelFileError(f"opcode {self.opcode_name()} is not one that a dict of NumPy"
                                     " arrays is written with")
            handler(self)
        raise ModelFileError(f"more than {MAX_OPCODES} opcodes, far more than a dict of arrays needs")

    def opcode_name(self) -> str:
        code = self.buffer[self.op_pos] if self.op_pos < len(self.buffer) else None
        return _OPCODE_NAMES.get(code, f"0x{code:02x}") if code is not None else "end of file"

    # -- the byte stream ---------------------------------------------------------------------
    def _take(self, n: int) -> memoryview:
        left = len(self.view) - self.pos
        if n > left:
            raise ModelFileError(f"truncated: {n} bytes needed, the file has {left} left (it ends"
                                 " before STOP)")
        self.pos += n
        return self.view[self.pos - n:self.pos]

    def _uint(self, n: int) -> int:
        return int.from_bytes(self._take(n), "little")

    def _line(self, limit: int | None = MAX_LINE) -> memoryview:
        end = self.buffer.find(b"\n", self.pos, None if limit is None else self.pos + limit + 1)
        if end < 0:
            raise ModelFileError("a text argument does not end with a newline" +
                                 ("" if limit is None else f" within {limit} bytes"))
        line = self.view[self.pos:end]
        self.pos = end + 1
        return line

    def _text(self, raw: memoryview, codec: str):
        """A short text as str; a long one, which only array data can be, as latin-1 bytes,
        decoded a chunk at a time so that it never takes more memory than its bytes."""
        try:
            if len(raw) <= SHORT_TEXT:
                return codecs.decode(raw, codec)
            decoder, out = codecs.getincrementaldecoder(codec)(), bytearray()
            for start in range(0, len(raw), _TEXT_CHUNK):
                end = start + _TEXT_CHUNK
                out += decoder.decode(raw[start:end], final=end >= len(raw)).encode("latin1")
            return _Latin1Text(out)
        except UnicodeDecodeError:
            raise ModelFileError(f"a text of {len(raw)} bytes is not valid {codec}") from None
        except UnicodeEncodeError:
            raise ModelFileError(f"a text of {len(raw)} bytes holds characters beyond latin-1:"
                                 " too long for a name, and array data is latin-1") from None

    # -- the stack ---------------------------------------------------------------------------
    def _push(self, value) -> None:
        if len(self.stack) >= MAX_STACK:
            raise ModelFileError(f"more than {MAX_STACK} values on the stack")
        self.stack.append(value)

    def _floor(self) -> int:
        return self.marks[-1] if self.marks else 0

    def _pop(self):
        if len(self.stack) <= self._floor():
            raise ModelFileError("needs a value, and the stack is empty above its mark")
        return self.stack.pop()

    def _pop_many(self, n: int) -> list:
        items = [self._pop() for _ in range(n)]
        return items[::-1]

    def _pop_mark(self) -> list:
        if not self.marks:
            raise ModelFileError("needs a MARK, and there is none")
        floor = self.marks.pop()
        items = self.stack[floor:]
        del self.stack[floor:]
        return items

    def _top(self):
        if len(self.stack) <= self._floor():
            raise ModelFileError("needs a value, and the stack is empty above its mark")
        return self.stack[-1]

    # -- opcodes: framing --------------------------------------------------------------------
    def proto(self) -> None:
        version = self._take(1)[0]
        if version > 5:
            raise ModelFileError(f"pickle protocol {version}; Python writes protocols 0 to 5")

    def frame(self) -> None:
        size = self._uint(8)
        if size > len(self.view) - self.pos:
            raise ModelFileError(f"truncated: a frame of {size} bytes, the file has"
                                 f" {len(self.view) - self.pos} left")

    def mark(self) -> None:
        if len(self.marks) >= MAX_MARKS:
            raise ModelFileError(f"MARKs nested more than {MAX_MARKS} deep")
        self.marks.append(len(self.stack))

    def _stop(self) -> dict[str, np.ndarray]:
        if self.marks or len(self.stack) != 1 or not isinstance(self.stack[0], dict):
            last = describe(self.stack[-1]) if self.stack else "nothing"
            raise ModelFileError(f"the pickle ends with {last} ({len(self.stack)} values,"
                                 f" {len(self.marks)} marks open); a weight file ends with its"
                                 " dict of arrays alone")
        if self.pos != len(self.view):
            raise ModelFileError(f"{len(self.view) - self.pos} bytes follow the end of the pickle")
        return self.stack[0]

    # -- opcodes: numbers, None, booleans ----------------------------------------------------
    @staticmethod
    def _decimal(text: memoryview) -> int:
        if not _DECIMAL.fullmatch(text):
            raise ModelFileError(f"{bytes(text[:30])!r} is not an integer of at most 19 digits")
        return int(bytes(text))

    def int_(self) -> None:
        line = self._line()
        # protocol 0 writes False and True as the integers 00 and 01
        self._push(line == b"01" if line in (b"00", b"01") else self._decimal(line))

    def long(self) -> None:
        line = self._line()
        self._push(self._decimal(line[:-1] if line[-1:] == b"L" else line))

    def binint(self) -> None:
        self._push(int.from_bytes(self._take(4), "little", signed=True))

    def unsigned(self, width: int) -> None:  # BININT1, BININT2
        self._push(self._uint(width))

    def long_of(self, width: int) -> None:  # LONG1, LONG4: a length of `width` bytes, then the bytes
        n = self._uint(width)
        if n > 8:
            raise ModelFileError(f"an integer of {n} bytes; a weight file needs no more than 8")
        self._push(int.from_bytes(self._take(n), "little", signed=True))

    def constant(self, value) -> None:  # NONE, NEWTRUE, NEWFALSE
        self._push(value)

    # -- opcodes: strings and bytes ----------------------------------------------------------
    def string(self) -> None:
        line = self._line(None)
        if len(line) < 2 or line[0] not in b"'\"" or line[-1] != line[0]:
            raise ModelFileError("a STRING argument is not a quoted literal")
        try:
            self._push(_Py2Str(codecs.escape_decode(line[1:-1])[0]))
        except ValueError as e:
            raise ModelFileError(f"a STRING argument has a bad escape ({e})") from None

    def binstring(self) -> None:
        size = int.from_bytes(self._take(4), "little", signed=True)
        if size < 0:
            raise ModelFileError(f"a string of negative length {size}")
        self._push(_Py2Str(self._take(size)))

    def short_binstring(self) -> None:
        self._push(_Py2Str(self._take(self._uint(1))))

    def unicode(self) -> None:
        self._push(self._text(self._line(None), "raw_unicode_escape"))

    def binunicode(self, width: int) -> None:  # SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
        self._push(self._text(self._take(self._uint(width)), "utf-8"))

    def binbytes(self, width: int) -> None:  # SHORT_BINBYTES, BINBYTES, BINBYTES8, BYTEARRAY8
        self._push(self._take(self._uint(width)))

    # -- opcodes: tuples and the dict --------------------------------------------------------
    def _tuple(self, items) -> _Tuple:
        depth = 1
        for item in items:
            if isinstance(item, dict):
                raise ModelFileError("a dict inside a tuple; a weight file has one dict, at the top")
            if isinstance(item, _Tuple):
                depth = max(depth, item.depth + 1)
        if depth > MAX_DEPTH:
            raise ModelFileError(f"tuples nested more than {MAX_DEPTH} deep")
        result = _Tuple(items)
        result.depth = depth
        return result

    def tuple_(self) -> None:
        self._push(self._tuple(self._pop_mark()))

    def tuple_of(self, n: int) -> None:  # EMPTY_TUPLE, TUPLE1, TUPLE2, TUPLE3
        self._push(self._tuple(self._pop_many(n)))

    def empty_dict(self) -> None:
        self._push({})

    def dict_(self) -> None:
        target: dict = {}
        self._set_items(target, self._pop_mark())
        self._push(target)

    def setitem(self) -> None:
        items = self._pop_many(2)
        self._set_items(self._top(), items)

    def setitems(self) -> None:
        items = self._pop_mark()
        self._set_items(self._top(), items)

    def _set_items(self, target, items: list) -> None:
        if not isinstance(target, dict):
            raise ModelFileError(f"sets items of {describe(target)}; only the dict has items")
        if len(items) % 2:
            raise ModelFileError("an odd number of values for keys and values")
        for key, value in zip(items[::2], items[1::2], strict=True):
            name = self._key(key)
            if name in target:
                raise ModelFileError(f"the key {name!r} appears twice")
            if len(target) >= MAX_ENTRIES:
                raise ModelFileError(f"more than {MAX_ENTRIES} arrays")
            array = value.value if isinstance(value, _Pending) and value.kind == "array" else value
            if not isinstance(array, np.ndarray):
                raise ModelFileError(f"the value of {name!r} is {describe(value)}, not an array")
            target[name] = array

    def _key(self, key) -> str:
        name = self._name(key)
        if not name:
            raise ModelFileError(f"a key is {describe(key)}; the keys of a weight file are names")
        return name

    @staticmethod
    def _name(value) -> str | None:
        """A str, or a Python 2 str read as latin-1 (what pickle.load(encoding='latin1') does);
        None for anything else, and for names longer than MAX_NAME_CHARS."""
        if isinstance(value, _Py2Str):
            value = bytes(value.raw).decode("latin1") if len(value.raw) <= MAX_NAME_CHARS else None
        return value if isinstance(value, str) and len(value) <= MAX_NAME_CHARS else None

    # -- opcodes: the memo -------------------------------------------------------------------
    def _memo_index(self, width: int) -> int:
        """A memo index: a decimal line in protocol 0 (width 0), else `width` bytes."""
        return self._decimal(self._line()) if width == 0 else self._uint(width)

    def put(self, width: int) -> None:  # PUT, BINPUT, LONG_BINPUT
        index = self._memo_index(width)
        if index not in self.memo and len(self.memo) >= MAX_MEMO:
            raise ModelFileError(f"more than {MAX_MEMO} memo entries")
        self.memo[index] = self._top()

    def memoize(self) -> None:
        if len(self.memo) >= MAX_MEMO:
            raise ModelFileError(f"more than {MAX_MEMO} memo entries")
        self.memo[len(self.memo)] = self._top()

    def get(self, width: int) -> None:  # GET, BINGET, LONG_BINGET
        index = self._memo_index(width)
        if index not in self.memo:
            raise ModelFileError(f"fetches memo entry {index}, which was never stored")
        self._push(self.memo[index])

    # -- opcodes: globals, calls and states --------------------------------------------------
    def _global_named(self, module, name) -> _Global:
        if (module, name) not in GLOBALS:
            shown = f"{module}.{name}" if f"{module}.{name}".isprintable() else repr(f"{module}.{name}")
            raise ModelFileError(f"refused: the pickle asks for {shown[:120]}, and a weight file names"
                                 " only NumPy's array reconstructors (nothing it names is imported)")
        return _Global(module, name)

    def global_(self) -> None:
        module, name = (codecs.decode(self._line(), "utf-8", "replace") for _ in range(2))
        self._push(self._global_named(module, name))

    def stack_global(self) -> None:
        module, name = self._pop_many(2)
        if not (isinstance(module, str) and isinstance(name, str)):
            raise ModelFileError(f"STACK_GLOBAL of {describe(module)} and {describe(name)}, not names")
        self._push(self._global_named(module, name))

    def reduce(self) -> None:
        func, args = self._pop_many(2)
        if not isinstance(func, _Global) or func.role not in _CALLS:
            raise ModelFileError(f"calls {describe(func)}; a NumPy pickle calls only _reconstruct,"
                                 " _frombuffer, dtype and the bytes makers")
        if not isinstance(args, tuple):
            raise ModelFileError(f"calls {func.module}.{func.name} with {describe(args)}, not a tuple")
        self._push(_CALLS[func.role](self, args))

    def build(self) -> None:
        state = self._pop()
        target = self._top()
        if not isinstance(target, _Pending) or target.value is not None:
            raise ModelFileError(f"gives a state to {describe(target)}; only a new dtype or array"
                                 " takes one, once")
        if target.kind == "dtype":
            target.value = self._dtype_state(target.spec, state)
        else:
            target.value = self._array_state(state)

    def refuse(self, what: str) -> None:  # PERSID, BINPERSID, NEXT_BUFFER, READONLY_BUFFER
        raise ModelFileError(f"refused: the pickle {what}")

    # -- what the calls mean -----------------------------------------------------------------
    def _encode(self, args: tuple) -> bytearray:
        """_codecs.encode(text, 'latin1'): how protocols 0-2 spell bytes."""
        if len(args) != 2 or not _same(args[1], "latin1"):
            raise ModelFileError("_codecs.encode with arguments other than (text, 'latin1')")
        text = args[0]
        if isinstance(text, _Latin1Text):
            return text.data
        if not isinstance(text, str):
            raise ModelFileError(f"_codecs.encode of {describe(text)}, not a text")
        try:
            return bytearray(text.encode("latin1"))
        except UnicodeEncodeError:
            raise ModelFileError("_codecs.encode of a text beyond latin-1") from None

    def _bytes(self, args: tuple) -> bytearray:
        """bytes(): how protocols 0-2 spell empty bytes."""
        if args:
            raise ModelFileError(f"bytes() with {len(args)} arguments; NumPy pickles pass none")
        return bytearray()

    def _dtype(self, args: tuple) -> _Pending:
        if len(args) != 3:
            raise ModelFileError(f"dtype with {len(args)} arguments; NumPy writes (name, False, True)")
        name, align, copy = args
        text = self._name(name)
        match = re.fullmatch(r"([fiu])([0-9]{1,2})", text or "")
        if not match or int(match[2]) not in NUMERIC[match[1]]:
            raise ModelFileError(f"dtype {describe(name)}; a weight file holds floats or integers"
                                 " (f2 f4 f8, i1 to i8, u1 to u8)")
        if not (_same(align, 0) and _same(copy, 1)):
            raise ModelFileError(f"dtype {text} with align={describe(align)}, copy={describe(copy)};"
                                 " NumPy writes False, True")
        return _Pending("dtype", (match[1], int(match[2])))

    def _reconstruct(self, args: tuple) -> _Pending:
        if (len(args) != 3 or not isinstance(args[0], _Global) or args[0].role != "ndarray"
                or not _same(args[1], (0,)) or self._binary(args[2], "the type code") != b"b"):
            raise ModelFileError("_reconstruct with arguments other than (ndarray, (0,), b'b'),"
                                 " the only ones NumPy writes")
        return _Pending("array")

    def _frombuffer(self, args: tuple) -> np.ndarray:
        if len(args) != 4 or not (_same(args[3], "C") or _same(args[3], "F")):
            raise ModelFileError("_frombuffer with arguments other than (data, dtype, shape, 'C' or"
                                 " 'F')")
        data, dtype, shape, order = args
        return self._array(self._shape(shape), self._built_dtype(dtype),
                           self._binary(data, "array data"), order)

    def _dtype_state(self, spec: tuple[str, int], state) -> np.dtype:
        kind, size = spec
        if not isinstance(state, tuple) or len(state) != 8 or not _same(state[0], 3):
            raise ModelFileError(f"the state of dtype {kind}{size} is {describe(state)}; NumPy"
                                 " writes a tuple of 8 that starts with version 3")
        for (field, expected), value in zip(_PLAIN_DTYPE_STATE, state[2:], strict=True):
            if not _same(value, expected):
                raise ModelFileError(f"the state of dtype {kind}{size} has {field} {describe(value)};"
                                     f" a plain number has {expected} (no sub-arrays, fields or flags)")
        order = self._name(state[1])
        if order not in (("|",) if size == 1 else ("<", ">")):
            raise ModelFileError(f"the state of dtype {kind}{size} has byte order {describe(state[1])}")
        return np.dtype(f"{order}{kind}{size}")

    def _array_state(self, state) -> np.ndarray:
        if not isinstance(state, tuple) or len(state) != 5 or not _same(state[0], 1):
            raise ModelFileError(f"the state of an array is {describe(state)}; NumPy writes (1,"
                                 " shape, dtype, fortran, data)")
        _, shape, dtype, fortran, data = state
        if not (_same(fortran, 0) or _same(fortran, 1)):
            raise ModelFileError(f"an array's Fortran flag is {describe(fortran)}")
        return self._array(self._shape(shape), self._built_dtype(dtype),
                           self._binary(data, "array data"), "F" if fortran else "C")

    # -- checked pieces of an array ----------------------------------------------------------
    @staticmethod
    def _binary(value, what: str) -> memoryview | bytes | bytearray:
        if isinstance(value, (memoryview, bytearray)):
            return value
        if isinstance(value, _Py2Str):
            return value.raw
        raise ModelFileError(f"{what} is {describe(value)}, not bytes")

    @staticmethod
    def _shape(value) -> tuple[int, ...]:
        if (not isinstance(value, tuple) or len(value) > MAX_DIMS
                or not all(type(d) is int and d >= 0 for d in value)):
            raise ModelFileError(f"an array's shape is {describe(value)}; a shape is a tuple of at"
                                 f" most {MAX_DIMS} sizes >= 0")
        return tuple(value)

    @staticmethod
    def _built_dtype(value) -> np.dtype:
        if not isinstance(value, _Pending) or value.kind != "dtype" or value.value is None:
            raise ModelFileError(f"an array's dtype is {describe(value)}")
        return value.value

    @staticmethod
    def _array(shape: tuple[int, ...], dtype: np.dtype, data, order: str) -> np.ndarray:
        count = math.prod(shape)
        if count * dtype.itemsize != len(data):
            raise ModelFileError(f"an array of shape {shape} and dtype {dtype.str} needs"
                                 f" {count * dtype.itemsize} bytes, and the file holds {len(data)}")
        return np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order=order)


_CALLS = {"encode": _Reader._encode, "bytes": _Reader._bytes, "dtype": _Reader._dtype,
          "reconstruct": _Reader._reconstruct, "frombuffer": _Reader._frombuffer}
_R = _Reader
_HANDLERS = {op[0]: handler for op, handler in (
    (pickle.PROTO, _R.proto), (pickle.FRAME, _R.frame), (pickle.MARK, _R.mark),
    (pickle.INT, _R.int_), (pickle.LONG, _R.long), (pickle.BININT, _R.binint),
    (pickle.BININT1, partial(_R.unsigned, width=1)), (pickle.BININT2, partial(_R.unsigned, width=2)),
    (pickle.LONG1, partial(_R.long_of, width=1)), (pickle.LONG4, partial(_R.long_of, width=4)),
    (pickle.NONE, partial(_R.constant, value=None)),
    (pickle.NEWTRUE, partial(_R.constant, value=True)),
    (pickle.NEWFALSE, partial(_R.constant, value=False)),
    (pickle.STRING, _R.string), (pickle.BINSTRING, _R.binstring),
    (pickle.SHORT_BINSTRING, _R.short_binstring), (pickle.UNICODE, _R.unicode),
    (pickle.SHORT_BINUNICODE, partial(_R.binunicode, width=1)),
    (pickle.BINUNICODE, partial(_R.binunicode, width=4)),
    (pickle.BINUNICODE8, partial(_R.binunicode, width=8)),
    (pickle.SHORT_BINBYTES, partial(_R.binbytes, width=1)),
    (pickle.BINBYTES, partial(_R.binbytes, width=4)),
    (pickle.BINBYTES8, partial(_R.binbytes, width=8)),
    (pickle.BYTEARRAY8, partial(_R.binbytes, width=8)),  # bytes or bytearray: data, to an array
    (pickle.EMPTY_TUPLE, partial(_R.tuple_of, n=0)), (pickle.TUPLE, _R.tuple_),
    (pickle.TUPLE1, partial(_R.tuple_of, n=1)), (pickle.TUPLE2, partial(_R.tuple_of, n=2)),
    (pickle.TUPLE3, partial(_R.tuple_of, n=3)),
    (pickle.EMPTY_DICT, _R.empty_dict), (pickle.DICT, _R.dict_), (pickle.SETITEM, _R.setitem),
    (pickle.SETITEMS, _R.setitems),
    (pickle.PUT, partial(_R.put, width=0)), (pickle.BINPUT, partial(_R.put, width=1)),
    (pickle.LONG_BINPUT, partial(_R.put, width=4)), (pickle.MEMOIZE, _R.memoize),
    (pickle.GET, partial(_R.get, width=0)), (pickle.BINGET, partial(_R.get, width=1)),
    (pickle.LONG_BINGET, partial(_R.get, width=4)),
    (pickle.GLOBAL, _R.global_), (pickle.STACK_GLOBAL, _R.stack_global),
    (pickle.REDUCE, _R.reduce), (pickle.BUILD, _R.build),
    (pickle.PERSID, partial(_R.refuse, what=_PERSISTENT)),
    (pickle.BINPERSID, partial(_R.refuse, what=_PERSISTENT)),
    (pickle.NEXT_BUFFER, partial(_R.refuse, what=_OUT_OF_BAND)),
    (pickle.READONLY_BUFFER, partial(_R.refuse, what=_OUT_OF_BAND)),
)}


def read_book_pickle(path) -> dict[str, np.ndarray]:
    """The {name: array} dict that a weight pickle holds, read as data: nothing in it is run.

    Arrays are views of the file's bytes, in the file's dtype and byte order. Raises
    ModelFileError naming the file, the byte and the opcode for anything that is not a dict of
    str to numeric arrays as NumPy writes it.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_PICKLE_BYTES:
        raise ModelFileError(f"{path}: {size} bytes is more than a weight file may have"
                             f" ({MAX_PICKLE_BYTES} bytes)")
    buffer = bytearray(size)
    with open(path, "rb") as f:
        del buffer[f.readinto(buffer):]  # a file that shrank since stat
    reader = _Reader(buffer)
    try:
        return reader.run()
    except ModelFileError as e:
        raise ModelFileError(f"{path}: not a weight pickle: byte {reader.op_pos}"
                             f" ({reader.opcode_name()}): {e}") from None

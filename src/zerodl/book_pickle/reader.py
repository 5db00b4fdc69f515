"""The stack machine that reads a weight pickle: each opcode interpreted on values that are
only data (zerodl.book_pickle.values), on the bytes and the stack of zerodl.book_pickle.machine,
each recognised call done by zerodl itself (zerodl.book_pickle.numpy_calls)."""

from __future__ import annotations

import codecs
import pickle
import pickletools
import re
from functools import partial
from pathlib import Path

import numpy as np

from zerodl.book_pickle.machine import Machine
from zerodl.book_pickle.numpy_calls import CALLS, array_state, dtype_state
from zerodl.book_pickle.values import (
    GLOBALS,
    FileTuple,
    Global,
    Pending,
    Py2Str,
    as_name,
    describe,
)
from zerodl.errors import ModelFileError

MAX_PICKLE_BYTES = 128 << 20  # the book's largest weight file is 3.4 MB
MAX_OPCODES = 100_000  # a dict of arrays takes about 40 opcodes per array
MAX_MARKS = 16  # a dict of arrays nests four deep: items, state, dtype state, shape
MAX_MEMO = 10_000
MAX_DEPTH = 4  # tuples in tuples: an array's state holds its shape, two deep
MAX_ENTRIES = 1_000
_OPCODE_NAMES = {op.code.encode("latin1")[0]: op.name for op in pickletools.opcodes}
_PERSISTENT = "uses persistent references (objects kept outside the file)"
_OUT_OF_BAND = "refers to out-of-band buffers, which are not in the file"
_DECIMAL = re.compile(rb"[-+]?[0-9]{1,19}")


class _Reader(Machine):
    """The stack machine: run() interprets the opcodes and returns the dict of arrays."""

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
            self._push(Py2Str(codecs.escape_decode(line[1:-1])[0]))
        except ValueError as e:
            raise ModelFileError(f"a STRING argument has a bad escape ({e})") from None

    def binstring(self) -> None:
        size = int.from_bytes(self._take(4), "little", signed=True)
        if size < 0:
            raise ModelFileError(f"a string of negative length {size}")
        self._push(Py2Str(self._take(size)))

    def short_binstring(self) -> None:
        self._push(Py2Str(self._take(self._uint(1))))

    def unicode(self) -> None:
        self._push(self._text(self._line(None), "raw_unicode_escape"))

    def binunicode(self, width: int) -> None:  # SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
        self._push(self._text(self._take(self._uint(width)), "utf-8"))

    def binbytes(self, width: int) -> None:  # SHORT_BINBYTES, BINBYTES, BINBYTES8, BYTEARRAY8
        self._push(self._take(self._uint(width)))

    # -- opcodes: tuples and the dict --------------------------------------------------------
    def _tuple(self, items) -> FileTuple:
        depth = 1
        for item in items:
            if isinstance(item, dict):
                raise ModelFileError("a dict inside a tuple; a weight file has one dict, at the top")
            if isinstance(item, FileTuple):
                depth = max(depth, item.depth + 1)
        if depth > MAX_DEPTH:
            raise ModelFileError(f"tuples nested more than {MAX_DEPTH} deep")
        result = FileTuple(items)
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
            array = value.value if isinstance(value, Pending) and value.kind == "array" else value
            if not isinstance(array, np.ndarray):
                raise ModelFileError(f"the value of {name!r} is {describe(value)}, not an array")
            target[name] = array

    def _key(self, key) -> str:
        name = as_name(key)
        if not name:
            raise ModelFileError(f"a key is {describe(key)}; the keys of a weight file are names")
        return name

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
    def _global_named(self, module, name) -> Global:
        if (module, name) not in GLOBALS:
            shown = f"{module}.{name}" if f"{module}.{name}".isprintable() else repr(f"{module}.{name}")
            raise ModelFileError(f"refused: the pickle asks for {shown[:120]}, and a weight file names"
                                 " only NumPy's array reconstructors (nothing it names is imported)")
        return Global(module, name)

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
        if not isinstance(func, Global) or func.role not in CALLS:
            raise ModelFileError(f"calls {describe(func)}; a NumPy pickle calls only _reconstruct,"
                                 " _frombuffer, dtype and the bytes makers")
        if not isinstance(args, tuple):
            raise ModelFileError(f"calls {func.module}.{func.name} with {describe(args)}, not a tuple")
        self._push(CALLS[func.role](args))

    def build(self) -> None:
        state = self._pop()
        target = self._top()
        if not isinstance(target, Pending) or target.value is not None:
            raise ModelFileError(f"gives a state to {describe(target)}; only a new dtype or array"
                                 " takes one, once")
        if target.kind == "dtype":
            target.value = dtype_state(target.spec, state)
        else:
            target.value = array_state(state)

    def refuse(self, what: str) -> None:  # PERSID, BINPERSID, NEXT_BUFFER, READONLY_BUFFER
        raise ModelFileError(f"refused: the pickle {what}")

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

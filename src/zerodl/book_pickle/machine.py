"""The stack machine's own parts: the file's bytes, read in order, and the stack with its marks,
each bounded by a limit (zerodl.book_pickle.reader interprets the opcodes on them)."""

from __future__ import annotations

import codecs

from zerodl.book_pickle.values import Latin1Text
from zerodl.errors import ModelFileError

MAX_STACK = 10_000
MAX_LINE = 256  # the text arguments of protocol 0: numbers, memo indices, global names
SHORT_TEXT = 4096  # longer texts can only be array data, which is latin-1
_TEXT_CHUNK = 1 << 20


class Machine:
    """The bytes of a pickle and the stack, marks and memo that its opcodes work on."""

    def __init__(self, buffer: bytearray) -> None:
        self.buffer, self.view = buffer, memoryview(buffer)
        self.pos = self.op_pos = 0
        self.stack: list = []
        self.marks: list[int] = []
        self.memo: dict[int, object] = {}

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
            return Latin1Text(out)
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

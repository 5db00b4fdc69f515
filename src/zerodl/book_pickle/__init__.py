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

from zerodl.book_pickle.reader import MAX_PICKLE_BYTES, read_book_pickle
from zerodl.book_pickle.values import NUMERIC

__all__ = ["MAX_PICKLE_BYTES", "NUMERIC", "read_book_pickle"]

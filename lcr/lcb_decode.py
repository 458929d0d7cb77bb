"""The LC-B decoder: ``decode(data) -> Value`` (re-exported by ``lcr.lcb``, the public
module; the format is described there).

Decoding is iterative: an explicit stack of container frames, each of which reads what
comes before its next value or its end, so that no input can exhaust Python's recursion.
Every length is checked against the bytes left before any is taken; errors are
``LCBError`` (an ``LCRError`` that names the byte offset and shows the hex around it).
"""

from __future__ import annotations

import math

from lcr import errors as E
from lcr.errors import LCRError
from lcr.lcb_format import (
    ARRAY_END,
    ARRAY_TAG,
    BYTES_TAG,
    CONTRACT_END,
    CONTRACT_TAG,
    FALSE_TAG,
    FLOAT64,
    FLOAT_TAG,
    HANDLE_TAG,
    INT_TAG,
    NAME,
    NULL_TAG,
    OBJECT_END,
    OBJECT_TAG,
    TEXT_TAG,
    TRUE_TAG,
    unzigzag,
)
from lcr.values import (
    CONTRACT_ID_MAX,
    FALSE,
    FIELD_INDEX_MAX,
    MAX_DEPTH,
    MAX_SIZE,
    NULL,
    TRUE,
    Array,
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Object,
    Text,
    Value,
)


class LCBError(LCRError):
    """An LC-B error at byte ``offset`` of ``data``: ``column`` is offset + 1, and the
    context is the hex of the bytes around it, with the caret under the offending byte."""

    WINDOW = 12  # bytes shown on each side of the offset

    def __init__(self, code: str, message: str, offset: int, data: bytes):
        lo = max(0, offset - self.WINDOW)
        window = data[lo : offset + self.WINDOW]
        context = ("... " if lo else "") + window.hex(" ")
        if offset + self.WINDOW < len(data):
            context += " ..."
        super().__init__(code, f"{message} (at byte {offset})", 1, offset + 1, context)
        self.offset = offset
        self.hex_column = (4 if lo else 0) + 3 * (offset - lo) + 1

    def caret(self) -> str:
        return f"{self.context}\n{' ' * (self.hex_column - 1)}^" if self.context else ""


class _Fail(Exception):
    def __init__(self, code: str, message: str, offset: int):
        super().__init__(message)
        self.code, self.message, self.offset = code, message, offset


class _Reader:
    """A cursor over the input; every read checks the bytes left before taking any."""

    def __init__(self, data: bytes):
        self.data, self.pos, self.end = data, 0, len(data)

    def truncated(self, expected: str) -> _Fail:
        return _Fail(E.E_LCB_DECODE, f"unexpected end of input: expected {expected}", self.end)

    def byte(self, expected: str) -> int:
        if self.pos >= self.end:
            raise self.truncated(expected)
        self.pos += 1
        return self.data[self.pos - 1]

    def uleb(self, what: str) -> int:
        start, result = self.pos, 0
        for i in range(10):  # 10 LEB128 bytes hold 64 bits
            b = self.byte(f"the rest of the LEB128 {what}" if i else f"a LEB128 {what}")
            result |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                if b == 0 and i:
                    raise _Fail(E.E_LCB_DECODE, f"over-long LEB128 {what}", start)
                if result >> 64:
                    raise _Fail(E.E_LCB_DECODE, f"LEB128 {what} beyond 64 bits", start)
                return result
        raise _Fail(E.E_LCB_DECODE, f"LEB128 {what} beyond 64 bits", start)

    def take(self, what: str) -> tuple[bytes, int]:
        """A LEB128 length and that many bytes; returns them and where they start."""
        at = self.pos
        n = self.uleb(f"{what} length")
        left = self.end - self.pos
        if n > left:
            raise _Fail(E.E_LCB_DECODE, f"{what} length {n} exceeds the {left} bytes left", at)
        self.pos += n
        return self.data[self.pos - n : self.pos], self.pos - n

    def text(self, what: str) -> str:
        raw, at = self.take(what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _Fail(E.E_LCB_DECODE, f"invalid UTF-8 in {what}", at + err.start) from None

    def name(self, what: str) -> tuple[str, int]:
        at = self.pos
        raw, _ = self.take(what)
        if not NAME.fullmatch(raw):
            shown = raw.decode("utf-8", "replace")
            raise _Fail(E.E_LCB_DECODE, f"{what} {shown!r} is not an identifier", at)
        return raw.decode("ascii"), at

    def count(self, what: str, least_bytes: int) -> int:
        """An item count, rejected at once when the items (``least_bytes`` each at least)
        and the end tag cannot fit in what is left."""
        at = self.pos
        n = self.uleb(f"{what} count")
        left = self.end - self.pos
        if n and n * least_bytes + 1 > left:
            raise _Fail(E.E_LCB_DECODE, f"{what} count {n} cannot fit in the {left} bytes left", at)
        return n

    def close(self, tag: int, what: str) -> None:
        at = self.pos
        b = self.byte(f"{what} end ({tag:02x})")
        if b != tag:
            raise _Fail(E.E_LCB_DECODE, f"expected {what} end ({tag:02x}), found {b:02x}", at)


# ---- container frames: each reads what comes before its next value, or its end -------


class _ArrayFrame:
    def __init__(self, r: _Reader, at: int):
        self.items = []

    def next(self, r: _Reader) -> bool:
        """Read up to the next value; True when the container ended instead."""
        if r.pos >= r.end:
            raise r.truncated("a value or array end (06)")
        if r.data[r.pos] == ARRAY_END:
            r.pos += 1
            return True
        return False

    def add(self, value: Value) -> None:
        self.items.append(value)

    def value(self) -> Value:
        return Array(self.items)


class _ContractFrame:
    def __init__(self, r: _Reader, at: int):
        id_at = r.pos
        self.id = r.uleb("contract id")
        if self.id > CONTRACT_ID_MAX:
            raise _Fail(E.E_RANGE, f"contract id {self.id} is above {CONTRACT_ID_MAX}", id_at)
        self.left = r.count("field", 2)  # an index and a value: two bytes at least
        self.fields, self.last = [], -1

    def next(self, r: _Reader) -> bool:
        if not self.left:
            r.close(CONTRACT_END, "contract")
            return True
        at = r.pos
        index = r.uleb("field index")
        if index > FIELD_INDEX_MAX:
            raise _Fail(E.E_RANGE, f"field index {index} is above {FIELD_INDEX_MAX}", at)
        if index <= self.last:
            raise _Fail(
                E.E_FIELD_ORDER,
                f"field index {index} after {self.last}: indices must be strictly ascending",
                at,
            )
        self.last, self.left = index, self.left - 1
        return False

    def add(self, value: Value) -> None:
        self.fields.append((self.last, value))

    def value(self) -> Value:
        return Contract(self.id, self.fields)


class _ObjectFrame:
    def __init__(self, r: _Reader, at: int):
        self.left = r.count("entry", 3)  # key length, one key byte, a value
        self.entries, self.keys, self.key = [], set(), ""

    def next(self, r: _Reader) -> bool:
        if not self.left:
            r.close(OBJECT_END, "object")
            return True
        self.key, at = r.name("object key")
        if self.key in self.keys:
            raise _Fail(E.E_DUPLICATE_KEY, f"object key {self.key} appears twice", at)
        self.keys.add(self.key)
        self.left -= 1
        return False

    def add(self, value: Value) -> None:
        self.entries.append((self.key, value))

    def value(self) -> Value:
        return Object(self.entries)


def _float_value(r: _Reader, at: int) -> Value:
    if r.end - r.pos < 8:
        raise r.truncated("8 bytes of float")
    (x,) = FLOAT64.unpack_from(r.data, r.pos)
    r.pos += 8
    if not math.isfinite(x):
        raise _Fail(E.E_RANGE, f"float {x} is not a finite number", at)
    return Float(x)


SCALARS = {
    NULL_TAG: lambda r, at: NULL,
    INT_TAG: lambda r, at: Int(unzigzag(r.uleb("integer"))),
    FLOAT_TAG: _float_value,
    TEXT_TAG: lambda r, at: Text(r.text("text")),
    BYTES_TAG: lambda r, at: Bytes(r.take("bytes")[0]),
    HANDLE_TAG: lambda r, at: Handle(r.name("handle name")[0]),
    TRUE_TAG: lambda r, at: TRUE,
    FALSE_TAG: lambda r, at: FALSE,
}
OPENERS = {ARRAY_TAG: _ArrayFrame, CONTRACT_TAG: _ContractFrame, OBJECT_TAG: _ObjectFrame}


def _decode(r: _Reader) -> Value:
    stack = []
    while True:
        if stack and stack[-1].next(r):
            value = stack.pop().value()
        else:
            at = r.pos
            tag = r.byte("a value")
            if tag in OPENERS:
                if len(stack) >= MAX_DEPTH:
                    raise _Fail(
                        E.E_DEPTH_EXCEEDED,
                        f"more than {MAX_DEPTH} contracts, arrays and objects nested",
                        at,
                    )
                stack.append(OPENERS[tag](r, at))
                continue
            if tag not in SCALARS:
                raise _Fail(E.E_LCB_DECODE, f"unknown tag {tag:02x}", at)
            value = SCALARS[tag](r, at)
        if not stack:
            if r.pos != r.end:
                raise _Fail(E.E_LCB_DECODE, f"{r.end - r.pos} trailing bytes", r.pos)
            return value
        stack[-1].add(value)


def decode(data: bytes) -> Value:
    """The value of LC-B bytes ``data`` (exactly one value). Raises ``LCRError``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode() takes bytes, not {type(data).__name__} (parse_lcb() reads hex)")
    data = bytes(data)
    if len(data) > MAX_SIZE:
        raise LCBError(E.E_SIZE_EXCEEDED, f"value longer than {MAX_SIZE} bytes", 0, data[:32])
    try:
        return _decode(_Reader(data))
    except _Fail as f:
        raise LCBError(f.code, f.message, f.offset, data) from None

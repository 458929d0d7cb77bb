"""LC-B, the binary track: ``encode(value) -> bytes`` and ``decode(data) -> Value``.

One value, one byte string (spec section 7; ``docs/tracks.md`` has the tag table and a
worked example per kind). Corpora show LC-B as lowercase hex: ``to_hex``/``from_hex``
convert, and ``dumps_lcb(value) -> hex`` / ``parse_lcb(hex) -> Value`` are the text-track
pair used by ``lcr.convert``.

    tag  value        then
    00   null
    01   integer      zigzag LEB128
    02   float        8 bytes, IEEE-754 big-endian
    03   text         LEB128 byte length, UTF-8
    04   bytes        LEB128 length, raw bytes
    05   array        values ..., 06
    07   contract     LEB128 id, LEB128 field count, (LEB128 index, value) ..., 08
    09   handle       LEB128 length, name (ASCII)
    0a   true
    0b   false
    0c   object       LEB128 entry count, (LEB128 key length, UTF-8 key, value) ..., 0d

The field and entry counts are this project's reading of the spec, which lists only the
end tags: without them the layout is ambiguous (field index 8 is the byte ``08``, contract
end; a 13-byte key's length is ``0d``, object end). The end tags stay, and are checked.
LEB128 is minimal (no redundant ``80``/``00`` tail) and at most 64 bits.

Decoding is iterative (an explicit stack, so no recursion), checks every length against
the bytes left before taking them, and raises ``LCRError`` only: ``E_LCB_DECODE`` for
truncated input, unknown tags, over-long LEB128, trailing bytes, invalid UTF-8 and bad
names, otherwise the LC-R code that applies (``E_RANGE``, ``E_FIELD_ORDER``,
``E_DUPLICATE_KEY``, ``E_DEPTH_EXCEEDED``, ``E_SIZE_EXCEEDED`` beyond 1 MiB). The message
names the byte offset; ``column`` is offset + 1 and the caret points into the hex.

    python -c "from lcr import parse; from lcr.lcb import encode; print(encode(parse('🜃1🜄')).hex())"
"""

from __future__ import annotations

import math
import re
import struct

from lcr import errors as E
from lcr.errors import LCRError
from lcr.values import (
    CONTRACT_ID_MAX,
    FALSE,
    FIELD_INDEX_MAX,
    INT_MAX,
    INT_MIN,
    MAX_DEPTH,
    MAX_SIZE,
    NULL,
    TRUE,
    Array,
    Bool,
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Null,
    Object,
    Text,
    Value,
)

NULL_TAG, INT_TAG, FLOAT_TAG, TEXT_TAG, BYTES_TAG = 0x00, 0x01, 0x02, 0x03, 0x04
ARRAY_TAG, ARRAY_END, CONTRACT_TAG, CONTRACT_END = 0x05, 0x06, 0x07, 0x08
HANDLE_TAG, TRUE_TAG, FALSE_TAG, OBJECT_TAG, OBJECT_END = 0x09, 0x0A, 0x0B, 0x0C, 0x0D

# Names and object keys are identifiers: ASCII, so one pattern serves str and bytes.
_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_FLOAT = struct.Struct(">d")


# ---- LEB128 -------------------------------------------------------------------------


def uleb(n: int) -> bytes:
    """Unsigned LEB128 of ``n`` (0 <= n < 2**64), minimal length."""
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            out.append(low)
            return bytes(out)
        out.append(low | 0x80)


def zigzag(n: int) -> int:
    """Signed 64-bit to unsigned: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ..."""
    return (n << 1) ^ (n >> 63)


def unzigzag(u: int) -> int:
    return (u >> 1) ^ -(u & 1)


# ---- encoder: one function per value class, chosen through ENCODERS -------------------


def _fail(code: str, message: str) -> LCRError:
    return LCRError(code, message)


def _int(v: Int, out: bytearray) -> None:
    if not INT_MIN <= v.value <= INT_MAX:
        raise _fail(E.E_RANGE, f"integer {v.value} is outside the signed 64-bit range")
    out += bytes((INT_TAG,)) + uleb(zigzag(v.value))


def _float(v: Float, out: bytearray) -> None:
    if not math.isfinite(v.value):
        raise _fail(E.E_RANGE, f"float {v.value} is not finite")
    out.append(FLOAT_TAG)
    out += _FLOAT.pack(v.value)


def _sized(tag: int, raw: bytes, out: bytearray) -> None:
    out.append(tag)
    out += uleb(len(raw)) + raw


def _utf8(s: str) -> bytes:
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(E.E_RANGE, "text holds a lone surrogate (not Unicode text)") from None


def _name(name: str, what: str) -> bytes:
    raw = _utf8(name)
    if not _NAME.fullmatch(raw):
        raise _fail(E.E_LC_PARSE, f"{what} {name!r} is not an identifier")
    return raw


def _contract(v: Contract, out: bytearray) -> None:
    if not 0 <= v.id <= CONTRACT_ID_MAX:
        raise _fail(E.E_RANGE, f"contract id {v.id} is outside 0 ... {CONTRACT_ID_MAX}")
    out.append(CONTRACT_TAG)
    out += uleb(v.id) + uleb(len(v.fields))
    last = -1
    for index, x in v.fields:
        if not last < index <= FIELD_INDEX_MAX:
            raise _fail(E.E_FIELD_ORDER, f"field index {index} after {last}")
        last = index
        out += uleb(index)
        _encode(x, out)
    out.append(CONTRACT_END)


def _array(v: Array, out: bytearray) -> None:
    out.append(ARRAY_TAG)
    for x in v.items:
        _encode(x, out)
    out.append(ARRAY_END)


def _object(v: Object, out: bytearray) -> None:
    out.append(OBJECT_TAG)
    out += uleb(len(v.entries))
    if len({k for k, _ in v.entries}) != len(v.entries):
        raise _fail(E.E_DUPLICATE_KEY, "an object key appears twice")
    for key, x in v.entries:
        raw = _name(key, "object key")  # a key has no tag: its place says what it is
        out += uleb(len(raw)) + raw
        _encode(x, out)
    out.append(OBJECT_END)


ENCODERS = {
    Null: lambda v, out: out.append(NULL_TAG),
    Bool: lambda v, out: out.append(TRUE_TAG if v.value else FALSE_TAG),
    Int: _int,
    Float: _float,
    Text: lambda v, out: _sized(TEXT_TAG, _utf8(v.value), out),
    Bytes: lambda v, out: _sized(BYTES_TAG, v.value, out),
    Handle: lambda v, out: _sized(HANDLE_TAG, _name(v.name, "handle name"), out),
    Contract: _contract,
    Array: _array,
    Object: _object,
}


def _encode(value: Value, out: bytearray) -> None:
    try:
        encoder = ENCODERS[type(value)]
    except KeyError:
        raise TypeError(f"not an HLX value: {value!r}") from None
    encoder(value, out)


def encode(value: Value) -> bytes:
    """The LC-B bytes of ``value``. Raises ``LCRError`` for a value no track can hold
    (nested deeper than 64, numbers out of range, keys or names not identifiers)."""
    if value.depth > MAX_DEPTH:
        raise _fail(E.E_DEPTH_EXCEEDED, f"more than {MAX_DEPTH} containers nested")
    out = bytearray()
    _encode(value, out)
    return bytes(out)


# ---- decoder ------------------------------------------------------------------------


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
        if not _NAME.fullmatch(raw):
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
    (x,) = _FLOAT.unpack_from(r.data, r.pos)
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


# ---- hex: the corpus form --------------------------------------------------------------

_HEX = re.compile(r"[0-9a-fA-F]*")
_WS = " \t\r\n"


def to_hex(data: bytes) -> str:
    """Lowercase hex, no separators: the corpus form of LC-B."""
    return bytes(data).hex()


def from_hex(text: str) -> bytes:
    """Bytes from hex (either case, surrounding whitespace ignored). Raises ``LCRError``
    (``E_LCB_DECODE``) located in ``text`` at the first character that is not hex."""
    lead = len(text) - len(text.lstrip(_WS))
    body = text.strip(_WS)
    bad = _HEX.match(body).end()
    if bad < len(body):
        raise LCRError(E.E_LCB_DECODE, f"not hex: {body[bad]!r}").at(text, lead + bad)
    if len(body) % 2:
        raise LCRError(E.E_LCB_DECODE, "odd number of hex digits").at(text, lead + len(body))
    return bytes.fromhex(body)


def dumps_lcb(value: Value) -> str:
    """The LC-B of ``value`` as lowercase hex (the corpus form)."""
    return to_hex(encode(value))


def parse_lcb(text: str) -> Value:
    """The value of an LC-B hex text. Errors are located in ``text`` (the caret under the
    offending hex pair) and name the byte offset."""
    data = from_hex(text)
    try:
        return decode(data)
    except LCBError as err:
        lead = len(text) - len(text.lstrip(_WS))
        raise LCRError(err.code, err.message).at(text, lead + 2 * err.offset) from None

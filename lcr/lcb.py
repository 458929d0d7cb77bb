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

The code is in three modules: this one (the public API: the encoder, the hex forms and
the re-exported decoder), ``lcr.lcb_format`` (tags, LEB128, zigzag) and
``lcr.lcb_decode`` (the decoder).

    python -c "from lcr import parse; from lcr.lcb import encode; print(encode(parse('🜃1🜄')).hex())"
"""

from __future__ import annotations

import math
import re

from lcr import errors as E
from lcr.errors import LCRError
from lcr.lcb_decode import LCBError, decode
from lcr.lcb_format import (  # noqa: F401 - the tags and helpers are part of lcr.lcb's API
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
    uleb,
    unzigzag,
    zigzag,
)
from lcr.values import (
    CONTRACT_ID_MAX,
    FIELD_INDEX_MAX,
    INT_MAX,
    INT_MIN,
    MAX_DEPTH,
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
    out += FLOAT64.pack(v.value)


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
    if not NAME.fullmatch(raw):
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

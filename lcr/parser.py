"""Parse LC-R text into values: ``parse(text) -> Value``, raising ``LCRError`` only.

Lark's LALR parser runs ``ToValue`` inline (no parse tree is built): each method is named
after a rule or alias of ``grammar/lcr.lark`` and returns the value class of the same name.
The invariants a context-free grammar cannot express are checked here too: field order,
duplicate keys, numeric ranges, nesting depth and size (spec section 6).

    python -c "from lcr import parse; print(parse('🜃1, ⟁a🜄'))"
"""

from __future__ import annotations

import re

from lark import Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from lcr import errors as E
from lcr.errors import LCRError
from lcr.grammar import lalr
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
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Object,
    Text,
    Value,
)

_WS = " \t\r\n"


class _Fail(Exception):
    """Raised inside the transformer; ``parse`` turns it into a located LCRError."""

    def __init__(self, code: str, message: str, pos: int):
        super().__init__(message)
        self.code, self.message, self.pos = code, message, pos


_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def unescape(body: str, pos: int = 0) -> str:
    """Decode the escapes of a string body (quotes removed). ``\\uXXXX`` surrogate pairs
    combine into one character; a lone surrogate is an error (it is not Unicode text)."""
    if "\\" not in body:
        return body
    out = _ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else _SIMPLE_ESCAPES[m[2]], body)
    if any("\ud800" <= c <= "\udfff" for c in out):
        try:
            out = out.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise _Fail(E.E_LC_PARSE, "lone surrogate escape in text", pos) from None
    return out


def _check_depth(value: Value, pos: int) -> Value:
    if value.depth > MAX_DEPTH:
        raise _Fail(
            E.E_DEPTH_EXCEEDED, f"more than {MAX_DEPTH} contracts, arrays and objects nested", pos
        )
    return value


class ToValue(Transformer):
    """Tree-to-value transformer; method names equal the grammar's rule and alias names."""

    def start(self, children):
        return children[0]

    def null(self, _):
        return NULL

    def true(self, _):
        return TRUE

    def false(self, _):
        return FALSE

    def int(self, children):
        tok = children[0]
        n = int(tok)
        if not INT_MIN <= n <= INT_MAX:
            raise _Fail(E.E_RANGE, f"integer {tok} is outside the signed 64-bit range", tok.start_pos)
        return Int(n)

    def float(self, children):
        tok = children[0]
        x = float(tok)
        if x in (float("inf"), float("-inf")):
            raise _Fail(E.E_RANGE, f"float {tok} is too large for a double", tok.start_pos)
        return Float(x)

    def text(self, children):
        tok = children[0]
        return Text(unescape(tok[1:-1], tok.start_pos))

    def bytes(self, children):
        return Bytes(bytes.fromhex(children[0][1:]))

    def handle(self, children):
        return Handle(children[0][1:])

    def field(self, children):
        tok, value = children
        digits = tok.strip(_WS)[1:]
        pos = tok.start_pos + len(tok) - len(tok.lstrip(_WS))
        index = int(digits)
        if index > FIELD_INDEX_MAX:
            raise _Fail(E.E_RANGE, f"field index {digits} is above {FIELD_INDEX_MAX}", pos)
        return index, value, pos

    def contract(self, children):
        tok = children[0]
        cid = int(tok[1:])
        if cid > CONTRACT_ID_MAX:
            raise _Fail(E.E_RANGE, f"contract id {cid} is above {CONTRACT_ID_MAX}", tok.start_pos)
        fields = []
        last = -1
        for index, value, pos in children[1:]:
            if index <= last:
                raise _Fail(
                    E.E_FIELD_ORDER,
                    f"field index {index} after {last}: indices must be strictly ascending",
                    pos,
                )
            last = index
            fields.append((index, value))
        return _check_depth(Contract(cid, fields), tok.start_pos)

    def array(self, children):
        return _check_depth(Array(children[1:]), children[0].start_pos)

    def entry(self, children):
        key, value = children
        return key, value

    def object(self, children):
        seen = set()
        for key, _ in children[1:]:
            if key in seen:
                raise _Fail(E.E_DUPLICATE_KEY, f"object key {key!s} appears twice", key.start_pos)
            seen.add(key)
        return _check_depth(
            Object((str(k), v) for k, v in children[1:]), children[0].start_pos
        )


# What each terminal means to a reader, for "expected ..." messages.
TERMINAL_NAMES = {
    "NULL": "∅",
    "TRUE": "⊤",
    "FALSE": "⊥",
    "INT": "an integer",
    "FLOAT": "a float",
    "TEXT": "a text string",
    "BYTES": "bytes (⊠ and hex pairs)",
    "HANDLE": "a handle (⟁name)",
    "CONTRACT_OPEN": "a contract (🜊 and an id)",
    "FIELD": "a field (🜁, an index, whitespace)",
    "_CONTRACT_CLOSE": "🜂",
    "ARRAY_OPEN": "an array (🜃)",
    "_ARRAY_CLOSE": "🜄",
    "OBJECT_OPEN": "an object (◇)",
    "_OBJECT_CLOSE": "◆",
    "_COMMA": "','",
    "KEY": "an object key",
    "_COLON": "':'",
    "_WS": "whitespace",
    "$END": "end of input",
}

# Mistakes common enough to deserve their own explanation: (pattern at the error, hint).
HINTS = (
    (
        re.compile(r"[ \t\r\n]*🜁[0-9]+(?![ \t\r\n])"),
        "a field index is digits without leading zeros, then whitespace",
    ),
    (re.compile(r"🜊[ \t\r\n]"), "no whitespace between 🜊 and the contract id"),
    (re.compile(r"🜊(?![0-9])"), "🜊 must be followed by a contract id"),
    (re.compile(r"[\[\]]"), "LC-R arrays are 🜃 ... 🜄, not ASCII [ ... ]"),
    (re.compile(r"[{}]"), "LC-R objects are ◇ ... ◆, not ASCII { ... }"),
    (re.compile(r'"(?:[^"\\]|\\.)*$'), "unterminated text string"),
    (re.compile(r'"'), "bad escape or raw control character in text"),
    (re.compile(r"(?:true|false|null)\b"), "LC-R spells these ⊤, ⊥ and ∅"),
)


# The terminals that can start a value: reported together as "a value".
VALUE_START = {
    "NULL", "TRUE", "FALSE", "INT", "FLOAT", "TEXT", "BYTES", "HANDLE",
    "CONTRACT_OPEN", "ARRAY_OPEN", "OBJECT_OPEN",
}


def _describe(expected) -> str:
    expected = set(expected)
    names = set()
    if VALUE_START <= expected:
        expected -= VALUE_START
        names.add("a value")
    names = sorted(names | {TERMINAL_NAMES.get(t, t) for t in expected})
    return ", ".join(names) if names else "nothing"


def _show(s: str) -> str:
    return repr(s[:1]) if s else "end of input"


def _from_lark(err: UnexpectedInput, text: str) -> LCRError:
    """Translate a Lark exception into an LCRError at the same place."""
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream
        expected = err.allowed or set()
        found = _show(text[pos:])
    elif isinstance(err, UnexpectedToken):
        tok = err.token
        if tok.type == "$END":
            pos, found = len(text), "end of input"
        else:
            pos, found = tok.start_pos, _show(str(tok).lstrip(_WS))
            pos += len(tok) - len(str(tok).lstrip(_WS))
        expected = err.expected
    else:  # UnexpectedEOF
        pos, found, expected = len(text), "end of input", getattr(err, "expected", ())
    message = f"unexpected {found}: expected {_describe(expected)}"
    rest = text[pos:]
    for pattern, hint in HINTS:
        if pattern.match(rest):
            message += f" ({hint})"
            break
    return LCRError(E.E_LC_PARSE, message).at(text, pos)


_PARSER = lalr("lcr", ToValue())


def check_size(text: str) -> None:
    """``E_SIZE_EXCEEDED`` when ``text`` is longer than 1 MiB of UTF-8."""
    if len(text) * 4 > MAX_SIZE and len(text.encode("utf-8", "surrogatepass")) > MAX_SIZE:
        raise LCRError(E.E_SIZE_EXCEEDED, f"value longer than {MAX_SIZE} bytes of UTF-8").at(text, 0)


def parse(text: str) -> Value:
    """Parse one LC-R value (surrounding whitespace allowed). Raises ``LCRError``."""
    if not isinstance(text, str):
        raise TypeError(f"parse() takes str, not {type(text).__name__}")
    check_size(text)
    try:
        return _PARSER.parse(text)
    except _Fail as f:
        raise LCRError(f.code, f.message).at(text, f.pos) from None
    except (UnexpectedCharacters, UnexpectedToken, UnexpectedEOF) as err:
        raise _from_lark(err, text) from None
    except UnexpectedInput as err:  # any other Lark input error
        raise LCRError(E.E_LC_PARSE, str(err).splitlines()[0]).at(text, 0) from None

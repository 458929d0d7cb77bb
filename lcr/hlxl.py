"""HLXL, the ASCII track: ``parse_hlxl(text) -> Value`` and ``dumps_hlxl(value) -> str``.

HLXL spells the same values as LC-R with ASCII keywords and brackets (spec sections 1 and
7, ``grammar/hlxl.lark``, ``docs/tracks.md``)::

    LC-R   🜊1000🜁0 "filter"🜁1 ⟁users🜂      🜃1, "a", ⟁b🜄     ◇x: 10, y: 20◆   ⊠00ff
    HLXL   {1000: {@0: "filter", @1: &h_users}}  [1, "a", &h_b]    {x: 10, y: 20}   b"\\x00\\xff"

Parsing reuses LC-R's transformer (``lcr.parser.ToValue``) and its checks, so HLXL has the
same invariants (field order, duplicate keys, ranges, depth 64, size 1 MiB), the same
error codes and the same ``PATH:LINE:COL: CODE message`` + caret messages. Numbers and
text strings are spelled exactly as in LC-R and printed by the same functions.

Canonical form: one line, ``, `` between items, entries and fields, ``: `` after a key, a
contract id and a field index, nothing else; bytes as ``b"..."`` with printable ASCII
other than ``"`` and ``\\`` as itself and every other byte as lowercase ``\\xNN``.

    python -c "from lcr.hlxl import parse_hlxl, dumps_hlxl; print(dumps_hlxl(parse_hlxl('[1 ,2]')))"
"""

from __future__ import annotations

import re

from lcr import printer
from lcr.grammar import lalr
from lcr.parser import ToValue as _LCRToValue
from lcr.parser import (
    _start,
    contract_id,
    field_index,
    ordered_fields,
    run_parser,
    within_depth,
)
from lcr.values import (
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

HANDLE_PREFIX = "&h_"  # part of the spelling, not of the name: &h_users is ⟁users

_BYTES_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


def _shown(digits: str) -> str:
    """A number for a message: a very long one is cut short."""
    return digits if len(digits) <= 40 else f"{digits[:20]}... ({len(digits)} digits)"


def bytes_body(body: str) -> bytes:
    """The bytes a ``b"..."`` literal's body spells: printable ASCII and ``\\xNN`` (the
    grammar allows nothing else)."""
    return _BYTES_ESCAPE.sub(lambda m: chr(int(m[1], 16)), body).encode("latin-1")


class ToValue(_LCRToValue):
    """LC-R's transformer with the HLXL spellings of bytes, handles, fields and contracts.

    The scalar, array and object rules have the same children in both grammars, so their
    range, duplicate-key and depth checks are LC-R's own; the rules whose tokens differ
    are spelled out here and call the same invariant checks (``lcr.parser.field_index``,
    ``contract_id``, ``ordered_fields``, ``within_depth``) with HLXL's positions."""

    def bytes(self, children):
        return Bytes(bytes_body(children[0][2:-1]))

    def handle(self, children):
        return Handle(children[0][len(HANDLE_PREFIX) :])

    def field(self, children):
        tok, value = children  # tok is @ and digits, never whitespace (the grammar)
        return field_index(tok[1:], tok, _start, _shown), value, tok

    def contract(self, children):
        brace, tok, *fields = children
        value = Contract(contract_id(tok, tok.start_pos, _shown), ordered_fields(fields, _start))
        return within_depth(value, brace.start_pos)


# What each terminal means to a reader, for "expected ..." messages.
TERMINAL_NAMES = {
    "NULL": "null",
    "TRUE": "true",
    "FALSE": "false",
    "INT": "an integer",
    "FLOAT": "a float",
    "TEXT": "a text string",
    "BYTES": 'bytes (b"...")',
    "HANDLE": "a handle (&h_name)",
    "OBJECT_OPEN": "an object or contract ('{')",
    "_LBRACE": "'{'",
    "_RBRACE": "'}'",
    "ARRAY_OPEN": "an array ('[')",
    "_RSQB": "']'",
    "CONTRACT_ID": "a contract id",
    "FIELD": "a field (@ and an index)",
    "KEY": "an object key",
    "_COMMA": "','",
    "_COLON": "':'",
    "$END": "end of input",
}

VALUE_START = {
    "NULL", "TRUE", "FALSE", "INT", "FLOAT", "TEXT", "BYTES", "HANDLE",
    "OBJECT_OPEN", "ARRAY_OPEN",
}

# Mistakes common enough to deserve their own explanation: (pattern at the error, hint).
HINTS = (
    (re.compile("[∅⊤⊥⊠⟁🜊🜁🜂🜃🜄◇◆]"), "that is an LC-R glyph; HLXL is the ASCII track"),
    (re.compile(r"&(?!h_[A-Za-z_])"), "a handle is &h_ then a name: &h_users"),
    (re.compile(r"@(?![0-9])"), "a field is @ and its index: @0"),
    (re.compile(r'b"(?:[ !#-\[\]-~]|\\x[0-9a-fA-F]{2})*$'), "unterminated bytes"),
    (re.compile(r'b"'), r'bytes hold printable ASCII and \xNN escapes (\x22 for ", \x5c for \)'),
    (re.compile(r'"(?:[^"\\]|\\.)*$'), "unterminated text string"),
    (re.compile(r'"'), "bad escape or raw control character in text"),
    (re.compile(r"(?:True|False|None|NULL|TRUE|FALSE)\b"), "HLXL spells these true, false, null"),
    (re.compile(r"'"), "text is in double quotes"),
)

_PARSER = lalr("hlxl", ToValue())


def parse_hlxl(text: str) -> Value:
    """Parse one HLXL value (whitespace between tokens allowed). Raises ``LCRError``."""
    return run_parser(_PARSER, text, "parse_hlxl", terminal_names=TERMINAL_NAMES,
                      value_start=VALUE_START, hints=HINTS)


# ---- canonical printer: one function per value class, chosen through PRINTERS ----------

# Bytes that stand for themselves inside b"...": printable ASCII except the quote and the
# backslash (which would need escapes of their own; \x22 and \x5c keep one escape form).
_PLAIN = frozenset(range(0x20, 0x7F)) - {0x22, 0x5C}
_BYTE_SPELLING = tuple(chr(b) if b in _PLAIN else f"\\x{b:02x}" for b in range(256))


def null(v: Null) -> str:
    return "null"


def bool(v: Bool) -> str:  # noqa: A001 - named after the value class, as in lcr.printer
    return "true" if v.value else "false"


def bytes(v: Bytes) -> str:  # noqa: A001
    return 'b"' + "".join(_BYTE_SPELLING[b] for b in v.value) + '"'


def handle(v: Handle) -> str:
    return HANDLE_PREFIX + v.name


def contract(v: Contract) -> str:
    fields = ", ".join(f"@{i}: {dumps_hlxl(x)}" for i, x in v.fields)
    return f"{{{v.id}: {{{fields}}}}}"


def array(v: Array) -> str:
    return "[" + ", ".join(dumps_hlxl(x) for x in v.items) + "]"


def object(v: Object) -> str:  # noqa: A001
    return "{" + ", ".join(f"{k}: {dumps_hlxl(x)}" for k, x in v.entries) + "}"


PRINTERS = {
    Null: null,
    Bool: bool,
    Int: printer.int,  # numbers and text: the same spelling as LC-R
    Float: printer.float,
    Text: printer.text,
    Bytes: bytes,
    Handle: handle,
    Contract: contract,
    Array: array,
    Object: object,
}


def dumps_hlxl(value: Value) -> str:
    """The canonical one-line HLXL text of ``value``."""
    try:
        return PRINTERS[type(value)](value)
    except KeyError:
        raise TypeError(f"not an HLX value: {value!r}") from None

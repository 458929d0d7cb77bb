"""Print values as LC-R: ``dumps`` gives the one-line canonical form, ``pretty`` a layout.

Canonical form (spec section 3): one line, one space after each field index, ``, ``
between array elements and object entries, ``: `` after a key, nothing else. Floats print
as the shortest text that reads back to the same double (Python's ``repr``), bytes as
lowercase hex, and text escapes only what must be escaped.

The printer functions are named after the value classes and grammar aliases (``null``,
``bool``, ``int``, ``float``, ``text``, ``bytes``, ``handle``, ``contract``, ``array``,
``object``) and chosen through the ``PRINTERS`` table.

    python -c "from lcr import parse, dumps; print(dumps(parse('🜃 1 ,2🜄')))"
"""

from __future__ import annotations

import re

from lcr.values import Array, Bool, Bytes, Contract, Float, Handle, Int, Null, Object, Text, Value

# Characters that must be escaped in text: the quote, the backslash, controls below U+0020.
_MUST_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match) -> str:
    c = m.group()
    return _SHORT.get(c) or f"\\u{ord(c):04x}"


def quote(s: str) -> str:
    """A string as canonical LC-R/HLXL text, quotes included."""
    return '"' + _MUST_ESCAPE.sub(_escape, s) + '"'


def null(v: Null) -> str:
    return "∅"


def bool(v: Bool) -> str:  # noqa: A001 - named after the value class, as in the grammar
    return "⊤" if v.value else "⊥"


def int(v: Int) -> str:  # noqa: A001
    return str(v.value)


def float(v: Float) -> str:  # noqa: A001
    return repr(v.value)


def text(v: Text) -> str:
    return quote(v.value)


def bytes(v: Bytes) -> str:  # noqa: A001
    return "⊠" + v.value.hex()


def handle(v: Handle) -> str:
    return "⟁" + v.name


def contract(v: Contract) -> str:
    return f"🜊{v.id}" + "".join(f"🜁{i} {dumps(x)}" for i, x in v.fields) + "🜂"


def array(v: Array) -> str:
    return "🜃" + ", ".join(dumps(x) for x in v.items) + "🜄"


def object(v: Object) -> str:  # noqa: A001
    return "◇" + ", ".join(f"{k}: {dumps(x)}" for k, x in v.entries) + "◆"


PRINTERS = {
    Null: null,
    Bool: bool,
    Int: int,
    Float: float,
    Text: text,
    Bytes: bytes,
    Handle: handle,
    Contract: contract,
    Array: array,
    Object: object,
}


def dumps(value: Value) -> str:
    """The canonical one-line LC-R text of ``value``."""
    try:
        return PRINTERS[type(value)](value)
    except KeyError:
        raise TypeError(f"not an HLX value: {value!r}") from None


def pretty(value: Value, indent: str = "  ") -> str:
    """A multi-line layout: a contract or container holding containers gets one field or
    item per line, nested by ``indent``; everything else stays on one line. Parses back to
    the same value as the canonical form."""
    return _pretty(value, indent, 0)


def _nested(value: Value) -> list:
    if isinstance(value, Contract):
        return [x for _, x in value.fields]
    if isinstance(value, Array):
        return list(value.items)
    if isinstance(value, Object):
        return [x for _, x in value.entries]
    return []


def _pretty(value: Value, indent: str, level: int) -> str:
    children = _nested(value)
    if not any(c.depth for c in children):
        return dumps(value)
    pad, inner = indent * level, indent * (level + 1)
    if isinstance(value, Contract):
        lines = [f"{inner}🜁{i} {_pretty(x, indent, level + 1)}" for i, x in value.fields]
        return f"🜊{value.id}\n" + "\n".join(lines) + f"\n{pad}🜂"
    if isinstance(value, Array):
        items = [f"{inner}{_pretty(x, indent, level + 1)}" for x in value.items]
        return "🜃\n" + ",\n".join(items) + f"\n{pad}🜄"
    entries = [f"{inner}{k}: {_pretty(x, indent, level + 1)}" for k, x in value.entries]
    return "◇\n" + ",\n".join(entries) + f"\n{pad}◆"

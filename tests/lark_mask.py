"""A reference mask from Lark's own interactive parser: correct, and far too slow to decode with.

``viable(text)`` says whether ``text`` is a prefix of some LC-R text accepted by the LALR
parser of ``grammar/lcr.lark`` (syntax only: the limits of ``brain.constrain.tracker.Tracker`` are
not checked here). It walks the text terminal by terminal with the interactive parser;
the terminals the parser accepts next are matched with the ``regex`` module's partial
matching, so a trailing, unfinished terminal (``"abc``, ``1e``, ``🜁1``) counts as viable.
``mask(prefix, chars)`` tries every character: what the constrained decoder would need at
every step. It is the oracle the llguidance masks are tested against and the baseline of
``benchmarks/mask_speed.py``.

    python -c "from tests.lark_mask import viable; print(viable('🜊1000🜁0 \\"re'))"
"""

from __future__ import annotations

import functools

import regex
from lark import Token

from lcr.grammar import lalr


@functools.cache
def _parser():
    parser = lalr("lcr")
    patterns = {t.name: regex.compile(t.pattern.to_regexp()) for t in parser.terminals}
    return parser, patterns


_ACCEPTS: dict[tuple, frozenset] = {}


def _accepts(ip) -> frozenset:
    """``ip.accepts()`` (it tries every terminal), memoised on the parser's state stack."""
    key = tuple(ip.parser_state.state_stack)
    if key not in _ACCEPTS:
        _ACCEPTS[key] = frozenset(ip.accepts())
    return _ACCEPTS[key]


def _viable_from(ip, text: str, pos: int, patterns) -> bool:
    if pos == len(text):
        return True
    for name in sorted(_accepts(ip)):
        if name == "$END":
            continue
        if patterns[name].fullmatch(text, pos, partial=True):
            return True  # the rest of the text is (a prefix of) this terminal
        m = patterns[name].match(text, pos)
        if m is None or m.end() == pos:
            continue
        nxt = ip.copy()
        nxt.feed_token(Token(name, text[pos:m.end()]))
        # LC-R's terminals never need a shorter match than the longest one (no terminal
        # can follow another that would have swallowed its first character).
        if _viable_from(nxt, text, m.end(), patterns):
            return True
    return False


def viable(text: str) -> bool:
    """Is ``text`` a prefix of some syntactically valid LC-R text?"""
    parser, patterns = _parser()
    return _viable_from(parser.parse_interactive(""), text, 0, patterns)


def complete(text: str) -> bool:
    """Is ``text`` syntactically valid LC-R as it stands?"""
    parser, _ = _parser()
    try:
        parser.parse(text)
    except Exception:  # noqa: BLE001 - any Lark error means "not complete"
        return False
    return True


def mask(prefix: str, chars) -> list[bool]:
    """For each character: may it follow ``prefix``?"""
    return [viable(prefix + c) for c in chars]

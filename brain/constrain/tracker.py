"""Layer 2 of the LC-R constraint: the limits a context-free grammar cannot state.

``Tracker`` follows the characters the syntax layer (llguidance, ``brain.constrain.constraint``)
already accepted and enforces what ``lcr.parser.ToValue`` checks after parsing: strictly
ascending field indices (at most ``FIELD_INDEX_MAX``), unique object keys, 64-bit integers,
contract ids up to ``CONTRACT_ID_MAX``, finite floats and ``\\u`` surrogate pairs. Its
``restrict(row, shared)`` clears the characters that would make the value unparseable, one
step ahead, so there are no dead ends; ``shared`` is ``brain.constrain.constraint``'s per-vocabulary
table (``char``, ``ids``, ``field_mark``, ``backslash``, ``u``).

    t = Tracker()
    for c in "🜊14🜁5 ":           # a contract whose last field index is 5
        t.advance(c)
    t.advance("🜁")
    t.restrict(row, shared(tok))   # row: bool over the vocabulary; "0" is cleared (1-4 may grow)
"""

from __future__ import annotations

import math
import string

import numpy as np

from lcr.values import CONTRACT_ID_MAX, FIELD_INDEX_MAX, INT_MAX, INT_MIN

MANTISSA_DIGITS = 300  # integer digits of a number: beyond this no float could stay finite

OPENERS = {"🜊": "contract", "🜃": "array", "◇": "object"}
CLOSERS = frozenset("🜂🜄◆")
DIGITS = frozenset("0123456789")
HEX = frozenset("0123456789abcdefABCDEF")
NUMBER = frozenset("0123456789.eE+-")
IDENT = frozenset(string.ascii_letters + string.digits + "_")
NAME_FIRST = frozenset(string.ascii_letters + "_")  # a key's or handle name's first character
HIGH, LOW = (0xD800, 0xDBFF), (0xDC00, 0xDFFF)


def index_viable(digits: str, last: int) -> bool:
    """Can ``digits`` grow into a field index above ``last`` and at most FIELD_INDEX_MAX?"""
    if digits == "0":
        return last < 0
    v, k = int(digits), 0
    while v * 10**k <= FIELD_INDEX_MAX:
        if min(v * 10**k + 10**k - 1, FIELD_INDEX_MAX) > last:
            return True
        k += 1
    return False


def number_complete(s: str) -> bool:
    """Is the finished number ``s`` in range (a 64-bit integer or a finite float)?"""
    if "." in s or "e" in s or "E" in s:
        return math.isfinite(float(s))
    return INT_MIN <= int(s) <= INT_MAX


def number_viable(s: str) -> bool:
    """Can the number prefix ``s`` still become a number in range?"""
    mant, _, exp = s.replace("E", "e").partition("e")
    if len(mant.lstrip("-").split(".")[0]) > MANTISSA_DIGITS:
        return False
    if not exp.strip("+-"):  # no exponent digits yet: a negative exponent is still open
        return True
    return exp.startswith("-") or math.isfinite(float(s))


def names_of_length(size: int) -> int:
    """How many identifiers (key or handle names, in any track) have ``size`` characters."""
    return len(NAME_FIRST) * len(IDENT) ** (size - 1)


def free_extension(keys, prefix) -> int:
    """The fewest characters to add to ``prefix`` for a name not in ``keys`` (an empty
    ``prefix``: the length of the shortest name not in ``keys``). Names are ``str`` or, as
    in LC-B, ``bytes``; ``prefix`` is of the same type."""
    k = 0 if prefix else 1
    while True:
        room = len(IDENT) ** k if prefix else names_of_length(k)
        taken = sum(1 for key in keys if len(key) == len(prefix) + k and key.startswith(prefix))
        if taken < room:
            return k
        k += 1


def hex_range(digits: str) -> tuple[int, int]:
    """The least and greatest code unit a ``\\u`` escape that starts with ``digits`` (0-4 hex
    digits) can end as."""
    shift = 4 * (4 - len(digits))
    lo = int(digits or "0", 16) << shift
    return lo, lo + (1 << shift) - 1


def hex_viable(digits: str, need_low: bool) -> bool:
    """Can the ``\\u`` escape ``digits`` complete without a lone surrogate?"""
    lo, hi = hex_range(digits)
    if need_low:
        return lo <= LOW[1] and hi >= LOW[0]
    return not (LOW[0] <= lo and hi <= LOW[1])


class _Frame:
    __slots__ = ("kind", "last", "keys", "cid")

    def __init__(self, kind: str):
        self.kind, self.last, self.keys, self.cid = kind, -1, set(), -1


class Tracker:
    """Follows accepted characters (already valid syntax) to enforce what ToValue checks:
    modes name the token being read; ``stack`` the open containers."""

    __slots__ = ("mode", "buf", "stack", "expect_key", "need_low")

    def __init__(self):
        self.mode, self.buf, self.stack = "value", "", []
        self.expect_key = self.need_low = False

    def copy(self) -> Tracker:
        t = Tracker()
        t.mode, t.buf, t.expect_key, t.need_low = self.mode, self.buf, self.expect_key, \
            self.need_low
        for f in self.stack:
            g = _Frame(f.kind)
            g.last, g.keys, g.cid = f.last, set(f.keys), f.cid
            t.stack.append(g)
        return t

    def advance(self, c: str) -> None:
        m = self.mode
        if m == "string":
            self.mode = "value" if c == '"' else "escape" if c == "\\" else m
            return
        if m == "escape":
            self.mode, self.buf = ("uhex", "") if c == "u" else ("string", "")
            return
        if m == "uhex":
            self.buf += c
            if len(self.buf) == 4:
                cp = int(self.buf, 16)
                self.need_low, self.mode = HIGH[0] <= cp <= HIGH[1], "string"
            return
        if m == "field":
            if c in DIGITS:
                self.buf += c
            else:  # whitespace ends the index
                self.stack[-1].last, self.mode = int(self.buf), "value"
            return
        if m == "key":
            if c == ":":
                self.stack[-1].keys.add(self.buf)
                self.mode = "value"
            else:
                self.buf += c
            return
        if (m == "cid" and c in DIGITS) or (m == "number" and c in NUMBER):
            self.buf += c
            return
        if m == "word" and c in IDENT:
            return
        if m == "cid":
            self.stack[-1].cid = int(self.buf)
        self.mode = "value"  # the token (if any) ended at c
        if c in OPENERS:
            self.stack.append(_Frame(OPENERS[c]))
            self.expect_key = c == "◇"
            if c == "🜊":
                self.mode, self.buf = "cid", ""
        elif c in CLOSERS:
            self.stack.pop()
            self.expect_key = False
        elif c == "🜁":
            self.mode, self.buf = "field", ""
        elif c == '"':
            self.mode = "string"
        elif c == "-" or c in DIGITS:
            self.mode, self.buf = "number", c
        elif c in "⊠⟁":
            self.mode = "word"
        elif c == ",":
            self.expect_key = self.stack[-1].kind == "object"
        elif self.expect_key and c in IDENT:
            self.mode, self.buf, self.expect_key = "key", c, False

    def at_field(self, cid: int, index: int) -> bool:
        """Is the next value field ``index`` of a contract ``cid`` (e.g. 1000, 0: an
        operation's name)?"""
        top = self.stack[-1] if self.stack else None
        return (self.mode == "value" and top is not None and top.kind == "contract"
                and top.cid == cid and top.last == index)

    def short_number(self) -> bool:
        """A number too short to leave any range (no exponent, under 19 digits)."""
        b = self.buf
        return len(b) < 19 and "e" not in b and "E" not in b

    def restrict(self, row: np.ndarray, sh) -> None:
        """Clear the entries of ``row`` (bool over the vocabulary) that lead nowhere valid."""
        m = self.mode
        if m in ("value", "number", "word"):  # where the next character may start a field
            top = self.stack[-1] if self.stack else None
            if top is not None and top.kind == "contract" and top.last >= FIELD_INDEX_MAX:
                row[sh.field_mark] = False
            if m == "value":
                return
        if m in ("string", "escape"):
            if self.need_low:  # a high surrogate escape must be followed by \u + low
                keep = sh.backslash if m == "string" else sh.u
                ok = row[keep]
                row[:] = False
                row[keep] = ok
            return
        if m == "key":
            if self.buf in self.stack[-1].keys:
                row[sh.ids[":"]] = False
            return
        mask = self._limit_mask(sh)
        if mask is not None:
            row &= mask

    def allows(self, i: int, sh) -> bool:
        """``restrict``'s verdict on vocabulary entry ``i`` alone, without building a row."""
        m = self.mode
        if m in ("value", "number", "word"):
            top = self.stack[-1] if self.stack else None
            if (i == sh.field_mark and top is not None and top.kind == "contract"
                    and top.last >= FIELD_INDEX_MAX):
                return False
            if m == "value":
                return True
        if m in ("string", "escape"):
            return not self.need_low or i == (sh.backslash if m == "string" else sh.u)
        if m == "key":
            return not (i == sh.ids[":"] and self.buf in self.stack[-1].keys)
        mask = self._limit_mask(sh)
        return mask is None or bool(mask[i])

    def _limit_mask(self, sh) -> np.ndarray | None:
        """The characters the current token's limit check lets follow, or None (no check).
        A check depends on the mode, the token so far and (field) the last index or (uhex)
        a pending surrogate only, so masks are cached per vocabulary (``sh.limit_masks``)."""
        m = self.mode
        check = _CHECKS.get(m)
        if check is None or (m == "number" and self.short_number()):
            return None
        key = (m, self.buf, self.stack[-1].last if m == "field" else self.need_low)
        mask = sh.limit_masks.get(key)
        if mask is None:
            if len(sh.limit_masks) > 50_000:
                sh.limit_masks.clear()
            mask = sh.limit_masks[key] = np.array(
                [_safe(check, self, c) for c in sh.char], dtype=bool)
        return mask


def _check_field(t: Tracker, c) -> bool:
    if c is not None and c in DIGITS:
        return index_viable(t.buf + c, t.stack[-1].last)
    return bool(t.buf) and int(t.buf) > t.stack[-1].last  # whitespace ends the index


def _check_number(t: Tracker, c) -> bool:
    if c is not None and c in NUMBER:
        return number_viable(t.buf + c)
    return number_complete(t.buf)  # anything else (eos included) ends the number


def _safe(check, t: Tracker, c) -> bool:
    """``check`` for any vocabulary entry: a character another mode's table holds (a letter
    after hex digits, say) may raise instead of answering; the grammar rules it out anyway."""
    try:
        return check(t, c)
    except (ValueError, TypeError):
        return False


# Per mode: may character c (None = end of sequence) follow?
_CHECKS = {
    "field": _check_field,
    "number": _check_number,
    "cid": lambda t, c: c is None or c not in DIGITS or int(t.buf + c) <= CONTRACT_ID_MAX,
    "uhex": lambda t, c: hex_viable(t.buf + c, t.need_low),
}

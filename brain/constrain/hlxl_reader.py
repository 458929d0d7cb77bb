"""Canonical HLXL read one character at a time: what may come next, and what it takes to finish.

``brain.constrain.hlxl_constraint`` decodes ``lcr2hlxl`` with it. ``Reader.feed(c)`` accepts a
character only if the text so far can still end as canonical HLXL (``lcr.hlxl.dumps_hlxl``'s
layout: ``, `` between items, ``: `` after a key, contract id or field index, nothing else)
that ``lcr.hlxl.parse_hlxl`` accepts. Beyond ``grammar/hlxl.lark``'s syntax that means the
checks ``lcr.parser.ToValue`` makes: strictly ascending field indices, unique keys, 64-bit
integers, contract ids and field indices in range, finite floats, ``\\u`` surrogate pairs,
depth 64 (``brain.constrain.tracker``'s checks, reused). ``need()`` is the length of the shortest
completion from here, so a budget can be kept exactly. ``atom`` is the token being written
(kind and characters so far) for grounding.

    r = Reader()
    for c in '{1000: {@0: "re':
        assert r.feed(c)
    r.need()    # 3: the closing quote and "}}"
    r.atom      # ("text", '"re')
"""

from __future__ import annotations

import string

from brain.constrain.tracker import (
    DIGITS,
    HEX,
    HIGH,
    IDENT,
    LOW,
    NAME_FIRST,
    free_extension,
    hex_range,
    hex_viable,
    index_viable,
    number_complete,
    number_viable,
)
from lcr.values import CONTRACT_ID_MAX, FIELD_INDEX_MAX, MAX_DEPTH

NAME_REST = IDENT
STRING_MODES = frozenset({"text", "escape", "uhex", "bytes", "bx", "bhex"})  # inside quotes
WORDS = {"n": "null", "t": "true", "f": "false"}  # keywords, by their first letter
ESCAPES = frozenset('"\\nrt')
CLOSE = {"array": "]", "object": "}", "brace": "}", "contract": "}"}  # brace: `{` not yet read
# A number's lexical states (grammar/hlxl.lark's INT and FLOAT): state -> [(chars, next)].
NUMBER_MOVES = {
    "start": [("-", "sign"), ("0", "zero"), ("123456789", "int")],
    "sign": [("0", "zero"), ("123456789", "int")],
    "zero": [(".", "dot"), ("eE", "e")],
    "int": [(string.digits, "int"), (".", "dot"), ("eE", "e")],
    "dot": [(string.digits, "frac")],
    "frac": [(string.digits, "frac"), ("eE", "e")],
    "e": [("+-", "esign"), (string.digits, "exp")],
    "esign": [(string.digits, "exp")],
    "exp": [(string.digits, "exp")],
}
NUMBER_ENDS = frozenset({"zero", "int", "frac", "exp"})


def number_step(state: str, c: str) -> str | None:
    return next((nxt for chars, nxt in NUMBER_MOVES[state] if c in chars), None)


class _Frame:
    __slots__ = ("kind", "last", "keys")

    def __init__(self, kind: str):
        self.kind, self.last, self.keys = kind, -1, set()


class Reader:
    """Follows a canonical HLXL text; ``feed`` refuses what cannot end as a valid value."""

    __slots__ = ("mode", "buf", "num", "lit", "then", "stack", "atom", "need_low")

    def __init__(self):
        self.mode, self.buf, self.num = "value", "", ""
        self.lit, self.then = "", ""  # forced characters, then the mode after them
        self.stack: list[_Frame] = []
        self.atom: tuple[str, str] | None = None  # (kind, characters so far)
        self.need_low = False  # a high surrogate escape waits for its low half

    def copy(self) -> Reader:
        r = Reader.__new__(Reader)
        r.mode, r.buf, r.num, r.lit, r.then = self.mode, self.buf, self.num, self.lit, self.then
        r.atom, r.need_low = self.atom, self.need_low
        r.stack = []
        for f in self.stack:
            g = _Frame(f.kind)
            g.last, g.keys = f.last, set(f.keys)
            r.stack.append(g)
        return r

    # ---- reading ----------------------------------------------------------------------
    def feed(self, c: str) -> bool:
        """Read ``c``; False (state unspecified: feed a copy) if it cannot lead anywhere."""
        if self.lit:
            if c != self.lit[0]:
                return False
            self.lit = self.lit[1:]
            self._grow(c)
            if not self.lit:
                self.mode = self.then
            return True
        return getattr(self, "_" + self.mode)(c)

    def _grow(self, c: str) -> None:
        if self.atom is not None:
            self.atom = (self.atom[0], self.atom[1] + c)

    def _expect(self, text: str, then: str) -> bool:
        self.lit, self.then, self.mode = text, then, "lit"
        return True

    def _value(self, c: str) -> bool:
        if c in WORDS:
            self.atom = ("word", c)
            return self._expect(WORDS[c][1:], "end")
        if c == "-" or c in DIGITS:
            self.atom, self.num, self.buf = ("number", c), number_step("start", c), c
            self.mode = "number"
            return True
        if c == '"':
            self.atom, self.mode = ("text", c), "text"
            return True
        if c == "b":
            self.atom = ("bytes", c)
            return self._expect('"', "bytes")
        if c == "&":
            self.atom = ("handle", c)
            return self._expect("h_", "handle0")
        if c in "{[" and len(self.stack) < MAX_DEPTH:
            self.stack.append(_Frame("brace" if c == "{" else "array"))
            self.mode = "brace" if c == "{" else "first"
            return True
        return False

    def _first(self, c: str) -> bool:  # after `[`: a value or `]`
        return self._after(c) if c == "]" else self._value(c)

    def _brace(self, c: str) -> bool:  # after a value's `{`: contract id, key or `}`
        top = self.stack[-1]
        if c in DIGITS:
            top.kind, self.atom, self.buf, self.mode = "contract", ("cid", c), c, "cid"
            return True
        if c in NAME_FIRST:
            top.kind, self.atom, self.buf, self.mode = "object", ("key", c), c, "key"
            return True
        if c == "}":
            top.kind = "object"
            return self._after(c)
        return False

    def _cid(self, c: str) -> bool:
        if c in DIGITS:
            if self.buf == "0" or int(self.buf + c) > CONTRACT_ID_MAX:
                return False
            self.buf += c
            self._grow(c)
            return True
        if c != ":":
            return False
        self.atom = None
        return self._expect(" {", "fields")

    def _fields(self, c: str) -> bool:  # after `{ID: {`: a field or the end
        if c == "@":
            self.atom, self.buf, self.mode = ("index", ""), "", "index"
            return True
        if c == "}":
            self.stack.pop()
            return self._expect("}", "end")
        return False

    def _index(self, c: str) -> bool:
        top = self.stack[-1]
        if c in DIGITS:
            if self.buf == "0" or not index_viable(self.buf + c, top.last):
                return False
            self.buf += c
            self._grow(c)
            return True
        if c != ":" or not self.buf or int(self.buf) <= top.last:
            return False
        top.last, self.atom = int(self.buf), None
        return self._expect(" ", "value")

    def _key(self, c: str) -> bool:
        if c in NAME_REST:
            self.buf += c
            self._grow(c)
            return True
        top = self.stack[-1]
        if c != ":" or self.buf in top.keys:
            return False
        top.keys.add(self.buf)
        self.atom = None
        return self._expect(" ", "value")

    def _keystart(self, c: str) -> bool:
        if c not in NAME_FIRST:
            return False
        self.atom, self.buf, self.mode = ("key", c), c, "key"
        return True

    def _number(self, c: str) -> bool:
        nxt = number_step(self.num, c)
        if nxt is not None:
            if not number_viable(self.buf + c):
                return False
            self.num, self.buf = nxt, self.buf + c
            self._grow(c)
            return True
        if self.num not in NUMBER_ENDS or not number_complete(self.buf):
            return False
        self.atom = None
        return self._after(c)

    def _text(self, c: str) -> bool:
        if self.need_low and c != "\\":
            return False
        if c == '"':
            self._grow(c)
            self.atom, self.mode = None, "end"
            return True
        if ord(c) < 0x20:
            return False
        self._grow(c)
        if c == "\\":
            self.mode = "escape"
        return True

    def _escape(self, c: str) -> bool:
        if c == "u":
            self.mode, self.buf = "uhex", ""
        elif c in ESCAPES and not self.need_low:
            self.mode = "text"
        else:
            return False
        self._grow(c)
        return True

    def _uhex(self, c: str) -> bool:
        if c not in HEX or not hex_viable(self.buf + c, self.need_low):
            return False
        self.buf += c
        self._grow(c)
        if len(self.buf) == 4:
            self.need_low = HIGH[0] <= int(self.buf, 16) <= HIGH[1]
            self.mode = "text"
        return True

    def _bytes(self, c: str) -> bool:
        if c == '"':
            self._grow(c)
            self.atom, self.mode = None, "end"
            return True
        if not " " <= c <= "~":
            return False
        self._grow(c)
        if c == "\\":
            self.mode = "bx"
        return True

    def _bx(self, c: str) -> bool:
        if c != "x":
            return False
        self._grow(c)
        self.mode, self.buf = "bhex", ""
        return True

    def _bhex(self, c: str) -> bool:
        if c not in HEX:
            return False
        self.buf += c
        self._grow(c)
        if len(self.buf) == 2:
            self.mode = "bytes"
        return True

    def _handle0(self, c: str) -> bool:
        if c not in NAME_FIRST:
            return False
        self._grow(c)
        self.mode = "handle"
        return True

    def _handle(self, c: str) -> bool:
        if c in NAME_REST:
            self._grow(c)
            return True
        self.atom = None
        return self._after(c)

    def _end(self, c: str) -> bool:  # a value just ended
        self.atom = None
        return self._after(c)

    def _after(self, c: str) -> bool:
        """``c`` after a complete value (or in place of an empty container's first item)."""
        if not self.stack:
            return False
        top = self.stack[-1]
        if c == CLOSE[top.kind]:
            self.stack.pop()
            return self._expect("}", "end") if top.kind == "contract" else self._set("end")
        if c != "," or self.mode in ("first", "brace"):  # a comma only after an item
            return False
        if top.kind == "array":
            return self._expect(" ", "value")
        if top.kind == "object":
            return self._expect(" ", "keystart")
        if top.last >= FIELD_INDEX_MAX:
            return False
        self.buf = ""  # the next index's digits
        return self._expect(" @", "index0")

    def _index0(self, c: str) -> bool:  # after `, @`: the index's first digit
        self.atom, self.buf, self.mode = ("index", ""), "", "index"
        return self._index(c)

    def _set(self, mode: str) -> bool:
        self.mode = mode
        return True

    def done(self) -> bool:
        """Is the text so far one complete value (end of sequence allowed)?"""
        if self.stack or self.lit:
            return False
        if self.mode == "end":
            return True
        if self.mode == "number":
            return self.num in NUMBER_ENDS and number_complete(self.buf)
        return self.mode == "handle"

    # ---- the shortest completion ---------------------------------------------------------
    def need(self) -> int:
        """Characters in the shortest way to finish a valid value from here."""
        closes = sum(2 if f.kind == "contract" else 1 for f in self.stack)
        if self.mode == "lit":
            return len(self.lit) + self._cost(self.then) + closes
        return self._cost(self.mode) + closes

    def _cost(self, mode: str) -> int:
        """Characters to finish the token at hand (the frames' closers not counted)."""
        top = self.stack[-1] if self.stack else None
        if mode in ("value", "handle0", "bytes"):
            return 1  # a digit, a name's letter, the closing quote
        if mode in ("key", "keystart"):  # (more of) a name not taken, then ": 0"
            return free_extension(top.keys, self.buf if mode == "key" else "") + 3
        if mode in ("index", "index0"):
            return self._index_cost(top.last) + 3  # digits + ": 0"
        if mode == "cid":
            return 3  # ": {"
        if mode == "number":
            return self._number_cost()
        if mode == "text":
            return 1 + (6 if self.need_low else 0)  # `\udc00` first where a low half is due
        if mode == "escape":
            return 6 if self.need_low else 2
        if mode == "uhex":
            return 4 - len(self.buf) + 1 + (0 if self.need_low or self._lone_ok() else 6)
        if mode == "bx":
            return 4
        if mode == "bhex":
            return 2 - len(self.buf) + 1
        return 0  # end, handle, first, brace, fields: complete, or closed by the frame

    def _index_cost(self, last: int) -> int:
        """Digits still to write for an index above ``last`` that starts with ``buf``."""
        if not self.buf:
            return len(str(last + 1))
        k = 0
        while min(int(self.buf + "9" * k), FIELD_INDEX_MAX) <= last:
            k += 1  # feed() only lets through prefixes that can still get above last
        return k

    def _number_cost(self) -> int:
        for tail in ("", "0", ".0", "e0"):
            s, state = self.buf, self.num
            for c in tail:
                state = state and number_step(state, c)
                s += c
            if state in NUMBER_ENDS and number_viable(s) and number_complete(s):
                return len(tail)
        raise AssertionError(f"no completion of the number {self.buf!r}")  # feed() refuses it

    def _lone_ok(self) -> bool:
        """Can the ``\\u`` escape at hand end as something other than a high surrogate?"""
        lo, hi = hex_range(self.buf)
        return not (HIGH[0] <= lo and hi <= HIGH[1]) and not (LOW[0] <= lo and hi <= LOW[1])


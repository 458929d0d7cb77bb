"""LC-B read forwards, one byte at a time: what may come next, and the shortest completion.

``brain.constrain.lcb_constraint`` decodes LC-B hex under a constraint; this is its format layer.
``Reader.feed(b)`` takes one byte the way ``lcr.lcb_decode`` reads it (tags, minimal
LEB128 inside each number's range, field indices strictly ascending, a length and then
that many bytes: UTF-8 for a text, an identifier for a handle or key, keys unique; finite
floats; exactly the declared number of fields and entries; depth at most ``MAX_DEPTH``)
and says False where LC-B cannot continue so. ``Reader.need()`` is the number of bytes on
the shortest route to a complete value (nulls, the smallest free indices and key names,
empty containers), exact, so a budget check built on it neither dead-ends nor refuses a
value that fits.

    r = Reader(); ok = r.feed(0x05) and r.feed(0x06)   # [] -> r.want == ("done",)
"""

from __future__ import annotations

from collections import Counter

from brain.constrain.tracker import IDENT, free_extension, names_of_length
from brain.constrain.tracker import NAME_FIRST as NAME_FIRST_CHARS
from lcr.lcb_format import (
    ARRAY_END,
    ARRAY_TAG,
    BYTES_TAG,
    CONTRACT_END,
    CONTRACT_TAG,
    FALSE_TAG,
    FLOAT_TAG,
    HANDLE_TAG,
    INT_TAG,
    NULL_TAG,
    OBJECT_END,
    OBJECT_TAG,
    TEXT_TAG,
    TRUE_TAG,
    uleb,
)
from lcr.values import CONTRACT_ID_MAX, FIELD_INDEX_MAX, MAX_DEPTH, MAX_SIZE

U64 = (1 << 64) - 1
# brain.constrain.tracker's name characters, as the byte values LC-B spells them with
NAME_FIRST = frozenset(map(ord, NAME_FIRST_CHARS))
NAME_REST = frozenset(map(ord, IDENT))
SIZED = {TEXT_TAG: "text", BYTES_TAG: "bytes", HANDLE_TAG: "handle"}  # tag -> payload kind
# UTF-8 (RFC 3629): per lead byte range, the first continuation byte's range and the count
UTF8 = [(range(0x00, 0x80), None, 0), (range(0xC2, 0xE0), range(0x80, 0xC0), 1),
        (range(0xE0, 0xE1), range(0xA0, 0xC0), 2), (range(0xE1, 0xED), range(0x80, 0xC0), 2),
        (range(0xED, 0xEE), range(0x80, 0xA0), 2), (range(0xEE, 0xF0), range(0x80, 0xC0), 2),
        (range(0xF0, 0xF1), range(0x90, 0xC0), 3), (range(0xF1, 0xF4), range(0x80, 0xC0), 3),
        (range(0xF4, 0xF5), range(0x80, 0x90), 3)]
CONT = range(0x80, 0xC0)


def ulen(n: int) -> int:
    return len(uleb(n))


class Reader:
    """Where the bytes so far leave an LC-B value: the open containers (``frames``:
    ``("A",)``, ``("C", fields left, last index)``, ``("O", entries left, keys)``) and what
    comes next (``want``: ``("tag", optional)``, ``("end",)``, ``("leb", purpose, value so
    far, bytes read)``, ``("pay", kind, bytes left, bytes read)``, ``("done",)``), plus the
    atom being read, for grounding (``atom``: ``(kind, bytes)`` or None)."""

    __slots__ = ("frames", "want", "atom")

    def __init__(self):
        self.frames, self.want, self.atom = [], ("tag", False), None

    def copy(self) -> Reader:
        r = Reader.__new__(Reader)
        r.frames, r.want, r.atom = list(self.frames), self.want, self.atom
        return r

    # ---- what the format allows ----------------------------------------------------------
    def leb_range(self, purpose: str) -> tuple[int, int]:
        top = self.frames[-1] if self.frames else None
        if purpose == "index":  # fields left after this one need larger indices
            return top[2] + 1, FIELD_INDEX_MAX - top[1]
        if purpose == "keylen":  # no length whose every name is taken
            return free_extension(top[2], b""), MAX_SIZE
        return {"id": (0, CONTRACT_ID_MAX), "fields": (0, FIELD_INDEX_MAX + 1),
                "entries": (0, U64), "int": (0, U64), "text": (0, MAX_SIZE),
                "bytes": (0, MAX_SIZE), "handle": (1, MAX_SIZE)}[purpose]

    def feed(self, b: int) -> bool:
        """Take byte ``b``; False (and the reader unusable) if LC-B cannot continue so."""
        if self.atom is not None:
            self.atom = (self.atom[0], self.atom[1] + bytes((b,)))
        kind = self.want[0]
        if kind == "tag":
            return self._tag(b)
        if kind == "end":
            if b != {"C": CONTRACT_END, "O": OBJECT_END}[self.frames[-1][0]]:
                return False
            self.frames.pop()
            self._value_done()
            return True
        if kind == "leb":
            return self._leb(b)
        if kind == "pay":
            return self._pay(b)
        return False  # done: nothing may follow

    def _tag(self, b: int) -> bool:
        if self.want[1] and b == ARRAY_END:
            self.frames.pop()
            self._value_done()
        elif b in (NULL_TAG, TRUE_TAG, FALSE_TAG):
            self._value_done()
        elif b in (INT_TAG, TEXT_TAG, BYTES_TAG, HANDLE_TAG):
            purpose = SIZED.get(b, "int")
            self.want, self.atom = ("leb", purpose, 0, 0), (purpose, b"")
        elif b == FLOAT_TAG:
            self.want, self.atom = ("pay", "float", 8, b""), ("float", b"")
        elif b in (ARRAY_TAG, CONTRACT_TAG, OBJECT_TAG):
            if len(self.frames) >= MAX_DEPTH:
                return False
            if b == ARRAY_TAG:
                self.frames.append(("A",))
                self.want = ("tag", True)
            elif b == CONTRACT_TAG:
                self.want, self.atom = ("leb", "id", 0, 0), ("id", b"")
            else:
                self.want = ("leb", "entries", 0, 0)
        else:
            return False
        return True

    def _leb(self, b: int) -> bool:
        _, purpose, acc, i = self.want
        value = acc | (b & 0x7F) << (7 * i)
        lo, hi = self.leb_range(purpose)
        if b & 0x80:  # more bytes follow: some value they can reach must be in range
            if i + 1 >= 10 or least_reachable(value, i + 1, lo) > hi:
                return False
            self.want = ("leb", purpose, value, i + 1)
            return True
        if (i and not b) or not lo <= value <= hi:  # over-long, or out of range
            return False
        self._leb_done(purpose, value)
        return True

    def _leb_done(self, purpose: str, v: int) -> None:
        if purpose == "id":
            self.want, self.atom = ("leb", "fields", 0, 0), None
        elif purpose in ("fields", "entries"):
            self.frames.append(("C", v, -1) if purpose == "fields" else ("O", v, frozenset()))
            self._next_in_frame()
        elif purpose == "index":
            f = self.frames[-1]
            self.frames[-1] = ("C", f[1], v)
            self.want, self.atom = ("tag", False), None
        elif purpose == "int" or v == 0:
            self._value_done()
        else:  # a length: its bytes follow
            self.want = ("pay", "key" if purpose == "keylen" else purpose, v, b"")

    def _pay(self, b: int) -> bool:
        _, kind, left, seen = self.want
        if kind in ("handle", "key"):
            if b not in (NAME_REST if seen else NAME_FIRST):
                return False
            if kind == "key":  # some name of this length with this start must be free
                name = seen + bytes((b,))
                taken = sum(len(k) == len(seen) + left and k.startswith(name)
                            for k in self.frames[-1][2])
                if taken >= len(NAME_REST) ** (left - 1):
                    return False
        elif kind == "text" and not _utf8_ok(seen, b, left):
            return False
        elif kind == "float" and len(seen) == 1 and seen[0] & 0x7F == 0x7F and b >= 0xF0:
            return False  # exponent all ones: infinity or NaN
        seen += bytes((b,))
        if left > 1:
            self.want = ("pay", kind, left - 1, seen)
        elif kind == "key":
            f = self.frames[-1]
            self.frames[-1] = ("O", f[1], f[2] | {seen})
            self.want, self.atom = ("tag", False), None
        else:
            self._value_done()
        return True

    def _next_in_frame(self) -> None:
        tag, left, *rest = self.frames[-1]
        if not left:
            self.want = ("end",)
            return
        self.frames[-1] = (tag, left - 1, *rest)
        purpose = "index" if tag == "C" else "keylen"
        self.want, self.atom = ("leb", purpose, 0, 0), ("index" if tag == "C" else "key", b"")

    def _value_done(self) -> None:
        self.atom = None
        if not self.frames:
            self.want = ("done",)
        elif self.frames[-1][0] == "A":
            self.want = ("tag", True)
        else:
            self._next_in_frame()

    # ---- the shortest completion -------------------------------------------------------
    def need(self) -> int:
        """Bytes on the shortest route to a complete value from here (a route the format
        allows: nulls, the smallest free indices, the shortest free key names, empty
        containers); exact, so the budget never refuses what fits."""
        kind, total, last_index, pending = self.want[0], 0, None, None
        if kind == "tag":
            total = 0 if self.want[1] else 1
        elif kind == "leb":
            _, purpose, acc, i = self.want
            lo, _ = self.leb_range(purpose)
            v = least_reachable(acc, i, lo) if i else lo
            total = ulen(v) - i + _follow(purpose, v)
            last_index = v if purpose == "index" else None
            pending = v if purpose == "keylen" else None  # the key being read takes a name
        elif kind == "pay":
            total = self.want[2] + (self.want[1] == "key")
            pending = len(self.want[3]) + self.want[2] if self.want[1] == "key" else None
        for j, f in enumerate(self.frames):
            top = j == len(self.frames) - 1
            if f[0] == "A":
                total += 1
            elif f[0] == "C":
                last = last_index if top and last_index is not None else f[2]
                total += uleb_sum(last + 1, last + f[1]) + f[1] + 1
            else:
                total += names_cost(f[2], f[1], pending if top else None) + 1
        return total


def least_reachable(acc: int, i: int, lo: int) -> int:
    """The smallest value of at least ``lo`` that a LEB128 number whose first ``i`` bytes
    (all continued) hold ``acc`` can still end as: the next bytes add at least one step."""
    step = 1 << 7 * i
    return acc + max(1, -(-(lo - acc) // step)) * step


def uleb_sum(a: int, b: int) -> int:
    """Bytes of the LEB128 numbers a, a+1, ..., b (0 when b < a)."""
    total, k = 0, 1
    while a <= b:
        top = min(b, (1 << 7 * k) - 1)
        total, a, k = total + max(0, top - a + 1) * k, max(a, top + 1), k + 1
    return total


def names_cost(keys, n: int, pending: int | None = None) -> int:
    """Bytes of ``n`` more object entries (length, name, a null) under the shortest names
    not in ``keys`` (nor taken by a ``pending`` key of that length)."""
    used = Counter(map(len, keys)) + Counter([pending] if pending else [])
    total, size = 0, 1
    while n > 0:
        k = min(n, max(0, names_of_length(size) - used[size]))
        total, n, size = total + k * (ulen(size) + size + 1), n - k, size + 1
    return total


def _follow(purpose: str, v: int) -> int:
    """Bytes that must follow a LEB128 number ``v`` of ``purpose`` (beyond open frames)."""
    if purpose == "id":
        return 2  # a zero field count and the contract end
    if purpose == "fields":  # indices 0 .. v-1, each with a null, and the end
        return uleb_sum(0, v - 1) + v + 1
    if purpose == "entries":
        return names_cost((), v) + 1
    if purpose == "index":
        return 1  # the field's value
    if purpose == "keylen":
        return v + 1  # the name and the entry's value
    return 0 if purpose == "int" else v  # a length: that many bytes


def _utf8_ok(seen: bytes, b: int, left: int) -> bool:
    """May ``b`` follow ``seen`` in a text with ``left`` bytes to go (``b`` included)?"""
    j = len(seen) - 1  # the last character's lead byte, and how much of it is in ``seen``
    while j >= 0 and seen[j] in CONT and len(seen) - j < 4:
        j -= 1
    if j >= 0 and seen[j] not in CONT:
        for leads, first, n in UTF8:
            if seen[j] in leads and len(seen) - 1 - j < n:  # inside this character
                return b in (first if len(seen) - 1 == j else CONT)
    return any(b in leads and n < left for leads, _, n in UTF8)

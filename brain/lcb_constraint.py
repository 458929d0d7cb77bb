"""Constrained decoding for LC-B output (``lcr2lcb``): every completed output decodes.

LC-B is written as lowercase hex, two characters a byte (``lcr.lcb``; its layout is read by
``lcr.lcb_decode``). Unconstrained, the shipped models wrote hex that was not LC-B, and
sometimes not hex (``...023.103c2e "app.log.1"``). ``LCBConstraint`` follows the decoder
protocol (``allowed``, ``advance``, ``copy``; see ``brain.decode``) with three layers:

1. **Format**: ``lcr.lcb_decode``'s reader run forwards, one byte at a time: a tag where a
   value starts; minimal LEB128 numbers inside their ranges (64 bits, contract ids, field
   indices strictly ascending); a length and then that many bytes (UTF-8 for a text, an
   identifier for a handle or key, keys unique); finite floats; exactly the declared
   number of contract fields and object entries; at most ``MAX_DEPTH`` containers nested.
   End-of-sequence only after one complete value.
2. **Budget**: a byte is allowed only if the shortest completion after it still fits in
   the characters left, so an output the budget cuts is still complete.
3. **Grounding** (given the source, an LC-R value), as ``brain.ground`` for LC-R: a text,
   bytes, handle, key, integer, float, contract id or field index is encoded as one of the
   source's of its kind, and a tag is one of a kind the source has; counts and order stay
   the model's. It steps aside where it would leave nothing, or the source does not parse.

    cons = make_constraints(tok, prompts, max_new_tokens=600, block_size=1024,
                            sources=sources, cls=LCBConstraint)
"""

from __future__ import annotations

import torch

from lcr import parse
from lcr.errors import LCRError
from lcr.lcb import encode
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
from lcr.values import (
    CONTRACT_ID_MAX,
    FIELD_INDEX_MAX,
    MAX_DEPTH,
    MAX_SIZE,
    Array,
    Contract,
    Object,
)

HEX = "0123456789abcdef"
U64 = (1 << 64) - 1
NAME_FIRST = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
NAME_REST = NAME_FIRST | frozenset(b"0123456789")
ONE_BYTE_NAMES = len(NAME_FIRST)
SIZED = {TEXT_TAG: "text", BYTES_TAG: "bytes", HANDLE_TAG: "handle"}  # tag -> payload kind
ATOM_KINDS = {INT_TAG: "int", FLOAT_TAG: "float", **SIZED}  # tags of grounded scalars
# UTF-8 (RFC 3629): per lead byte range, the first continuation byte's range and the count
UTF8 = [(range(0x00, 0x80), None, 0), (range(0xC2, 0xE0), range(0x80, 0xC0), 1),
        (range(0xE0, 0xE1), range(0xA0, 0xC0), 2), (range(0xE1, 0xED), range(0x80, 0xC0), 2),
        (range(0xED, 0xEE), range(0x80, 0xA0), 2), (range(0xEE, 0xF0), range(0x80, 0xC0), 2),
        (range(0xF0, 0xF1), range(0x90, 0xC0), 3), (range(0xF1, 0xF4), range(0x80, 0xC0), 3),
        (range(0xF4, 0xF5), range(0x80, 0x90), 3)]
CONT = range(0x80, 0xC0)


def ulen(n: int) -> int:
    return len(uleb(n))


def atoms_of(source: str) -> dict | None:
    """What grounding allows, per atom kind: the encodings (from the atom's first byte on)
    of the source value's atoms, and under "tag" the tags of its values. None when the
    source does not parse (or has no LC-B form)."""
    try:
        value = parse(source)
        encode(value)
    except LCRError:
        return None
    out: dict[str, set] = {k: set() for k in ("tag", *ATOM_KINDS.values(), "key", "id",
                                              "index")}
    stack = [value]
    while stack:
        v = stack.pop()
        lcb = encode(v)  # a scalar's bytes after its tag are the atom
        out["tag"].add(lcb[0])
        if lcb[0] in ATOM_KINDS:
            out[ATOM_KINDS[lcb[0]]].add(lcb[1:])
        elif isinstance(v, Array):
            stack += v.items
        elif isinstance(v, Contract):
            out["id"].add(uleb(v.id))
            out["index"].update(uleb(i) for i, _ in v.fields)
            stack += [x for _, x in v.fields]
        elif isinstance(v, Object):
            out["key"].update(uleb(len(k)) + k.encode() for k, _ in v.entries)
            stack += [x for _, x in v.entries]
    return out


class _Reader:
    """Where the bytes so far leave an LC-B value: the open containers (``frames``:
    ``("A",)``, ``("C", fields left, last index)``, ``("O", entries left, keys)``) and what
    comes next (``want``: ``("tag", optional)``, ``("end",)``, ``("leb", purpose, value so
    far, bytes read)``, ``("pay", kind, bytes left, bytes read)``, ``("done",)``), plus the
    atom being read, for grounding (``atom``: ``(kind, bytes)`` or None)."""

    __slots__ = ("frames", "want", "atom")

    def __init__(self):
        self.frames, self.want, self.atom = [], ("tag", False), None

    def copy(self) -> _Reader:
        r = _Reader.__new__(_Reader)
        r.frames, r.want, r.atom = list(self.frames), self.want, self.atom
        return r

    # ---- what the format allows ----------------------------------------------------------
    def leb_range(self, purpose: str) -> tuple[int, int]:
        top = self.frames[-1] if self.frames else None
        if purpose == "index":  # fields left after this one need larger indices
            return top[2] + 1, FIELD_INDEX_MAX - top[1]
        if purpose == "keylen":  # no length whose every name is taken
            return (1 if ones_free(top) else 2), MAX_SIZE
        return {"id": (0, CONTRACT_ID_MAX), "fields": (0, FIELD_INDEX_MAX + 1),
                "entries": (0, 4096), "int": (0, U64), "text": (0, MAX_SIZE),
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
            step = 1 << (7 * (i + 1))
            if i + 1 >= 10 or value + max(1, -(-(lo - value) // step)) * step > hi:
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
        allows: nulls, the smallest free indices and names, empty containers)."""
        kind = self.want[0]
        total, last_index = 0, None
        if kind == "tag":
            total = 0 if self.want[1] else 1
        elif kind == "leb":
            _, purpose, acc, i = self.want
            lo, _ = self.leb_range(purpose)
            v = max(lo, acc) if not i else acc + max(1, -(-(lo - acc) // (1 << 7 * i))) * (
                1 << 7 * i)
            total = ulen(v) - i + _follow(purpose, v, self)
            if purpose == "index":
                last_index = v
        elif kind == "pay":
            total = self.want[2] + (self.want[1] == "key")
        for j, f in enumerate(self.frames):
            if f[0] == "A":
                total += 1
            elif f[0] == "C":
                last = last_index if last_index is not None and j == len(self.frames) - 1 \
                    else f[2]
                total += f[1] * (ulen(last + f[1]) + 1) + 1 if f[1] else 1
            else:  # a key being read takes a one-byte name on the shortest route
                ones = sum(len(k) == 1 for k in f[2]) + (j == len(self.frames) - 1 and (
                    self.want == ("leb", "keylen", 0, 0) and ones_free(f)
                    or self.want[:3] == ("pay", "key", 1) and not self.want[3]))
                total += f[1] * (2 + (1 if ones + f[1] <= ONE_BYTE_NAMES else 2)) + 1
        return total


def ones_free(frame) -> bool:
    """Is a one-byte key name still free in this object frame?"""
    return sum(len(k) == 1 for k in frame[2]) < ONE_BYTE_NAMES


def _follow(purpose: str, v: int, r: _Reader) -> int:
    """Bytes that must follow a LEB128 number ``v`` of ``purpose`` (beyond open frames)."""
    if purpose == "id":
        return 2  # a zero field count and the contract end
    if purpose == "fields":
        return v * (ulen(max(v - 1, 0)) + 1) + 1
    if purpose == "entries":
        return v * (2 + (1 if v <= ONE_BYTE_NAMES else 2)) + 1
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


class LCBConstraint:
    """One output's constraint: LC-B format + budget + (with ``source``) grounding."""

    score_allowed = True  # brain.beam: score among the allowed tokens (see README)

    def __init__(self, tok, max_tokens: int, *, strict: bool = False, source: str | None = None):
        # ``strict`` (brain.constraint's catalogue mode) has no LC-B meaning: accepted for
        # make_constraints' common signature, no effect.
        if max_tokens < 2:
            raise ValueError("max_tokens must be at least 2 (the shortest value, 00)")
        self.eos, self.size = tok.eos, len(tok.vocab)
        self.hex_ids = [tok.stoi[c] for c in HEX]
        self.digit = {i: n for n, i in enumerate(self.hex_ids)}
        self.reader = _Reader()
        self.atoms = atoms_of(source) if source is not None else None
        self.remaining, self.high = max_tokens, None
        self.ground_skipped = 0
        self._bytes: list[int] | None = None  # allowed next bytes, until the next byte

    def copy(self) -> LCBConstraint:
        c = LCBConstraint.__new__(LCBConstraint)
        c.__dict__.update(self.__dict__)
        c.reader = self.reader.copy()
        return c

    def allowed_bytes(self) -> list[int]:
        """The bytes that may come next (computed when a byte starts, kept for its second
        hex digit)."""
        if self._bytes is None:
            budget = self.remaining // 2 - 1  # bytes left after this one
            ok = []
            for b in range(256):
                r = self.reader.copy()
                if r.feed(b) and r.need() <= budget:
                    ok.append(b)
            self._bytes = self._grounded(ok)
        return self._bytes

    def _grounded(self, ok: list[int]) -> list[int]:
        if self.atoms is None:
            return ok
        r = self.reader
        if r.want[0] == "tag":
            pool = self.atoms["tag"] | ({ARRAY_END} if r.want[1] else set())
            keep = [b for b in ok if b in pool]
        elif r.atom is not None:
            seen = r.atom[1]
            nxt = {a[len(seen)] for a in self.atoms[r.atom[0]]
                   if len(a) > len(seen) and a.startswith(seen)}
            keep = [b for b in ok if b in nxt]
        else:
            return ok
        if not keep:  # never leave nothing: step aside instead
            self.ground_skipped += 1
            return ok
        return keep

    def allowed(self) -> torch.Tensor:
        mask = torch.zeros(self.size, dtype=torch.bool)
        if self.high is None and self.reader.want[0] == "done":
            mask[self.eos] = True
            return mask
        if self.high is None:
            digits = {b >> 4 for b in self.allowed_bytes()}
        else:
            digits = {b & 15 for b in self.allowed_bytes() if b >> 4 == self.high}
        for d in digits:
            mask[self.hex_ids[d]] = True
        return mask

    def advance(self, token_id: int) -> None:
        token_id = int(token_id)
        if not self.allowed()[token_id]:
            raise ValueError(f"token {token_id} is not valid LC-B hex here")
        self.remaining -= 1
        if token_id == self.eos:
            return
        if self.high is None:
            self.high = self.digit[token_id]
            return
        self.reader.feed(self.high << 4 | self.digit[token_id])
        self.high, self._bytes = None, None

    def is_complete(self) -> bool:
        return self.high is None and self.reader.want[0] == "done"

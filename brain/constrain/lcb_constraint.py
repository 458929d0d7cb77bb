"""Constrained decoding for LC-B output (``lcr2lcb``): every completed output decodes.

LC-B is written as lowercase hex, two characters a byte (``lcr.lcb``; its layout is read by
``lcr.lcb_decode``). Unconstrained, the shipped models wrote hex that was not LC-B, and
sometimes not hex (``...023.103c2e "app.log.1"``). ``LCBConstraint`` follows the decoder
protocol (``allowed``, ``advance``, ``copy``; see ``brain.generate.greedy``) with three layers:

1. **Format** (``brain.constrain.lcb_reader``): ``lcr.lcb_decode``'s layout read forwards, byte by
   byte (tags, LEB128, lengths, UTF-8, unique keys, finite floats, declared counts, depth).
   End-of-sequence only after one complete value.
2. **Budget**: a byte is allowed only if the shortest completion after it
   (``Reader.need``) still fits in the characters left, so a cut output is complete.
3. **Grounding** (given the source, an LC-R value), as ``brain.constrain.ground`` for LC-R: a text,
   bytes, handle, key, integer, float, contract id or field index is encoded as one of the
   source's of its kind, and a tag is one of a kind the source has; counts and order stay
   the model's. It steps aside where it would leave nothing, or the source does not parse.

    cons = make_constraints(tok, prompts, max_new_tokens=600, block_size=1024,
                            sources=sources, cls=LCBConstraint)
"""

from __future__ import annotations

from brain.constrain.lcb_reader import SIZED, Reader
from brain.constrain.reader_base import ReaderConstraint
from lcr import parse
from lcr.errors import LCRError
from lcr.lcb import encode
from lcr.lcb_format import ARRAY_END, FLOAT_TAG, INT_TAG, uleb
from lcr.values import MAX_SIZE, Array, Contract, Object

HEX = "0123456789abcdef"
ATOM_KINDS = {INT_TAG: "int", FLOAT_TAG: "float", **SIZED}  # tags of grounded scalars


def atoms_of(source: str) -> dict | None:
    """What grounding allows, per atom kind: the encodings (from the atom's first byte on)
    of the source value's atoms, and under "tag" the tags of its values. None when the
    source does not parse (or has no LC-B form)."""
    try:
        value = parse(source)
        lcb = encode(value)
    except LCRError:
        return None
    out: dict[str, set] = {k: set() for k in ("tag", *ATOM_KINDS.values(), "key", "id",
                                              "index")}
    stack = [value]
    while stack:
        v = stack.pop()
        lcb = lcb if v is value else encode(v)  # a scalar's bytes after its tag: the atom
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


class LCBConstraint(ReaderConstraint):
    """One output's constraint: LC-B format + budget + (with ``source``) grounding."""

    score_allowed = True  # brain.generate.beam scores it among the allowed tokens (its docstring)

    def __init__(self, tok, max_tokens: int, *, strict: bool = False, source: str | None = None):
        # ``strict`` (brain.constrain.constraint's catalogue mode) has no LC-B meaning: accepted for
        # make_constraints' common signature, no effect.
        if max_tokens < 2:
            raise ValueError("max_tokens must be at least 2 (the shortest value, 00)")
        if max_tokens // 2 > MAX_SIZE:
            raise ValueError(f"max_tokens {max_tokens} could exceed the {MAX_SIZE}-byte limit")
        self.eos, self.size = tok.eos, len(tok.vocab)
        self.hex_ids = [tok.stoi[c] for c in HEX]
        self.digit = {i: n for n, i in enumerate(self.hex_ids)}
        self.reader = Reader()
        self.atoms = atoms_of(source) if source is not None else None
        self.remaining, self.high = max_tokens, None
        self.ground_skipped = 0
        self._bytes: list[int] | None = None  # allowed next bytes, until the next byte

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

    def allowed_ids(self) -> set[int]:
        """The token ids that may come next: hex digits, or only the end once complete."""
        if self.high is None and self.reader.want[0] == "done":
            return {self.eos}
        if self.high is None:
            digits = {b >> 4 for b in self.allowed_bytes()}
        else:
            digits = {b & 15 for b in self.allowed_bytes() if b >> 4 == self.high}
        return {self.hex_ids[d] for d in digits}

    def advance(self, token_id: int) -> None:
        token_id = int(token_id)
        if token_id not in self.allowed_ids():
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

"""Constrained decoding for HLXL output (``lcr2hlxl``): every completed output parses.

Unconstrained, an earlier model wrote HLXL that was no HLXL at times: ``t`` for ``true``,
LC-R's ``∅`` inside HLXL, ``b"86f7374`` for ``b"host"``. ``HLXLConstraint`` follows the
decoder protocol (``allowed``, ``advance``, ``copy``; see ``brain.generate.greedy``) with three
layers, as ``brain.constrain.lcb_constraint`` does for LC-B:

1. **Syntax and limits** (``brain.constrain.hlxl_reader``): canonical HLXL
   (``lcr.hlxl.dumps_hlxl``'s
   layout) that ``lcr.hlxl.parse_hlxl`` accepts: ascending field indices, unique keys,
   numbers and ids in range, surrogate pairs, depth. End-of-sequence only after one
   complete value.
2. **Budget**: a character is allowed only if the shortest completion after it
   (``Reader.need``) still fits in the characters left, so a cut output is complete.
3. **Grounding** (given the source, an LC-R value): a text, bytes, handle, number, key,
   contract id, field index or keyword is spelled as one of the source's of its kind,
   printed by ``dumps_hlxl``; ``{`` and ``[`` open only kinds of container the source has;
   ``,`` adds a field or entry only while the source has an index or key left for it.
   Counts, order and which atom goes where stay the model's. It steps aside where it would
   leave nothing, or where the source does not parse.

    cons = make_constraints(tok, prompts, max_new_tokens=600, block_size=1024,
                            sources=sources, cls=HLXLConstraint)
"""

from __future__ import annotations

import re

from brain.constrain.hlxl_reader import STRING_MODES, Reader
from brain.constrain.reader_base import ReaderConstraint
from lcr import parse
from lcr.errors import LCRError
from lcr.hlxl import dumps_hlxl
from lcr.values import MAX_SIZE, Array, Contract, Object

# The scalar value classes (lcr.values), by name, and the kind of atom each is.
ATOM_KIND = {"Null": "word", "Bool": "word", "Int": "number", "Float": "number",
             "Text": "text", "Bytes": "bytes", "Handle": "handle"}
OPENS = {"[": {"array"}, "{": {"contract", "object"}}
KINDS = ("word", "number", "text", "bytes", "handle", "key", "cid", "index", "container")
NON_ASCII = re.compile(r"[^\x00-\x7f]")  # printed raw by dumps_hlxl; no token spells them


def _escaped(m: re.Match) -> str:
    """A character as ``\\uXXXX`` escapes (a surrogate pair beyond the BMP)."""
    utf16 = m[0].encode("utf-16-be")
    return "".join(f"\\u{utf16[i]:02x}{utf16[i + 1]:02x}" for i in range(0, len(utf16), 2))


def atoms_of(source: str) -> dict[str, set[str]] | None:
    """What grounding allows, per kind: the HLXL spellings of the source value's atoms
    (``word``: null/true/false, ``key``/``cid``/``index``: names and digits) and under
    ``container`` the kinds of its containers (array, contract, object). None when the
    source does not parse."""
    try:
        value = parse(source)
    except LCRError:
        return None
    out: dict[str, set[str]] = {k: set() for k in KINDS}
    stack = [value]
    while stack:
        v = stack.pop()
        kind = ATOM_KIND.get(type(v).__name__)
        if kind is not None:
            out[kind].add(dumps_hlxl(v))
            if kind == "text":  # also with \u escapes, for characters no token spells
                out[kind].add(NON_ASCII.sub(_escaped, dumps_hlxl(v)))
        elif isinstance(v, Array):
            out["container"].add("array")
            stack += v.items
        elif isinstance(v, Contract):
            out["container"].add("contract")
            out["cid"].add(str(v.id))
            out["index"].update(str(i) for i, _ in v.fields)
            stack += [x for _, x in v.fields]
        elif isinstance(v, Object):
            out["container"].add("object")
            out["key"].update(k for k, _ in v.entries)
            stack += [x for _, x in v.entries]
    return out


class HLXLConstraint(ReaderConstraint):
    """One output's constraint: canonical HLXL + budget + (with ``source``) grounding."""

    def __init__(self, tok, max_tokens: int, *, strict: bool = False, source: str | None = None):
        # ``strict`` (brain.constrain.constraint's catalogue mode) is LC-R's: accepted for
        # make_constraints' common signature, no effect.
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1 (the shortest value, 0)")
        if 4 * max_tokens > MAX_SIZE:
            raise ValueError(f"max_tokens {max_tokens} could exceed the {MAX_SIZE}-byte limit")
        self.eos, self.size = tok.eos, len(tok.vocab)
        self.char_of = {i: s for i, s in enumerate(tok.vocab) if i not in tok.special_ids}
        self.reader = Reader()
        self.atoms = atoms_of(source) if source is not None else None
        self.remaining = max_tokens
        self.ground_skipped = 0
        self._ids: frozenset[int] | None = None  # allowed next ids, until the next advance

    def allowed_ids(self) -> frozenset[int]:
        """The token ids that may come next."""
        if self._ids is None:
            r, budget = self.reader, self.remaining - 1
            ok = {}
            for i, c in self.char_of.items():
                r2 = r.copy()
                if r2.feed(c) and r2.need() <= budget:
                    ok[i] = (c, r2)
            if r.done():
                ok[self.eos] = ("", None)
            keep = set(ok)
            if self.atoms is not None:
                grounded = {i for i, (c, r2) in ok.items() if self._grounded(c, r2)}
                if grounded:
                    keep = grounded
                elif ok:  # never leave nothing: step aside instead
                    self.ground_skipped += 1
            self._ids = frozenset(keep)  # shared by copies: never changed in place
        return self._ids

    def _grounded(self, c: str, r2: Reader | None) -> bool:
        """Does ``c`` (read into ``r2``; None: the end) keep to the source's atoms and
        containers?"""
        r0, atoms = self.reader, self.atoms
        if r2 is None:  # the end of the output: it may end the atom at hand
            return r0.atom is None or r0.atom[1] in self._spellings(r0.atom[0], r0)
        if r0.atom is not None and r2.atom is None:  # c ended the atom (or closed it)
            kind, text = r0.atom
            if text not in self._spellings(kind, r0) and text + c not in atoms[kind]:
                return False
        if r2.atom is not None:
            kind, text = r2.atom
            spellings = self._spellings(kind, r2)
            if not any(s.startswith(text) for s in spellings):
                return False
            if self.remaining == 1 and text not in spellings:  # the output ends here
                return False
        if c in OPENS and len(r2.stack) > len(r0.stack):
            return bool(OPENS[c] & atoms["container"])
        if c == "}" and r0.mode == "brace":  # {} is an empty object
            return "object" in atoms["container"]
        if c == "," and r0.stack and r0.mode not in STRING_MODES:
            top = r0.stack[-1]
            if top.kind == "contract":
                return any(int(i) > top.last for i in atoms["index"])
            if top.kind == "object":
                return bool(atoms["key"] - top.keys)
        return True

    def _spellings(self, kind: str, r: Reader) -> set[str]:
        """The source's spellings of ``kind`` still usable where ``r`` stands."""
        found = self.atoms[kind]
        if kind == "key":
            return found - r.stack[-1].keys
        if kind == "index":
            return {i for i in found if int(i) > r.stack[-1].last}
        return found

    def advance(self, token_id: int) -> None:
        token_id = int(token_id)
        if token_id not in self.allowed_ids():
            raise ValueError(f"token {token_id} is not valid HLXL here")
        self.remaining -= 1
        self._ids = None
        if token_id != self.eos:
            self.reader.feed(self.char_of[token_id])

    def is_complete(self) -> bool:
        return self.reader.done()

"""Any text in, characters the model knows out, and the typed characters back in the literals.

The model's vocabulary is printable ASCII and the LC-R glyphs. People type more: curly
quotes, dashes, non-breaking spaces, accents ("café"), emoji. ``fold`` maps a text onto
the vocabulary: NFKC first, then typographic marks to their ASCII forms (``PUNCTUATION``),
then accents dropped (NFKD without combining marks), and any character still unknown
becomes ``PLACEHOLDER``. It also records where each folded character came from, so that
``restore`` can put the typed characters back into the output's text literals: "search
the menu for café au lait" is translated as "... for cafe au lait", and the output's text
``"cafe au lait"`` becomes ``"café au lait"`` again. Handles and keys stay folded (the
grammar allows only ASCII names).

    f = fold("look for “🚀 launch”", known)   # f.text == 'look for "? launch"'
    restore('🜊1000🜁0 "search"🜁1 ⟁x🜁2 "? launch"🜂', f)  # -> ... "🚀 launch" ...
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from brain.constrain.ground import OP_CONTRACT, OP_NAME_FIELD
from lcr import dumps, parse
from lcr.errors import LCRError
from lcr.values import Array, Contract, Object, Text

PLACEHOLDER = "?"
# Typographic characters and their plain spellings (after NFKC, which already turns
# full-width forms, ligatures and most spaces into ASCII).
PUNCTUATION = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u00d7": "*", "\u00f7": "/", "\t": " ", "\r": " ",
}


@dataclass(frozen=True)
class Folded:
    """A folded text, the original, and for each folded character the (start, end) span
    of the original characters it came from."""

    text: str
    original: str
    spans: tuple[tuple[int, int], ...]

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def origin(self, start: int, end: int) -> str:
        """The original characters behind folded ``text[start:end]`` (non-empty)."""
        return self.original[self.spans[start][0]:self.spans[end - 1][1]]


def _fold_char(c: str, known: Callable[[str], bool]) -> str:
    if known(c):
        return c
    if c in PUNCTUATION:
        return PUNCTUATION[c]
    bare = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
    if bare and all(known(d) for d in bare):
        return bare
    return PLACEHOLDER


def fold(text: str, known: Callable[[str], bool]) -> Folded:
    """``text`` in characters for which ``known(c)`` holds (the tokenizer's), with where
    each came from. Every character of ``text`` maps to at least one folded character."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for i, c in enumerate(text):
        norm = unicodedata.normalize("NFKC", c)
        piece = "".join(_fold_char(d, known) for d in norm) or PLACEHOLDER
        out.append(piece)
        spans.extend([(i, i + 1)] * len(piece))
    return Folded("".join(out), text, tuple(spans))


def _restore_value(value, f: Folded):
    if isinstance(value, Text):
        at = f.text.find(value.value) if value.value else -1
        if at >= 0:
            original = f.origin(at, at + len(value.value))
            if original != value.value:
                return Text(original)
        return value
    if isinstance(value, Contract):
        # An operation's name (field 0 of contract 1000) is the catalogue's, never typed.
        return Contract(value.id, tuple(
            (i, v if (value.id, i) == (OP_CONTRACT, OP_NAME_FIELD) else _restore_value(v, f))
            for i, v in value.fields))
    if isinstance(value, Array):
        return Array(tuple(_restore_value(v, f) for v in value.items))
    if isinstance(value, Object):
        return Object(tuple((k, _restore_value(v, f)) for k, v in value.entries))
    return value


def restore(output: str, f: Folded) -> str:
    """``output`` (LC-R translated from ``f.text``) with each text literal copied from a
    changed stretch of the source spelled as it was typed; unchanged when nothing was
    folded or the output does not parse."""
    if not f.changed:
        return output
    try:
        value = parse(output)
    except LCRError:
        return output
    return dumps(_restore_value(value, f))

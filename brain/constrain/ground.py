"""Grounded slots: the names, texts and numbers of a translation come from its source.

When the model translates English (``en2lcr``) or HLXL (``hlxl2lcr``), or repairs broken
LC-R (``fix``), every slot value of the right answer is spelled out in the source.
``tests/test_corpus.py`` checks this on every record of the compiled corpora:

- a **handle** (``⟁users``) is a word of the source or up to four neighbouring words joined
  with ``_`` (``brain.constrain.spelling.source_words``), or the name of an HLXL handle
  (``&h_users``); so is an object's **key** (``◇timeout: 5◆``, ``source_keys``);
- a **number** is a number written in the source (``74.5``, ``-3``, ``1e-08``);
- a **text** is the content of a quoted stretch of the source (``"Tax Returns 2024"``) or a
  stretch outside quotes that starts and ends where a word of the source does (``"out of
  memory"``, ``"~/notes/todo.md"``; ``brain.constrain.texts``), used at most as often as the
  source spells it, except an operation's name (field 0 of contract 1000), which is one of
  the catalogue's operations;
- a **bytes** literal is a run of hex digit pairs written in the source (``hex 686f7374``
  -> ``⊠686f7374``), an HLXL bytes literal (``b"host"``, ``b"\\x00"``) or the UTF-8 of a
  stretch of the source between word boundaries (``"host" as bytes`` -> ``⊠686f7374``):
  the model need not work out hex codes itself.

Slot values copied wrongly were the model's most common error (``figure out the tax`` ->
``⟁tags``, ``cat out/report.pdf`` -> ``"draft.pdf"``), and then texts cut short
(``copy a.yaml to a.yaml.bak`` -> ``"a.yaml"`` twice, ``mv d.md posts/d.md`` ->
``"posts/d"``, ``mkdir "Tax Returns 2024"`` -> ``"Tax"``), which the text rule ends.
``Grounding`` is a layer of ``brain.constrain.constraint.LCRConstraint``: while a slot is
being written it allows only the characters that continue a source spelling, and it lets
the slot end only where a source spelling ends; where a value starts it forbids the digits
no source number starts with (and ``⟁`` when the source has no word). It only narrows what
the grammar allows, and the constraint drops it for a step where nothing would be left and
while the budget forces the value closed, so every output is still complete, valid LC-R.
A backslash or quote of the source is written as its escape (``C:\\data`` ->
``"C:\\\\data"``); a text with any other escape (``\\u00e9``, ``\\n``) is not grounded from
the escape on.

    g = Grounding("filter the users by active", shared(tok))
    for c in "⟁u": ...   # LCRConstraint.advance feeds it every character
    g.mask("value")      # bool over the vocabulary, or None (no restriction)
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np

from brain.constrain.spelling import (
    as_chars,
    continuations,
    source_hex,
    source_keys,
    source_numbers,
    source_words,
)
from brain.constrain.texts import text_spans
from brain.constrain.tracker import NAME_FIRST
from lcr.values import Bytes, Float, Handle, Int, Text

NUMBER_CHARS = frozenset("0123456789.eE+-")
GROUNDED_TASKS = frozenset({"en2lcr", "fix", "hlxl2lcr"})  # slot values are in the source
OP_CONTRACT, OP_NAME_FIELD = 1000, 0
WORD_KINDS = {"⟁": "handle", "⊠": "bytes"}  # glyphs after which the tracker reads a word
# A source's texts, made when its output first writes one (many outputs write none) and
# shared by beam search's copies and a batch's repeats; read only.
source_texts = functools.lru_cache(maxsize=4096)(text_spans)


def slots(value, op_name: bool = False):
    """``(kind, value)`` of every slot inside ``value``: ``handle``, ``number``, ``text``,
    ``bytes``, ``key`` (an object key, a str) or ``op`` for an operation's name (field 0 of
    contract 1000): what grounding governs."""
    if isinstance(value, Handle):
        yield "handle", value
    elif isinstance(value, (Int, Float)):
        yield "number", value
    elif isinstance(value, Text):
        yield ("op" if op_name else "text"), value
    elif isinstance(value, Bytes):
        yield "bytes", value
    for index, v in getattr(value, "fields", ()):
        yield from slots(v, getattr(value, "id", None) == OP_CONTRACT and index == OP_NAME_FIELD)
    for v in getattr(value, "items", ()):
        yield from slots(v)
    for key, v in getattr(value, "entries", ()):
        yield "key", key
        yield from slots(v)


class Grounding:
    """Follows the output characters; restricts the ones that write a slot value."""

    __slots__ = ("sh", "source", "words", "keys", "numbers", "hex_runs", "used", "kind",
                 "prefix", "masks", "pools", "start")

    def __init__(self, source: str, sh):
        # brain.constrain.constraint's per-vocabulary table (ids, size, ident, op_names)
        self.sh = sh
        self.source = source
        self.words = source_words(source)
        self.keys = source_keys(source, self.words)
        self.numbers = frozenset(source_numbers(source))
        self.hex_runs = source_hex(source)
        self.used: tuple[str, ...] = ()  # the texts written so far (sorted: a cache key)
        # per (prefix, used): the texts not used up that start with prefix (a text's pool
        # is its shorter prefix's, narrowed by a character)
        self.pools: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        # handle, key, bytes, number, text, escape (a text's backslash), op, free or None
        self.kind: str | None = None
        self.prefix = ""
        self.masks: dict[tuple, np.ndarray] = {}  # (kind, prefix[, used]) -> allowed
        self.start = self._start_mask()

    def copy(self) -> Grounding:
        g = Grounding.__new__(Grounding)
        for name in self.__slots__:
            setattr(g, name, getattr(self, name))
        return g

    def advance(self, c: str, before: str, after: str, op_name: bool) -> None:
        """``c`` was written; ``before``/``after``: the tracker's mode around it;
        ``op_name``: the value it starts (if any) is an operation's name."""
        k = self.kind
        if k == "escape":  # \\ or \" stands for a character of the source; others: free
            self.kind = "text" if after == "string" and c in '"\\' else "free"
            self.prefix += c
            return
        if k in ("text", "op", "free"):
            if before == "string" and c == '"':
                if k == "text":
                    self.used = tuple(sorted((*self.used, self.prefix)))
                self.kind = None  # the text is closed
            elif k == "text" and after == "escape":
                self.kind = "escape"
            elif k == "free" or after != "string":
                self.kind = "free"  # an escape: the rest of this text is not grounded
            else:
                self.prefix += c
            return
        if after == "key":  # the tracker's key mode starts with the key's first character
            self.kind, self.prefix = "key", (self.prefix + c if k == "key" else c)
            return
        if (k in ("handle", "bytes") and after == "word") or (k == "number" and after == "number"):
            self.prefix += c
            return
        self.kind = None
        if c in WORD_KINDS and after == "word":
            self.kind, self.prefix = WORD_KINDS[c], ""
        elif after == "number":
            self.kind, self.prefix = "number", c
        elif c == '"' and after == "string":
            self.kind, self.prefix = ("op" if op_name else "text"), ""

    def mask(self, mode: str) -> np.ndarray | None:
        """Allowed characters now (bool over the vocabulary), or None: no restriction.
        ``mode``: the tracker's mode (a value may start where it is ``value``)."""
        k = self.kind
        if k is None:
            return self.start if mode == "value" else None
        if k == "free":
            return None
        cache = self.sh.op_masks if k == "op" else self.masks  # op names: the same for all
        key = (k, self.prefix, self.used) if k in ("text", "escape") else (k, self.prefix)
        m = cache.get(key)
        if m is None:
            m = cache[key] = self._build(k, self.prefix)
        return m

    def _chars(self, chars) -> np.ndarray:
        m = np.zeros(self.sh.size, dtype=bool)
        ids = [self.sh.ids[c] for c in chars if c in self.sh.ids]
        m[ids] = True
        return m

    def _start_mask(self) -> np.ndarray | None:
        """Where a value starts: no number the source does not begin, no handle without
        a word to name, no key (the only values spelled with a bare letter) no word begins."""
        barred = {c for c in "-0123456789" if not any(n.startswith(c) for n in self.numbers)}
        barred |= NAME_FIRST - {w[0] for w in self.keys}  # what a key starts with
        if not self.words:
            barred.add("⟁")
        return ~self._chars(barred) if barred else None

    def _build(self, kind: str, prefix: str) -> np.ndarray:
        if kind in ("text", "escape"):
            return self._text(prefix, kind == "escape")
        if kind == "bytes":
            return self._bytes(prefix)
        names = {"handle": self.words, "key": self.keys, "number": self.numbers,
                 "op": self.sh.op_names}[kind]
        n = len(prefix)
        m = self._chars({w[n] for w in names if len(w) > n and w.startswith(prefix)})
        if prefix in names:  # a whole spelling: the slot may end here
            m |= {"handle": ~self.sh.ident, "key": ~self.sh.ident,
                  "number": ~self._chars(NUMBER_CHARS),
                  "op": self._chars('"')}[kind]
        return m

    def _pool(self, prefix: str) -> list[str]:
        """The source's texts that start with ``prefix`` and are not used up."""
        pool = self.pools.get((prefix, self.used))
        if pool is None:
            if prefix:
                pool = [t for t in self._pool(prefix[:-1]) if t.startswith(prefix)]
            else:
                used = Counter(self.used)
                pool = [t for t, n in source_texts(self.source).items() if n > used[t]]
            self.pools[prefix, self.used] = pool
        return pool

    def _text(self, prefix: str, escape: bool) -> np.ndarray:
        """The next characters of the source's texts that continue ``prefix`` and are not
        used up (a quote or backslash by its escape: ``\\`` first, then itself once
        ``escape``); the closing quote where ``prefix`` is such a text."""
        n, pool = len(prefix), self._pool(prefix)
        nxt = {t[n] for t in pool if len(t) > n}
        if escape:
            return self._chars(nxt & set('"\\'))
        chars = (nxt - set('"\\')) | ({"\\"} if nxt & set('"\\') else set())
        return self._chars(chars | ({'"'} if prefix and prefix in pool else set()))

    def _bytes(self, prefix: str) -> np.ndarray:
        """Hex digits that continue ``prefix`` as a hex run of the source or as the UTF-8 of
        a stretch of it from a word boundary; the literal may end (any non-word character)
        where such a spelling ends."""
        n, odd = len(prefix), len(prefix) % 2
        nxt = {h[n] for h in self.hex_runs if len(h) > n and h.startswith(prefix)}
        whole = as_chars(bytes.fromhex(prefix[:n - odd]))  # the bytes written so far
        follow, ends = continuations(as_chars(self.source.encode()), whole)
        pairs = {f"{ord(c):02x}" for c in follow}  # the next byte, as two hex digits
        nxt |= {p[1] for p in pairs if p[0] == prefix[-1].lower()} if odd else {p[0] for p in pairs}
        m = self._chars(nxt)
        return m | ~self.sh.ident if prefix in self.hex_runs or (ends and not odd) else m

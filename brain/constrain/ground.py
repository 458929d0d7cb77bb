"""Grounded slots: the names, texts and numbers of a translation come from its source.

When the model translates English (``en2lcr``) or HLXL (``hlxl2lcr``), or repairs broken
LC-R (``fix``), every slot value of the right answer is spelled out in the source.
``tests/test_corpus.py`` checks this on every record of the compiled corpora:

- a **handle** (``⟁users``) is a word of the source (``[A-Za-z_][A-Za-z0-9_]*``), or the
  name of an HLXL handle (``&h_users``); so is an object's **key** (``◇timeout: 5◆``);
- a **number** is a number written in the source (``74.5``, ``-3``, ``1e-08``);
- a **text** is the content of a quoted stretch of the source (``"Tax Returns 2024"``) or a
  stretch outside quotes that starts and ends where a word of the source does (``"out of
  memory"``, ``"~/notes/todo.md"``; ``text_spans``), used at most as often as the source
  spells it, except an operation's name (field 0 of contract 1000), which is one of the
  catalogue's operations;
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

import re
from collections import Counter

import numpy as np

from brain.constrain.tracker import NAME_FIRST
from lcr.hlxl import HANDLE_PREFIX, bytes_body
from lcr.values import Bytes, Float, Handle, Int, Text

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # grammar/lcr.lark's HANDLE, without the glyph
# A number as LC-R writes one (no leading zeros), not cut out of a longer run of digits.
NUMBER = re.compile(r"(?<![0-9.])-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?(?![0-9])")
WORD_CHAR = re.compile(r"[A-Za-z0-9_]")
# Hex digit pairs standing alone in the source (after 0x or not), as a bytes literal may
# spell them.
HEX_RUN = re.compile(r"(?<![A-Za-z0-9_])(?:0[xX])?((?:[0-9a-fA-F]{2})+)(?![A-Za-z0-9_])")
HLXL_HANDLE = re.compile(re.escape(HANDLE_PREFIX) + f"({WORD.pattern})")
HLXL_BYTES = re.compile(r'(?<![A-Za-z0-9_])b"((?:[ !#-\[\]-~]|\\x[0-9a-fA-F]{2})*)"')
NUMBER_CHARS = frozenset("0123456789.eE+-")
GROUNDED_TASKS = frozenset({"en2lcr", "fix", "hlxl2lcr"})  # slot values are in the source
OP_CONTRACT, OP_NAME_FIELD = 1000, 0
WORD_KINDS = {"⟁": "handle", "⊠": "bytes"}  # glyphs after which the tracker reads a word
# Neighbouring words a multi-word handle is made of ("crash reports", "order-schema").
PHRASE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[ \t-]+[A-Za-z_][A-Za-z0-9_]*)+")
MAX_NAME_WORDS = 4
# English function words: no run of words that holds one names a handle, because a handle
# drops its noun phrase's determiners (the naming rule, docs/corpus.md) and prepositions,
# conjunctions, pronouns and "be" stand between noun phrases, not inside one ("search the
# wiki for onboarding" never means ⟁wiki_for_onboarding). Alone, such a word names no handle
# either, except "a" and "i" (loop variables). A code-form word (in_stock) is one word: kept.
FUNCTION_WORDS = frozenset("""a an the my our your their its this that these those all every
    each of for to in on at by with from into onto about against than as and or but nor so if
    then is are was were be been it i you we they he she me us them please""".split())
# The generic kind words a handle drops when another word remains ("the email field" ->
# ⟁email, "my home directory" -> ⟁home): no run of words that holds one names a handle.
KIND_WORDS = frozenset({"folder", "directory", "dir", "field", "column", "function"})


def _typos(word: str) -> set[str]:
    """The typos people make in ``word`` (a letter swapped with the next, dropped or typed
    twice, never the first or last), as ``lcr.corpus.compose`` makes them too."""
    out = set()
    for i in range(1, len(word) - 1):
        out |= {word[:i] + word[i + 1] + word[i] + word[i + 2:], word[:i] + word[i + 1:],
                word[:i] + word[i] + word[i:]}
    return out


# Typos of function words ("teh", "wiht") stand between noun phrases as their words do, but
# for the short ones and the English words among them ("form", "ten", "tan").
TYPO_WORDS = frozenset(t for w in FUNCTION_WORDS for t in _typos(w) if len(t) > 2) - {
    "form", "ten", "tan", "wee", "ben", "bene", "thee", "thy", "tat", "abut", "noor", "pease",
    *FUNCTION_WORDS}
NOT_NAMES = (FUNCTION_WORDS - {"a", "i"}) | TYPO_WORDS
BETWEEN_WORDS = FUNCTION_WORDS | TYPO_WORDS | KIND_WORDS  # no multi-word name holds one
# Names the English implies without spelling them: aggregate's functions ("the mean of" ->
# ⟁average, "add up" -> ⟁sum, "standard deviation" -> ⟁stddev).
FIXED_NAMES = frozenset({"sum", "total", "average", "count", "min", "max", "median", "mode",
                         "stddev", "variance", "product"})
# Numbers a request implies: "the first 5" starts at 0, "decrement" adds -1, "once" is 1.
IMPLIED_NUMBERS = frozenset({"0", "1", "-1"})
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
NUMBER_WORDS |= {"once": "1", "twice": "2", "thrice": "3", "dozen": "12", "hundred": "100"}
# Where a text outside quotes may start: after a space or one of these (``key=value``,
# ``kb: vpn``, ``(see x)``); and end: before a space, a closing quote, one of ``TEXT_AFTER``
# or the marks that end a sentence (``SENTENCE_MARKS``), and not with such a mark. Never inside
# a run of letters, dots and slashes: ``posts/draft.md`` holds no text ``posts/draft``,
# ``10.0.0.5`` none ``0.0.5``.
TEXT_BEFORE = frozenset("([{<=:,")
TEXT_AFTER = frozenset(")]}>,;:!?")
SENTENCE_MARKS = frozenset(",;:!?.")  # what no text outside quotes ends with ("done?")
QUOTES = frozenset("\"'`")
# A quoted stretch: a quote after a non-word character, up to the same quote before one
# (``\\"`` inside it is no end: HLXL and LC-R sources escape quotes).
QUOTED = re.compile(r"""(?<![A-Za-z0-9_\\])(["'`])((?:\\.|(?!\1).)*?)\1(?![A-Za-z0-9_])""")
ESCAPED = re.compile(r'\\([\\"])')  # how code spells a backslash or quote in a string


def source_words(source: str) -> frozenset[str]:
    """The names a handle may have: the words of ``source`` as written and in lower case,
    runs of up to ``MAX_NAME_WORDS`` neighbouring words (apart by spaces or hyphens) joined
    with ``_`` in lower case ("the crash reports" -> ``crash_reports``, the one rule by which
    a noun phrase names a handle), its HLXL handles' names, and ``FIXED_NAMES``; no
    ``NOT_NAMES`` word and no run holding a ``FUNCTION_WORDS`` word."""
    words = WORD.findall(source)
    names = {w for w in words if w.lower() not in NOT_NAMES}
    names |= {w.lower() for w in names} | set(HLXL_HANDLE.findall(source))
    for run in PHRASE.findall(source):
        parts, function = [], []  # the words; is each a function word standing alone?
        for chunk in run.split():  # a hyphenated compound ("on-call") is one adjective
            words_in = WORD.findall(chunk)
            parts += words_in
            function += [len(words_in) == 1 and w.lower() in BETWEEN_WORDS for w in words_in]
        for i in range(len(parts)):
            for j in range(i + 2, min(i + MAX_NAME_WORDS, len(parts)) + 1):
                if not any(function[i:j]):
                    names.add("_".join(parts[i:j]).lower())
    return frozenset(names | FIXED_NAMES)


def source_keys(source: str, words: frozenset[str] | None = None) -> frozenset[str]:
    """The names an object key may have: ``source_words`` (``words``, when already made) and
    every word of ``source``, function words too (a key is spelled as the source spells it)."""
    return (source_words(source) if words is None else words) | frozenset(WORD.findall(source))


def _opens(source: str, i: int) -> bool:
    """May a text outside quotes start at ``i``?"""
    if i >= len(source) or source[i].isspace():
        return False
    before = source[i - 1] if i else " "
    if before in QUOTES:  # after a quote, not after an apostrophe ("what's")
        return i < 2 or not WORD_CHAR.match(source[i - 2])
    return before.isspace() or before in TEXT_BEFORE


def _ends(source: str) -> frozenset[int]:
    """Where a text outside quotes may end: each ``j`` before a space, a closing quote (not
    an apostrophe: "user's"), one of ``TEXT_AFTER`` or only ``SENTENCE_MARKS`` to the end of
    its run of non-space characters, and not after such a mark ("done?" ends before it;
    "cd .." keeps its dots: a run of marks only)."""
    ends = set()
    for m in re.finditer(r"\S+", source):
        a, b = m.span()
        marks = [c in SENTENCE_MARKS for c in source[a:b]]
        first_word = marks.index(False) + a if False in marks else b  # first non-mark
        tail = b  # where the run's closing marks begin
        while tail > a and marks[tail - 1 - a]:
            tail -= 1
        for j in range(a + 1, b + 1):
            if marks[j - 1 - a] and first_word < j:
                continue
            if j >= tail:
                ends.add(j)
            elif source[j] in QUOTES:
                if j + 1 >= len(source) or not WORD_CHAR.match(source[j + 1]):
                    ends.add(j)
            elif source[j] in TEXT_AFTER:
                ends.add(j)
    return frozenset(ends)


class TextLayout:
    """Where the texts of one source lie (``text_spans``), found in one pass.

    ``starts``: ``(i, limit)`` for each place a text outside quotes may start, with the
    first position it may not reach (the next quoted stretch); ``ends``: where such a text
    may end; ``whole``: the quoted stretches' contents (and in a code source, ``fix`` or
    ``hlxl2lcr``, the text a string with escapes spells), each one text."""

    __slots__ = ("source", "starts", "ends", "whole")

    def __init__(self, source: str):
        self.source = source
        quoted = [m.span(2) for m in QUOTED.finditer(source)]
        self.whole: Counter = Counter()
        outside = [True] * (len(source) + 1)
        for a, b in quoted:
            body = source[a:b]
            self.whole[body] += b > a
            if "\\" in body:  # in a code source, the text the string spells
                self.whole[ESCAPED.sub(r"\1", body)] += body != ESCAPED.sub(r"\1", body)
            outside[a - 1:b + 1] = [False] * (b - a + 2)
        self.whole = +self.whole
        starts, limit = [], len(source)  # backwards: where the next quoted stretch begins
        for i in range(len(source) - 1, -1, -1):
            if not outside[i]:
                limit = i
            elif _opens(source, i):
                starts.append((i, limit))
        self.starts = tuple(reversed(starts))
        self.ends = _ends(source)

    def follow(self, prefix: str) -> tuple[set[str], int]:
        """The characters that continue ``prefix`` as a text, and how many times the source
        spells ``prefix`` as a whole text."""
        src, n = self.source, len(prefix)
        live = [(i, lim) for i, lim in self.starts
                if i + n <= lim and src.startswith(prefix, i)]
        nxt = {src[i + n] for i, lim in live if i + n < lim}
        nxt |= {t[n] for t in self.whole if len(t) > n and t.startswith(prefix)}
        times = self.whole[prefix]
        if not only_function_words(prefix):
            times += sum(i + n in self.ends for i, _ in live)
        return nxt, times


def only_function_words(text: str) -> bool:
    """Is ``text`` made of words that name nothing ("the", "for the")? Such a stretch is no
    text outside quotes."""
    words = WORD.findall(text.lower())
    return bool(words) and not set(words) - NOT_NAMES


def text_spans(source: str) -> Counter:
    """The texts a literal may be, each with how often the source spells it: the content of
    every quoted stretch (whole, ``QUOTED``), and every stretch outside quotes that starts and
    ends where a word does (``_opens``, ``_ends``) and is not ``only_function_words``."""
    layout = TextLayout(source)
    spans = Counter(layout.whole)
    ends = sorted(layout.ends)
    for i, limit in layout.starts:
        spans.update(t for j in ends if i < j <= limit
                     if not only_function_words(t := source[i:j]))
    return spans


def source_hex(source: str) -> frozenset[str]:
    """Hex spellings a bytes literal may copy: the hex runs of ``source`` as written and its
    HLXL bytes literals in lowercase hex."""
    runs = frozenset(HEX_RUN.findall(source))
    return runs | {bytes_body(body).hex() for body in HLXL_BYTES.findall(source)}


def source_numbers(source: str) -> set[str]:
    """The numbers written in ``source`` (in digits, or as a word of ``NUMBER_WORDS``), each
    also without and with a minus sign, and ``IMPLIED_NUMBERS``."""
    found = set(NUMBER.findall(source))
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", source.lower()) if w in NUMBER_WORDS}
    unsigned = {n.removeprefix("-") for n in found}
    return found | unsigned | {"-" + n for n in unsigned if n != "0"} | IMPLIED_NUMBERS


def boundary(source: str, i: int) -> bool:
    """Is position ``i`` (between source[i-1] and source[i]) a word boundary?"""
    left = i > 0 and WORD_CHAR.match(source[i - 1])
    right = i < len(source) and WORD_CHAR.match(source[i])
    return not (left and right)


def spelled_in(text: str, source: str) -> bool:
    """Is ``text`` a stretch of ``source`` that starts and ends at word boundaries?"""
    return any(boundary(source, i) and boundary(source, i + len(text))
               for i in range(len(source)) if text and source.startswith(text, i))


def as_chars(data: bytes) -> str:
    """One character per byte (latin-1), so the text functions here work on UTF-8 bytes: a
    non-ASCII byte becomes a character that is no word character."""
    return data.decode("latin-1")


def bytes_spelled_in(data: bytes, source: str) -> bool:
    """Is ``data`` a hex run of ``source`` or the UTF-8 of a stretch of it between word
    boundaries?"""
    if data.hex() in {h.lower() for h in source_hex(source)}:
        return True
    return spelled_in(as_chars(data), as_chars(source.encode()))


def continuations(source: str, prefix: str) -> tuple[set[str], bool]:
    """The characters that follow ``prefix`` where it occurs in ``source`` from a word
    boundary, and whether such an occurrence (of a non-empty ``prefix``) ends at one."""
    nxt, close = set(), False
    start = source.find(prefix)
    while start != -1:
        end = start + len(prefix)
        if boundary(source, start):
            if end < len(source):
                nxt.add(source[end])
            close = close or bool(prefix) and boundary(source, end)
        start = source.find(prefix, start + 1)
    return nxt, close


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

    __slots__ = ("sh", "source", "words", "keys", "numbers", "hex_runs", "texts", "used",
                 "kind", "prefix", "masks", "start")

    def __init__(self, source: str, sh):
        # brain.constrain.constraint's per-vocabulary table (ids, size, ident, op_names)
        self.sh = sh
        self.source = source
        self.words = source_words(source)
        self.keys = source_keys(source, self.words)
        self.numbers = frozenset(source_numbers(source))
        self.hex_runs = source_hex(source)
        self.texts = TextLayout(source)
        self.used: tuple[str, ...] = ()  # the texts written so far (sorted: a cache key)
        # handle, key, bytes, number, text, escape (a text's backslash), op, free or None
        self.kind: str | None = None
        self.prefix = ""
        self.masks: dict[tuple[str, str], np.ndarray] = {}
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

    def _text(self, prefix: str, escape: bool) -> np.ndarray:
        """The characters that continue ``prefix`` as a text of the source (a quote or
        backslash by its escape: ``\\`` first, then itself once ``escape``); the closing
        quote where the source spells ``prefix`` as a text more often than it was used."""
        nxt, times = self.texts.follow(prefix)
        if escape:
            return self._chars(nxt & set('"\\'))
        chars = (nxt - set('"\\')) | ({"\\"} if nxt & set('"\\') else set())
        close = prefix and times > self.used.count(prefix)
        return self._chars(chars | ({'"'} if close else set()))

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

"""The texts a source spells: where a text literal of a translation may start and end.

A text is the content of a quoted stretch of the source, whole (``"Tax Returns 2024"``, also
in single quotes or backticks), or a stretch outside quotes from a word's start to a word's
end (``text_spans``): never a piece of a file name, path, address or quoted stretch, never
only function words. ``brain.constrain.ground`` lets a text continue only towards one of
these that is not used up, and close only where the source spells it more often than the
output used it.

    text_spans("copy a.yaml to a.yaml.bak")   # Counter: "a.yaml", "a.yaml.bak", "copy", ...
    "posts/d" in text_spans("mv d.md posts/d.md")   # False
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter

from brain.constrain.spelling import NOT_NAMES, WORD, WORD_CHAR

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


def _layout(source: str) -> tuple[Counter, list[tuple[int, int]], list[int]]:
    """Where the texts of ``source`` lie, found in one pass: the quoted stretches' contents
    (and in a code source, ``fix`` or ``hlxl2lcr``, the text a string with escapes spells),
    each one text; ``(i, limit)`` for each place a text outside quotes may start, with the
    first position it may not reach (the next quoted stretch); where such a text may end."""
    whole: Counter = Counter()
    outside = [True] * (len(source) + 1)
    for m in QUOTED.finditer(source):
        a, b = m.span(2)
        body = source[a:b]
        whole[body] += b > a
        spelt = ESCAPED.sub(r"\1", body)  # in a code source, the text the string spells
        whole[spelt] += spelt != body
        outside[a - 1:b + 1] = [False] * (b - a + 2)
    starts, limit = [], len(source)  # backwards: where the next quoted stretch begins
    for i in range(len(source) - 1, -1, -1):
        if not outside[i]:
            limit = i
        elif _opens(source, i):
            starts.append((i, limit))
    return +whole, starts[::-1], sorted(_ends(source))


def text_spans(source: str) -> Counter:
    """The texts a literal may be, each with how often the source spells it: the content of
    every quoted stretch (whole, ``QUOTED``), and every stretch outside quotes that starts and
    ends where a word does (``_opens``, ``_ends``) and is not only function words (``NOT_NAMES``:
    "the", "for the")."""
    spans, starts, ends = _layout(source)
    # A stretch starts and ends outside words, so it holds whole words: it is only function
    # words when it ends past its first word and before its first name word ends.
    words = [(m.start(), m.end(), m.group().lower() not in NOT_NAMES)
             for m in WORD.finditer(source)]
    for i, limit in starts:
        inside = [(b, name) for a, b, name in words if a >= i]
        first = inside[0][0] if inside else len(source) + 1
        named = next((b for b, name in inside if name), len(source) + 1)
        spans.update(source[i:j] for j in ends[bisect_right(ends, i):bisect_right(ends, limit)]
                     if not first <= j < named)
    return spans

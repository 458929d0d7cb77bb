"""Split a multi-statement request into its clauses by punctuation alone.

People write a program of several statements as lines, numbered steps, a list joined by
semicolons, or several sentences; some put a short header in front ("Program: ...",
"Write a script that does this: ..."). ``split_clauses`` reads those boundaries and
nothing else: it knows no phrasing of the corpus generator, so the translator that uses it
(``brain.generate``, clause by clause) works on English the generator never wrote. The
corpus compiler calls the same function on every training program to make its clause
records, so what the model learns to translate is what it is asked.

    >>> split_clauses("let x be 1; log x")
    ['let x be 1', 'log x']
    >>> split_clauses("1. read a.txt 2. log done")
    ['read a.txt', 'log done']
    >>> split_clauses("read config.yaml") is None
    True

Boundaries: a line break, ``;``, a sentence end (``.``, ``!`` or ``?`` followed by
whitespace), and a numbered-list marker (``1.``, ``2)``, ``Step 3:``) at the start of the
text or after whitespace. Text inside quotes (double, single or back quotes) is never
split, so a logged message may hold any of these. A header ("Program: ...") stays in the
first clause: a colon also ends "for each row in rows:", so telling the two apart is the
model's job, learnt from clause records that carry headers. Commas and words such as
"then" are not boundaries: an ``if … , otherwise …`` or a pipeline joined by "then" stays
one clause, and deciding whether a text that splits is a program at all is the model's
(``brain.generate``).
"""

from __future__ import annotations

import re

MAX_CLAUSES = 16  # programs have a handful of statements; more than 16 is read as one text
QUOTES = "\"'`"

# A numbered-list marker where a clause may start: "1." "2)" "(3)" "Step 4:" "#5". The
# lookahead keeps "3.5" and "v1.2" whole: a marker is followed by whitespace. Only markers
# numbered 1, 2, 3, ... in order count (``_markers``), so "let x be 3. Then" and
# "while n > 0: ..." hold none.
_MARKER = re.compile(r"(?:(?<=\s)|^)(?:step\s+)?\(?#?(\d{1,2})\s*[.):](?=\s)", re.I)
_SENTENCE_END = re.compile(r"[.!?](?=\s)")
_TRAILING = " \t.!?,"


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of quoted text. A quote opens only at the start of the text or
    after whitespace or an opening bracket, so the apostrophe of "don't" opens nothing, and
    closes at the same character; an unclosed quote runs to the end."""
    spans, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch in QUOTES and (i == 0 or text[i - 1] in " \t\n([{:=,"):
            end = text.find(ch, i + 1)
            end = len(text) if end < 0 else end + 1
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def _markers(text: str) -> list[tuple[int, int]]:
    """The spans of the numbered-list markers of ``text`` that count up from 1."""
    spans, expect = [], 1
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if n == expect:
            spans.append((m.start(), m.end()))
            expect += 1
        elif spans and n == expect - 1:
            # A second N before any N+1: the first was a value ending a sentence
            # ("3. acc starts out as 4. 4. log acc"), this one is the marker.
            spans[-1] = (m.start(), m.end())
    return spans if len(spans) >= 2 else []


def _cuts(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of ``text`` that are boundaries, outside quotes, in order."""
    quoted = _quoted_spans(text)

    def free(pos: int) -> bool:
        return not any(a <= pos < b for a, b in quoted)

    cuts = [(m.start(), m.end()) for m in re.finditer(r"\n|;", text) if free(m.start())]
    cuts += [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text) if free(m.start())]
    cuts += [span for span in _markers(text) if free(span[0])]
    cuts.sort()
    merged: list[tuple[int, int]] = []
    for a, b in cuts:  # a sentence end right before a marker ("… a.txt. 2. log") is one cut
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def split_clauses(text: str) -> list[str] | None:
    """The clauses of ``text`` read as two or more statements (none blank, at most
    ``MAX_CLAUSES``), stripped of surrounding spaces and final punctuation; else None."""
    body = text.strip()
    parts, start = [], 0
    for a, b in _cuts(body):
        parts.append(body[start:a])
        start = b
    parts.append(body[start:])
    clauses = [p.strip().rstrip(_TRAILING).strip() for p in parts]
    clauses = [c for c in clauses if c]
    if not 2 <= len(clauses) <= MAX_CLAUSES:
        return None
    return clauses

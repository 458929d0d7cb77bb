"""The clause records of phase-3 programs, and the older template-based program reader.

``program_clauses`` is what the compiler uses: a program's English split by
``lcr.clauses.split_clauses`` (punctuation only; it knows no phrasing of this generator),
kept only when it gives exactly one clause per statement. The clause records are then what
the translator sees at inference, where the same function splits the user's text.

``split_program`` below reads a program by the program frames of
``templates/en/program.txt``; the compiler no longer uses it (it only serves
``brain.segment`` until that moves to ``lcr.clauses``).

A phase-3 program is a ``block`` of statements, and its English joins one clause per
statement with a program frame (``Step 1: ... Step 2: ...``, ``...; ...``, ``First, ...
Then ... Finally, ...``). Clauses never contain ``;`` or ``. `` (``lcr.corpus.phase3``), so
a frame read backwards finds the clauses again. The compiler uses this to add each training
program's clauses as training records of their own (``lcr.corpus.build``), and the decoder
uses it to translate a program clause by clause (``brain.segment``): the same function on
both sides, so what the model learns is what it is asked.

    >>> split_program("let x be 1; log x")
    ['let x be 1', 'log x']
    >>> split_program("read config.yaml") is None
    True

Splitting is only a reading: whether text that splits *is* a program (``a; b`` may be a
pipeline or a match) is for the model to say (``brain.segment``).
"""

from __future__ import annotations

import functools
import re

from lcr.clauses import split_clauses
from lcr.corpus.render import Phrase, phrasebook

PROGRAM_FRAME = "program"  # templates/en/program.txt, and the frame of program records
CLAUSE_FRAME = "clause"  # the frame of the records the compiler makes of the clauses
MAX_CLAUSES = 16  # programs have 3-6 statements; more than 16 is read as one text
# A clause: any characters up to a sentence or statement boundary (". " or ";"), which
# clauses never contain; keeping it from crossing one keeps the regex linear.
CLAUSE = r"((?:(?!\. |;).)+?)"


def program_clauses(text: str, statements: int) -> list[str] | None:
    """The clauses of a program's English, one per statement, or None when the generic
    splitter reads another number of clauses (that program then gives no clause records)."""
    clauses = split_clauses(text)
    return clauses if clauses is not None and len(clauses) == statements else None


@functools.cache
def _frame(line: int, n: int) -> tuple[re.Pattern, int]:
    """The program frame ``line`` with ``n`` clauses as a regex, and its count of literal
    characters (the more, the more specific the frame)."""
    marks = [f"\x00{i}\x00" for i in range(n)]
    text, _ = phrasebook().render(Phrase(PROGRAM_FRAME, {"stmts": marks}), None, index=line)
    literal = len(text) - sum(len(m) for m in marks)
    rx = re.escape(text)
    for m in marks:
        rx = rx.replace(re.escape(m), CLAUSE, 1)
    return re.compile(rx + r"\Z", re.S), literal


def split_program(text: str) -> list[str] | None:
    """The clauses of ``text`` read as a program of two or more statements (none of them
    blank), or None.
    Where several frames fit, the most clauses win, then the frame with most literal text
    (``Write a program that does this: a; b.`` is that frame, not ``a; b`` with clauses
    ``Write a program that does this: a`` and ``b.``)."""
    best = None
    for line in range(len(phrasebook().lines(PROGRAM_FRAME))):
        for n in range(2, MAX_CLAUSES + 1):
            rx, literal = _frame(line, n)
            m = rx.match(text)
            if m is None or not all(c.strip() for c in m.groups()):
                continue
            if best is None or (n, literal) > best[0]:
                best = ((n, literal), list(m.groups()))
    return best[1] if best else None

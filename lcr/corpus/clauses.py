"""The clause records of phase-3 programs.

``program_clauses`` is what the compiler uses: a program's English split by
``lcr.clauses.split_clauses`` (punctuation only; it knows no phrasing of this generator),
kept only when it gives exactly one clause per statement. The clause records are then what
the translator sees at inference, where the same function splits the user's text.

A phase-3 program is a ``block`` of statements, and its English joins one clause per
statement with a program frame (``Step 1: ... Step 2: ...``, ``...; ...``, ``First, ...
Then ... Finally, ...``). The compiler adds each training program's clauses as training
records of their own (``lcr.corpus.build``).

    >>> program_clauses("let x be 1; log x", 2)
    ['let x be 1', 'log x']
    >>> program_clauses("read config.yaml", 1) is None
    True
"""

from __future__ import annotations

from lcr.clauses import split_clauses

PROGRAM_FRAME = "program"  # templates/en/program.txt, and the frame of program records
CLAUSE_FRAME = "clause"  # the frame of the records the compiler makes of the clauses


def program_clauses(text: str, statements: int) -> list[str] | None:
    """The clauses of a program's English, one per statement, or None when the generic
    splitter reads another number of clauses (that program then gives no clause records)."""
    clauses = split_clauses(text)
    return clauses if clauses is not None and len(clauses) == statements else None

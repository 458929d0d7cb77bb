"""lcr.clauses: programs split by punctuation alone, one case per line."""

import pytest

from lcr.clauses import MAX_CLAUSES, split_clauses

CASES = [
    ("let x be 1; log x", ["let x be 1", "log x"]),
    ("First, let x be 3. Then set y to 4.5. Finally, log x.",
     ["First, let x be 3", "Then set y to 4.5", "Finally, log x"]),
    ("1. read a.txt\n2. log done\n3) return x", ["read a.txt", "log done", "return x"]),
    ("1. read a.txt 2. log done", ["read a.txt", "log done"]),
    ("Step 1: read a.txt. Step 2: log it.", ["read a.txt", "log it"]),
    ("1. let n be 0. 2. set acc to 4. 3. log acc",
     ["let n be 0", "set acc to 4", "log acc"]),
    ("1. a 2. b 3. acc starts out as 4. 4. log acc",
     ["a", "b", "acc starts out as 4", "log acc"]),
    ("program: let n = 10; while n > 0: n += -1; log 'liftoff'",
     ["program: let n = 10", "while n > 0: n += -1", "log 'liftoff'"]),
    ('log "a; b. c"; return x', ['log "a; b. c"', "return x"]),
    ("I don't know; it's the users' file", ["I don't know", "it's the users' file"]),
    ("read config.yaml", None),
    ("read sales.csv and then average the price", None),
    ("mkdir out && cp in/data.bin out/data.bin", None),
    ("if used > limit, fail, otherwise log ok", None),
    ("let x be 3.5", None),
    (";;", None),
]


@pytest.mark.parametrize(("text", "clauses"), CASES)
def test_split(text, clauses):
    assert split_clauses(text) == clauses


def test_too_many_clauses_is_one_text():
    assert split_clauses("; ".join(["log x"] * (MAX_CLAUSES + 1))) is None
    assert len(split_clauses("; ".join(["log x"] * MAX_CLAUSES))) == MAX_CLAUSES

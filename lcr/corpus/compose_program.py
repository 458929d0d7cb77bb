"""Phase-3 programs for the compositional generator (``lcr.corpus.compose``): the
statement arguments (bound names, let values, quoted text, argument lists) and the ways a
program's statements are joined (sentences, a semicolon list, numbered steps, "First, ...
Then ... Finally, ...", behind a header, terse pseudo-code). Statement patterns and joiners
are data: ``templates/compose/program.json``.

Every join is a boundary of ``lcr.clauses.split_clauses`` and no statement pattern holds
one, so the compiler's clause records find one clause per statement; the few programs
that split otherwise (a typo in "Step", a number before a colon) give no clauses, counted
as ``program_not_split``. Imported lazily by ``compose`` (it uses ``compose.clause``).
"""

from __future__ import annotations

import json

from lcr.corpus.compose import _NUMBER, _Text, _weighted, clause, phrasing


def statement_slot(t: _Text, v, kind: str, form: str, rng):
    """Phase-3 statement arguments: a number or bound name, a let value, a quoted text,
    a list of names ("a and b", or "a, b" inside code-like parentheses)."""
    if kind in ("args", "params"):
        joiner = ", " if form == "comma" else " and "
        for i, x in enumerate(v):
            t.fixed(joiner if i else "")
            t.slot(x, "var")
    elif kind == "quoted" or (kind == "letvalue" and v.startswith('"')):
        inner = json.loads(v) if v.startswith('"') else v
        q = rng.choice(['"', '"', "'"] if "'" not in inner else ['"'])
        t.fixed(q)
        t.slot(inner, "text")
        t.fixed(q)
    elif v == "an empty list":
        t.fixed(rng.choice(["an empty list", "[]", "an empty array", "a new empty list"]))
    else:
        t.slot(v, "number" if _NUMBER.match(v) else "value" if v in ("true", "false", "null")
               else "var")


def capital(t: _Text) -> _Text:
    """The statement with a capital first letter, unless it starts with a slot (a name)."""
    if t.parts and t.parts[0][1] is None:
        s = t.parts[0][0]
        t.parts[0] = (s[:1].upper() + s[1:], None)
    return t


def program(phrase, rng) -> tuple[_Text, str]:
    """A phase-3 program: its statements composed and joined as sentences, a semicolon
    list, numbered steps, "First, ... Then ... Finally, ...", behind a header or as terse
    pseudo-code. Every join is a boundary of ``lcr.clauses.split_clauses``."""
    p = phrasing()["program"]
    stmts = [clause(s, rng, questions=False)[0] for s in phrase.slots["stmts"]]
    style = _weighted(rng, p["styles"])
    caps = rng.random() < p["sentence_caps"]
    t = _Text()
    inner = style
    if style == "header":
        t.fixed(rng.choice(p["headers"]))
        inner = rng.choice(["semicolons", "sentences"])  # a header before "1." is a clause
    mark, end = rng.choice(p["numbered"]), rng.choice(p["numbered_end"])
    semi = rng.choice(p["semicolon"])
    n = len(stmts)
    for i, st in enumerate(stmts):
        if inner == "numbered":
            before, _, after = mark.replace("{n}", str(i + 1)).partition("{s}")
            t.fixed((" " if i else "") + before)
            t.extend(st)
            t.fixed(after + end)
        elif inner == "first":
            pick = p["first"] if i == 0 else p["last"] if i == n - 1 else p["middle"]
            t.fixed((" " if i else "") + rng.choice(pick))
            t.extend(st)
            t.fixed(".")
        elif inner == "sentences":
            t.fixed(". " if i else "")
            t.extend(capital(st) if caps and (i or style != "header") else st)
        else:  # semicolons, terse
            t.fixed(semi if i else "")
            t.extend(st)
    if inner == "sentences" or (inner == "semicolons" and rng.random() < 0.5):
        t.fixed(".")
    return t, style

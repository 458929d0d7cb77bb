"""Human paraphrases: requests written by people who never saw the templates, mixed into
the training split.

``templates/human/*.jsonl`` holds one JSON object a line: ``en`` (the request), ``lcr``
(its LC-R), ``group`` (core, domain, pipeline or program) and ``style`` (free text, e.g.
plain, terse, typo); other keys (provenance, author, note) are kept out of the corpus. Each
line is checked (JSON, the four fields, a printable ASCII source once ``one_line`` has
joined its lines, LC-R that parses and passes the schema check); a bad line stops the
compile naming the file and line. A group goes to the phase that teaches it
(``GROUP_PHASE``), into its training split only, ``REPEAT`` times: they are a few hundred
lines against tens of thousands of generated ones. A missing or empty folder adds nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from lcr.corpus.records import _ALLOWED, CompileError, count_ops, top_op
from lcr.corpus.splits import gen_rule
from lcr.corpus.vocab import TEMPLATES_DIR
from lcr.errors import LCRError
from lcr.parser import parse
from lcr.printer import dumps
from lcr.schema import check_schema

HUMAN_DIR = TEMPLATES_DIR / "human"
GROUP_PHASE = {"core": 1, "domain": 2, "pipeline": 2, "program": 3}
REPEAT = 3  # copies of each line: a small factor, so a few hundred lines are not drowned
FRAME = "human"
FIELDS = ("en", "lcr", "group", "style")
# typographic punctuation people's editors put in, as the ASCII they stand for
_PUNCT = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u00a0": " "})
_MARKER = re.compile(r"(?:step\s+)?\(?#?\d{1,2}\s*[.):]\s", re.I)


def one_line(text: str) -> str:
    """Corpus sources are one line of ASCII: typographic dashes and quotes become ASCII
    (NFKC first), a line break before a numbered step becomes a space,
    any other becomes "; " (both are clause boundaries for ``lcr.clauses``)."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    out = lines[0] if lines else ""
    for ln in lines[1:]:
        out += (" " if _MARKER.match(ln) or out.endswith((";", ":")) else "; ") + ln
    return out


def _check(path: Path, n: int, line: str) -> dict:
    where = f"{path.name} line {n}"
    try:
        row = json.loads(line)
    except ValueError as err:
        raise CompileError(f"templates/human/{where}: not JSON: {err}") from None
    if not isinstance(row, dict) or any(not isinstance(row.get(k), str) or not row[k].strip()
                                        for k in FIELDS):
        raise CompileError(f"templates/human/{where}: needs the text fields {FIELDS}")
    if row["group"] not in GROUP_PHASE:
        raise CompileError(f"templates/human/{where}: group {row['group']!r} is not one of "
                           f"{sorted(GROUP_PHASE)}")
    en = one_line(row["en"])
    if not _ALLOWED.match(en):
        raise CompileError(f"templates/human/{where}: 'en' must be one line of printable "
                           f"ASCII: {en!r}")
    try:
        value = parse(row["lcr"])
        check_schema(value, row["lcr"])
    except LCRError as err:
        raise CompileError(f"templates/human/{where}: invalid LC-R: {err}") from None
    return {"en": en, "value": value, "group": row["group"], "style": row["style"]}


def load(folder: Path = HUMAN_DIR) -> list[dict]:
    """Every checked line of ``folder/*.jsonl``, files in name order."""
    if not folder.is_dir():
        return []
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                rows.append(_check(path, n, line))
    return rows


def records(phase: int, rows: list[dict], first: int, seen: dict, splitter) -> tuple[
        list[dict], dict]:
    """Training records of ``phase`` from the human lines of its groups, ids numbered from
    ``first``; a line whose English the generator already gave another meaning or put in a
    held-out split, or whose LC-R falls under a gen rule, is left out (counted)."""
    out, skipped = [], {"human_conflict": 0, "human_held_out": 0, "human_gen_rule": 0}
    for row in rows:
        if GROUP_PHASE[row["group"]] != phase:
            continue
        lcr = dumps(row["value"])
        key = ("en2lcr", row["en"])
        if key in seen and seen[key][0] != lcr:
            skipped["human_conflict"] += 1
            continue
        if splitter.by_source.get(row["en"], "train") != "train":
            skipped["human_held_out"] += 1
            continue
        probe = {"task": "en2lcr", "frame": FRAME, "style": row["style"], "source": row["en"]}
        if gen_rule(probe, row["value"], dumps):  # a combination the gen split holds out
            skipped["human_gen_rule"] += 1
            continue
        seen[key] = (lcr, "templates/human")
        splitter.by_source[row["en"]] = "train"
        for _ in range(REPEAT):
            out.append({
                "id": f"p{phase}-{first + len(out):05d}", "phase": phase, "split": "train",
                "task": "en2lcr", "source": row["en"], "target": lcr, "lcr": lcr,
                "op": top_op(row["value"]), "replay": False, "frame": FRAME, "template": -1,
                "style": row["style"], "gen_rule": "", "n_ops": count_ops(row["value"]),
                "lcr_chars": len(lcr), "_gen": {}})
    return out, skipped

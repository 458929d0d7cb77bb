"""Score a checkpoint on a file of English requests with LC-R targets (an evaluation set
written apart from the corpus generator, such as ``eval/independent.jsonl``).

    >>> records = read_set(Path("eval/independent.jsonl"))
    >>> results = [...]  # score_lines(records[i:j], lines) per chunk of translate_chunks
    >>> summary = summarise(results); text = markdown(summary, results, meta)

The library behind ``python -m brain.evaluate --file PATH``. Each line of the file is a JSON
object ``{"en", "lcr", "group", "style"}`` (``group`` and ``style`` optional: a line without
them, or with a name outside ``GROUPS``/``STYLES``, is tabulated under its own name or
``unknown`` and always counts overall). Every ``en`` is translated exactly as
``python -m brain.generate --input`` translates it by default (``translate_chunks`` with the
same defaults; English folded onto the model's characters), with the model's confidence per
output (``brain.generate.score``). Scores, per line, with ``brain.evaluate.heldout``'s
helpers: **exact** (the output's value equals the target's), **valid** (the output parses),
**schema**; a line that cannot be translated (empty, too long) is a miss with its error.

The summary: overall, by group and by style; **accuracy against coverage**: the outputs
ranked by score, and for each coverage (``COVERAGES``, %) the exact match of the answers
kept and the lowest score kept, so a caller can see what a confidence threshold buys; and
the **worst misses** per group: the misses the model was most confident in. Nothing here
reads ``templates/`` or the corpora, nor imports ``lcr.corpus``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from brain.evaluate.heldout import rate, score_lcr
from lcr import parse
from lcr.errors import LCRError

GROUPS = ("core", "pipeline", "domain", "program")  # in the order of the set's README
STYLES = ("plain", "polite", "question", "terse", "verbose", "typo", "quoted")
COVERAGES = (100, 90, 80, 70, 50)
SHOW_MISSES = 5  # per group
UNKNOWN = "unknown"


class SetError(ValueError):
    """A line of the evaluation file that is no record: ``PATH:LINE: error: ...``."""


def read_set(path: Path) -> list[dict]:
    """The records of ``path``, each with its 1-based ``line``. Raises ``SetError`` for a
    line that is not a JSON object with string ``en`` and ``lcr``, or whose target is not
    LC-R, and ``OSError``/``UnicodeDecodeError`` when the file cannot be read."""
    records = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            where = f"{path}:{n}: error:"
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError as e:
                raise SetError(f"{where} not JSON: {e.msg}") from None
            if not isinstance(rec, dict) or not all(isinstance(rec.get(k), str)
                                                    for k in ("en", "lcr")):
                raise SetError(f"{where} expected an object with strings 'en' and 'lcr'")
            try:
                parse(rec["lcr"])
            except LCRError as e:
                raise SetError(f"{where} target is not LC-R: {e}") from None
            records.append({"line": n, "en": rec["en"], "lcr": rec["lcr"],
                            "group": str(rec.get("group") or UNKNOWN),
                            "style": str(rec.get("style") or UNKNOWN)})
    if not records:
        raise SetError(f"{path}: error: no records")
    return records


def score_lines(records: list[dict], lines) -> list[dict]:
    """One result per record from its translation (a ``brain.generate.translate.Line``)."""
    results = []
    for rec, ln in zip(records, lines, strict=True):
        res = {**rec, "output": ln.output, "score": ln.score}
        if ln.error:
            res.update(error=ln.error, valid=False, exact=False, schema=False, score=0.0)
        else:
            res.update(score_lcr(ln.output, rec["lcr"]))
            res.pop("statements", None)  # exact match is the measure of this set
        results.append(res)
    return results


def _row(rows) -> dict:
    return {"n": len(rows), "exact": rate(rows, "exact"), "valid": rate(rows, "valid"),
            "schema": rate(rows, "schema"), "errors": sum("error" in r for r in rows)}


def _ordered(names, known) -> list[str]:
    return [k for k in known if k in names] + sorted(n for n in names if n not in known)


def coverage(results, coverages=COVERAGES) -> list[dict]:
    """Exact match of the most confident ``c`` % of the answers, for each ``c``."""
    ranked = sorted(results, key=lambda r: -(r["score"] or 0.0))  # stable: file order on ties
    rows = []
    for c in coverages:
        k = max(1, math.ceil(len(ranked) * c / 100)) if ranked else 0
        kept = ranked[:k]
        rows.append({"coverage": c, "n": k, "exact": rate(kept, "exact"),
                     "min_score": round(kept[-1]["score"] or 0.0, 4) if kept else None})
    return rows


def summarise(results) -> dict:
    """Overall, by group, by style, coverage and the worst misses per group."""
    by_group, by_style = defaultdict(list), defaultdict(list)
    for r in results:
        by_group[r["group"]].append(r)
        by_style[r["style"]].append(r)
    misses = {}
    for g in _ordered(by_group, GROUPS):
        wrong = [r for r in by_group[g] if not r["exact"]]
        wrong.sort(key=lambda r: -(r["score"] or 0.0))
        misses[g] = [{k: r.get(k) for k in ("line", "style", "en", "output", "lcr", "score",
                                             "error") if r.get(k) is not None}
                     for r in wrong[:SHOW_MISSES]]
    return {"overall": _row(results),
            "by_group": [{"group": g, **_row(by_group[g])} for g in _ordered(by_group, GROUPS)],
            "by_style": [{"style": s, **_row(by_style[s])} for s in _ordered(by_style, STYLES)],
            "coverage": coverage(results), "worst_misses": misses}


def _table(rows, first: str) -> list[str]:
    cols = [first, "n", "exact", "valid", "schema", "errors"]
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols),
            *("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows)]


def text_report(summary) -> str:
    """What ``python -m brain.evaluate --file`` prints: the tables and the worst misses."""
    o = summary["overall"]
    lines = [f"overall: n {o['n']}, exact {o['exact']}%, valid {o['valid']}%, "
             f"errors {o['errors']}", ""]
    for key, first in (("by_group", "group"), ("by_style", "style")):
        rows = summary[key]
        w = max(len(first), *(len(r[first]) for r in rows))
        lines.append(f"{first:<{w}}  {'n':>4}  {'exact':>6}  {'valid':>6}")
        lines += [f"{r[first]:<{w}}  {r['n']:>4}  {r['exact']:>6}  {r['valid']:>6}"
                  for r in rows]
        lines.append("")
    lines.append("coverage  n     exact   min score")
    lines += [f"{c['coverage']:>7}%  {c['n']:<4}  {c['exact']!s:>6}   {c['min_score']}"
              for c in summary["coverage"]]
    for g, rows in summary["worst_misses"].items():
        if rows:
            lines += ["", f"worst misses, {g} (most confident first):"]
        for r in rows:
            lines += [f"  line {r['line']} ({r['style']}): {r['en']}",
                      f"    got:    {r.get('error') or r['output']}", f"    wanted: {r['lcr']}"]
    return "\n".join(lines) + "\n"


def markdown(summary, results, meta) -> str:
    """The markdown report: the tables, coverage, and the worst misses per group."""
    done = "" if not meta.get("interrupted") else (
        f" **Interrupted**: {len(results)} of {meta['lines']} lines scored.")
    lines = [f"# Evaluation: `{meta['file']}`, checkpoint `{meta['checkpoint']}`", "",
             f"Each request translated as `python -m brain.generate --input` does (beam "
             f"{meta['beam']}, grammar constraint, slot values grounded in the English"
             + ("" if meta.get("segment", True) else ", programs decoded whole")
             + "). Rates in %: *exact* = the output's value equals the target's; *valid* = "
             "it parses; *schema* = it follows the operation catalogue; *errors* = lines "
             "that could not be translated (misses)." + done, "",
             "## Overall", "", *_table([{"set": "all", **summary["overall"]}], "set"), "",
             "## By group", "", *_table(summary["by_group"], "group"), "",
             "## By style", "", *_table(summary["by_style"], "style"), "",
             "## Accuracy against coverage", "",
             "Outputs ranked by the model's confidence (`brain.generate --json`'s score); "
             "exact match of the most confident share kept.", "",
             "| coverage | n | exact | lowest score kept |", "|---|---|---|---|",
             *(f"| {c['coverage']}% | {c['n']} | {c['exact']} | {c['min_score']} |"
               for c in summary["coverage"])]
    for g, rows in summary["worst_misses"].items():
        lines += ["", f"## Worst misses: {g} (most confident first)", ""]
        for r in rows:
            lines += [f"- line {r['line']} ({r['style']}, score {r.get('score')}): "
                      f"{r['en']!r}", f"  - expected: `{r['lcr']}`",
                      f"  - got: `{r.get('error') or r['output']}`"]
    return "\n".join(lines) + "\n"

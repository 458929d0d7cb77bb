"""Held-out evaluation of a checkpoint: per phase, task and operation, beside a baseline.

    >>> results = evaluate(model, tok, held, train, beam=DEFAULT_BEAM)
    >>> summary = summarise(results); text = markdown(summary, results, meta)

The library behind ``python -m brain.evaluate`` (``brain/evaluate/__main__.py``). Records
come from the corpus folder's ``phase*.jsonl`` (read by ``brain.train.data.read_jsonl``): the
requested split only, replayed records left out (they are copies of earlier phases'
training data). For tasks that write LC-R (``brain.model.tokenizer.LCR_OUTPUT_TASKS``: ``en2lcr``,
``hlxl2lcr``, ``lcb2lcr``, ``fix``), LC-B (``lcr2lcb``) or HLXL (``lcr2hlxl``) each source is
translated twice, with and without the constraint (for ``en2lcr``, ``hlxl2lcr``, ``fix``,
``lcr2lcb`` and ``lcr2hlxl`` a third time with the grammar or format alone, slot values not
grounded in the source: ``exact_grammar``), and scored on: **validity** (the output parses
in its track: LC-R, LC-B or HLXL),
**exact match** (its value equals the target's value; canonical form does not matter) and
**schema validity** (``lcr.schema.check_schema``). ``lcr2en`` is scored with
chrF (sacrebleu, the ``eval`` extra; skipped with a warning without it) and a **round
trip**: the model's English is translated back to LC-R
(constrained) and compared with the record's value; English the model cannot take back as
input (too long for its positions, unknown characters, empty) fails the round trip and is
counted (``round_trip_unreadable``). Other tasks score exact text match. The **nearest-neighbour
baseline** answers with the target of the most similar *training* source (character
trigram Jaccard), scored the same way. For ``block`` programs (phase 3) exact match is
all or nothing over hundreds of characters, so **statements** gives partial credit: the
mean share of a program's statements that the output has right, in place (beam, greedy
and baseline). The markdown report lists the first failures of each kind.

The main outputs (``valid``, ``exact``, ``schema``, chrF, round trip) are decoded as
``brain.generate`` decodes by default (``--beam``, default 1: greedy; ``--beam 4``: beam
search). The ablations are greedy: ``exact_greedy`` (the same constraint, greedy),
``exact_grammar`` and ``exact_raw``, so the table reads raw -> grammar -> grounding -> beam.
Beam and greedy decoding are both deterministic for a checkpoint and corpus.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter, defaultdict
from pathlib import Path

from brain.constrain.ground import GROUNDED_TASKS
from brain.generate.translate import DEFAULT_BEAM, InputError, translate, translate_lines
from brain.model.tokenizer import (
    HLXL_OUTPUT_TASKS,
    LCB_OUTPUT_TASKS,
    LCR_OUTPUT_TASKS,
)
from brain.train.data import file_sha256, read_jsonl
from lcr import parse
from lcr.errors import LCRError
from lcr.hlxl import parse_hlxl
from lcr.lcb import parse_lcb
from lcr.schema import schema_error
from lcr.values import Contract, Text

log = logging.getLogger(__name__)
SHOW_FAILURES = 5
# The tasks scored as values (three decodings each), with the reader of their output's track.
READERS = {**dict.fromkeys(LCR_OUTPUT_TASKS, parse), **dict.fromkeys(LCB_OUTPUT_TASKS, parse_lcb),
           **dict.fromkeys(HLXL_OUTPUT_TASKS, parse_hlxl)}
CONSTRAINED_TASKS = frozenset(READERS)
# The tasks whose constraint also grounds slot values in the source: a fourth decoding
# without it (``exact_grammar``).
GROUNDED_OUTPUT_TASKS = GROUNDED_TASKS | LCB_OUTPUT_TASKS | HLXL_OUTPUT_TASKS


def load_records(corpora: Path, split: str) -> tuple[list[dict], list[dict]]:
    """(records of ``split`` without replays, every ``train`` record) from phase*.jsonl."""
    files = sorted(corpora.glob("phase*.jsonl"))
    if not files:
        raise FileNotFoundError(f"{corpora}: no phase*.jsonl corpus files")
    held, train = [], []
    for f in files:
        for r in read_jsonl(f):  # a bad line is a DataError (a ValueError) naming it
            if r["split"] == "train":
                train.append(r)
            elif r["split"] == split and not r.get("replay"):
                held.append(r)
    return held, train


def corpus_warning(config: dict) -> None:
    """Warn when the corpus on disk is not the one the checkpoint was trained on: the
    held-out split would then not be held out from this model."""
    corpus = config.get("corpus") or {}
    path, sha = corpus.get("file"), corpus.get("sha256")
    if path and sha and Path(path).is_file() and file_sha256(Path(path)) != sha:
        log.warning(f"warning: {path} differs from the corpus this checkpoint was trained on "
                    "(recompile with the training seed and scale)")


class NearestNeighbour:
    """The target of the training source with the most character trigrams in common."""

    def __init__(self, records):
        self.targets = [r["target"] for r in records]
        self.grams = [self._grams(r["source"]) for r in records]
        self.index = defaultdict(list)
        for i, g in enumerate(self.grams):
            for t in g:
                self.index[t].append(i)

    @staticmethod
    def _grams(s: str) -> frozenset:
        s = f"  {s.lower()} "
        return frozenset(s[i:i + 3] for i in range(len(s) - 2))

    def __call__(self, source: str) -> str:
        q = self._grams(source)
        common = Counter(i for t in q for i in self.index.get(t, ()))
        if not common:
            return self.targets[0] if self.targets else ""
        best = max(common, key=lambda i: (common[i] / (len(q) + len(self.grams[i]) - common[i]),
                                          -i))
        return self.targets[best]


def _value(text: str, reader=parse):
    try:
        return reader(text)
    except LCRError:
        return None


def _statements(v) -> list | None:
    """The statements of a ``block`` operation (its arguments, in order), else None."""
    if (isinstance(v, Contract) and v.id == 1000 and v.fields
            and v.fields[0][1] == Text("block")):
        return [x for _, x in v.fields[1:]]
    return None


def score_lcr(out: str, target: str, reader=parse) -> dict:
    """valid / exact / schema; for a target that is a ``block`` program (phase 3) also
    ``statements``: the share of its statements the output has right, at the same place
    in its own block, so a long program that is nearly right shows as such. ``reader``
    turns an output into a value (``lcr.lcb.parse_lcb`` for LC-B hex, ``lcr.hlxl.parse_hlxl``
    for HLXL)."""
    v, t = _value(out, reader), _value(target, reader)
    scores = {"valid": v is not None, "exact": v is not None and v == t,
              "schema": v is not None and schema_error(v) is None}
    want = _statements(t)
    if want:
        got = _statements(v) or []
        scores["statements"] = sum(a == b for a, b in zip(want, got, strict=False)) / len(want)
    return scores


def round_trip(model, tok, english, batch_size, beam=1,
               segment=True) -> list[tuple[str, str | None]]:
    """``(lcr, error)`` per text: the model's English translated back to LC-R, read as
    ``brain.generate`` reads English (folded onto the model's characters). English the
    model still cannot take as an ``en2lcr`` input (empty, too long for its positions) is
    not translated: ``("", why)``, scored as a failed round trip."""
    if "en2lcr" not in tok.tasks:
        return [("", "this checkpoint has no en2lcr task")] * len(english)
    lines = translate_lines(model, tok, list(english), "en2lcr", batch_size=batch_size,
                            beam=beam, segment=segment)
    return [(ln.output, ln.error) for ln in lines]


def evaluate(model, tok, held, train, **options) -> list[dict]:
    """One result dict per held-out record (outputs and per-record scores)."""
    return [r for rows in evaluate_groups(model, tok, held, train, **options) for r in rows]


def evaluate_groups(model, tok, held, train, *, batch_size=64, limit=None,
                    beam=DEFAULT_BEAM, segment=True):
    """``evaluate`` one (phase, task) at a time: yields each group's result dicts as soon
    as they are scored, so an interrupted run keeps the groups already done."""
    groups = defaultdict(list)
    for r in held:
        groups[(r["phase"], r["task"])].append(r)
    for (phase, task), recs in sorted(groups.items()):
        results = []
        if task not in tok.tasks:
            continue
        recs = recs[:limit] if limit else recs
        nn = NearestNeighbour([r for r in train if r["task"] == task])
        sources = [r["source"] for r in recs]
        try:
            run = functools.partial(translate, model, tok, sources, task,
                                    batch_size=batch_size, segment=segment)
            outs = run(beam=beam)
            greedy = run() if beam > 1 and task in CONSTRAINED_TASKS else None
            raw = run(constrain=False) if task in CONSTRAINED_TASKS else outs
            free = run(ground=False) if task in GROUNDED_OUTPUT_TASKS else None
        except InputError as e:  # a record the model cannot read: a corpus/model mismatch
            raise ValueError(f"phase {phase} {task}: {e}") from None
        back = (round_trip(model, tok, outs, batch_size, beam, segment) if task == "lcr2en"
                else None)
        for i, r in enumerate(recs):
            res = {"id": r["id"], "phase": phase, "task": task, "op": r.get("op", ""),
                   "source": r["source"], "target": r["target"], "output": outs[i],
                   "baseline": nn(r["source"])}
            if task in CONSTRAINED_TASKS:
                score = functools.partial(score_lcr, reader=READERS[task])
                c, u, b = (score(x, r["target"]) for x in (outs[i], raw[i], res["baseline"]))
                res.update(raw_output=raw[i], valid=c["valid"], exact=c["exact"],
                           schema=c["schema"], valid_raw=u["valid"], exact_raw=u["exact"],
                           baseline_exact=b["exact"])
                if "statements" in c:
                    res.update(statements=c["statements"],
                               baseline_statements=b["statements"])
                if greedy is not None:
                    g = score(greedy[i], r["target"])
                    res["exact_greedy"] = g["exact"]
                    if "statements" in g:
                        res["statements_greedy"] = g["statements"]
                if free is not None:
                    res["exact_grammar"] = score(free[i], r["target"])["exact"]
            else:
                res.update(exact=outs[i] == r["target"],
                           baseline_exact=res["baseline"] == r["target"])
            if back is not None:
                lcr, error = back[i]
                res["round_trip_lcr"] = lcr
                res["round_trip"] = error is None and score_lcr(lcr, r["lcr"])["exact"]
                if error is not None:
                    res["round_trip_error"] = error
            results.append(res)
        yield results


def rate(rows, key):
    """The share of ``rows`` where ``key`` holds, in % to 2 places (None when none has it)."""
    vals = [r[key] for r in rows if key in r]
    return round(100.0 * sum(vals) / len(vals), 2) if vals else None


def _chrf(rows, key):
    if not rows or rows[0]["task"] in LCR_OUTPUT_TASKS:
        return None
    try:
        import sacrebleu
    except ImportError:  # an optional extra; the other metrics do not need it
        _chrf_missing()
        return None
    return round(sacrebleu.corpus_chrf([r[key] for r in rows],
                                       [[r["target"] for r in rows]]).score, 2)


@functools.cache
def _chrf_missing() -> None:
    log.warning("chrF skipped: sacrebleu is not installed (pip install 'hlxl-brain[eval]')")


METRICS = ("valid_raw", "valid", "exact", "exact_greedy", "exact_grammar", "exact_raw", "schema",
           "statements", "statements_greedy", "baseline_statements", "round_trip",
           "baseline_exact")


def summarise(results) -> dict:
    """Aggregates per (phase, task) and per (phase, task, op)."""
    def agg(rows):
        out = {"n": len(rows)}
        if any("round_trip" in r for r in rows):  # outputs that could not be read back
            out["round_trip_unreadable"] = sum("round_trip_error" in r for r in rows)
        for m in METRICS:
            v = rate(rows, m)
            if v is not None:
                out[m] = v
        for key, name in (("output", "chrf"), ("baseline", "baseline_chrf")):
            v = _chrf(rows, key)
            if v is not None:
                out[name] = v
        return out

    by_task, by_op = defaultdict(list), defaultdict(list)
    for r in results:
        by_task[(r["phase"], r["task"])].append(r)
        by_op[(r["phase"], r["task"], r["op"])].append(r)
    return {
        "by_task": [{"phase": p, "task": t, **agg(rows)} for (p, t), rows in
                    sorted(by_task.items())],
        "by_op": [{"phase": p, "task": t, "op": o, **agg(rows)} for (p, t, o), rows in
                  sorted(by_op.items())],
    }


FAILURES = (  # (title, predicate, which output to show)
    ("invalid without the constraint", lambda r: r.get("valid_raw") is False, "raw_output"),
    ("invalid with the constraint", lambda r: r.get("valid") is False, "output"),
    ("wrong value (constrained)", lambda r: r.get("valid") and not r["exact"], "output"),
    ("schema-invalid (constrained)", lambda r: r.get("valid") and not r.get("schema"),
     "output"),
    ("wrong text", lambda r: "valid" not in r and not r["exact"], "output"),
    ("round trip lost the value", lambda r: r.get("round_trip") is False and
     "round_trip_error" not in r, "round_trip_lcr"),
    ("round trip impossible (the English is no en2lcr input)",
     lambda r: "round_trip_error" in r, "round_trip_error"),
)


def markdown(summary, results, meta) -> str:
    cols = ["n", *METRICS, "round_trip_unreadable", "chrf", "baseline_chrf"]
    lines = [f"# Evaluation: split `{meta['split']}`, checkpoint `{meta['checkpoint']}`", "",
             f"Rates in %; `valid`/`exact` decoded as `brain.generate` does (beam "
             f"{meta.get('beam', 1)}, the constraint: grammar (LC-B format for lcr2lcb, canonical "
             "HLXL for lcr2hlxl), and for en2lcr, hlxl2lcr, fix, lcr2lcb and lcr2hlxl slot "
             "values grounded in the source); the "
             "rest greedy: `exact_greedy` with the same constraint; `exact_grammar` with the "
             "grammar (or format) alone; "
             "`valid_raw`/`exact_raw` without any constraint; "
             "`baseline_*`: nearest training example. English programs the model starts "
             "as a `block` are translated clause by clause (brain.generate.segment)"
             + ("" if meta.get("segment", True) else ": not in this run (--no-segment)")
             + ".", "",
             "| phase | task | " + " | ".join(cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for row in summary["by_task"]:
        lines.append(f"| {row['phase']} | {row['task']} | " +
                     " | ".join(str(row.get(c, "")) for c in cols) + " |")
    lines += ["", "## Per operation (exact match, constrained)", "",
              "| phase | task | op | n | exact | baseline_exact |", "|---|---|---|---|---|---|"]
    for row in summary["by_op"]:
        lines.append(f"| {row['phase']} | {row['task']} | {row['op']} | {row['n']} | "
                     f"{row.get('exact', '')} | {row.get('baseline_exact', '')} |")
    for title, pred, key in FAILURES:
        bad = [r for r in results if pred(r)]
        lines += ["", f"## First failures: {title} ({len(bad)})", ""]
        for r in bad[:SHOW_FAILURES]:
            lines += [f"- `{r['id']}` ({r['task']}, {r['op']}): {r['source']!r}",
                      f"  - expected: `{r['target']}`", f"  - got: `{r.get(key, '')}`"]
    return "\n".join(lines) + "\n"

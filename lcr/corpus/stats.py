"""``stats.json`` and the readable ``phaseN.md`` sample.

Statistics per phase: examples per split, task, operation and style; distinct phrasings
(template lines and English sources) per operation; LC-R length distribution; what the
``gen`` split holds out and how many records each rule caught; the variety of the English
(``variety``: frames, verb phrases and fillers per operation, word 3-grams per phase) and
the versions of the packages the fillers come from.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict

from lcr.corpus.build import FORMAT
from lcr.corpus.splits import GEN_RULES, GROUP_FRACTIONS, SOURCE_FRACTIONS


def _sorted(c: Counter) -> dict:
    return dict(sorted(c.items()))


def _lengths(xs: list[int]) -> dict:
    if not xs:
        return {}
    xs = sorted(xs)
    q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))]  # noqa: E731
    return {"min": xs[0], "p10": q(0.1), "median": statistics.median(xs), "p90": q(0.9),
            "max": xs[-1], "mean": round(statistics.fmean(xs), 1)}


def phase_stats(records: list[dict], notes: dict) -> dict:
    own = [r for r in records if not r["replay"]]
    phrasings = defaultdict(set)
    sources = defaultdict(set)
    for r in own:
        if r["task"] == "en2lcr":
            phrasings[r["op"]].add((r["frame"], r["template"]))
            sources[r["op"]].add(r["source"])
    en = [r for r in own if r["task"] == "en2lcr"]
    return {
        "records": len(records),
        "replay": len(records) - len(own),
        "floor": notes["floor"],
        "by_split": _sorted(Counter(r["split"] for r in own)),
        "by_task": _sorted(Counter(r["task"] for r in own)),
        "by_op": _sorted(Counter(r["op"] for r in own)),
        "by_style": _sorted(Counter(r["style"] for r in own)),
        "by_gen_rule": _sorted(Counter(r["gen_rule"] for r in own if r["gen_rule"])),
        "phrasing_templates_per_op": {k: len(v) for k, v in sorted(phrasings.items())},
        "distinct_sources_per_op": {k: len(v) for k, v in sorted(sources.items())},
        "distinct_lcr": len({r["lcr"] for r in own}),
        "lcr_chars": _lengths([r["lcr_chars"] for r in own]),
        "pair_chars": _lengths([len(r["source"]) + len(r["target"]) for r in own]),
        "en2lcr_source_words": _lengths([len(r["source"].split()) for r in en]),
        "ops_per_example": _lengths([r["n_ops"] for r in own]),
        "dropped_while_drawing": notes["dropped"],
        "variety": variety(records),
    }


def _frame_of(r: dict) -> str:
    """A composed record's skeleton, else its template line."""
    return r["_gen"].get("skeleton") or f"{r['frame']}:{r['template']}"


def variety(records: list[dict]) -> dict:
    """How varied a phase's English is: per operation the distinct frames (composed
    skeletons and template lines), verb phrases and slot fillers of its en2lcr records,
    distinct fillers per slot, and the distinct lowercased word 3-grams of all sources."""
    en = [r for r in records if not r["replay"] and r["task"] == "en2lcr"]
    frames, verbs, fillers = defaultdict(set), defaultdict(set), defaultdict(set)
    slots, grams = defaultdict(set), set()
    for r in en:
        op, gen = r["op"], r.get("_gen") or {}
        frames[op].add(_frame_of(r))
        verbs[op].update(gen.get("verbs", ()))
        for k, v in gen.get("fillers", {}).items():
            fillers[op].add(f"{k}={v}")
            slots[k].add(v)
        words = r["source"].lower().split()
        grams.update(zip(words, words[1:], words[2:], strict=False))
    ops = sorted(frames)
    return {
        "per_op": {op: {"frames": len(frames[op]), "verb_phrases": len(verbs[op]),
                        "slot_fillers": len(fillers[op])} for op in ops},
        "fillers_per_slot": {k: len(v) for k, v in sorted(slots.items())},
        "word_3grams": len(grams),
    }


def variety_table(stats: dict) -> str:
    """The variety figures of ``all_stats`` as a readable table."""
    avail = ", ".join(f"{k} {n}" for k, n in stats.get("fillers_available", {}).items())
    lines = [f"fillers available per vocabulary: {avail}", ""]
    for p, s in stats["phases"].items():
        v = s.get("variety")
        if not v:
            continue
        lines += [f"phase {p}: {v['word_3grams']} distinct word 3-grams", "",
                  f"  {'operation':<14}{'frames':>8}{'verbs':>8}{'fillers':>9}"]
        for op, c in v["per_op"].items():
            lines.append(f"  {op:<14}{c['frames']:>8}{c['verb_phrases']:>8}"
                         f"{c['slot_fillers']:>9}")
        slots = ", ".join(f"{k} {n}" for k, n in v["fillers_per_slot"].items())
        lines += [f"  fillers per slot: {slots}", ""]
    return "\n".join(lines)


def fillers_available() -> dict:
    """Distinct fillers each widened vocabulary can draw from (curated and generated)."""
    from lcr.corpus.vocab import GENERATED, generated, vocab

    return {name: len(set(vocab().get(name, ())) | set(generated(name, False)))
            for name in GENERATED}


def all_stats(phases: dict, notes: dict, seed: int, scale: float) -> dict:
    from lcr.corpus.lexicon import versions

    return {
        "format": FORMAT,
        "packages": versions(),
        "fillers_available": fillers_available(),
        "seed": seed,
        "scale": scale,
        "splits": {
            "policy": "split is a function of the source string; whole LC-R values held out "
                      "to val/test (group fractions), else new phrasings by source hash "
                      "(source fractions); gen rules first",
            "group_fractions": GROUP_FRACTIONS,
            "source_fractions": SOURCE_FRACTIONS,
            "gen_rules": list(GEN_RULES),
        },
        "phases": {str(p): phase_stats(recs, notes[p]) for p, recs in phases.items()},
    }


def sample_markdown(phase: int, records: list[dict], seed: int, per_task: int = 6) -> str:
    """A readable sample: a few records of each task and split."""
    rng = random.Random(f"lcr-sample:{seed}:{phase}")
    lines = [f"# Phase {phase} sample", "",
             f"{len(records)} records (seed {seed}); a few of each task and split follow. "
             "The full corpus is the JSONL file next to this one.", ""]
    groups = defaultdict(list)
    for r in records:
        groups[(r["task"], r["split"])].append(r)
    for (task, split), rs in sorted(groups.items()):
        lines += [f"## {task} / {split} ({len(rs)})", ""]
        for r in rng.sample(rs, min(per_task, len(rs))):
            tag = f"{r['id']} op={r['op']} style={r['style']}"
            tag += f" gen={r['gen_rule']}" if r["gen_rule"] else ""
            tag += " replay" if r["replay"] else ""
            lines += [f"- `{tag}`", f"  - source: `{r['source']}`",
                      f"  - target: `{r['target']}`"]
        lines.append("")
    return "\n".join(lines)

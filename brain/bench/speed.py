"""Decoding speed, side by side in one run: the original full-recompute loop, the KV cache,
batching, and the cost of the grammar constraint.

    >>> rows = bench(model, tok, prompts_from(corpora, 256), max_new_tokens=400)
    >>> print(table(rows))

The library behind ``python -m brain.bench`` (``brain/bench/__main__.py``).

Every mode decodes the **same** ``--n`` prompts (default 256, so that batch 256 is one full
batch; about 8 minutes on 2 cores, most of it the baseline), so the ratios compare the
same workload: the ``en2lcr`` sources of the corpus ``test`` split of all phases (replays
left out), read with ``brain.train.data.read_jsonl`` and drawn at evenly spaced positions of
their file order, so every phase is represented (repeated if there are fewer than ``--n``).
Constrained means as ``brain.generate`` decodes en2lcr: the grammar plus slot values
grounded in the source. Throughput is generated tokens per second (end-of-sequence
included); ratios are against the full-recompute baseline. The constraint's cost is
measured two ways: its share (the time spent in its calls and set-up, ``TimedConstraint``,
over the rest of the same decode: what it adds to exactly that work), and the extra time
per generated token against the same mode unconstrained, with a note of whether the two
runs wrote the same outputs (if not, they did different work and that comparison is
indicative only). Greedy decoding, except the last mode: beam search as ``brain.generate``
decodes by default (beam 4, 8 prompts = 32 hypotheses at a time), slower per output for
more exact outputs. On the CPU threads torch is given (``--threads``, default 1 as in
``brain.generate``: ``brain.threads``). A bad corpus line, a character the model has no
token for or an over-long prompt is a one-line error.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path

from brain.constrain.constraint import LCRConstraint, make_constraints
from brain.generate.beam import beam_generate
from brain.generate.greedy import generate
from brain.generate.translate import DEFAULT_BEAM, encode_all
from brain.train.data import DataError, read_jsonl

log = logging.getLogger(__name__)

# (name, prompts per batch, use_cache, beam): all decode the same prompts
MODES = (
    ("full recompute, 1 at a time", 1, False, 1),
    ("KV cache, 1 at a time", 1, True, 1),
    ("KV cache, batch 32", 32, True, 1),
    ("KV cache, batch 256", 256, True, 1),
    (f"beam {DEFAULT_BEAM}, KV cache, batch 8", 8, True, DEFAULT_BEAM),
)


def prompts_from(corpora: Path, n: int) -> list[tuple[str, str]]:
    """``n`` (where, source) of en2lcr test records, evenly spaced over all phases."""
    files = sorted(Path(corpora).glob("phase*.jsonl"))
    if not files:
        raise DataError(f"{corpora}: no phase*.jsonl corpus files")
    srcs = [(f"{f.name}: record {r['id']}", r["source"]) for f in files for r in read_jsonl(f)
            if r["split"] == "test" and r["task"] == "en2lcr" and not r.get("replay")]
    if not srcs:
        raise DataError(f"{corpora}: no en2lcr records in the test split")
    if n <= len(srcs):
        return [srcs[i * len(srcs) // n] for i in range(n)]
    return [srcs[i % len(srcs)] for i in range(n)]


def _timed(method):
    """``method``, adding the time spent in it to ``TimedConstraint.seconds``."""
    @functools.wraps(method)
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            TimedConstraint.seconds += time.perf_counter() - t0

    return timed


class TimedConstraint(LCRConstraint):
    """An LCRConstraint that adds the time spent in its calls to ``TimedConstraint.seconds``:
    the constraint's cost measured on the very decode it constrains."""

    seconds = 0.0
    allows = _timed(LCRConstraint.allows)
    advance = _timed(LCRConstraint.advance)
    copy = _timed(LCRConstraint.copy)
    allowed_batch = classmethod(_timed(LCRConstraint.allowed_batch.__func__))


def run(model, tok, prompts, *, batch_size, use_cache, constrain, max_new_tokens,
        sources=None, beam=1):
    """One timed decode; constrained as ``brain.generate`` does it (grammar, and slot values
    grounded in ``sources``)."""
    TimedConstraint.seconds = 0.0
    t0 = time.perf_counter()
    cons = (make_constraints(tok, prompts, max_new_tokens=max_new_tokens,
                             block_size=model.config.block_size, sources=sources,
                             cls=TimedConstraint) if constrain else None)
    setup = time.perf_counter() - t0
    if beam > 1:
        outs = beam_generate(model, tok, prompts, beam=beam, max_new_tokens=max_new_tokens,
                             constraints=cons, batch_size=batch_size)
    else:
        outs = generate(model, tok, prompts, max_new_tokens=max_new_tokens, constraints=cons,
                        use_cache=use_cache, batch_size=batch_size)
    seconds = time.perf_counter() - t0
    tokens = sum(len(o) + 1 for o in outs)  # + the end-of-sequence step
    inside = TimedConstraint.seconds + setup  # everything the constraint adds
    out = {"tokens": tokens, "seconds": round(seconds, 3),
           "tokens_per_s": round(tokens / seconds, 1),
           "ms_per_token": round(1000.0 * seconds / tokens, 4)}
    if constrain:  # its share, against the same decode without it
        out["constraint_s"] = round(inside, 6)  # tiny test runs: microseconds
        out["constraint_cost"] = round(inside / max(seconds - inside, 1e-9), 4)
    return outs, out


def bench(model, tok, sources, max_new_tokens) -> list[dict]:
    """One row per (mode, constrained), every one over all ``(where, source)`` pairs."""
    prompts = encode_all(tok, "en2lcr", [s for _, s in sources], model.config.block_size,
                         [w for w, _ in sources])
    rows = []
    for name, bs, cache, beam in MODES:
        free_outs = None
        for constrain in (False, True):
            outs, r = run(model, tok, prompts, batch_size=bs, use_cache=cache,
                          constrain=constrain, max_new_tokens=max_new_tokens,
                          sources=[s for _, s in sources], beam=beam)
            row = {"mode": name, "constrained": constrain, "prompts": len(prompts), **r}
            if constrain:
                free = rows[-1]
                row["constraint_ms_per_token"] = round(r["ms_per_token"] - free["ms_per_token"],
                                                       4)
                row["same_outputs"] = outs == free_outs
            free_outs = outs
            rows.append(row)
            log.info(f"{name:30s} {'constrained' if constrain else 'free':11s} "
                     f"{r['tokens_per_s']:9.1f} tok/s")
    base = rows[0]["tokens_per_s"]
    for r in rows:
        r["speedup_vs_baseline"] = round(r["tokens_per_s"] / base, 2)
    return rows


def table(rows) -> str:
    lines = ["| mode | constrained | prompts | tokens | s | tokens/s | ms/token | x baseline | "
             "constraint ms/token | constraint share | same outputs |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cost = f"{r['constraint_ms_per_token']:+}" if r["constrained"] else ""
        share = f"+{100 * r['constraint_cost']:.1f}%" if r["constrained"] else ""
        same = ("yes" if r["same_outputs"] else "no (different work)") if r["constrained"] \
            else ""
        lines.append(f"| {r['mode']} | {'yes' if r['constrained'] else 'no'} | "
                     f"{r['prompts']} | {r['tokens']} | {r['seconds']} | {r['tokens_per_s']} "
                     f"| {r['ms_per_token']} | {r['speedup_vs_baseline']} | {cost} | {share} "
                     f"| {same} |")
    return "\n".join(lines) + "\n"

"""Decoding and training speed, side by side in one run: the library behind
``python -m brain.bench`` (``brain/bench/__main__.py``).

    >>> rows = decode_rows(model, tok, prompts_from(corpora, 256))
    >>> rows += train_rows(corpora, steps=40)
    >>> print(table(rows))

Decoding: every mode translates the **same** prompts with the same model, in this process
(start-up and model loading are not timed): ``naive`` (``brain.generate.naive``, the
yardstick: one at a time, no KV cache, greedy, unconstrained), ``default`` (what
``python -m brain.generate`` does: ``brain.generate.translate.translate`` with its defaults,
beam ``DEFAULT_BEAM``, batch ``DEFAULT_BATCH_SIZE``, grammar-constrained, grounded, clause by
clause), the default ``--no-constrain``, greedy (``--beam 1``) and other beam widths.
Throughput is output characters per second and tokens per second (a token per character,
the tokenizer's, plus the end-of-sequence step of each output); ``x naive`` is the ratio of
characters per second. Prompts are the ``en2lcr`` sources of the corpus ``test`` split of
all phases (replays left out), drawn at evenly spaced positions of their file order.

Start-up: seconds to the first output of ``python -m brain.generate`` on one request, minus
those of ``python -c "import torch"`` (fresh processes, medians).

Training: target tokens per second of ``python -m brain.train --phase 1 --max-steps N`` as
one process (its default, thread shards on CPU), one process without shards, and
``torchrun --standalone --nproc_per_node 2`` (DDP), each a fresh run on the same corpus,
read from the history it writes (its training time only). A bad corpus line, a character
the model has no token for or an over-long prompt is a one-line error.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from brain.generate.naive import naive_generate
from brain.generate.translate import DEFAULT_BATCH_SIZE, DEFAULT_BEAM, encode_all, translate
from brain.train.data import DataError, read_jsonl

log = logging.getLogger(__name__)

TASK = "en2lcr"
# (name, keyword arguments of translate): "default" is brain.generate's own
DECODE_MODES = (
    ("default", {}),
    ("default --no-constrain", {"constrain": False}),
    ("greedy (--beam 1)", {"beam": 1}),
    ("beam 2", {"beam": 2}),
    ("beam 4", {"beam": 4}),
    ("beam 8", {"beam": 8}),
)


def prompts_from(corpora: Path, n: int) -> list[tuple[str, str]]:
    """``n`` (where, source) of en2lcr test records, evenly spaced over all phases."""
    files = sorted(Path(corpora).glob("phase*.jsonl"))
    if not files:
        raise DataError(f"{corpora}: no phase*.jsonl corpus files")
    srcs = [(f"{f.name}: record {r['id']}", r["source"]) for f in files for r in read_jsonl(f)
            if r["split"] == "test" and r["task"] == TASK and not r.get("replay")]
    if not srcs:
        raise DataError(f"{corpora}: no en2lcr records in the test split")
    if n <= len(srcs):
        return [srcs[i * len(srcs) // n] for i in range(n)]
    return [srcs[i % len(srcs)] for i in range(n)]


def _row(name, outs, seconds, n) -> dict:
    chars = sum(len(o) for o in outs)
    tokens = chars + len(outs)  # one token per character, plus each output's end token
    return {"kind": "decode", "mode": name, "prompts": n, "chars": chars, "tokens": tokens,
            "seconds": round(seconds, 3), "chars_per_s": round(chars / seconds, 1),
            "tokens_per_s": round(tokens / seconds, 1)}


def decode_rows(model, tok, sources, max_new_tokens: int | None = None,
                modes=DECODE_MODES, naive: bool = True) -> list[dict]:
    """One row per decoding mode, every one over all ``(where, source)`` pairs; the naive
    reference first (``naive=False``: left out, and no ``x_naive`` ratios)."""
    texts = [s for _, s in sources]
    block = model.config.block_size
    prompts = encode_all(tok, TASK, texts, block, [w for w, _ in sources])
    max_new = max_new_tokens or block
    rows = []
    if naive:
        t0 = time.perf_counter()
        outs = naive_generate(model, tok, prompts, max_new_tokens=max_new)
        rows.append(_row("naive", outs, time.perf_counter() - t0, len(texts)))
        log.info(f"{'naive':24s} {rows[-1]['chars_per_s']:9.1f} chars/s")
    # An untimed pass first: the first batched pass of a process pays for allocator and
    # kernel warm-up (measured: the default row 31% slower than the identical greedy row
    # after it), which would be charged to whichever mode happened to come first.
    translate(model, tok, texts, TASK, max_new_tokens=max_new_tokens, beam=DEFAULT_BEAM,
              batch_size=DEFAULT_BATCH_SIZE)
    for name, kw in modes:
        settings = {"beam": DEFAULT_BEAM, "batch_size": DEFAULT_BATCH_SIZE} | kw
        t0 = time.perf_counter()
        outs = translate(model, tok, texts, TASK, max_new_tokens=max_new_tokens, **settings)
        rows.append(_row(name, outs, time.perf_counter() - t0, len(texts)))
        rows[-1]["settings"] = settings
        log.info(f"{name:24s} {rows[-1]['chars_per_s']:9.1f} chars/s")
    if naive:
        base = rows[0]["chars_per_s"]
        for r in rows:
            r["x_naive"] = round(r["chars_per_s"] / max(base, 1e-9), 2)
    return rows


def summary(rows) -> dict:
    """The targets from the rows: default vs naive, constrained vs free, start-up."""
    by = {r["mode"]: r for r in rows if r["kind"] == "decode"}
    out = {}
    if "default" in by and "naive" in by:
        out["default_x_naive"] = by["default"]["x_naive"]
    if "default" in by and "default --no-constrain" in by:
        out["constraint_slowdown"] = round(
            by["default --no-constrain"]["chars_per_s"] / by["default"]["chars_per_s"] - 1, 4)
    start = [r for r in rows if r["kind"] == "startup"]
    if start:
        out["startup_beyond_torch_s"] = start[0]["beyond_torch_s"]
    return out


TRAIN_MODES = (  # (name, command prefix, extra brain.train arguments)
    ("1 process (default)", [sys.executable, "-m", "brain.train"], []),
    ("1 process, --shards 1", [sys.executable, "-m", "brain.train"], ["--shards", "1"]),
    ("DDP, 2 processes (torchrun)", [sys.executable, "-m", "torch.distributed.run",
                                     "--standalone", "--nproc_per_node", "2",
                                     "-m", "brain.train"], []),
)


def train_rows(corpora: Path, steps: int, model: str | None = None,
               modes=TRAIN_MODES) -> list[dict]:
    """Training target tokens/s of each of ``modes``: phase 1 for ``steps`` steps, fresh."""
    rows = []
    for name, prefix, extra in modes:
        with tempfile.TemporaryDirectory(prefix="hlxl-bench-") as out:
            cmd = [*prefix, "--phase", "1", "--max-steps", str(steps), "--device", "cpu",
                   "--corpora", str(corpora), "--out", out, "--eval-samples", "1", *extra,
                   *(["--model", model] if model else [])]
            run = subprocess.run(cmd, capture_output=True, text=True,
                                 env={**os.environ, "OMP_NUM_THREADS": "1"})
            if run.returncode != 0:
                raise RuntimeError(f"{name}: {' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
            epochs = json.loads((Path(out) / "history.json").read_text())["phases"]["1"]
            recs = epochs["epochs"]
        targets = sum(e["target_tokens"] for e in recs)
        seconds = sum(e["seconds"] for e in recs)
        rows.append({"kind": "train", "mode": name, "steps": steps,
                     "world_size": epochs["world_size"], "target_tokens": targets,
                     "seconds": round(seconds, 3),
                     "target_tokens_per_s": round(targets / max(seconds, 1e-9), 1)})
        log.info(f"{name:28s} {rows[-1]['target_tokens_per_s']:9.1f} target tokens/s")
    return rows


def startup_row(checkpoint: Path, repeats: int = 3) -> dict:
    """Seconds from process start to the first output of ``python -m brain.generate`` on one
    short request, against ``python -c "import torch"``: medians of ``repeats`` runs each,
    alternated so that a busy moment hits both."""
    cmds = {"import_torch_s": [sys.executable, "-c", "import torch"],
            "first_output_s": [sys.executable, "-m", "brain.generate", "--checkpoint",
                               str(checkpoint), "read notes.txt"]}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeats):
        for key, cmd in cmds.items():
            t = time.perf_counter()
            run = subprocess.run(cmd, capture_output=True, text=True)
            times[key].append(time.perf_counter() - t)
            if run.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
    row = {"kind": "startup", "mode": "brain.generate, one request", "repeats": repeats}
    row |= {k: round(sorted(v)[len(v) // 2], 3) for k, v in times.items()}
    row["beyond_torch_s"] = round(row["first_output_s"] - row["import_torch_s"], 3)
    log.info(f"start-up beyond import torch: {row['beyond_torch_s']} s")
    return row


# The printed tables, as data: (row kind, shown when it has no rows, (heading, row key) per
# column). The decoding table is always shown.
TABLES = (
    ("decode", True, (("decoding", "mode"), ("prompts", "prompts"), ("chars", "chars"),
                      ("s", "seconds"), ("chars/s", "chars_per_s"),
                      ("tokens/s", "tokens_per_s"), ("x naive", "x_naive"))),
    ("train", False, (("training (phase 1)", "mode"), ("processes", "world_size"),
                      ("steps", "steps"), ("target tokens", "target_tokens"),
                      ("s", "seconds"), ("target tokens/s", "target_tokens_per_s"))),
    ("startup", False, (("start-up (median of runs)", "mode"), ("runs", "repeats"),
                        ("import torch s", "import_torch_s"),
                        ("first output s", "first_output_s"),
                        ("beyond torch s", "beyond_torch_s"))),
)


def table(rows) -> str:
    lines = []
    for kind, always, columns in TABLES:
        chosen = [r for r in rows if r["kind"] == kind]
        if not (chosen or always):
            continue
        lines += [""] if lines else []
        lines += ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(str(r[k]) for _, k in columns) + " |" for r in chosen]
    s = summary(rows)
    if s:
        lines += ["", f"default / naive: {s.get('default_x_naive')}x (target >= 20x); "
                      f"constraint: {100 * s.get('constraint_slowdown', 0):+.1f}% time against "
                      "--no-constrain (target <= +10%)"]
    return "\n".join(lines) + "\n"

"""Decoding and training speed, side by side in one run (what is measured: ``brain.bench.speed``).

    python -m brain.bench                       # shipped model, 256 test prompts, training too
    python -m brain.bench --quick               # 16 prompts, 8 training steps: a smoke test
    python -m brain.bench --no-train --n 64 --json out.json

Prompts and the training corpus come from ``--corpora`` (default ``DATA_HOME/corpora``,
compiled there when missing). Prints markdown tables and writes the rows, with a summary of
the targets (default vs naive, constraint cost), to ``--json`` (default
``reports/bench.json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import torch

from brain.bench.speed import (
    decode_rows,
    prompts_from,
    startup_row,
    summary,
    table,
    train_rows,
)
from brain.cli import add_checkpoint_option, add_threads_option, setup_logging
from brain.generate.translate import InputError
from brain.train.data import DataError, ensure_corpora
from lcr.resources import checkpoint_dir, default_corpora

log = logging.getLogger("brain.bench")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m brain.bench",
                                 description=__doc__.split("\n")[0])
    add_checkpoint_option(ap)
    ap.add_argument("--corpora", default=None,
                    help="corpus directory (default DATA_HOME/corpora, compiled there if "
                         "missing)")
    ap.add_argument("--n", type=int, default=None,
                    help="prompts, the same for every mode (default 256; --quick 16)")
    ap.add_argument("--max-new-tokens", type=int, default=None,
                    help="per output (default: the model's positions, as brain.generate)")
    ap.add_argument("--train-steps", type=int, default=None,
                    help="phase-1 training steps per training mode (default 40; --quick 8)")
    ap.add_argument("--no-train", action="store_true", help="decoding only")
    ap.add_argument("--train-model", default=None,
                    help="brain.train --model overrides for the training rows")
    ap.add_argument("--quick", action="store_true",
                    help="few prompts and steps: checks the command, not the speed")
    add_threads_option(ap)
    ap.add_argument("--json", default="reports/bench.json",
                    help="write the rows here (default reports/bench.json)")
    args = ap.parse_args(argv)
    setup_logging()
    n = args.n or (16 if args.quick else 256)
    steps = args.train_steps or (8 if args.quick else 40)
    if n < 1 or steps < 1 or (args.max_new_tokens is not None and args.max_new_tokens < 1):
        ap.error("--n, --train-steps and --max-new-tokens must be at least 1")
    try:  # the report's folder, before any work
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"{args.json}: error: cannot write: {e.strerror}", file=sys.stderr)
        return 2
    if args.checkpoint is None:
        args.checkpoint = checkpoint_dir()
    from brain.model.checkpoint import CheckpointError, load

    torch.set_num_threads(args.threads)
    try:
        model, tok, _ = load(args.checkpoint)
    except CheckpointError as e:
        print(f"{args.checkpoint}: error: {e}", file=sys.stderr)
        return 2
    try:
        if args.corpora is None:  # the default location is compiled on demand
            args.corpora = str(default_corpora())
            ensure_corpora(Path(args.corpora))
        sources = prompts_from(Path(args.corpora), n)
        rows = decode_rows(model, tok, sources, args.max_new_tokens)
        rows.append(startup_row(Path(args.checkpoint), 1 if args.quick else 3))
        if not args.no_train:
            rows += train_rows(Path(args.corpora), steps, args.train_model)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    except RuntimeError as e:  # a training run failed: its command and error
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    sys.stdout.write(table(rows))
    report = {"command": "python -m brain.bench " + " ".join(argv if argv is not None
                                                            else sys.argv[1:]),
              "checkpoint": str(args.checkpoint), "threads": args.threads,
              "summary": summary(rows), "rows": rows}
    try:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        print(f"{args.json}: error: cannot write: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

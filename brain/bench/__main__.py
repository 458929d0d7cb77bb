"""Decoding speed, side by side in one run (what is measured: ``brain.bench.speed``).

    python -m brain.bench                             # shipped checkpoint, 256 test prompts
    python -m brain.bench --checkpoint DIR --n 64 --json out.json   # quicker

Prompts come from the corpora in ``--corpora`` (default ``DATA_HOME/corpora``, compiled
there when missing). Prints a markdown table; ``--json`` also writes the rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from brain.bench.speed import bench, prompts_from, table
from brain.cli import add_checkpoint_option, add_threads_option, setup_logging
from brain.generate.translate import InputError
from brain.train.data import DataError, ensure_corpora
from lcr.resources import checkpoint_dir, default_corpora


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m brain.bench",
                                 description=__doc__.split("\n")[0])
    add_checkpoint_option(ap)
    ap.add_argument("--corpora", default=None,
                    help="corpus directory (default DATA_HOME/corpora, compiled there if "
                         "missing)")
    ap.add_argument("--n", type=int, default=256,
                    help="prompts, the same for every mode (256: one full batch of 256)")
    ap.add_argument("--max-new-tokens", type=int, default=400)
    add_threads_option(ap)
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args(argv)
    setup_logging()
    if args.checkpoint is None:
        args.checkpoint = checkpoint_dir()
    from brain.model.checkpoint import CheckpointError, load

    if args.n < 1 or args.max_new_tokens < 1:
        ap.error("--n and --max-new-tokens must be at least 1")
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
        sources = prompts_from(Path(args.corpora), args.n)
        rows = bench(model, tok, sources, args.max_new_tokens)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    sys.stdout.write(table(rows))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Held-out evaluation of a checkpoint: per phase, task and operation, beside a baseline.

    python -m brain.evaluate                          # test split -> DATA_HOME/reports/
    python -m brain.evaluate --split gen --json reports/gen.json --report reports/gen.md
    python -m brain.evaluate --checkpoint DIR --split val --limit 50

Defaults: the shipped model, and the corpora in ``DATA_HOME/corpora`` (compiled there when
missing; DATA_HOME is ``$HLXL_BRAIN_HOME``, else ``~/.local/share/hlxl-brain``). What is
scored and how: ``brain.evaluate.heldout``. Writes the results as JSON and a markdown
report; prints one summary line per phase and task.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from brain.cli import add_checkpoint_option, add_device_option, add_threads_option, setup_logging
from brain.evaluate.heldout import corpus_warning, evaluate, load_records, markdown, summarise
from brain.generate.translate import DEFAULT_BEAM
from brain.threads import intra_op
from lcr.resources import checkpoint_dir, data_home, default_corpora

log = logging.getLogger("brain.evaluate")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m brain.evaluate",
                                 description=__doc__.split("\n")[0])
    add_checkpoint_option(ap)
    add_device_option(ap, help="auto (default): CUDA when present, else CPU")
    ap.add_argument("--split", choices=("test", "gen", "val"), default="test")
    ap.add_argument("--corpora", default=None,
                    help="corpus directory (default DATA_HOME/corpora, compiled there if "
                         "missing)")
    ap.add_argument("--json", help="results file (default DATA_HOME/reports/eval_SPLIT.json)")
    ap.add_argument("--report", help="markdown report (default: the JSON path, .md)")
    ap.add_argument("--limit", type=int, help="at most N records per phase and task")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--beam", type=int, default=DEFAULT_BEAM,
                    help=f"beam width of the main outputs (default {DEFAULT_BEAM}; 1 = greedy)")
    ap.add_argument("--no-segment", action="store_true",
                    help="decode English programs whole, not clause by clause")
    add_threads_option(ap)
    args = ap.parse_args(argv)
    setup_logging()
    if args.checkpoint is None:
        args.checkpoint = checkpoint_dir()
    if min(args.beam, args.batch_size, args.threads) < 1:
        ap.error("--beam, --batch-size and --threads must be at least 1")
    from brain.model.checkpoint import CheckpointError, load

    out = Path(args.json) if args.json else data_home() / "reports" / f"eval_{args.split}.json"
    report = Path(args.report) if args.report else out.with_suffix(".md")
    try:
        if args.corpora is None:  # the default location is compiled on demand
            args.corpora = str(default_corpora())
            from brain.train.data import ensure_corpora  # may compile: only here

            ensure_corpora(Path(args.corpora))
        held, train = load_records(Path(args.corpora), args.split)
        model, tok, config = load(args.checkpoint, device=args.device)
        corpus_warning(config)
        with intra_op(args.threads):
            results = evaluate(model, tok, held, train, batch_size=args.batch_size,
                               limit=args.limit, beam=args.beam, segment=not args.no_segment)
    except (CheckpointError, FileNotFoundError, ValueError, KeyError) as e:
        log.error(f"error: {e}")
        return 2
    meta = {"split": args.split, "checkpoint": str(args.checkpoint),
            "corpora": args.corpora, "limit": args.limit, "beam": args.beam,
            "segment": not args.no_segment}
    summary = summarise(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, **summary, "results": results},
                              ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown(summary, results, meta), encoding="utf-8")
    for row in summary["by_task"]:
        shown = ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("phase", "task"))
        print(f"phase {row['phase']} {row['task']}: {shown}")
    print(f"wrote {out} and {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Evaluate a checkpoint: on the corpus's held-out split, or on a file of English requests.

    python -m brain.evaluate --file eval/independent.jsonl   # by group and style -> reports
    python -m brain.evaluate                          # test split -> DATA_HOME/reports/
    python -m brain.evaluate --split gen --json reports/gen.json --report reports/gen.md
    python -m brain.evaluate --checkpoint DIR --split val --limit 50

``--file PATH``: JSON Lines ``{"en", "lcr", "group", "style"}``; every ``en`` translated as
``python -m brain.generate --input`` does by default, scored and tabulated overall, by group
and by style, with accuracy against coverage at the output score and the worst misses
(``brain.evaluate.independent``); it reads no corpus and no template. Otherwise the held-out
split of the corpora in ``DATA_HOME/corpora`` (compiled there when missing; DATA_HOME is
``$HLXL_BRAIN_HOME``, else ``~/.local/share/hlxl-brain``), per phase, task and operation
beside a baseline (``brain.evaluate.heldout``).

Defaults: the shipped model; the JSON results in ``DATA_HOME/reports/eval_NAME.json``
(NAME: the split, or the file's stem), the markdown report beside it (``.md``). Both paths
are checked before any work starts. Ctrl-C writes what was scored so far (marked
``interrupted``) and exits 130. Exit status: 0 ok, 1 some line of ``--file`` could not be
translated (scored as a miss), 2 usage or I/O error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from brain.cli import add_checkpoint_option, add_device_option, add_threads_option, setup_logging
from brain.generate.translate import DEFAULT_BATCH_SIZE, DEFAULT_BEAM
from brain.threads import intra_op
from lcr.io import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, cli, unwritable
from lcr.resources import checkpoint_dir, data_home

log = logging.getLogger("brain.evaluate")


def arguments() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m brain.evaluate",
                                 description=__doc__.split("\n")[0])
    add_checkpoint_option(ap)
    add_device_option(ap, help="auto (default): CUDA when present, else CPU")
    ap.add_argument("--file", help="JSON Lines of {en, lcr, group, style} to score instead "
                                   "of a corpus split (e.g. eval/independent.jsonl)")
    ap.add_argument("--split", choices=("test", "gen", "val"), default=None,
                    help="held-out split of the corpora (default test)")
    ap.add_argument("--corpora", default=None,
                    help="corpus directory (default DATA_HOME/corpora, compiled there if "
                         "missing)")
    ap.add_argument("--json", help="results file (default DATA_HOME/reports/eval_NAME.json)")
    ap.add_argument("--report", help="markdown report (default: the JSON path, .md)")
    ap.add_argument("--limit", type=int,
                    help="at most N records per phase and task (--file: the first N lines)")
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    ap.add_argument("--beam", type=int, default=DEFAULT_BEAM,
                    help=f"beam width of the main outputs (default {DEFAULT_BEAM}; 1 = greedy)")
    ap.add_argument("--no-segment", action="store_true",
                    help="decode English programs whole, not clause by clause")
    add_threads_option(ap)
    return ap


def _write(out: Path, report: Path, data: dict, md: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(md, encoding="utf-8")


def _on_file(args, out: Path, report: Path) -> int:
    """``--file``: translate, score, print the tables, write the reports."""
    from brain.evaluate.independent import (
        SetError,
        markdown,
        read_set,
        score_lines,
        summarise,
        text_report,
    )
    from brain.generate.translate import translate_chunks
    from brain.model.checkpoint import CheckpointError, load

    try:
        records = read_set(Path(args.file))
    except SetError as e:
        log.error(str(e))
        return EXIT_ERROR
    except (OSError, UnicodeDecodeError) as e:
        log.error(f"{args.file}: error: cannot read: {getattr(e, 'strerror', None) or e}")
        return EXIT_ERROR
    records = records[:args.limit] if args.limit else records
    try:
        model, tok, _ = load(args.checkpoint, device=args.device)
    except CheckpointError as e:
        log.error(f"{args.checkpoint}: error: {e}")
        return EXIT_ERROR
    meta = {"file": args.file, "checkpoint": str(args.checkpoint), "lines": len(records),
            "limit": args.limit, "beam": args.beam, "segment": not args.no_segment}
    results: list[dict] = []

    def save() -> dict:
        summary = summarise(results)
        _write(out, report, {"meta": meta, **summary, "results": results},
               markdown(summary, results, meta))
        return summary

    try:
        with intra_op(args.threads):
            for lines in translate_chunks(model, tok, [r["en"] for r in records], "en2lcr",
                                          chunk=args.batch_size, batch_size=args.batch_size,
                                          beam=args.beam, segment=not args.no_segment,
                                          scores=True):
                results += score_lines(records[len(results):len(results) + len(lines)], lines)
    except KeyboardInterrupt:
        meta["interrupted"] = True
        if results:
            save()
        print(f"interrupted: {len(results)} of {len(records)} lines scored"
              + (f"; wrote {out} and {report}" if results else ""), file=sys.stderr)
        return EXIT_INTERRUPTED
    summary = save()
    sys.stdout.write(text_report(summary))
    print(f"wrote {out} and {report}")
    for r in results:
        if "error" in r:
            log.error(f"{args.file}:{r['line']}: error: {r['error']}")
    return EXIT_INVALID if summary["overall"]["errors"] else EXIT_OK


def _on_split(args, out: Path, report: Path) -> int:
    """A held-out split of the corpora: per phase, task and operation."""
    from brain.evaluate.heldout import corpus_warning, evaluate_groups, load_records, markdown
    from brain.evaluate.heldout import summarise as summarise_split
    from brain.model.checkpoint import CheckpointError, load
    from lcr.resources import default_corpora

    meta = {"split": args.split, "checkpoint": str(args.checkpoint),
            "corpora": args.corpora, "limit": args.limit, "beam": args.beam,
            "segment": not args.no_segment}
    results: list[dict] = []
    try:
        if args.corpora is None:  # the default location is compiled on demand
            args.corpora = meta["corpora"] = str(default_corpora())
            from brain.train.data import ensure_corpora  # may compile: only here

            ensure_corpora(Path(args.corpora))
        held, train = load_records(Path(args.corpora), args.split)
        model, tok, config = load(args.checkpoint, device=args.device)
        corpus_warning(config)
        with intra_op(args.threads):
            for rows in evaluate_groups(model, tok, held, train, batch_size=args.batch_size,
                                        limit=args.limit, beam=args.beam,
                                        segment=not args.no_segment):
                results += rows
    except (CheckpointError, FileNotFoundError, ValueError, KeyError) as e:
        log.error(f"error: {e}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        meta["interrupted"] = True
        if results:
            summary = summarise_split(results)
            _write(out, report, {"meta": meta, **summary, "results": results},
                   markdown(summary, results, meta))
        print(f"interrupted: {len(results)} records scored"
              + (f"; wrote {out} and {report}" if results else ""), file=sys.stderr)
        return EXIT_INTERRUPTED
    summary = summarise_split(results)
    _write(out, report, {"meta": meta, **summary, "results": results},
           markdown(summary, results, meta))
    for row in summary["by_task"]:
        shown = ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("phase", "task"))
        print(f"phase {row['phase']} {row['task']}: {shown}")
    print(f"wrote {out} and {report}")
    return EXIT_OK


def main(argv=None) -> int:
    ap = arguments()
    args = ap.parse_args(argv)
    setup_logging()
    if args.checkpoint is None:
        args.checkpoint = checkpoint_dir()
    if min(args.beam, args.batch_size, args.threads, args.limit or 1) < 1:
        ap.error("--beam, --batch-size, --threads and --limit must be at least 1")
    if args.file is not None and (args.split is not None or args.corpora is not None):
        ap.error("--file scores a file of requests: it cannot go with --split or --corpora")
    name = Path(args.file).stem if args.file is not None else (args.split or "test")
    args.split = args.split or "test"
    out = Path(args.json) if args.json else data_home() / "reports" / f"eval_{name}.json"
    report = Path(args.report) if args.report else out.with_suffix(".md")
    for flag, path in (("--json", out), ("--report", report)):
        why = unwritable(path)
        if why:
            ap.error(f"{flag} {path}: {why}")
    if args.file is not None:
        return _on_file(args, out, report)
    return _on_split(args, out, report)


if __name__ == "__main__":
    cli(main)  # Ctrl-C while loading, a closed pipe: one line, no traceback

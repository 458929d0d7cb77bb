"""The corpus compiler: writes the four curriculum phases as JSONL.

    python -m lcr.compile --all                 # corpora/phase{1..4}.jsonl, .md, stats.json
    python -m lcr.compile --phase 2 --seed 7 --out /tmp/c --scale 0.1

Each ``phaseN.jsonl`` holds one flat JSON object per line (id, phase, split, task,
source, target, lcr, op, replay, frame, template, style, gen_rule, n_ops, lcr_chars);
``phaseN.md`` is a readable sample and ``stats.json`` the statistics. Every LC-R is built as
a value, printed canonically, parsed back and schema-checked; an invalid or ambiguous
example stops the compile with the frame, template and slot values that produced it. The
same seed gives byte-identical files; files are written to a temporary name and renamed,
so an interrupted compile never leaves a truncated corpus file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from lcr.corpus.build import PHASES, Progress, compile_phases
from lcr.corpus.records import CompileError
from lcr.corpus.stats import all_stats, sample_markdown


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n"
                   for r in records)


def run(phases: list[int], out: Path, seed: int, scale: float, progress: bool) -> dict:
    """Compile ``phases`` into ``out``; returns the statistics written to stats.json."""
    data, notes = compile_phases(max(phases), seed, scale, Progress(sys.stderr, progress))
    for p in phases:
        write_atomic(out / f"phase{p}.jsonl", jsonl(data[p]))
        write_atomic(out / f"phase{p}.md", sample_markdown(p, data[p], seed))
    stats = all_stats({p: data[p] for p in phases}, notes, seed, scale)
    write_atomic(out / "stats.json", json.dumps(stats, indent=1, ensure_ascii=False) + "\n")
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lcr.compile", description=__doc__.split("\n")[0])
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--phase", type=int, choices=sorted(PHASES), help="compile one phase")
    which.add_argument("--all", action="store_true", help="compile all four phases")
    ap.add_argument("--out", type=Path, default=Path("corpora"), help="output folder")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every phase's size (e.g. 0.1 for a quick corpus)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    phases = sorted(PHASES) if args.all else [args.phase]
    start = time.perf_counter()
    try:
        stats = run(phases, args.out, args.seed, args.scale, not args.quiet)
    except CompileError as err:
        print(f"lcr.compile: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"lcr.compile: error: cannot write {args.out}: {err.strerror}", file=sys.stderr)
        return 1
    for p, s in stats["phases"].items():
        print(f"phase {p}: {s['records']} records ({s['replay']} replay) "
              f"splits {s['by_split']} -> {args.out / f'phase{p}.jsonl'}")
    print(f"compiled in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

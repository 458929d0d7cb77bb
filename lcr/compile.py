"""The corpus compiler: writes the four curriculum phases as JSONL.

    python -m lcr.compile --all       # DATA_HOME/corpora/phase{1..4}.jsonl, .md, stats.json
    python -m lcr.compile --phase 2 --seed 7 --out /tmp/c --scale 0.1

Each ``phaseN.jsonl`` holds one flat JSON object per line (id, phase, split, task,
source, target, lcr, op, replay, frame, template, style, gen_rule, n_ops, lcr_chars);
``phaseN.md`` is a readable sample and ``stats.json`` the statistics. Every LC-R is built as
a value, printed canonically, parsed back and schema-checked; an invalid or ambiguous
example stops the compile with the frame, template and slot values that produced it. The
same seed gives byte-identical files. All output files are first written to temporary
names and renamed into place only after every phase has been built and every file written,
so an interrupted compile leaves the previous corpus (not a truncated file, nor a mix of
two compiles, except for a kill in the microseconds between the final renames).
``--phase N`` builds phases 1..N (later phases replay earlier ones), writes phase N's files
and updates ``stats.json``: phase N's entry is replaced, those of the other phases kept
when the existing file came from the same seed and scale (dropped otherwise, since they
would not describe this compile).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from lcr.corpus.build import FORMAT, PHASES, compile_phases
from lcr.corpus.records import CompileError
from lcr.corpus.stats import all_stats, sample_markdown, variety_table
from lcr.resources import default_corpora


def _write_temp(path: Path, text: str) -> str:
    """Write ``text`` to a new temporary file next to ``path``; returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_all(files: dict[Path, str]) -> None:
    """Write every ``path: text`` as one set: all texts go to temporary files in the target
    folders first, and only when every one is written are they renamed into place (in the
    order given). A failure or interruption while writing leaves the old files untouched
    and no temporary file behind. The one window left is the renames themselves (a few
    ``os.replace`` calls, microseconds): a kill between two of them leaves some files new
    and some old."""
    tmps: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            tmps.append((_write_temp(path, text), path))
        for tmp, path in tmps:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in tmps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    write_all({path: text})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def jsonl(records: list[dict]) -> str:
    """One JSON object a line; keys starting with ``_`` (compile-time notes) are left out."""
    return "".join(json.dumps({k: v for k, v in r.items() if not k.startswith("_")},
                              ensure_ascii=False, separators=(", ", ": ")) + "\n"
                   for r in records)


def _other_phases(stats_path: Path, seed: int, scale: float, skip) -> dict:
    """The per-phase entries of an existing ``stats.json`` for phases not in ``skip``, when
    it was written by a compile with the same seed and scale (else, or when it is missing
    or unreadable, none: its numbers would not describe this compile's files)."""
    try:
        old = json.loads(stats_path.read_text(encoding="utf-8"))
        if old.get("seed") != seed or old.get("scale") != scale or \
                old.get("format") != FORMAT:
            return {}
        return {p: s for p, s in old["phases"].items() if int(p) not in skip}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def run(phases: list[int], out: Path, seed: int, scale: float, progress: bool) -> dict:
    """Compile ``phases`` into ``out``; returns the statistics written to stats.json.

    The statistics describe the phase files in ``out``: those of ``phases`` are computed
    now; any other phase keeps its entry from the existing ``stats.json`` when that came
    from the same seed and scale (so ``--phase 2`` after ``--all`` keeps all four). Every
    file is written as one set (``write_all``)."""
    data, notes = compile_phases(max(phases), seed, scale, sys.stderr if progress else None)
    stats = all_stats({p: data[p] for p in phases}, notes, seed, scale)
    stats_path = out / "stats.json"
    stats["phases"].update(_other_phases(stats_path, seed, scale, phases))
    stats["phases"] = dict(sorted(stats["phases"].items(), key=lambda kv: int(kv[0])))
    files = {}
    for p in phases:
        files[out / f"phase{p}.jsonl"] = jsonl(data[p])
        files[out / f"phase{p}.md"] = sample_markdown(p, data[p], seed)
    files[stats_path] = json.dumps(stats, indent=1, ensure_ascii=False) + "\n"
    write_all(files)
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lcr.compile", description=__doc__.split("\n")[0])
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--phase", type=int, choices=sorted(PHASES), help="compile one phase")
    which.add_argument("--all", action="store_true", help="compile all four phases")
    ap.add_argument("--stats", action="store_true",
                    help="print the variety of the English (frames, verb phrases, fillers per "
                         "operation; word 3-grams per phase) as a table and as JSON; alone, "
                         "all four phases are compiled in memory and nothing is written")
    ap.add_argument("--out", type=Path, default=None,
                    help="output folder (default DATA_HOME/corpora; DATA_HOME is "
                         "$HLXL_BRAIN_HOME, else ~/.local/share/hlxl-brain)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every phase's size (e.g. 0.1 for a quick corpus)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    if args.out is None:
        args.out = default_corpora()
    if not (args.all or args.phase or args.stats):
        ap.error("one of the arguments --phase --all --stats is required")
    phases = [args.phase] if args.phase else sorted(PHASES)
    start = time.perf_counter()
    try:
        if not (args.all or args.phase):
            data, notes = compile_phases(max(PHASES), args.seed, args.scale,
                                         None if args.quiet else sys.stderr)
            stats = all_stats(data, notes, args.seed, args.scale)
            print(variety_table(stats))
            print(json.dumps({"packages": stats["packages"],
                              "fillers_available": stats["fillers_available"], "variety": {
                p: s["variety"] for p, s in stats["phases"].items()}}, indent=1))
            return 0
        stats = run(phases, args.out, args.seed, args.scale, not args.quiet)
    except CompileError as err:
        print(f"lcr.compile: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"lcr.compile: error: cannot write {args.out}: {err.strerror}", file=sys.stderr)
        return 1
    for p in phases:
        s = stats["phases"][str(p)]
        print(f"phase {p}: {s['records']} records ({s['replay']} replay) "
              f"splits {s['by_split']} -> {args.out / f'phase{p}.jsonl'}")
    if args.stats:
        print(variety_table(stats))
    print(f"compiled in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

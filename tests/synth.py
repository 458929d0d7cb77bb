"""Small synthetic corpora with the real record shape, for tests and benchmarks.

The real corpora come from ``python -m lcr.compile``; these stand-ins let the trainer be
tested in seconds without them. English is built from a few phrasings, LC-R is built as
values and printed canonically (never written by hand), and the target is fully
determined by the source, as in the real corpora.

    python tests/synth.py --out /tmp/corpora --n 300     # phase1..4.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from lcr import Handle, Int, Text, dumps, op

NAMES = ["users", "logs", "items", "orders", "files", "events", "scores", "reports"]
FILES = ["config.yaml", "data.csv", "notes.txt", "a.json", "out.log", "main.py"]
WORDS = ["error", "alpha", "todo", "fail", "ok", "timeout"]

# (English template, value builder); the slot values appear verbatim in the English.
PATTERNS = [
    ("read {f}", lambda r: op("read", Text(r["f"]))),
    ("please read the file {f}", lambda r: op("read", Text(r["f"]))),
    ("go to {n}", lambda r: op("navigate", Handle(r["n"]))),
    ("search {n} for {w}", lambda r: op("search", Handle(r["n"]), Text(r["w"]))),
    ("find {w} in the {n}", lambda r: op("search", Handle(r["n"]), Text(r["w"]))),
    ("filter the {n} where {m} > {k}",
     lambda r: op("filter", Handle(r["n"]), op("gt", Handle(r["m"]), Int(r["k"])))),
    ("write the {n} to {f}", lambda r: op("write", Text(r["f"]), Handle(r["n"]))),
]


def _slots(rng: random.Random) -> dict:
    return {"f": rng.choice(FILES), "n": rng.choice(NAMES), "w": rng.choice(WORDS),
            "m": rng.choice(NAMES), "k": rng.randrange(1000)}


def _example(rng: random.Random, steps: int) -> tuple[str, str]:
    """English and canonical LC-R of a pipeline of ``steps`` operations (1 = no pipeline)."""
    parts, values = [], []
    for _ in range(steps):
        template, build = rng.choice(PATTERNS)
        slots = _slots(rng)
        parts.append(template.format(**slots))
        values.append(build(slots))
    if steps == 1:
        return parts[0], dumps(values[0])
    return "then ".join(p + ", " for p in parts).rstrip(", "), dumps(op("pipeline", *values))


def records(phase: int, n: int, seed: int = 0, steps: tuple[int, int] = (1, 2)) -> list[dict]:
    """``n`` distinct-source records of one phase, 80/10/10 train/val/test by source."""
    rng = random.Random(f"synth:{seed}:{phase}")
    seen: set[str] = set()
    out = []
    for _ in range(n * 20):
        if len(out) >= n:
            break
        source, target = _example(rng, rng.randint(*steps))
        if source in seen or len(source) + len(target) > 1000:
            continue
        seen.add(source)
        i = len(out)
        split = "train" if i % 10 < 8 else ("val" if i % 10 == 8 else "test")
        task = "lcr2en" if phase == 4 and i % 5 == 4 else "en2lcr"
        src, tgt = (target, source) if task == "lcr2en" else (source, target)
        out.append({"id": f"p{phase}-{i:05d}", "phase": phase, "split": split, "task": task,
                    "source": src, "target": tgt, "lcr": target, "op": "synthetic",
                    "replay": False})
    return out


PHASE_STEPS = {1: (1, 1), 2: (1, 3), 3: (8, 12), 4: (1, 3)}


def write_corpora(out: Path, n: int, seed: int = 0) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for phase, steps in PHASE_STEPS.items():
        recs = records(phase, n, seed, steps)
        with open(out / f"phase{phase}.jsonl", "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python tests/synth.py", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=300, help="records per phase")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    write_corpora(args.out, args.n, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

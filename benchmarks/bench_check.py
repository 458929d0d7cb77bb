"""Benchmark the LC-R checker against Lark's bare LALR parse of the same file.

Generates a large file of varied, realistic values (operations from the catalogue with
nested predicates and pipelines, literal contracts, arrays, objects, escaped and Unicode
text, floats, bytes; one canonical value per line, deterministic given ``--seed``), then
times in one run (best of ``--repeat`` runs each, since machines are shared), over the
same lines read the same way (``lcr.io.read_values``):

  bare    Lark's LALR parser for grammar/lcr.lark, no transformer: builds a parse tree
  check   ``lcr.check.check_path``: parse to values + every invariant (order, keys,
          ranges, depth, size) -- what ``python -m lcr.check`` does
  schema  the same with ``--schema`` (registry and operation catalogue)

and prints values/s, MB/s (per CPU second) and the ratio check/bare (target >= 0.80). Last, it runs
``python -m lcr.check`` in a child process on an eighth of the file and on all of it and
prints each child's peak memory (``ru_maxrss``): bounded memory means the two are close.

    python benchmarks/bench_check.py                # ~20 MB
    python benchmarks/bench_check.py --mb 2 --no-memory
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lcr.check import check_path  # noqa: E402
from lcr.grammar import lalr  # noqa: E402
from lcr.io import read_values  # noqa: E402
from lcr.printer import dumps  # noqa: E402
from lcr.schema import catalogue  # noqa: E402
from lcr.values import (  # noqa: E402
    FALSE,
    NULL,
    TRUE,
    Array,
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Object,
    Text,
    op,
)

HANDLES = ["users", "logs", "items", "orders", "score", "age", "value", "median", "average",
           "results", "config", "h_input", "schema", "job", "ratio", "text", "uppercase"]
TEXTS = ["config.yaml", "/var/log/syslog", "data.csv", "*.py", "error", "timeout",
         "https://example.org/api?q=1", "SELECT * FROM t WHERE x > 3", "résumé.pdf",
         "日本語のテキスト", "say \"hi\"", "tab\tand\nnewline", "back\\slash", "emoji 😀",
         "glyphs 🜊🜁🜂 inside", ""]
KEYS = ["name", "id", "tags", "score", "when", "path", "opts", "limit", "_meta"]


class Generator:
    """Random realistic values; all choices come from one seeded ``random.Random``."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.ops = catalogue()

    def scalar(self):
        r = self.r
        return r.choice([
            lambda: NULL, lambda: TRUE, lambda: FALSE,
            lambda: Int(r.randint(-10**6, 10**6)),
            lambda: Int(r.randint(-(2**63), 2**63 - 1)),
            lambda: Float(round(r.uniform(-1e4, 1e4), r.randint(0, 6))),
            lambda: Float(r.choice([1e-10, 1e16, -0.0, 2.5e-7, 6.02e23])),
            lambda: Text(r.choice(TEXTS)),
            lambda: Bytes(r.randbytes(r.randint(0, 12))),
            lambda: Handle(r.choice(HANDLES)),
        ])()

    def arg(self, kinds, depth):
        r = self.r
        if depth >= 3 and len(kinds) > 1:
            kinds = [k for k in kinds if k != "op"]  # keep values a few levels deep
        kind = r.choice(kinds)
        if kind == "op":
            if depth >= 3:
                return op("read", Text(r.choice(TEXTS)))  # a leaf operation
            return self.operation(depth + 1)
        table = {
            "contract": self.literal,
            "handle": lambda: Handle(r.choice(HANDLES)),
            "text": lambda: Text(r.choice(TEXTS)),
            "int": lambda: Int(r.randint(0, 1000)),
            "float": lambda: Float(round(r.uniform(0, 100), 2)),
            "number": lambda: Int(r.randint(-50, 50)),
            "bool": lambda: r.choice([TRUE, FALSE]),
            "null": lambda: NULL,
            "array": lambda: self.array(depth + 1),
            "object": lambda: self.object(depth + 1),
        }
        return table.get(kind, self.scalar)()

    def operation(self, depth=0):
        name = self.r.choice(list(self.ops))
        specs = self.ops[name]["args"]
        args = [self.arg(s["kinds"], depth) for s in specs if not s.get("optional")
                or self.r.random() < 0.5]
        if specs and specs[-1].get("variadic"):
            need = max(specs[-1].get("min", 0), 1) + self.r.randint(0, 2)
            args += [self.arg(specs[-1]["kinds"], depth) for _ in range(need - len(args) + 1)]
        return op(name, *args)

    def literal(self):
        r = self.r
        cid, make = r.choice([
            (14, lambda: Int(r.randint(-999, 999))), (15, lambda: Float(r.random())),
            (16, lambda: Text(r.choice(TEXTS))), (17, lambda: Bytes(r.randbytes(4))),
            (20, lambda: Handle(r.choice(HANDLES))), (22, lambda: r.choice([TRUE, FALSE])),
        ])
        return Contract(cid, [(i, make()) for i in range(r.randint(1, 4))])

    def array(self, depth=0):
        n = self.r.randint(0, 6)
        return Array(self.any(depth + 1) for _ in range(n))

    def object(self, depth=0):
        keys = self.r.sample(KEYS, self.r.randint(0, 5))
        return Object((k, self.any(depth + 1)) for k in keys)

    def any(self, depth=0):
        if depth > 3:
            return self.scalar()
        pick = self.r.random()
        if pick < 0.45:
            return self.operation(depth)
        if pick < 0.6:
            return self.literal()
        if pick < 0.7:
            return self.array(depth)
        if pick < 0.8:
            return self.object(depth)
        return self.scalar()


def generate(path: Path, megabytes: float, seed: int) -> tuple[int, int]:
    gen, size, count = Generator(seed), 0, 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        while size < megabytes * 1e6:
            line = dumps(gen.any()) + "\n"
            f.write(line)
            size += len(line.encode("utf-8"))
            count += 1
    return count, size


def best_time(run, repeat: int) -> tuple[int, float]:
    """(values, CPU seconds) of the fastest of ``repeat`` runs. CPU time of this process,
    not wall time, and the minimum: the machine is shared, and wall time measures the
    neighbours as much as the parser."""
    best = None
    for _ in range(repeat):
        start = time.process_time()
        n = run()
        secs = time.process_time() - start
        best = (n, secs) if best is None or secs < best[1] else best
    return best


def report(label: str, n: int, secs: float, size: int) -> None:
    print(f"{label:8} {n:9d} values  {secs:7.2f} CPU s  {n / secs:10.0f} values/s  "
          f"{size / secs / 1e6:6.2f} MB/s")


BARE = lalr("lcr")  # built once, outside the timings (the checker's parser is built at import)


def bare_parse(path: str) -> int:
    n = 0
    for _, text in read_values(path):
        BARE.parse(text)
        n += 1
    return n


def full_check(path: str, schema: bool) -> int:
    n = 0
    for result in check_path(path, schema=schema):
        if not result.ok:
            raise SystemExit(f"generated value failed the check: {result.render()}")
        n += 1
    return n


PEAK = """
import resource, sys, contextlib, os
sys.path.insert(0, sys.argv[2])
from lcr import check
with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
    status = check.main([sys.argv[1]])
print(status, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory(path: Path) -> tuple[int, int]:
    """Exit status and peak resident memory (KiB on Linux) of ``lcr.check`` on ``path``."""
    out = subprocess.run([sys.executable, "-c", PEAK, str(path), str(ROOT)],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mb", type=float, default=20.0, help="size of the generated file (MB)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=2, help="time each run this often, keep the best")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.lcr"
        count, size = generate(path, args.mb, args.seed)
        print(f"file: {count} values, {size / 1e6:.1f} MB (seed {args.seed})")
        runs = {
            "bare": lambda: bare_parse(str(path)),
            "check": lambda: full_check(str(path), False),
            "schema": lambda: full_check(str(path), True),
        }
        secs = {}
        for label, run in runs.items():
            n, secs[label] = best_time(run, args.repeat)
            report(label, n, secs[label], size)
        print(f"ratio check/bare  {secs['bare'] / secs['check']:.2f} (target >= 0.80)")
        print(f"ratio schema/bare {secs['bare'] / secs['schema']:.2f}")
        if not args.no_memory:
            part = Path(tmp) / "part.lcr"
            with path.open("rb") as src, part.open("wb") as dst:
                dst.writelines(line for i, line in enumerate(src) if i < count // 8)
            for label, f in (("1/8 file", part), ("whole", path)):
                status, kib = peak_memory(f)
                print(f"peak memory, lcr.check on {label:8} "
                      f"({f.stat().st_size / 1e6:5.1f} MB): {kib / 1024:6.1f} MiB "
                      f"(exit {status})")


if __name__ == "__main__":
    main()

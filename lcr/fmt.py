"""Print LC-R values in canonical form: ``python -m lcr.fmt [--pretty | --check] PATH...``

Reads values as ``lcr.check`` does (one per non-blank line; ``.jsonl`` field ``lcr`` or
``--field NAME``; ``-`` is standard input) and writes the canonical one-line form of each
valid value to standard output, one per line, in input order. Invalid values are reported
on standard error exactly as the checker reports them and make the exit status 1.

``--pretty`` writes the multi-line layout instead, values separated by a blank line (for
people; it parses back to the same values). ``--check`` writes no values: it prints
``PATH:LINE:COL: not canonical`` (COL is the first character that differs) for every
value whose line is not exactly its canonical form, and exits 1 if there was any.

Exit status: 0 all valid (and canonical, with ``--check``), 1 otherwise, 2 usage or I/O
error.

    python -m lcr.fmt messy.lcr > clean.lcr
    python -m lcr.fmt --check tests/fixtures/canonical.lcr
"""

from __future__ import annotations

import argparse
import os
import sys

from lcr.check import Result
from lcr.errors import LCRError
from lcr.io import EXIT_ERROR, EXIT_INVALID, EXIT_OK, InputError, cli, display, read_values
from lcr.parser import parse
from lcr.printer import dumps, pretty


def first_difference(a: str, b: str) -> int:
    """1-based column of the first character where ``a`` and ``b`` differ."""
    return len(os.path.commonprefix([a, b])) + 1


def arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m lcr.fmt",
        description="Print each LC-R value in canonical form, one per line, in input order.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a file, or - for standard input")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--pretty", action="store_true",
                      help="multi-line layout, values separated by a blank line")
    mode.add_argument("--check", action="store_true",
                      help="print nothing but the values that are not canonical; exit 1 if any")
    p.add_argument("--field", metavar="NAME",
                   help="read JSON Lines and format this field of each record (default: lcr)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    out = sys.stdout
    failed = io_failed = False
    first = True
    for path in args.paths:
        name = display(path)
        try:
            for line, text in read_values(path, args.field):
                try:
                    if isinstance(text, LCRError):
                        raise text
                    value = parse(text)
                except LCRError as err:
                    out.flush()
                    print(Result(name, line, err.column, err).render(), file=sys.stderr)
                    failed = True
                    continue
                canonical = dumps(value)
                if args.check:
                    if text != canonical:
                        col = first_difference(text, canonical)
                        out.write(f"{name}:{line}:{col}: not canonical\n")
                        failed = True
                elif args.pretty:
                    out.write(("" if first else "\n") + pretty(value) + "\n")
                else:
                    out.write(canonical + "\n")
                first = False
        except InputError as err:
            out.flush()
            print(err, file=sys.stderr)
            io_failed = True
    return EXIT_ERROR if io_failed else EXIT_INVALID if failed else EXIT_OK


if __name__ == "__main__":
    cli(main)

"""Check files of LC-R values: ``python -m lcr.check [--schema] [--json] [--field NAME] PATH...``

Text files hold one value per non-blank line (a value is one line: that is what lets a
1 GB file stream in bounded memory and gives every value its own line number); ``.jsonl``
files hold the value in field ``lcr`` of each record (``--field NAME`` picks another field
and reads every path, stdin included, as JSON Lines). ``-`` reads standard input.

For each invalid value it prints ``PATH:LINE:COL: CODE message``, the offending line and a
caret, and ends with ``N checked, V valid, I invalid``. ``--json`` prints instead one JSON
object per checked value: ``{"path", "line", "col", "ok", "code", "message"}``. ``--schema``
also checks the contract registry and the operation catalogue (``E_SCHEMA``).

Exit status: 0 all valid, 1 some invalid, 2 usage or I/O error (missing file, bytes that
are not UTF-8 -- reported with their byte offset). Other paths are still checked after an
I/O error.

    python -m lcr.check tests/fixtures/canonical.lcr
    python -m lcr.check --schema --json corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import NamedTuple

from lcr.errors import LCRError
from lcr.io import EXIT_ERROR, EXIT_INVALID, EXIT_OK, InputError, cli, display, read_values, summary
from lcr.parser import parse
from lcr.schema import check_schema
from lcr.values import Value

_WS = " \t\r\n"


class Result(NamedTuple):
    """The verdict on one value: where it is in its file, and its error (None when ok).
    A named tuple because one is made per value and the checker is benchmarked."""

    path: str
    line: int
    col: int
    error: LCRError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_json(self) -> str:
        err = self.error
        return json.dumps(
            {
                "path": self.path,
                "line": self.line,
                "col": self.col,
                "ok": err is None,
                "code": err.code if err else None,
                "message": message(err) if err else None,
            },
            ensure_ascii=False,
        )

    def render(self) -> str:
        """``PATH:LINE:COL: CODE message``, then the offending line and a caret."""
        head = f"{self.path}:{self.line}:{self.col}: {self.error.code} {message(self.error)}"
        caret = self.error.caret()
        return f"{head}\n{caret}" if caret else head


def message(err: LCRError) -> str:
    # A JSONL field may hold a multi-line (pretty) value: LINE is the record's line, so
    # say which line of the value the column belongs to.
    return err.message if err.line == 1 else f"{err.message} (line {err.line} of the value)"


def validate(text: str, schema: bool = False) -> Value:
    """Parse ``text`` and, with ``schema``, check it against the registry. Raises LCRError."""
    value = parse(text)
    if schema:
        check_schema(value, text)
    return value


def check_path(path: str, field: str | None = None, schema: bool = False) -> Iterator[Result]:
    """A Result per value of ``path``, in file order. Raises InputError (exit 2)."""
    name = display(path)
    for line, text in read_values(path, field):
        if isinstance(text, LCRError):
            yield Result(name, line, text.column, text)
            continue
        try:
            validate(text, schema)
        except LCRError as err:
            yield Result(name, line, err.column, err)
        else:
            yield Result(name, line, len(text) - len(text.lstrip(_WS)) + 1)


def arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m lcr.check",
        description="Check LC-R values: one per non-blank line, or field 'lcr' of .jsonl records.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a file, or - for standard input")
    p.add_argument("--schema", action="store_true",
                   help="also check the contract registry and the operation catalogue")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per checked value instead of the report")
    p.add_argument("--field", metavar="NAME",
                   help="read JSON Lines and check this field of each record (default: lcr)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    out = sys.stdout
    checked = invalid = 0
    io_failed = False
    for path in args.paths:
        try:
            for result in check_path(path, args.field, args.schema):
                checked += 1
                invalid += not result.ok
                if args.json:
                    out.write(result.as_json() + "\n")
                elif not result.ok:
                    out.write(result.render() + "\n")
        except InputError as err:
            out.flush()
            print(err, file=sys.stderr)
            io_failed = True
    if not args.json:
        out.write(summary(checked, checked - invalid, invalid) + "\n")
    return EXIT_ERROR if io_failed else EXIT_INVALID if invalid else EXIT_OK


if __name__ == "__main__":
    cli(main)

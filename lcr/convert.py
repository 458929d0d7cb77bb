"""Convert values between the tracks: ``python -m lcr.convert --to TRACK [--from TRACK] PATH``

The tracks are ``lcr`` (glyphs), ``hlxl`` (ASCII) and ``lcb`` (binary, as lowercase hex).
One value per non-blank input line, one canonical value per output line on standard
output; ``-`` reads standard input, and a ``.jsonl`` path (or ``--field NAME``) reads the
value from a field of each record, as ``lcr.check`` does.

Without ``--from`` each line's track is detected from the line alone (``detect``):

1. LC-B when the line (without surrounding whitespace) is hex digits only, of even length,
   and its first byte is an LC-B tag (``00``...``0d``);
2. otherwise HLXL when it starts with one of ``n t f b & { [`` (null, true, false, bytes,
   a handle, a contract or object, an array);
3. otherwise LC-R.

No valid line is misread by this rule: a valid LC-R or HLXL value that is all hex digits
is a number such as ``10``, ``2024`` or ``0e12``, and those never start with the byte of
a tag (``0`` alone has odd length, ``0`` followed by a digit is not a number, ``0e...`` is
byte ``0e``, not a tag); numbers and text strings, the values that are spelled alike in
LC-R and HLXL, mean the same value in both, so reading them as LC-R is exact.

Invalid values are reported on standard error in ``lcr.check``'s format
(``PATH:LINE:COL: CODE message``, the line, a caret), give no output line, and the run
carries on. Exit status: 0 all converted, 1 some invalid, 2 usage or I/O error.

    python -m lcr.convert --to hlxl tests/fixtures/canonical.lcr
    echo '[1, "a", &h_b]' | python -m lcr.convert --to lcb -
"""

from __future__ import annotations

import argparse
import re
import sys

from lcr.check import Result
from lcr.errors import LCRError
from lcr.hlxl import dumps_hlxl, parse_hlxl
from lcr.io import EXIT_ERROR, EXIT_INVALID, EXIT_OK, InputError, cli, display, read_values, summary
from lcr.lcb import OBJECT_END, dumps_lcb, parse_lcb
from lcr.parser import parse
from lcr.printer import dumps

# Each track as (parse one text, print one value canonically).
TRACKS = {
    "lcr": (parse, dumps),
    "hlxl": (parse_hlxl, dumps_hlxl),
    "lcb": (parse_lcb, dumps_lcb),
}

_WS = " \t\r\n"
_HEX_PAIRS = re.compile(r"(?:[0-9a-fA-F]{2})+")
_HLXL_START = frozenset("ntfb&{[")


def detect(text: str) -> str:
    """The track of one value's text (see the module doc for the rule and why it is safe)."""
    body = text.strip(_WS)
    if _HEX_PAIRS.fullmatch(body) and int(body[:2], 16) <= OBJECT_END:
        return "lcb"
    if body[:1] in _HLXL_START:
        return "hlxl"
    return "lcr"


def convert(text: str, to: str, source: str | None = None) -> str:
    """``text`` (in track ``source``, detected when None) printed in track ``to``.
    Raises ``LCRError`` for an invalid value."""
    parse_text = TRACKS[source or detect(text)][0]
    return TRACKS[to][1](parse_text(text))


def arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m lcr.convert",
        description="Convert HLX values between LC-R, HLXL and LC-B (hex), one per line.",
    )
    p.add_argument("path", metavar="PATH", help="a file, or - for standard input")
    p.add_argument("--to", required=True, choices=TRACKS, help="the output track")
    p.add_argument("--from", dest="source", choices=TRACKS,
                   help="the input track (default: detected line by line)")
    p.add_argument("--field", metavar="NAME",
                   help="read JSON Lines and convert this field of each record (default: lcr)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    name = display(args.path)
    checked = invalid = 0
    try:
        for line, text in read_values(args.path, args.field):
            checked += 1
            try:
                if isinstance(text, LCRError):
                    raise text
                out.write(convert(text, args.to, args.source) + "\n")
            except LCRError as e:
                invalid += 1
                out.flush()
                err.write(Result(name, line, e.column, e).render() + "\n")
    except InputError as e:
        out.flush()
        print(e, file=err)
        return EXIT_ERROR
    if invalid:
        err.write(summary(checked, checked - invalid, invalid) + "\n")
    return EXIT_INVALID if invalid else EXIT_OK


if __name__ == "__main__":
    cli(main)

"""``lcr COMMAND [ARGS]`` (or ``python -m lcr COMMAND``): check, fmt, convert and compile;
each runs the ``main(argv)`` of ``python -m lcr.COMMAND`` with the rest of the arguments.

    echo '⟁a' | lcr check -
    lcr compile --phase 2 --out /tmp/c --scale 0.1
"""

from __future__ import annotations

import importlib
import sys

from lcr.io import cli, dispatch

COMMANDS = {
    "check": "validate LC-R (exit 1 when invalid)",
    "fmt": "print LC-R canonically",
    "convert": "convert between LC-R, LC-B and HLXL",
    "compile": "compile the training corpora",
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    return dispatch("lcr", COMMANDS, argv,
                    lambda command, rest: importlib.import_module(f"lcr.{command}").main(rest))


def console() -> None:
    """The console script: ``main`` with the usual early ends (Ctrl-C, a closed pipe, an
    I/O error) as one line and their exit status instead of a traceback."""
    cli(main)


if __name__ == "__main__":
    console()

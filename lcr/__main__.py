"""``lcr COMMAND [ARGS]`` (or ``python -m lcr COMMAND``): check, fmt, convert and compile;
each runs the ``main(argv)`` of ``python -m lcr.COMMAND`` with the rest of the arguments.

    echo '⟁a' | lcr check -
    lcr compile --phase 2 --out /tmp/c --scale 0.1
"""

from __future__ import annotations

import importlib
import sys

from lcr.io import cli

COMMANDS = {
    "check": "validate LC-R (exit 1 when invalid)",
    "fmt": "print LC-R canonically",
    "convert": "convert between LC-R, LC-B and HLXL",
    "compile": "compile the training corpora",
}


def usage() -> str:
    lines = ["usage: lcr COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:10s} {what}" for name, what in COMMANDS.items()]
    lines += ["", "lcr COMMAND --help shows a command's options."]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"lcr: error: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    return importlib.import_module(f"lcr.{command}").main(rest)


def console() -> None:
    """The console script: ``main`` with the usual early ends (Ctrl-C, a closed pipe, an
    I/O error) as one line and their exit status instead of a traceback."""
    cli(main)


if __name__ == "__main__":
    console()

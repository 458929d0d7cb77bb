"""``hlxl-brain COMMAND [ARGS]`` (or ``python -m brain COMMAND``): one entry point for the
commands train, generate, evaluate, bench and merge; each runs the ``main(argv)`` of
``python -m brain.COMMAND`` with the rest of the arguments.

    hlxl-brain generate "read config.yaml"
    hlxl-brain train --help
"""

from __future__ import annotations

import importlib
import sys

from lcr.io import cli, dispatch

COMMANDS = {
    "train": "train the curriculum (phases 1-4)",
    "generate": "translate texts with a checkpoint",
    "evaluate": "held-out evaluation of a checkpoint",
    "bench": "decoding speed",
    "merge": "interpolate the weights of two checkpoints",
}


def _run(command: str, rest: list[str]) -> int:
    # The command's own CLI module, loaded by name: the dispatcher is a CLI of its own.
    cli_module = importlib.import_module(f"brain.{command}.__main__")
    sys.argv[0] = f"hlxl-brain {command}"
    return cli_module.main(rest)


def main(argv=None) -> int:
    return dispatch("hlxl-brain", COMMANDS, sys.argv[1:] if argv is None else list(argv), _run)


def console() -> None:
    """The console script: ``main`` with the usual early ends (Ctrl-C, a closed pipe, an
    I/O error) as one line and their exit status instead of a traceback."""
    cli(main)


if __name__ == "__main__":
    console()

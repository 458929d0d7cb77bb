"""Command-line option helpers shared by the ``__main__`` modules of ``brain`` (and only
imported by them): ``--device``, ``--threads``, ``--checkpoint`` and a usage-error exit.

    ap = argparse.ArgumentParser(prog="python -m brain.generate")
    add_device_option(ap, help="auto (default): CUDA when present, else CPU")
    add_threads_option(ap)
"""

from __future__ import annotations

import argparse
import logging
import sys

from brain.threads import DECODE_THREADS

DEVICES = ("auto", "cpu", "cuda")  # the --device choices of train, generate and evaluate


def device_arg(choice: str) -> str:
    """argparse ``type`` of ``--device``: the torch device for a choice (``auto``: CUDA when
    present, else CPU); asking for CUDA where there is none is a usage error."""
    if choice not in DEVICES:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(DEVICES)}, not {choice!r}")
    import torch  # here, so that --help does not wait for torch

    cuda = torch.cuda.is_available()
    if choice == "cuda" and not cuda:
        raise argparse.ArgumentTypeError("cuda: no CUDA device here")
    return ("cuda" if cuda else "cpu") if choice == "auto" else choice


def add_device_option(ap: argparse.ArgumentParser, help: str) -> None:
    """``--device auto|cpu|cuda`` (default auto), parsed to a torch device by ``device_arg``."""
    ap.add_argument("--device", type=device_arg, default="auto",
                    metavar="{" + ",".join(DEVICES) + "}", help=help)


def add_threads_option(ap: argparse.ArgumentParser) -> None:
    """``--threads N`` (default ``DECODE_THREADS``) for the decoding CLIs."""
    ap.add_argument("--threads", type=int, default=DECODE_THREADS,
                    help=f"torch CPU threads (default {DECODE_THREADS}: faster than 2 for this "
                         "model's small steps, brain.threads)")


def add_checkpoint_option(ap: argparse.ArgumentParser) -> None:
    """``--checkpoint DIR`` (default: the model shipped with the package)."""
    ap.add_argument("--checkpoint", default=None,
                    help="checkpoint directory (default: the shipped model)")


class _Stderr(logging.StreamHandler):
    """A handler that writes to whatever ``sys.stderr`` is when a record comes (a test's
    capture, a redirected stream), not the one there was when logging was set up."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def setup_logging(level: int = logging.INFO) -> None:
    """Diagnostics of ``brain`` and ``lcr`` as plain lines on stderr (once per process)."""
    for name in ("brain", "lcr"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, _Stderr) for h in logger.handlers):
            handler = _Stderr()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)

"""Weight interpolation of two checkpoints (the method and its measurements:
``brain.train.merge``).

    python -m brain.merge PREVIOUS TUNED --keep 0.1 --out DIR

writes ``keep * PREVIOUS + (1 - keep) * TUNED`` as a checkpoint in DIR.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from brain.model import checkpoint
from brain.train.merge import merge


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m brain.merge",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("previous", type=Path, help="the checkpoint the tuned one started from")
    ap.add_argument("tuned", type=Path, help="the fine-tuned checkpoint")
    ap.add_argument("--keep", type=float, required=True,
                    help="share of the previous model's weights, 0-1")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    try:
        merge(args.previous, args.tuned, args.keep, args.out)
    except (ValueError, checkpoint.CheckpointError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({args.keep} x {args.previous} + {1 - args.keep:g} x {args.tuned})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

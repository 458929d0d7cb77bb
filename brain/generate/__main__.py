"""Translate with a trained checkpoint: one output line per input line, in input order.

    python -m brain.generate "read config.yaml" "go to the home folder"
    python -m brain.generate --input sentences.txt --batch-size 64 > out.lcr
    python -m brain.generate --task lcr2en --input programs.lcr
    python -m brain.generate --json "read config.yaml"   # {"input", "output", "score"} lines
    python -m brain.generate --no-constrain "..."    # raw model output, may be invalid
    python -m brain.generate --strict "..."          # follow the operation catalogue too
    python -m brain.generate --no-ground "..."       # slot values need not come from the input
    python -m brain.generate --beam 1 "..."          # greedy: faster, less accurate
    python -m brain.generate --no-segment "..."      # decode programs whole

Defaults: the model shipped with the package (``--checkpoint DIR`` for another; a run folder
with a ``final/`` inside works too) and task ``en2lcr``. Decoding is that of
``brain.generate.translate.translate`` (grammar constraint, grounding, beam 4, programs
clause by clause; the flags above turn each off). ``--json`` adds a score per output: the
model's confidence, exp of the mean per-token log-probability of the output
(``brain.generate.score``).
Bad input (an empty line, a character the model has no token for, a line longer than the
model's positions) is reported as ``WHERE: error: ...`` for every bad line, exit status 2,
and nothing is generated.
"""

from __future__ import annotations

import argparse
import json
import sys

from brain.cli import add_checkpoint_option, add_device_option, add_threads_option
from brain.generate.translate import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BEAM,
    DEFAULT_TASK,
    InputError,
    encode_all,
    translate,
)
from brain.threads import intra_op
from lcr.resources import checkpoint_dir


def _read_inputs(args) -> tuple[list[str], list[str]]:
    if args.input is not None:
        name = "<stdin>" if args.input == "-" else args.input
        try:
            if args.input == "-":
                text = sys.stdin.read()
            else:
                with open(args.input, encoding="utf-8") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError([(name, f"cannot read: {e}")]) from None
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the final newline ends the last line; it is not an empty line
        return [ln.rstrip("\r") for ln in lines], [f"{name}:{i + 1}" for i in range(len(lines))]
    return list(args.text), [f"argument {i + 1}" for i in range(len(args.text))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m brain.generate", description=__doc__.split(
        "\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("text", nargs="*", help="texts to translate (or use --input)")
    add_checkpoint_option(ap)
    add_device_option(ap, help="auto (default): CUDA when present, else CPU")
    ap.add_argument("--task", default=DEFAULT_TASK)
    ap.add_argument("--input", help="file with one input per line ('-' for stdin)")
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    ap.add_argument("--max-new-tokens", type=int, default=None)
    ap.add_argument("--beam", type=int, default=DEFAULT_BEAM,
                    help=f"beam width (default {DEFAULT_BEAM}; 1 = greedy)")
    ap.add_argument("--no-constrain", action="store_true", help="no grammar constraint")
    ap.add_argument("--strict", action="store_true", help="constrain by the catalogue too")
    ap.add_argument("--no-ground", action="store_true",
                    help="let handles, numbers and texts differ from the input (en2lcr, fix, "
                         "hlxl2lcr, lcr2lcb, lcr2hlxl)")
    ap.add_argument("--no-segment", action="store_true",
                    help="decode programs whole, not clause by clause (en2lcr)")
    ap.add_argument("--json", action="store_true",
                    help="one JSON object per line: input, output and score (the model's "
                         "confidence in [0, 1], brain.generate.score)")
    add_threads_option(ap)
    args = ap.parse_args(argv)
    if args.checkpoint is None:
        args.checkpoint = checkpoint_dir()
    if args.input is not None and args.text:
        ap.error("give texts as arguments or --input, not both")
    if min(args.batch_size, args.beam, args.max_new_tokens or 1, args.threads) < 1:
        ap.error("--batch-size, --beam, --max-new-tokens and --threads must be at least 1")
    from brain.generate.score import confidence
    from brain.model.checkpoint import CheckpointError, load

    try:
        sources, where = _read_inputs(args)
        if not sources:
            raise InputError([("input", "nothing to translate: give texts or --input FILE")])
        model, tok, _ = load(args.checkpoint, device=args.device)
        if args.task not in tok.tasks:
            raise InputError([("--task", f"unknown task {args.task!r}; this checkpoint knows "
                                         f"{', '.join(tok.tasks)}")])
        with intra_op(args.threads):
            outs = translate(model, tok, sources, args.task, constrain=not args.no_constrain,
                             strict=args.strict, ground=not args.no_ground,
                             batch_size=args.batch_size, beam=args.beam,
                             max_new_tokens=args.max_new_tokens, where=where,
                             segment=not args.no_segment)
            if args.json:
                prompts = encode_all(tok, args.task, sources, model.config.block_size, where)
                scores = confidence(model, tok, prompts, outs)
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    except CheckpointError as e:
        print(f"{args.checkpoint}: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.write("".join(json.dumps({"input": s, "output": o, "score": round(c, 6)},
                                            ensure_ascii=False) + "\n"
                                 for s, o, c in zip(sources, outs, scores, strict=True)))
    else:
        sys.stdout.write("".join(o + "\n" for o in outs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

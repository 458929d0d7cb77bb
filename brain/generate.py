"""Translate with a trained checkpoint: one output line per input line, in input order.

    python -m brain.generate "read config.yaml" "go to the home folder"
    python -m brain.generate --input sentences.txt --batch-size 64 > out.lcr
    python -m brain.generate --task lcr2en --input programs.lcr
    python -m brain.generate --no-constrain "..."    # raw model output, may be invalid
    python -m brain.generate --strict "..."          # follow the operation catalogue too
    python -m brain.generate --no-ground "..."       # slot values need not come from the input
    python -m brain.generate --beam 1 "..."          # greedy: faster, less accurate
    python -m brain.generate --no-segment "..."      # decode programs whole

Defaults: the checkpoint in ``checkpoints/`` (``checkpoints/final`` works too) and task
``en2lcr``. For tasks whose output is LC-R the decoder is grammar-constrained unless
``--no-constrain`` (see ``brain.constraint``), and for ``en2lcr``, ``hlxl2lcr`` and
``fix`` handles, keys, numbers, texts and bytes are spelled as in the input unless
``--no-ground`` (see ``brain.ground``). For ``lcr2lcb`` the decoder writes only LC-B that
decodes, and for ``lcr2hlxl`` only canonical HLXL that parses (``brain.hlxl_constraint``),
in both with the texts, names and numbers of the input unless ``--no-ground``. Beam
search with ``--beam`` hypotheses per input (default 4, see ``brain.beam``; ``--beam 1`` is
greedy decoding); outputs are deterministic either way. An English program the model
reads as a ``block`` is translated clause by clause unless ``--no-segment`` (see
``brain.segment``).
Bad input (an empty line, a character the model has no token for, a line longer than the
model's positions) is reported as ``WHERE: error: ...`` for every bad line, exit status 2,
and nothing is generated.
"""

from __future__ import annotations

import argparse
import sys

from brain.beam import beam_generate
from brain.checkpoint import add_device_option
from brain.constraint import make_constraints
from brain.ground import GROUNDED_TASKS
from brain.hlxl_constraint import HLXLConstraint
from brain.lcb_constraint import LCBConstraint
from brain.segment import SEGMENTED_TASKS, by_clauses
from brain.threads import add_threads_option, intra_op
from brain.tokenizer import HLXL_OUTPUT_TASKS, LCB_OUTPUT_TASKS, LCR_OUTPUT_TASKS

DEFAULT_CHECKPOINT = "checkpoints"
# The constraint of each task that writes another track than LC-R (grounded unless --no-ground).
TRACK_CONSTRAINTS = {**dict.fromkeys(LCB_OUTPUT_TASKS, LCBConstraint),
                     **dict.fromkeys(HLXL_OUTPUT_TASKS, HLXLConstraint)}
# Beam width of brain.generate and brain.evaluate. Measured on the session-2 model's test
# split (200 en2lcr records per phase, constrained and grounded), exact match greedy ->
# beam 4 -> beam 8: phase 1 52.0 -> 66.0 -> 66.5%; 4 costs about 6x greedy's time, 8 twice
# that. On the session-3 model beam 4 adds 1-2 points (test, all records; README).
DEFAULT_BEAM = 4


class InputError(ValueError):
    """Inputs the model cannot take; ``.problems`` is ``[(where, message)]``."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(f"{w}: error: {m}" for w, m in problems))


def encode_all(tok, task: str, sources, block_size: int, where=None) -> list[list[int]]:
    """Prompts for ``sources``; every bad one is collected into one ``InputError``."""
    where = where or [f"input {i + 1}" for i in range(len(sources))]
    prompts, problems = [], []
    for w, s in zip(where, sources, strict=True):
        if not s.strip():
            problems.append((w, "empty input: expected text to translate"))
            continue
        bad = tok.unknown_chars(s)
        if bad:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X}) at column {i + 1}" for i, c in bad[:5])
            problems.append((w, f"character{'s' if len(bad) > 1 else ''} the model has no "
                                f"token for: {shown}"))
            continue
        p = tok.encode_prompt(task, s)
        if len(p) >= block_size:
            problems.append((w, f"input too long: {len(s)} characters, at most "
                                f"{block_size - 3} fit the model's {block_size} positions"))
            continue
        prompts.append(p)
    if problems:
        raise InputError(problems)
    return prompts


def translate(model, tok, sources, task: str = "en2lcr", *, constrain: bool = True,
              strict: bool = False, ground: bool = True, batch_size: int | None = None,
              max_new_tokens: int | None = None, where=None, beam: int = 1,
              segment: bool = True) -> list[str]:
    """Outputs for ``sources`` in input order (raises ``InputError`` on bad input).
    ``ground``: with the constraint, slot values are spelled as in the source (tasks where
    that holds, ``brain.ground.GROUNDED_TASKS``). ``beam`` > 1: beam search, with about
    ``batch_size`` hypotheses (``batch_size // beam`` inputs) decoded together.
    ``segment``: programs are translated clause by clause (``brain.segment``)."""
    block = model.config.block_size
    prompts = encode_all(tok, task, sources, block, where)
    if segment and task in SEGMENTED_TASKS:
        def whole(texts):
            return translate(model, tok, texts, task, constrain=constrain, strict=strict,
                             ground=ground, batch_size=batch_size, beam=beam,
                             max_new_tokens=max_new_tokens, segment=False)
        return by_clauses(model, tok, list(sources), prompts, whole)
    max_new = max_new_tokens or block
    cons = None
    if constrain and task in LCR_OUTPUT_TASKS:
        grounded = ground and task in GROUNDED_TASKS
        cons = make_constraints(tok, prompts, max_new_tokens=max_new, block_size=block,
                                strict=strict, sources=list(sources) if grounded else None)
    elif constrain and task in TRACK_CONSTRAINTS:
        if task in LCB_OUTPUT_TASKS and max_new < 2:
            raise InputError([("--max-new-tokens", "LC-B output needs at least 2 characters "
                                                   "(the shortest value, 00)")])
        cons = make_constraints(tok, prompts, max_new_tokens=max_new, block_size=block,
                                sources=list(sources) if ground else None,
                                cls=TRACK_CONSTRAINTS[task])
    per = max(1, batch_size // beam) if batch_size else None
    outs = beam_generate(model, tok, prompts, beam=beam, max_new_tokens=max_new,
                         constraints=cons, batch_size=per)
    return [tok.decode(o) for o in outs]


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
    ap.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT)
    add_device_option(ap, help="auto (default): CUDA when present, else CPU")
    ap.add_argument("--task", default="en2lcr")
    ap.add_argument("--input", help="file with one input per line ('-' for stdin)")
    ap.add_argument("--batch-size", type=int, default=64)
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
    add_threads_option(ap)
    args = ap.parse_args(argv)
    if args.input is not None and args.text:
        ap.error("give texts as arguments or --input, not both")
    if min(args.batch_size, args.beam, args.max_new_tokens or 1, args.threads) < 1:
        ap.error("--batch-size, --beam, --max-new-tokens and --threads must be at least 1")
    from brain.checkpoint import CheckpointError, load

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
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    except CheckpointError as e:
        print(f"{args.checkpoint}: error: {e}", file=sys.stderr)
        return 2
    sys.stdout.write("".join(o + "\n" for o in outs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

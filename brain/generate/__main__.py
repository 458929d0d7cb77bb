"""Translate with a trained checkpoint: one output line per input line, in input order.

    python -m brain.generate "read config.yaml" "go to the home folder"
    python -m brain.generate --input sentences.txt --batch-size 64 > out.lcr
    python -m brain.generate --input sentences.txt --out out.lcr
    python -m brain.generate --task lcr2en --input programs.lcr
    python -m brain.generate --json "read config.yaml"   # {"input", "output", "score"} lines
    python -m brain.generate --no-constrain "..."    # raw model output, may be invalid
    python -m brain.generate --strict "..."          # follow the operation catalogue too
    python -m brain.generate --no-ground "..."       # slot values need not come from the input
    python -m brain.generate --beam 1 "..."          # greedy: faster, less accurate
    python -m brain.generate --no-segment "..."      # decode programs whole
    python -m brain.generate --naive "..."           # the plain reference decoder

Defaults: the model shipped with the package (``--checkpoint DIR`` for another; a run folder
with a ``final/`` inside works too) and task ``en2lcr``. Decoding is that of
``brain.generate.translate.translate_lines`` (grammar constraint, grounding, greedy unless
``--beam``, programs clause by clause; the flags above turn each off). ``--json`` adds a
score per output: the model's confidence, exp of the mean per-token log-probability of the output
(``brain.generate.score``).

Any English is accepted (characters the model has no token for are folded, and carried
back into the literals: ``brain.generate.normalize``). A line that still cannot be
translated (empty, longer than the model's positions; in an LC-R, HLXL or LC-B input a
character the model has no token for) is reported as ``WHERE:LINE: error: ...`` on stderr
and gets an empty output line (with ``--json``: ``"output": ""`` and an ``"error"``), so
output lines stay aligned with input lines; every other line is translated. Outputs are
written as they are finished, a batch at a time, in input order, so Ctrl-C keeps them.

Exit status: 0 every line translated, 1 some line could not be, 2 usage or I/O error
(unreadable input, unwritable ``--out``, a bad checkpoint), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from brain.cli import add_checkpoint_option, add_device_option, add_threads_option
from brain.generate.translate import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BEAM,
    DEFAULT_TASK,
    min_new_tokens,
    translate_chunks,
)
from brain.threads import intra_op
from lcr.io import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, cli, unwritable
from lcr.resources import checkpoint_dir


class _Usage(Exception):
    """A problem with the command line or its files: one line, exit status 2."""


def _read_inputs(args) -> tuple[list[str], list[str]]:
    if args.input is None and not args.text and not sys.stdin.isatty():
        args.input = "-"  # `echo ... | brain.generate`: a pipe is an input file
    if args.input is not None:
        name = "<stdin>" if args.input == "-" else args.input
        try:
            if args.input == "-":
                text = sys.stdin.read()
            else:
                with open(args.input, encoding="utf-8") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise _Usage(f"{name}: error: cannot read: {e}") from None
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the final newline ends the last line; it is not an empty line
        return [ln.rstrip("\r") for ln in lines], [f"{name}:{i + 1}" for i in range(len(lines))]
    return list(args.text), [f"argument {i + 1}" for i in range(len(args.text))]


def arguments() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m brain.generate", description=__doc__.split(
        "\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("text", nargs="*",
                    help="texts to translate (or use --input; with neither, a pipe on stdin)")
    add_checkpoint_option(ap)
    add_device_option(ap, help="auto (default): CUDA when present, else CPU")
    ap.add_argument("--task", default=DEFAULT_TASK)
    ap.add_argument("--input", help="file with one input per line ('-' for stdin)")
    ap.add_argument("--out", help="write the outputs to this file (default: stdout)")
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    ap.add_argument("--max-new-tokens", type=int, default=None)
    ap.add_argument("--beam", type=int, default=None,
                    help=f"beam width (default {DEFAULT_BEAM}; 1 = greedy)")
    ap.add_argument("--no-constrain", action="store_true", help="no grammar constraint")
    ap.add_argument("--strict", action="store_true", help="constrain by the catalogue too")
    ap.add_argument("--no-ground", action="store_true",
                    help="let handles, numbers and texts differ from the input (en2lcr, fix, "
                         "hlxl2lcr, lcr2lcb, lcr2hlxl)")
    ap.add_argument("--no-segment", action="store_true",
                    help="decode programs whole, not clause by clause (en2lcr)")
    ap.add_argument("--naive", action="store_true",
                    help="decode with the plain reference decoder (brain.generate.naive): "
                         "greedy, no constraint, no beam")
    ap.add_argument("--json", action="store_true",
                    help="one JSON object per line: input, output and score (the model's "
                         "confidence in [0, 1], brain.generate.score)")
    add_threads_option(ap)
    return ap


def _refuse(ap: argparse.ArgumentParser, args) -> None:
    """Exit 2 on flags that contradict each other or cannot give an answer."""
    if args.input is not None and args.text:
        ap.error("give texts as arguments or --input, not both")
    if min(args.batch_size, 1 if args.beam is None else args.beam, args.threads) < 1:
        ap.error("--batch-size, --beam and --threads must be at least 1")
    if args.no_constrain and args.strict:
        ap.error("--strict constrains by the catalogue: it cannot go with --no-constrain")
    if args.no_constrain and args.no_ground:
        ap.error("--no-ground loosens the constraint: without one (--no-constrain) "
                 "nothing is grounded")
    if args.naive:
        given = [flag for flag, on in (("--beam", args.beam is not None),
                                       ("--strict", args.strict),
                                       ("--no-ground", args.no_ground),
                                       ("--no-constrain", args.no_constrain)) if on]
        if given:
            ap.error(f"--naive decodes greedily without constraint: {', '.join(given)} "
                     "has no effect with it")
    need = min_new_tokens(args.task)
    if args.max_new_tokens is not None and args.max_new_tokens < need:
        ap.error(f"--max-new-tokens {args.max_new_tokens}: a complete {args.task} answer "
                 f"needs at least {need} characters")
    if args.out is not None:
        why = unwritable(args.out)
        if why:
            ap.error(f"--out {args.out}: {why}")


def _write_lines(out, lines, sources, where, as_json: bool) -> int:
    """Write one chunk's lines (errors to stderr, in line order); the number that failed.
    The chunk's outputs go out in one write (one before each error message), so that an
    interrupt, even with unbuffered stdout, leaves whole chunks behind."""
    failed, text = 0, []
    for line, source, w in zip(lines, sources, where, strict=True):
        if line.error:
            failed += 1
            out.write("".join(text))  # stdout and stderr in line order on a terminal
            out.flush()
            text = []
            print(f"{w}: error: {line.error}", file=sys.stderr)
        if as_json:
            row = {"input": source, "output": line.output,
                   "score": None if line.score is None else round(line.score, 6)}
            if line.error:
                row["error"] = line.error
            text.append(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            text.append(line.output + "\n")
    out.write("".join(text))
    out.flush()
    return failed


def main(argv=None) -> int:
    ap = arguments()
    args = ap.parse_args(argv)
    _refuse(ap, args)
    if args.checkpoint is None:
        args.checkpoint = checkpoint_dir()
    beam = args.beam if args.beam is not None else DEFAULT_BEAM
    from brain.model.checkpoint import CheckpointError, load

    out = sys.stdout
    sources, done = [], 0
    try:
        sources, where = _read_inputs(args)
        if not sources:
            raise _Usage("input: error: nothing to translate: give texts or --input FILE")
        try:
            model, tok, _ = load(args.checkpoint, device=args.device)
        except CheckpointError as e:
            raise _Usage(f"{args.checkpoint}: error: {e}") from None
        if args.task not in tok.tasks:
            raise _Usage(f"--task: error: unknown task {args.task!r}; this checkpoint knows "
                         f"{', '.join(tok.tasks)}")
        decoder = None
        if args.naive:
            from brain.generate.naive import naive_generate  # only when asked for

            decoder, beam = naive_generate, 1
        if args.out is not None:
            try:
                os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
                out = open(args.out, "w", encoding="utf-8")  # noqa: SIM115 - closed below
            except OSError as e:
                raise _Usage(f"--out {args.out}: error: {e.strerror or e}") from None
        failed = 0
        with intra_op(args.threads):
            for lines in translate_chunks(
                    model, tok, sources, args.task, chunk=args.batch_size,
                    constrain=not args.no_constrain, strict=args.strict,
                    ground=not args.no_ground, batch_size=args.batch_size, beam=beam,
                    max_new_tokens=args.max_new_tokens, segment=not args.no_segment,
                    scores=args.json, decoder=decoder):
                failed += _write_lines(out, lines, sources[done:done + len(lines)],
                                       where[done:done + len(lines)], args.json)
                done += len(lines)
    except _Usage as e:
        print(e, file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        out.flush()
        print(f"interrupted: {done} of {len(sources)} outputs written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if out is not sys.stdout:
            out.close()
    return EXIT_INVALID if failed else EXIT_OK


if __name__ == "__main__":
    cli(main)  # Ctrl-C before the first batch, a closed pipe: one line, no traceback

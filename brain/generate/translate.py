"""Translation with a loaded model: ``translate`` and ``translate_lines`` (the library behind
``python -m brain.generate``, ``brain.evaluate`` and ``brain.Translator``), their defaults and
the preparation of inputs.

    >>> model, tok, _ = brain.model.checkpoint.load(checkpoint_dir())
    >>> translate(model, tok, ["read config.yaml"], beam=DEFAULT_BEAM)
    >>> for chunk in translate_chunks(model, tok, lines, chunk=64, scores=True): ...

For tasks whose output is LC-R the decoder is grammar-constrained unless ``constrain=False``
(``brain.constrain.constraint``), and for ``en2lcr``, ``hlxl2lcr`` and ``fix`` handles, keys,
numbers, texts and bytes are spelled as in the input unless ``ground=False``
(``brain.constrain.ground``). For ``lcr2lcb`` the decoder writes only LC-B that decodes, and
for ``lcr2hlxl`` only canonical HLXL that parses (``brain.constrain.hlxl_constraint``). Beam
search with ``beam`` hypotheses per input (``brain.generate.beam``; 1 is greedy); outputs are
deterministic either way. An English program the model reads as a ``block`` is translated
clause by clause unless ``segment=False`` (``brain.generate.segment``).

Any English is accepted: for English-input tasks (``ENGLISH_TASKS``) each text is folded
onto the model's characters (``brain.generate.normalize.fold``: NFKC, typographic quotes and
dashes, accents dropped, else a placeholder) and the typed characters are put back into the
output's text literals (``restore``). Inputs in a notation (LC-R, HLXL, LC-B) are not folded:
a character the model has no token for is an error of that line. A line that still cannot
be translated (empty, longer than the model's positions) gets an error of its own
(``Line.error``) and an empty output, and every other line is translated; ``translate``
raises ``InputError`` naming every such line, ``translate_lines`` returns them.

Test hook: with ``HLXL_BRAIN_INTERRUPT_AFTER=N`` in the environment, ``translate_chunks``
raises ``KeyboardInterrupt`` after yielding its N-th chunk, so that the tests of the CLIs'
Ctrl-C handling interrupt at a known point instead of racing a signal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from brain.constrain.constraint import make_constraints
from brain.constrain.ground import GROUNDED_TASKS
from brain.constrain.hlxl_constraint import HLXLConstraint
from brain.constrain.lcb_constraint import LCBConstraint
from brain.generate.beam import beam_generate
from brain.generate.normalize import Folded, fold, restore
from brain.generate.score import confidence
from brain.generate.segment import SEGMENTED_TASKS, by_clauses
from brain.model.tokenizer import HLXL_OUTPUT_TASKS, LCB_OUTPUT_TASKS, LCR_OUTPUT_TASKS

# The constraint of each task that writes another track than LC-R (grounded unless --no-ground).
TRACK_CONSTRAINTS = {**dict.fromkeys(LCB_OUTPUT_TASKS, LCBConstraint),
                     **dict.fromkeys(HLXL_OUTPUT_TASKS, HLXLConstraint)}
# Tasks whose input is English typed by people: folded onto the vocabulary (module doc).
ENGLISH_TASKS = frozenset({"en2lcr"})
# Beam width of brain.generate, brain.evaluate and brain.Translator: greedy. On English
# written by people (eval/independent.jsonl, 551 requests, the shipped model) greedy and
# beam 4 are both 40.47% exact (beam 4: 3 pipelines more, 3 domain requests fewer), and beam
# 4 costs about 5x greedy's time; on the template test split beam 4 adds 0-3 points
# (reports/eval_test.md: exact against exact_greedy). --beam N is there for those points.
DEFAULT_BEAM = 1
DEFAULT_BATCH_SIZE = 64  # inputs decoded together (beam search: batch_size // beam inputs)
DEFAULT_TASK = "en2lcr"
INTERRUPT_HOOK = "HLXL_BRAIN_INTERRUPT_AFTER"


class InputError(ValueError):
    """Inputs the model cannot take; ``.problems`` is ``[(where, message)]``."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(f"{w}: error: {m}" for w, m in problems))


@dataclass(frozen=True)
class Line:
    """The translation of one input: ``output`` ("" when the line failed), ``error`` (why
    it could not be translated, else None) and ``score`` (the model's confidence in
    ``output``, ``brain.generate.score``; None when not asked for or the line failed)."""

    output: str
    error: str | None = None
    score: float | None = None


def min_new_tokens(task: str) -> int:
    """The fewest characters a complete answer of ``task`` needs: for ``en2lcr`` the
    shortest call of a catalogue operation with its required arguments (a budget below it
    can only end in a bare value such as ``∅``, never a translation), 2 for LC-B (``00``),
    else 1."""
    if task == "en2lcr":
        from lcr.schema import arity, catalogue

        # 🜊1000🜁0 "NAME" then 🜁i and a one-character value per required argument, then 🜂.
        return min(len('🜊1000🜁0 ""🜂') + len(name)
                   + sum(len(f"🜁{i} 0") for i in range(1, arity(name)[0] + 1))
                   for name in catalogue())
    return 2 if task in LCB_OUTPUT_TASKS else 1


def _prompt(tok, task: str, text: str, block_size: int) -> list[int]:
    """The prompt of ``text`` as it is; ``ValueError`` with the reason when the model
    cannot take it."""
    if not text.strip():
        raise ValueError("empty input: expected text to translate")
    bad = tok.unknown_chars(text)
    if bad:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X}) at column {i + 1}" for i, c in bad[:5])
        raise ValueError(f"character{'s' if len(bad) > 1 else ''} the model has no token "
                         f"for: {shown}")
    prompt = tok.encode_prompt(task, text)
    if len(prompt) >= block_size:
        raise ValueError(f"input too long: {len(text)} characters, at most {block_size - 3} "
                         f"fit the model's {block_size} positions")
    return prompt


def prepare(tok, task: str, source: str, block_size: int) -> tuple[Folded | None, list[int]]:
    """``(folded, prompt)`` for one source as ``translate`` reads it: English folded onto
    the model's characters (``folded`` None for tasks that are not folded). Raises
    ``ValueError`` with the reason when the model cannot take it."""
    folded = fold(source, lambda c: c in tok.stoi) if task in ENGLISH_TASKS else None
    return folded, _prompt(tok, task, folded.text if folded is not None else source,
                           block_size)


def encode_all(tok, task: str, sources, block_size: int, where=None) -> list[list[int]]:
    """Prompts for ``sources`` exactly as written (nothing folded: for text that is
    already the model's, such as a corpus); every bad one is collected into one
    ``InputError``."""
    where = where or [f"input {i + 1}" for i in range(len(sources))]
    prompts, problems = [], []
    for w, s in zip(where, sources, strict=True):
        try:
            prompts.append(_prompt(tok, task, s, block_size))
        except ValueError as e:
            problems.append((w, str(e)))
    if problems:
        raise InputError(problems)
    return prompts


Decoder = Callable[..., list[str]]  # (model, tok, prompts, *, max_new_tokens) -> outputs


def _decode(model, tok, texts, prompts, task, *, constrain, strict, ground, batch_size,
            max_new_tokens, beam, segment, decoder: Decoder | None) -> list[str]:
    """Outputs for good inputs (``texts`` as the model reads them, ``prompts`` encoded)."""
    block = model.config.block_size
    max_new = max_new_tokens or block
    if decoder is not None:  # a plain decoder, e.g. brain.generate.naive: nothing else applies
        return decoder(model, tok, prompts, max_new_tokens=max_new)
    if segment and task in SEGMENTED_TASKS:
        def whole(parts):
            return _decode(model, tok, parts, [tok.encode_prompt(task, p) for p in parts], task,
                           constrain=constrain, strict=strict, ground=ground,
                           batch_size=batch_size, max_new_tokens=max_new_tokens, beam=beam,
                           segment=False, decoder=None)
        return by_clauses(model, tok, list(texts), prompts, whole)
    cons = None
    if constrain and task in LCR_OUTPUT_TASKS:
        grounded = ground and task in GROUNDED_TASKS
        cons = make_constraints(tok, prompts, max_new_tokens=max_new, block_size=block,
                                strict=strict, sources=list(texts) if grounded else None)
    elif constrain and task in TRACK_CONSTRAINTS:
        if max_new < min_new_tokens(task):
            raise InputError([("--max-new-tokens", "LC-B output needs at least 2 characters "
                                                   "(the shortest value, 00)")])
        cons = make_constraints(tok, prompts, max_new_tokens=max_new, block_size=block,
                                sources=list(texts) if ground else None,
                                cls=TRACK_CONSTRAINTS[task])
    per = max(1, batch_size // beam) if batch_size else None
    outs = beam_generate(model, tok, prompts, beam=beam, max_new_tokens=max_new,
                         constraints=cons, batch_size=per)
    return [tok.decode(o) for o in outs]


def translate_lines(model, tok, sources, task: str = DEFAULT_TASK, *, constrain: bool = True,
                    strict: bool = False, ground: bool = True, batch_size: int | None = None,
                    max_new_tokens: int | None = None, beam: int = 1, segment: bool = True,
                    scores: bool = False, decoder: Decoder | None = None) -> list[Line]:
    """A ``Line`` per source, in input order; a source the model cannot take has its
    ``error`` and an empty output, the others are translated (see ``translate``).
    ``scores``: each output's confidence, scored on the text the model wrote (before the
    typed characters are restored). ``decoder``: decode with it instead of the constrained
    beam search (``decoder(model, tok, prompts, max_new_tokens=N) -> outputs``)."""
    block = model.config.block_size
    good, folded, texts, prompts, errors = [], [], [], [], {}
    for i, s in enumerate(sources):
        try:
            f, p = prepare(tok, task, s, block)
        except ValueError as e:
            errors[i] = str(e)
            continue
        good.append(i)
        folded.append(f)
        texts.append(f.text if f is not None else s)
        prompts.append(p)
    outs = _decode(model, tok, texts, prompts, task, constrain=constrain, strict=strict,
                   ground=ground, batch_size=batch_size, max_new_tokens=max_new_tokens,
                   beam=beam, segment=segment, decoder=decoder) if good else []
    conf = confidence(model, tok, prompts, outs) if scores and good else [None] * len(good)
    lines = [Line("", errors.get(i)) for i in range(len(sources))]
    for i, f, o, c in zip(good, folded, outs, conf, strict=True):
        lines[i] = Line(restore(o, f) if f is not None else o, None, c)
    return lines


def translate(model, tok, sources, task: str = DEFAULT_TASK, *, where=None,
              **options) -> list[str]:
    """Outputs for ``sources`` in input order; raises ``InputError`` naming every source
    the model cannot take (``where``: how each is named, default ``input N``). Options as
    ``translate_lines``: ``ground``: with the constraint, slot values are spelled as in the
    source (tasks where that holds, ``brain.constrain.ground.GROUNDED_TASKS``). ``beam`` > 1:
    beam search, with about ``batch_size`` hypotheses (``batch_size // beam`` inputs) decoded
    together. ``segment``: programs are translated clause by clause
    (``brain.generate.segment``)."""
    sources = list(sources)
    lines = translate_lines(model, tok, sources, task, **options)
    where = where or [f"input {i + 1}" for i in range(len(sources))]
    problems = [(w, ln.error) for w, ln in zip(where, lines, strict=True) if ln.error]
    if problems:
        raise InputError(problems)
    return [ln.output for ln in lines]


def translate_chunks(model, tok, sources, task: str = DEFAULT_TASK, *, chunk: int,
                     **options) -> Iterator[list[Line]]:
    """``translate_lines`` over ``sources`` ``chunk`` at a time, yielding each chunk's lines
    in input order as soon as they are done, so a caller can write them as it goes and keep
    them when interrupted. Outputs do not depend on ``chunk`` (decoding is per input)."""
    sources = list(sources)
    stop = int(os.environ.get(INTERRUPT_HOOK) or 0)
    for n, start in enumerate(range(0, len(sources), chunk), 1):
        yield translate_lines(model, tok, sources[start:start + chunk], task, **options)
        if n == stop:
            raise KeyboardInterrupt

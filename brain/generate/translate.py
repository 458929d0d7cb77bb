"""Translation with a loaded model: ``translate`` (the library behind ``python -m
brain.generate`` and ``brain.Translator``), its defaults and the check of inputs.

    >>> model, tok, _ = brain.model.checkpoint.load(checkpoint_dir())
    >>> translate(model, tok, ["read config.yaml"], beam=DEFAULT_BEAM)

For tasks whose output is LC-R the decoder is grammar-constrained unless ``constrain=False``
(``brain.constrain.constraint``), and for ``en2lcr``, ``hlxl2lcr`` and ``fix`` handles, keys,
numbers, texts and bytes are spelled as in the input unless ``ground=False``
(``brain.constrain.ground``). For ``lcr2lcb`` the decoder writes only LC-B that decodes, and
for ``lcr2hlxl`` only canonical HLXL that parses (``brain.constrain.hlxl_constraint``). Beam
search with ``beam`` hypotheses per input (``brain.generate.beam``; 1 is greedy); outputs are
deterministic either way. An English program the model reads as a ``block`` is translated
clause by clause unless ``segment=False`` (``brain.generate.segment``).
"""

from __future__ import annotations

from brain.constrain.constraint import make_constraints
from brain.constrain.ground import GROUNDED_TASKS
from brain.constrain.hlxl_constraint import HLXLConstraint
from brain.constrain.lcb_constraint import LCBConstraint
from brain.generate.beam import beam_generate
from brain.generate.segment import SEGMENTED_TASKS, by_clauses
from brain.model.tokenizer import HLXL_OUTPUT_TASKS, LCB_OUTPUT_TASKS, LCR_OUTPUT_TASKS

# The constraint of each task that writes another track than LC-R (grounded unless --no-ground).
TRACK_CONSTRAINTS = {**dict.fromkeys(LCB_OUTPUT_TASKS, LCBConstraint),
                     **dict.fromkeys(HLXL_OUTPUT_TASKS, HLXLConstraint)}
# Beam width of brain.generate, brain.evaluate and brain.Translator. Measured on an early
# model's test split (200 en2lcr records per phase, constrained and grounded), exact match
# greedy -> beam 4 -> beam 8: phase 1 52.0 -> 66.0 -> 66.5%; 4 costs about 6x greedy's time,
# 8 twice that. On the next model beam 4 added 1-2 points (test, all records).
DEFAULT_BEAM = 4
DEFAULT_BATCH_SIZE = 64  # inputs decoded together (beam search: batch_size // beam inputs)
DEFAULT_TASK = "en2lcr"


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
    that holds, ``brain.constrain.ground.GROUNDED_TASKS``). ``beam`` > 1: beam search, with about
    ``batch_size`` hypotheses (``batch_size // beam`` inputs) decoded together.
    ``segment``: programs are translated clause by clause (``brain.generate.segment``)."""
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

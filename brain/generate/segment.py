"""Translate programs clause by clause: each statement on its own, then one ``block``.

A program's English (phase 3: 3-6 statements, 200-700 characters of LC-R) joins one clause
per statement with a program frame (``First, ... Then ... Finally, ...``, ``...; ...``).
Decoded whole, the model must keep track of which clause comes next over hundreds of
characters, and the shipped models never got a whole program right (phase-3 test exact 0%).
``lcr.clauses.split_clauses`` reads the clauses back; each is translated as a text of
its own (the corpus trains on every training program's clauses: frame ``clause``), and the
statements become ``🜊1000🜁0 "block"🜁1 S1🜁2 S2…🜂``, printed canonically.

Splitting is a reading, not a decision: ``a; b`` may as well be a pipeline or a match. So
a text goes clause by clause only when it splits *and* the model, reading the whole text,
gives an answer beginning ``🜊1000🜁0 "block"`` a probability of at least
``MIN_BLOCK_PROB`` (one forward pass over the prompt and that prefix). Everything else is
decoded whole, as before.

Why a probability, not the greedy first characters: a model trained on fewer whole
programs started only 382 of the 408 phase-3 validation programs with ``block`` greedily
(each one missed is decoded whole, and wrong), while on the 115 validation texts of phases
1, 2 and 4 that split into clauses (pipelines, matches; none a ``block``) the block start
never had a probability above 0.23. At 0.3, 392 of the 408 programs went clause by clause
and none of the 115 others. With phase 4 merged with a tenth of phase 3
(``brain.train.merge``) those 115 stayed at most 0.13, so the threshold came down to 0.2:
401 of the 408 programs go clause by clause (395 at 0.3), still none of the others; on the
whole phase-3 validation split 51.2% exact greedy and 54.4% with beam 4. Later models
(phase 3 on twice as many programs; row-sharded training) kept that picture at 0.2: 400-401
of the 408, none of the 115 (at most 0.04).

A library module (``python -m brain.generate`` uses it unless ``--no-segment``).
"""

from __future__ import annotations

import torch

from lcr import dumps, op, parse
from lcr.clauses import split_clauses
from lcr.errors import LCRError

SEGMENTED_TASKS = frozenset({"en2lcr"})
BLOCK = '🜊1000🜁0 "block"'
MIN_BLOCK_PROB = 0.2  # calibrated on the validation splits (module docstring)


@torch.no_grad()
def block_probability(model, tok, prompt: list[int]) -> float:
    """The model's probability that its answer to ``prompt`` begins with ``BLOCK``."""
    prefix = tok.encode(BLOCK)
    ids = prompt + prefix[:-1]
    if len(ids) > model.config.block_size:
        return 0.0
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    logits, _ = model(torch.tensor([ids], device=device))  # (1, T, vocab)
    model.train(was_training)
    logp = torch.log_softmax(logits[0, len(prompt) - 1:].float(), dim=-1)  # (len(prefix), V)
    return logp.gather(1, torch.tensor(prefix, device=device)[:, None]).sum().exp().item()


def starts_block(model, tok, prompt: list[int]) -> bool:
    """Whether the model would likely begin its answer to ``prompt`` with ``BLOCK``."""
    return block_probability(model, tok, prompt) >= MIN_BLOCK_PROB


def block_of(statements: list[str]) -> str:
    """The ``block`` of the translated statements: printed canonically where every one is
    LC-R, else (unconstrained outputs) the same layout as text, so the output still shows
    what the model wrote."""
    try:
        return dumps(op("block", *(parse(s) for s in statements)))
    except LCRError:
        return BLOCK + "".join(f"🜁{i} {s}" for i, s in enumerate(statements, 1)) + "🜂"


def by_clauses(model, tok, sources: list[str], prompts: list[list[int]], decode) -> list[str]:
    """Outputs for ``sources`` (their ``prompts`` already encoded): programs clause by clause,
    the rest whole. ``decode(texts) -> outputs`` translates plain texts; it is called at
    most twice (whole texts, then all clauses together), so batching stays as wide."""
    clauses: dict[int, list[str]] = {}
    for i, (s, p) in enumerate(zip(sources, prompts, strict=True)):
        parts = split_clauses(s)
        if parts and starts_block(model, tok, p):
            clauses[i] = parts
    whole = [i for i in range(len(sources)) if i not in clauses]
    outs: list[str | None] = [None] * len(sources)
    for i, o in zip(whole, decode([sources[i] for i in whole]) if whole else [], strict=True):
        outs[i] = o
    flat = [c for parts in clauses.values() for c in parts]
    done = iter(decode(flat) if flat else [])
    for i, parts in clauses.items():
        outs[i] = block_of([next(done) for _ in parts])
    return outs

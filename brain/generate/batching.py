"""The parts greedy search (``brain.generate.greedy``) and beam search
(``brain.generate.beam``) share: batching prompts by length, left padding, prompt checks,
the tokens no output contains, the key mask and each row's mask of forbidden tokens.

Prompts are sorted by length into batches (less padding), left-padded, and given their own
positions and a key mask, so each prompt's tokens do not depend on its batch mates. A
library module: no command line (decoders use it; ``python -m brain.generate`` runs them).
"""

from __future__ import annotations

import torch


def in_batches(model, prompts, constraints, batch_size, decode_batch) -> list:
    """``decode_batch(prompts, constraints)`` over batches of prompts sorted by length (less
    padding), in eval and inference mode; its per-prompt results back in input order."""
    check_prompts(model, prompts, constraints)
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    size = batch_size or max(1, len(prompts))
    out: list = [None] * len(prompts)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), size):
                rows = order[start:start + size]
                cons = [constraints[i] for i in rows] if constraints is not None else None
                got = decode_batch([prompts[i] for i in rows], cons)
                for i, result in zip(rows, got, strict=True):
                    out[i] = result
    finally:
        model.train(was_training)
    return out


def left_pad(model, tok, prompts, max_new_tokens):
    """``(idx, keys, pos, next_pos, budget)`` for a batch of prompts: ids (B, L) left-padded so
    every prompt ends at column L - 1, the key mask (True = a real token), each prompt's
    positions from 0, the position of each row's first generated token (B,), and how many
    tokens each row may generate (until its last fed token sits at the final position)."""
    device = next(model.parameters()).device
    B, L = len(prompts), max(len(p) for p in prompts)
    idx = torch.full((B, L), tok.pad, dtype=torch.long, device=device)
    keys = torch.zeros((B, L), dtype=torch.bool, device=device)
    for b, p in enumerate(prompts):
        idx[b, L - len(p):] = torch.tensor(p, dtype=torch.long, device=device)
        keys[b, L - len(p):] = True
    pos = (keys.long().cumsum(1) - 1).clamp(min=0)
    block = model.config.block_size
    budget = [min(max_new_tokens, block - len(p) + 1) for p in prompts]
    return idx, keys, pos, keys.sum(1), budget


def check_prompts(model, prompts, constraints) -> None:
    """ValueError for an empty or over-long prompt, a constraint count that differs, or one
    constraint object given for two prompts (decoding advances each prompt's own)."""
    if constraints is not None:
        if len(constraints) != len(prompts):
            raise ValueError(f"{len(constraints)} constraints for {len(prompts)} prompts")
        given = [id(c) for c in constraints if c is not None]
        if len(set(given)) != len(given):
            raise ValueError("each prompt needs a constraint object of its own")
    block = model.config.block_size
    for i, p in enumerate(prompts):
        if not p:
            raise ValueError(f"prompt {i} is empty")
        if len(p) > block:
            raise ValueError(f"prompt {i} has {len(p)} tokens; the model has {block} positions")


# Positions a batch's KV cache first holds beyond its prompts; it doubles when outputs run
# longer. Sized for the whole budget (the model's positions), every batch allocated and
# zeroed megabytes it never used: outputs are mostly under a hundred characters.
CACHE_START = 128


def cache_capacity(prompt_len: int, budget) -> int:
    """The KV cache's first capacity for prompts of ``prompt_len`` columns and ``budget``
    (each row's most new tokens): room for ``CACHE_START`` of them, grown on demand."""
    return prompt_len + min(max(budget), CACHE_START)


def never_generated(tok, device) -> torch.Tensor:
    """(V,) bool: tokens a target never contains (padding, separator, task markers)."""
    bad = torch.zeros(len(tok.vocab), dtype=torch.bool, device=device)
    bad[[i for i in tok.special_ids if i != tok.eos]] = True
    return bad


def key_mask(keys: torch.Tensor):
    """The key mask, or None when nothing is padding (lets attention take its fast path)."""
    return None if bool(keys.all()) else keys


def forbidden(constraints, active, banned, eos) -> torch.Tensor:
    """(A, V) bool of tokens to forbid for each active row, on ``banned``'s device."""
    forbid = banned.unsqueeze(0).expand(len(active), -1).clone()
    if constraints is None:
        return forbid
    rows = [constraints[b] for b in active]
    batch = getattr(type(rows[0]), "allowed_batch", None)
    if batch is not None and all(type(c) is type(rows[0]) for c in rows):
        # One call for the whole batch (e.g. llguidance fills all masks at once).
        forbid |= ~batch(rows).to(device=forbid.device, dtype=torch.bool)
        forbid[forbid.all(-1), eos] = False  # nothing allowed: end rather than crash
        return forbid
    for j, b in enumerate(active):
        c = constraints[b]
        mask = c.allowed() if c is not None else None
        if mask is None:
            continue
        forbid[j] |= ~mask.to(device=forbid.device, dtype=torch.bool)
        if bool(forbid[j].all()):  # nothing allowed: end the sequence rather than crash
            forbid[j, eos] = False
    return forbid

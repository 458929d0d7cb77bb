"""Greedy batched generation with a KV cache, optionally constrained token by token.

    >>> prompts = [tok.encode_prompt("en2lcr", s) for s in sentences]
    >>> outs = generate(model, tok, prompts, max_new_tokens=700, batch_size=64)
    >>> [tok.decode(o) for o in outs]

Prompts are sorted by length into batches (less padding), left-padded, and given their own
positions and a key mask, so each prompt's tokens do not depend on its batch mates.
Finished sequences leave the batch (their cache rows are dropped). ``use_cache=False``
recomputes the whole sequence at every step: the original project's slow way, kept as the
benchmark baseline and as the reference the cached path is tested against.

A constraint (one per prompt, or None) has ``allowed() -> BoolTensor | None`` (a mask over
the vocabulary; None allows everything) and ``advance(token_id)``; the decoder masks the
logits with ``allowed()`` before each choice and calls ``advance`` with every generated
token except the final end-of-sequence token. A constraint class may also offer
``allowed_batch(constraints) -> BoolTensor (B, V)``, used instead when every row has one,
and ``allows(token_id) -> bool``, a cheap test asked first about each row's favourite
token (beam search: about the best candidates; it must never allow what ``allowed()``
refuses): only refused rows get full masks.
"""

from __future__ import annotations

import torch


class ReaderConstraint:
    """The protocol's common half for constraints that follow a ``reader`` (an object with
    ``copy()``) and compute ``allowed_ids()``, a set of token ids (``brain.lcb_constraint``,
    ``brain.hlxl_constraint``): the mask over the vocabulary of ``size`` tokens, and a copy
    whose reader is its own (beam search forks hypotheses)."""

    size: int
    reader: object

    def allowed_ids(self):
        raise NotImplementedError

    def allowed(self) -> torch.Tensor:
        mask = torch.zeros(self.size, dtype=torch.bool)
        mask[list(self.allowed_ids())] = True
        return mask

    def copy(self):
        c = type(self).__new__(type(self))
        c.__dict__.update(self.__dict__)
        c.reader = self.reader.copy()
        return c


def generate(model, tok, prompts, *, max_new_tokens, constraints=None, use_cache=True,
             batch_size=None):
    """Generated ids (eos excluded) for each prompt, in input order."""
    return in_batches(model, prompts, constraints, batch_size, lambda ps, cons: _generate_batch(
        model, tok, ps, cons, max_new_tokens, use_cache))


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


def _never_generated(tok, device) -> torch.Tensor:
    """(V,) bool: tokens a target never contains (padding, separator, task markers)."""
    bad = torch.zeros(len(tok.vocab), dtype=torch.bool, device=device)
    bad[[i for i in tok.special_ids if i != tok.eos]] = True
    return bad


def _generate_batch(model, tok, prompts, constraints, max_new_tokens, use_cache):
    idx, keys, pos, next_pos, budget = left_pad(model, tok, prompts, max_new_tokens)
    device, (B, L) = idx.device, idx.shape
    banned = _never_generated(tok, device)
    generated: list[list[int]] = [[] for _ in range(B)]
    active = list(range(B))  # batch rows still generating, in current tensor order

    cache = model.new_cache(L + max_new_tokens) if use_cache else None
    logits, _ = model(idx, cache=cache, positions=pos, attn_mask=_maybe(keys))
    last = logits[:, -1]  # (A, V)
    for _step in range(max_new_tokens):
        if all(b <= 0 for b in budget):
            break
        chosen = _choose(last, constraints, active, banned, tok.eos)
        keep = []
        for j, b in enumerate(active):
            t = chosen[j]
            if t == tok.eos or budget[b] <= 0:
                continue
            generated[b].append(t)
            if constraints is not None and constraints[b] is not None:
                constraints[b].advance(t)
            if len(generated[b]) < budget[b]:
                keep.append(j)
        if not keep:
            break
        sel = torch.tensor(keep, dtype=torch.long, device=device)
        new = torch.tensor([chosen[j] for j in keep], dtype=torch.long, device=device)[:, None]
        if len(keep) < len(active):
            keys, next_pos = keys.index_select(0, sel), next_pos.index_select(0, sel)
            if use_cache:
                cache.select(sel)
            else:
                idx, pos = idx.index_select(0, sel), pos.index_select(0, sel)
        active = [active[j] for j in keep]
        keys = torch.cat([keys, keys.new_ones(len(keep), 1)], dim=1)
        if use_cache:
            logits, _ = model(new, cache=cache, positions=next_pos[:, None],
                              attn_mask=_maybe(keys))
        else:  # recompute everything: the baseline
            idx = torch.cat([idx, new], dim=1)
            pos = torch.cat([pos, next_pos[:, None]], dim=1)
            logits, _ = model(idx, positions=pos, attn_mask=_maybe(keys))
        next_pos = next_pos + 1
        last = logits[:, -1]
    return generated


def _choose(last, constraints, active, banned, eos) -> list[int]:
    """Each active row's token: its best one among those its constraint allows.

    A constraint with ``allows(token_id)`` (a cheap test that never says yes to a token
    ``allowed()`` refuses) is first asked about the row's favourite token; only the rows
    it refuses get a full mask. Greedy choice makes this exact: a favourite that is
    allowed is also the best allowed token."""
    last = last.masked_fill(banned, -torch.inf)  # (A, V)
    chosen = last.argmax(-1).tolist()
    if constraints is None:
        return chosen
    redo = [j for j, b in enumerate(active) if constraints[b] is not None and not (
        hasattr(constraints[b], "allows") and constraints[b].allows(chosen[j]))]
    if redo:
        sub = last[redo]
        forbid = _allowed(constraints, [active[j] for j in redo], banned, eos)
        for j, t in zip(redo, sub.masked_fill(forbid, -torch.inf).argmax(-1).tolist(),
                        strict=True):
            chosen[j] = t
    return chosen


def _maybe(keys: torch.Tensor):
    """The key mask, or None when nothing is padding (lets attention take its fast path)."""
    return None if bool(keys.all()) else keys


def _allowed(constraints, active, banned, eos) -> torch.Tensor:
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

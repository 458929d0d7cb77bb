"""Greedy batched generation with a KV cache, optionally constrained token by token.

    >>> prompts = [tok.encode_prompt("en2lcr", s) for s in sentences]
    >>> outs = generate(model, tok, prompts, max_new_tokens=700, batch_size=64)
    >>> [tok.decode(o) for o in outs]

Prompts are batched as ``brain.generate.batching`` does it (sorted by length, left-padded,
each with its own positions and key mask).
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

from brain.generate.batching import (
    cache_capacity,
    forbidden,
    in_batches,
    key_mask,
    left_pad,
    never_generated,
)


def generate(model, tok, prompts, *, max_new_tokens, constraints=None, use_cache=True,
             batch_size=None):
    """Generated ids (eos excluded) for each prompt, in input order."""
    return in_batches(model, prompts, constraints, batch_size, lambda ps, cons: _generate_batch(
        model, tok, ps, cons, max_new_tokens, use_cache))


def _generate_batch(model, tok, prompts, constraints, max_new_tokens, use_cache):
    idx, keys, pos, next_pos, budget = left_pad(model, tok, prompts, max_new_tokens)
    device, (B, L) = idx.device, idx.shape
    banned = never_generated(tok, device)
    generated: list[list[int]] = [[] for _ in range(B)]
    active = list(range(B))  # batch rows still generating, in current tensor order

    cache = model.new_cache(cache_capacity(L, budget)) if use_cache else None
    logits, _ = model(idx, cache=cache, positions=pos, attn_mask=key_mask(keys))
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
        keep = fill_holes(keep, len(active))
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
                              attn_mask=key_mask(keys))
        else:  # recompute everything: the baseline
            idx = torch.cat([idx, new], dim=1)
            pos = torch.cat([pos, next_pos[:, None]], dim=1)
            logits, _ = model(idx, positions=pos, attn_mask=key_mask(keys))
        next_pos = next_pos + 1
        last = logits[:, -1]
    return generated


def fill_holes(keep: list[int], n: int) -> list[int]:
    """The rows to keep of ``n`` (``keep``, ascending) as a new row order in which the rows
    that stay below ``len(keep)`` keep their place and the ones above fill the holes the
    finished rows left: ``KVCache.select`` then moves one row per hole, not every row after
    the first finished one (that shifting was an eighth of greedy decoding's time)."""
    m = len(keep)
    if m == n:
        return keep
    order = list(range(m))
    holes = sorted(set(order) - set(keep))
    for hole, row in zip(holes, [j for j in keep if j >= m], strict=True):
        order[hole] = row
    return order


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
        forbid = forbidden(constraints, [active[j] for j in redo], banned, eos)
        for j, t in zip(redo, sub.masked_fill(forbid, -torch.inf).argmax(-1).tolist(),
                        strict=True):
            chosen[j] = t
    return chosen

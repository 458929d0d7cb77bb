"""Beam search with a KV cache, constrained token by token like ``brain.generate.greedy``.

    >>> outs = beam_generate(model, tok, prompts, beam=4, max_new_tokens=700,
    ...                      constraints=cons, batch_size=16)

Greedy decoding commits to the most likely character at every step; the most likely
*output* can start with a less likely one. Measured on an early model's failures on
the test split (phases 1, 2, 4), the target had a higher log-probability than the greedy
output in 62% of them: the model knew better than greedy search found. Beam search keeps
``beam`` hypotheses per prompt, scored by the sum of their tokens' log-probabilities
(under the constraint's mask, so every hypothesis stays valid LC-R) and returns the best
finished one. A prompt stops once its best finished hypothesis scores at least as well as
every live one: scores only fall as hypotheses grow, so none could overtake it. Length
normalisation (score / length^alpha) was tried against a bias to short outputs and changed
nothing (validation, 200 en2lcr records per phase 1, 2, 4: alpha 0, 0.5, 1 within 0.5
points of each other; on the next model alpha 1 cost 2.5 points on phase 1), so
scores are plain sums. The price: long programs (phase 3) often end early; see
docs/decoding.md.

A constraint whose class sets ``score_allowed = True`` (``brain.constrain.lcb_constraint``) has its
hypotheses scored among the tokens it allows (log-softmax over those only): grounding in
LC-B forces whole names the model would not have spelled, and with plain scores a short
wrong value beat the long right one. For LC-R it changed nothing (validation, beam 4,
phases 1 / 2 / 4 / 3: 92.3 / 94.4 / 95.0 / 53.9% against 91.8 / 94.6 / 95.0 / 54.4%), so
LC-R keeps plain scores.

Constraints need ``copy()`` (a hypothesis that forks gets its own) besides the decoder's
protocol, and are used up: a hypothesis's only (or last) child takes its parent's
constraint, so the ones passed in end advanced along some hypothesis, and each prompt
needs its own (one object passed for two prompts is refused: ``check_prompts``).
Prompts are batched as in ``brain.generate.batching``: sorted by length, left-padded, each with its
own positions; a batch of ``batch_size`` prompts runs ``batch_size * beam`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from brain.generate.batching import (
    cache_capacity,
    forbidden,
    in_batches,
    key_mask,
    left_pad,
    never_generated,
)
from brain.generate.greedy import generate


@dataclass
class Hyp:
    prompt: int  # row of the prompt in its batch
    tokens: list[int]
    score: float
    constraint: object | None


class _Masks:
    """Which tokens the live rows' constraints allow, worked out only as far as beam search
    asks. For constraints that all have a cheap ``allows(token_id)`` (never yes to a token
    ``allowed()`` refuses; ``brain.constrain.constraint``) and plain scores (``lazy``): a candidate
    is first put to ``allows``; a row gets its full mask only when that says no. Beam search
    looks at a handful of candidates per prompt and step, mostly allowed, so most rows never
    need one (docs/decoding.md, "Beam search"). Masks are kept on the CPU, where the
    constraints are: asking about one token must not wait on the device."""

    def __init__(self, constraints, banned_cpu, eos):
        self.cons, self.banned, self.eos = constraints, banned_cpu, eos
        self.forbid_of: dict[int, torch.Tensor] = {}

    @staticmethod
    def lazy(constraints) -> bool:
        return all(c is not None and getattr(c, "allows", None) is not None
                   and not getattr(c, "score_allowed", False) for c in constraints)

    def forbid(self, r: int) -> torch.Tensor:
        """(V,) bool, on the CPU: the tokens row ``r`` may not take."""
        if r not in self.forbid_of:
            self.forbid_of[r] = forbidden(self.cons, [r], self.banned, self.eos)[0]
        return self.forbid_of[r]

    def allows(self, r: int, t: int) -> bool:
        """May row ``r`` take token ``t``? The cheap test first, the full mask if it says no."""
        if r not in self.forbid_of and self.cons[r].allows(t):
            return True
        return not bool(self.forbid(r)[t])


def _candidates(scores, rows, k, masks):
    """Up to ``k`` (row, token, score) of one prompt's ``rows``, best first, among the tokens
    allowed. ``masks``: None when ``scores`` are masked already (-inf = not allowed), else
    a ``_Masks``: the unmasked best ``4 k`` are put to its ``allows``; should fewer than
    ``k`` of them pass, the rows' full masks settle the rest."""
    V = scores.size(1)

    def best(flat, n):  # the n best (row, token, score) of the rows' flattened scores
        top_s, top_i = flat.topk(n)
        return [(rows[i // V], i % V, s)
                for s, i in zip(top_s.tolist(), top_i.tolist(), strict=True)]

    flat = scores[rows].reshape(-1)
    finite = int(torch.isfinite(flat).sum())
    if masks is None:
        yield from best(flat, min(k, finite))
        return
    window, seen = min(4 * k, finite), set()
    for r, t, s in best(flat, window):
        if masks.allows(r, t):
            yield r, t, s
            seen.add((r, t))
            if len(seen) == k:
                return
    if window == finite:
        return
    forbid = torch.stack([masks.forbid(r) for r in rows]).to(scores.device)  # rare
    flat = flat.masked_fill(forbid.reshape(-1), -torch.inf)
    rest = [c for c in best(flat, min(k, int(torch.isfinite(flat).sum())))
            if c[:2] not in seen]
    yield from rest[:k - len(seen)]


def _in_place(parents: list[int]) -> list[int]:
    """An order of the survivors (indices into ``parents``, their parents' rows) that leaves
    as many as it can in their parent's row: the first child of a parent takes that row, the
    others fill the rows left free. ``KVCache.select`` then moves only those others. The
    order of a prompt's hypotheses changes nothing but which row each one runs in."""
    n = len(parents)
    slot: list[int | None] = [None] * n
    rest = []
    for j, p in enumerate(parents):
        if p < n and slot[p] is None:
            slot[p] = j
        else:
            rest.append(j)
    others = iter(rest)
    return [j if j is not None else next(others) for j in slot]


def beam_generate(model, tok, prompts, *, beam: int, max_new_tokens: int, constraints=None,
                  batch_size=None):
    """The best-scoring output ids (eos excluded) for each prompt, in input order. Beam 1 is
    greedy decoding (``brain.generate.greedy.generate``: the same outputs, tested against
    ``beam_search``, with its favourite-token shortcut)."""
    if beam == 1:
        return generate(model, tok, prompts, max_new_tokens=max_new_tokens,
                        constraints=constraints, batch_size=batch_size)
    found = beam_search(model, tok, prompts, beam=beam, max_new_tokens=max_new_tokens,
                        constraints=constraints, batch_size=batch_size)
    return [hyps[0][1] if hyps else [] for hyps in found]


def beam_search(model, tok, prompts, *, beam: int, max_new_tokens: int, constraints=None,
                batch_size=None) -> list[list[tuple[float, list[int]]]]:
    """Every finished hypothesis of each prompt as ``(log-probability, ids)``, best first."""
    if beam < 1:
        raise ValueError(f"beam must be at least 1, got {beam}")
    return in_batches(model, prompts, constraints, batch_size, lambda ps, cons: _beam_batch(
        model, tok, ps, cons, beam, max_new_tokens))


def _beam_batch(model, tok, prompts, constraints, beam, max_new_tokens):
    idx, keys, pos, next_pos, budget = left_pad(model, tok, prompts, max_new_tokens)
    device, (B, L) = idx.device, idx.shape  # next_pos: (R,) each row's next position
    banned = never_generated(tok, device)
    banned_cpu = banned.cpu()  # for _Masks
    cache = model.new_cache(cache_capacity(L, budget))
    logits, _ = model(idx, cache=cache, positions=pos, attn_mask=key_mask(keys))
    last = logits[:, -1].float()  # (R, V), one row per live hypothesis
    live = [Hyp(b, [], 0.0, constraints[b] if constraints is not None else None)
            for b in range(B)]
    done: list[list[Hyp]] = [[] for _ in range(B)]
    for _step in range(max_new_tokens):
        cons = [h.constraint for h in live]
        logp = torch.log_softmax(last, -1).masked_fill(banned, -torch.inf)  # (R, V)
        if _Masks.lazy(cons):  # plain scores: a mask never changes an allowed token's score
            masks = _Masks(cons, banned_cpu, tok.eos)
        else:
            forbid = forbidden(cons, range(len(live)), banned, tok.eos)
            logp = logp.masked_fill(forbid, -torch.inf)
            among = [r for r, c in enumerate(cons) if getattr(c, "score_allowed", False)]
            if among:  # these constraints ask to be scored among the tokens they allow
                logp[among] = torch.log_softmax(
                    last[among].masked_fill(forbid[among], -torch.inf), -1)
            masks = None
        scores = torch.tensor([h.score for h in live], device=device)[:, None] + logp
        parents, chosen, survivors = [], [], []
        by_prompt: dict[int, list[int]] = {}
        for r, h in enumerate(live):
            by_prompt.setdefault(h.prompt, []).append(r)
        for b, rows in by_prompt.items():
            kept = []
            for r, t, s in _candidates(scores, rows, 2 * beam, masks):
                h = live[r]
                if t == tok.eos:
                    done[b].append(Hyp(b, h.tokens, s, None))
                    continue
                kept.append((r, t, s))
                if len(kept) == beam:
                    break
            best_done = max((d.score for d in done[b]), default=-torch.inf)
            if not kept or best_done >= kept[0][2]:
                continue  # nothing live can beat this prompt's best finished output
            last_child = {r: j for j, (r, _, _) in enumerate(kept)}
            for j, (r, t, s) in enumerate(kept):
                h = live[r]
                c = h.constraint
                if c is not None and last_child[r] != j:  # a parent's last child takes its
                    c = c.copy()  # constraint itself: copies only for the extra children
                if c is not None:
                    c.advance(t)
                grown = Hyp(b, h.tokens + [t], s, c)
                if len(grown.tokens) >= budget[b]:
                    done[b].append(grown)  # out of positions: finished as it stands
                    continue
                parents.append(r)
                chosen.append(t)
                survivors.append(grown)
        live = survivors
        if not live:
            break
        order = _in_place(parents)  # rows the KV cache need not move
        live = [live[j] for j in order]
        parents, chosen = [parents[j] for j in order], [chosen[j] for j in order]
        sel = torch.tensor(parents, dtype=torch.long, device=device)
        cache.select(sel)
        keys, next_pos = keys.index_select(0, sel), next_pos.index_select(0, sel)
        keys = torch.cat([keys, keys.new_ones(len(sel), 1)], dim=1)
        new = torch.tensor(chosen, dtype=torch.long, device=device)[:, None]
        logits, _ = model(new, cache=cache, positions=next_pos[:, None],
                          attn_mask=key_mask(keys))
        next_pos = next_pos + 1
        last = logits[:, -1].float()
    for h in live:  # the token budget ran out with hypotheses still open
        done[h.prompt].append(h)
    return [[(h.score, h.tokens) for h in sorted(d, key=lambda h: -h.score)] for d in done]

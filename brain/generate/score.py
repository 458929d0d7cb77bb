"""A confidence per output: how likely the model finds what was written.

    >>> confidence(model, tok, prompts, outputs)   # one float in [0, 1] per output
    [0.998, 0.71]

The score of an output is ``exp`` of the mean log-probability of its tokens, the end token
included, each given the prompt and the tokens before it, under the model alone (no
constraint, no grounding: teacher-forced, one forward pass per batch). It is the geometric
mean of the per-token probabilities: 1 when the model was sure of every character, lower
when some were a guess (a constraint or beam search overruled its favourite, or it split
its belief). An output with a character the model has no token for scores 0. Tokens past
the model's positions (a long program put together clause by clause) are not scored.
A library module, used by ``brain.Translator`` and ``python -m brain.generate --json``.
"""

from __future__ import annotations

import math

import torch


def confidence(model, tok, prompts: list[list[int]], outputs: list[str],
               batch_size: int = 64) -> list[float]:
    """``exp(mean log p(token))`` of each output after its prompt (see the module doc)."""
    block = model.config.block_size
    rows: list[tuple[int, list[int], int]] = []  # (index, ids, first scored position)
    scores = [0.0] * len(outputs)
    for i, (prompt, out) in enumerate(zip(prompts, outputs, strict=True)):
        if tok.unknown_chars(out):
            continue
        ids = (prompt + tok.encode(out) + [tok.eos])[:block + 1]
        if len(ids) > len(prompt):
            rows.append((i, ids, len(prompt) - 1))
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            rows.sort(key=lambda r: len(r[1]))
            for start in range(0, len(rows), batch_size):
                batch = rows[start:start + batch_size]
                width = max(len(ids) for _, ids, _ in batch) - 1
                # Right padding: causal attention keeps every real position from seeing it.
                x = torch.full((len(batch), width), tok.pad, dtype=torch.long, device=device)
                for b, (_, ids, _) in enumerate(batch):
                    x[b, :len(ids) - 1] = torch.tensor(ids[:-1], dtype=torch.long)
                logits, _ = model(x)
                logp = torch.log_softmax(logits.float(), dim=-1)
                for b, (i, ids, first) in enumerate(batch):
                    target = torch.tensor(ids[first + 1:], dtype=torch.long, device=device)
                    got = logp[b, first:len(ids) - 1].gather(1, target[:, None])
                    scores[i] = math.exp(float(got.mean()))
    finally:
        model.train(was_training)
    return scores

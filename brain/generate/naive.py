"""The reference decoder: the yardstick every faster path is measured against.

    >>> naive_generate(model, tok, [tok.encode_prompt("en2lcr", "read a.txt")],
    ...                max_new_tokens=400)
    ['🜊1000🜁0 "read"🜁1 "a.txt"🜂']

One prompt at a time, the whole sequence (prompt plus what was generated so far) run through
the model again at every step, no KV cache, greedy (the most likely token), no grammar
constraint. That is how the original project decoded, kept simple on purpose: it is what
``python -m brain.generate --naive`` runs and the baseline of ``python -m brain.bench``,
not a mode for users. The only tokens it never picks are those no output contains (padding,
separator, task markers), as every decoder here does, so its outputs are those of
unconstrained greedy decoding with the KV cache (``brain.generate.greedy``), up to float
rounding on near-ties.
"""

from __future__ import annotations

import torch

from brain.generate.batching import never_generated


def naive_generate(model, tok, prompts, *, max_new_tokens: int) -> list[str]:
    """The decoded output of each prompt (a list of token ids), in input order."""
    device = next(model.parameters()).device
    block = model.config.block_size
    banned = never_generated(tok, device)
    outs = []
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for prompt in prompts:
                if not prompt or len(prompt) > block:
                    raise ValueError(f"prompt of {len(prompt)} tokens; the model takes 1 to "
                                     f"{block}")
                ids = list(prompt)
                generated: list[int] = []
                # The last fed token must still have a position: as the batched decoders.
                for _ in range(min(max_new_tokens, block - len(prompt) + 1)):
                    logits, _ = model(torch.tensor([ids], dtype=torch.long, device=device))
                    t = int(logits[0, -1].masked_fill(banned, -torch.inf).argmax())
                    if t == tok.eos:
                        break
                    generated.append(t)
                    ids.append(t)
                outs.append(tok.decode(generated))
    finally:
        model.train(was_training)
    return outs

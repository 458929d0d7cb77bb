"""A batch's rows dealt into shards, each run on its own: threads in one process
(``thread_backward``, ``--shards``) or the ranks of a torchrun job (``rank_backward``).

Row i goes to shard i % k: batches are length-sorted, so the shards get rows of like
lengths; each shard is cut to its own longest row (rows are right-padded) and its loss is
weighted by its share of the batch's target tokens, so the shards' gradients add up to the
whole batch's mean-loss gradient (up to float rounding). ``brain.train.trainer.Trainer``
calls these from ``_backward``.
"""

from __future__ import annotations

import torch

from brain.model.gpt import IGNORE_INDEX as IGNORE


def thread_backward(model, x, y, pool, k: int, pad: int, autocast) -> torch.Tensor:
    """``k`` shards on ``pool``'s threads; gradients left in ``.grad``, the loss returned.
    Each shard's gradient comes back from ``torch.autograd.grad`` and they are added in
    shard order, so the result does not depend on which thread finishes first."""
    n_all = int((y != IGNORE).sum())
    params = [p for p in model.parameters() if p.requires_grad]

    def shard(i: int):
        xs, ys = x[i::k], y[i::k]
        n = int((ys != IGNORE).sum())
        if n == 0:
            return None
        width = int((xs != pad).sum(dim=1).max())
        with autocast():
            _, loss = model(xs[:, :width], ys[:, :width])
        grads = torch.autograd.grad(loss * (n / n_all), params, allow_unused=True)
        return loss.detach() * (n / n_all), grads

    results = [r for r in pool.map(shard, range(k)) if r is not None]
    for j, p in enumerate(params):
        grads = [g[j] for _, g in results if g[j] is not None]
        p.grad = sum(grads[1:], grads[0]) if grads else None
    return sum(loss for loss, _ in results)


def rank_backward(ddp, x, y, world, pad: int, autocast) -> torch.Tensor:
    """This rank's rows (``rank::size``) through DistributedDataParallel ``ddp``; returns
    its share of the batch loss. The loss is weighted by the share times the world size
    because DDP averages the ranks' gradients. Every rank must run a backward pass (DDP's
    all-reduce), so one whose shard is empty or carries no target runs one of zero weight."""
    size, rank = world.size, world.rank
    n_all = int((y != IGNORE).sum())
    xs, ys = x[rank::size], y[rank::size]
    n = int((ys != IGNORE).sum()) if len(xs) else 0
    if len(xs) == 0:
        xs, ys = x[:1], y[:1]
    width = int((xs != pad).sum(dim=1).max())
    xs, ys = xs[:, :width], ys[:, :width]
    with autocast():
        if n == 0:  # no target: a mean over nothing is NaN; a zero-weight pass is not
            logits, _ = ddp(xs)
            loss = logits.float().sum() * 0.0
        else:
            _, loss = ddp(xs, ys)
    share = n / max(n_all, 1)
    (loss * (share * size)).backward()
    return loss.detach() * share

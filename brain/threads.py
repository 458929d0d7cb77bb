"""How many CPU threads torch's own parallelism (intra-op threads) gets, per kind of work.

``import brain`` makes OpenMP's waiting threads sleep (``OMP_WAIT_POLICY=PASSIVE``), so a
shared core is never burnt by a spinning thread. The price is a wake-up after every op,
and this model's ops are small: on the 2-core machine one decoding thread beats two by
2.5-3.5x (96 phase-2 sentences, shipped model: greedy 1.3-1.4 s vs 4.2-4.8 s, beam 4
7.9-9.9 s vs 17.5-24.3 s), and a training step splits its batch into row shards, one
thread each (``brain.train.trainer``), rather than share one batch between two threads.

    with intra_op(DECODE_THREADS):
        outputs = translate(...)
"""

from __future__ import annotations

import contextlib

import torch

DECODE_THREADS = 1  # brain.generate, brain.evaluate, brain.bench and training's samples


@contextlib.contextmanager
def intra_op(n: int):
    """Run the block with torch's intra-op thread count at ``n``; put it back after."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(before)

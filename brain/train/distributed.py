"""Data-parallel training across processes (``torchrun``): the world a trainer runs in.

    torchrun --standalone --nproc_per_node 2 -m brain.train --phase 1 --device cpu

torchrun starts one process per rank with ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the
rendezvous address in the environment; ``init_from_env`` joins them into one process group
(gloo on CPU, NCCL on CUDA, one GPU per local rank) and returns the ``World``. Without
torchrun it returns ``SINGLE`` and nothing is initialised: one process, as before.

Each rank trains on its own row shard of every batch (rows ``rank::world_size`` of the
length-sorted batch, ``brain.train.trainer.Trainer._backward``), so the batches, the steps
per epoch and the learning-rate schedule are those of one process: more processes do the
same recipe faster, and the weights differ from one process's only by float rounding.
Rank 0 alone writes checkpoints, history and logs; every rank reads the same resume state.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Rank 0: the one process that writes files and logs progress."""
        return self.rank == 0


SINGLE = World()


def env_world() -> World:
    """The world torchrun describes in the environment (``SINGLE`` outside torchrun); reads
    only the environment, so it works before any process group exists."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return SINGLE
    return World(int(os.environ["RANK"]), size, int(os.environ.get("LOCAL_RANK", "0")))


def local_size() -> int:
    """Processes on this machine (torchrun's ``LOCAL_WORLD_SIZE``; 1 outside torchrun)."""
    return max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))


def init_from_env(device: str) -> tuple[World, str]:
    """Join torchrun's process group; returns the world and this rank's device (CUDA: the
    GPU of its local rank)."""
    world = env_world()
    if world.size == 1:
        return world, device
    if device.startswith("cuda"):
        torch.cuda.set_device(world.local_rank)
        device = f"cuda:{world.local_rank}"
    dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    return world, device


def shutdown(world: World) -> None:
    if world.size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def all_sum(world: World, values: list[float]) -> list[float]:
    """Each value summed over the ranks (as given when there is one rank)."""
    if world.size == 1:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64)
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t)
    return t.tolist()


def broadcast(world: World, obj):
    """Rank 0's ``obj`` on every rank (any JSON-like value)."""
    if world.size == 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier(world: World) -> None:
    if world.size > 1:
        dist.barrier()

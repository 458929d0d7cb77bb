"""The curriculum trainer: ``python -m brain.train`` trains phases 1-4 in order.

    python -m brain.train                       # compile missing corpora, train all phases
    python -m brain.train --phase 3             # phase 3 only, starting from phase 2's best
    python -m brain.train --phase 2-4 --resume  # continue an interrupted run
    python -m brain.train --device cuda --out runs/x --seed 1

Each phase trains on its corpus's ``train`` split (its replay share of earlier phases is
already mixed in by the compiler), early-stops on ``val`` loss and, after every epoch,
decodes a fixed validation sample to report grammar validity (``lcr.parse``) and exact
match beside the loss (the curriculum: ``brain.train.curriculum``). Corpora are read from
``--corpora`` (default ``DATA_HOME/corpora``, compiled there in this process when missing)
and output goes under ``--out`` (default ``DATA_HOME/runs/latest``; DATA_HOME is
``$HLXL_BRAIN_HOME``, else ``~/.local/share/hlxl-brain``; the shipped model in the
repository's ``checkpoints/`` was trained with ``--out checkpoints``)::

    phaseN/best/ phaseN/last/   per-phase checkpoints (last/ holds the resume state)
    phaseN/merged/              where the plan merges (phase 4): best averaged with the start
    final/                      the latest finished phase's model (what ships)
    history.json  loss.png      per-epoch loss, learning rate and task metrics, all phases

Data parallel across processes or machines, with torchrun (``brain.train.distributed``)::

    torchrun --standalone --nproc_per_node 2 -m brain.train --phase 1 --device cpu --out DIR
    torchrun --nnodes 2 --node_rank 0 --nproc_per_node 1 --rdzv_backend c10d \
        --rdzv_endpoint HOST:29500 --rdzv_id run1 -m brain.train ...   # on each machine

Each rank trains its row shard of every batch (gloo on CPU, NCCL on CUDA); the batches,
steps and schedule are one process's, rank 0 alone writes, and ``history.json`` records
``world_size``. ``--max-steps N`` ends each phase after N optimizer steps (counted from
the phase's start, a resumed phase included): a reproducible short run.

Ctrl-C (or SIGTERM), in training or in an epoch's validation, saves the resume state and
exits 130; ``--resume`` continues (under torchrun too) and reaches the same weights as an
uninterrupted run on CPU. Exit status 2 for a usage or I/O error (an unwritable ``--out``
is refused before any work, a missing corpus or previous phase), 1 for invalid input
found (a broken corpus record, an unknown task); each is one line.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from brain.cli import add_device_option, setup_logging
from brain.model import checkpoint
from brain.model.gpt import GPTConfig
from brain.model.tokenizer import CharTokenizer, UnknownTaskError
from brain.train import distributed
from brain.train.curriculum import (
    DEFAULT_LR,
    DEFAULT_MODEL,
    DEFAULT_MUON_LR,
    DEFAULT_OPTIMIZER,
    PHASES,
    SettingError,
    run_phase,
)
from brain.train.data import DataError, DataReadError, ensure_corpora
from brain.train.history import write_history
from brain.train.trainer import Interrupted
from lcr.resources import default_corpora, default_runs

log = logging.getLogger("brain.train")


def parse_phases(text: str) -> list[int]:
    try:
        lo, _, hi = text.partition("-")
        phases = list(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        phases = []
    if not phases or not set(phases) <= set(PHASES):
        raise argparse.ArgumentTypeError(f"phase must be N or N-M within 1-4, got {text!r}")
    return phases


def parse_epochs(text: str) -> dict[int, int]:
    """``N`` (every phase) or ``N1,N2,N3,N4`` (phases 1-4 in order) -> {phase: epochs}."""
    try:
        counts = [int(t) for t in text.split(",")]
    except ValueError:
        counts = []
    if len(counts) == 1:
        counts *= len(PHASES)
    if len(counts) != len(PHASES) or min(counts) < 1:
        raise argparse.ArgumentTypeError(
            f"epochs must be N or {len(PHASES)} comma-separated counts >= 1, got {text!r}")
    return dict(zip(sorted(PHASES), counts, strict=True))


BOOLS = {"true": True, "1": True, "false": False, "0": False}


def parse_model(text: str) -> dict:
    out = {}
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        if key not in GPTConfig.__dataclass_fields__:
            raise argparse.ArgumentTypeError(f"unknown model setting {key!r}")
        kind = type(getattr(GPTConfig, key))  # every field has a default of its type
        if kind is bool:
            if value.lower() not in BOOLS:
                raise argparse.ArgumentTypeError(f"{key} must be true or false, got {value!r}")
            out[key] = BOOLS[value.lower()]
        else:
            try:
                out[key] = kind(value)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{key} must be {kind.__name__}, got {value!r}") from None
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m brain.train", description=__doc__.split("\n")[0])
    ap.add_argument("--phase", dest="phases", type=parse_phases, default=[1, 2, 3, 4],
                    help="phase N or range N-M (default 1-4)")
    ap.add_argument("--resume", action="store_true", help="continue from phaseN/last")
    add_device_option(
        ap, help="auto (default): CUDA with bf16 mixed precision when present")
    ap.add_argument("--out", type=Path, default=None,
                    help="run folder (default DATA_HOME/runs/latest; DATA_HOME is "
                         "$HLXL_BRAIN_HOME, else ~/.local/share/hlxl-brain)")
    ap.add_argument("--corpora", type=Path, default=None,
                    help="corpus folder (default DATA_HOME/corpora, compiled there if missing)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="total wall-clock budget, shared by the phases as in PHASES")
    ap.add_argument("--epochs", type=parse_epochs, default=None,
                    help="override the phases' epochs: N, or N1,N2,N3,N4 for phases 1-4 "
                         "(each phase stays one cosine cycle, run to its end)")
    ap.add_argument("--max-train", type=int, default=None, help="subsample train records")
    ap.add_argument("--eval-samples", type=int, default=None)
    ap.add_argument("--save-every-steps", type=int, default=0)
    ap.add_argument("--max-steps", type=int, default=None,
                    help="end each phase after N optimizer steps (reproducible short runs; "
                         "the schedule stays the phase's)")
    ap.add_argument("--lr", type=float, default=DEFAULT_LR,
                    help=f"peak learning rate (default {DEFAULT_LR})")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads per process (default: the cores shared out "
                         "among this machine's processes)")
    ap.add_argument("--shards", type=int, default=None,
                    help="split each batch into N row shards trained side by side on their "
                         "own threads (default: 2 on CPU, 1 on CUDA or with dropout)")
    ap.add_argument("--optimizer", choices=("adamw", "muon"), default=DEFAULT_OPTIMIZER,
                    help=f"muon: Muon for the blocks' matrices, AdamW for the rest "
                         f"(default {DEFAULT_OPTIMIZER})")
    ap.add_argument("--muon-lr", type=float, default=DEFAULT_MUON_LR,
                    help=f"Muon's peak learning rate (default {DEFAULT_MUON_LR})")
    ap.add_argument("--cpu-amp", action="store_true",
                    help="bf16 autocast on CPU (faster on long rows; CUDA always uses bf16)")
    ap.add_argument("--model", type=parse_model, default={},
                    help="model overrides, e.g. n_layer=1,n_embd=64 (phase 1 only)")
    ap.add_argument("--fresh", action="store_true",
                    help="start the first phase from random weights, not the previous phase")
    args = ap.parse_args(argv)
    setup_logging()
    args.out = args.out if args.out is not None else default_runs() / "latest"
    args.corpora = args.corpora if args.corpora is not None else default_corpora()
    if args.shards is not None and args.shards < 1:
        ap.error(f"--shards must be at least 1, got {args.shards}")
    if args.max_steps is not None and args.max_steps < 1:
        ap.error(f"--max-steps must be at least 1, got {args.max_steps}")
    problem = unwritable(args.out)
    if problem:  # before any work: not after an epoch of training
        log.error(f"error: --out {args.out}: {problem}")
        return 2
    if distributed.env_world().size > 1 and distributed.env_world().rank > 0:
        logging.getLogger("brain").setLevel(logging.WARNING)  # rank 0 speaks for all
        logging.getLogger("lcr").setLevel(logging.WARNING)
    args.world, args.device = distributed.init_from_env(args.device)
    try:
        return _train(args)
    finally:
        distributed.shutdown(args.world)


def unwritable(out: Path) -> str | None:
    """Why files cannot be written under ``out`` (created if missing), or None."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        return f"cannot write here: {e.strerror or e}"
    return None


def _train(args) -> int:
    world = args.world
    if args.device == "cpu":
        import torch

        torch.use_deterministic_algorithms(True)
        # torchrun's processes on one machine share its cores
        torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1)
                                                  // distributed.local_size()))
    tok = CharTokenizer()
    t0 = time.monotonic()
    try:
        error = None
        if world.main:  # one compiler, the others wait for its corpora (or its error)
            try:
                ensure_corpora(args.corpora, args.phases)
            except DataError as e:
                error = (2 if isinstance(e, DataReadError) else 1, str(e))
        error = distributed.broadcast(world, error)
        if error:
            log.error(f"error: {error[1]}")
            return error[0]
        for phase in args.phases:
            run_phase(phase, args, tok, DEFAULT_MODEL | args.model)
            if world.main:
                write_history(args.out, PHASES)
    except Interrupted as e:
        if world.main:
            write_history(args.out, PHASES)
        log.info(str(e))
        return 130
    except KeyboardInterrupt:  # outside training (loading data): nothing to save yet
        log.info("interrupted")
        return 130
    except DataReadError as e:
        log.error(f"error: {e}")
        return 2
    except (DataError, UnknownTaskError) as e:
        log.error(f"error: {e}")
        return 1
    except (checkpoint.CheckpointError, SettingError) as e:
        log.error(f"error: {e}")
        return 2
    log.info(f"done in {time.monotonic() - t0:.0f} s; final model in {args.out / 'final'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The curriculum: phases 1-4 as data (``PHASES``) and ``run_phase``, which trains one.

``python -m brain.train`` (``brain/train/__main__.py``) runs it; see there for the command
line. Each phase trains on its corpus's ``train`` split (its replay share of earlier phases
is already mixed in by the compiler), early-stops on ``val`` loss and, after every epoch,
decodes a fixed validation sample to report grammar validity (``lcr.parse``) and exact
match beside the loss. Output under the run folder::

    phaseN/best/ phaseN/last/   per-phase checkpoints (last/ holds the resume state)
    phaseN/merged/              where the plan merges (phase 4): best averaged with the start
    final/                      the latest finished phase's model (what ships)
    history.json  loss.png      per-epoch loss, learning rate and task metrics, all phases
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import subprocess
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from brain.evaluate.task_metrics import TaskMetrics
from brain.model import checkpoint
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import UnknownTaskError
from brain.train import merge
from brain.train.data import (
    BatchSource,
    encode_records,
    file_sha256,
    read_jsonl,
)
from brain.train.distributed import SINGLE, barrier
from brain.train.leftovers import remove_orphans
from brain.train.trainer import TrainConfig, Trainer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhasePlan:
    epochs: int  # upper bound; early stopping usually ends a phase sooner
    patience: int
    restart_epochs: float  # first cosine cycle, in epochs
    eval_samples: int  # en2lcr validation records decoded after each epoch
    max_train: int | None = None  # subsample the train split (None = all of it)
    minutes: float | None = None  # wall-clock cap for the phase
    # Share of the starting model's weights averaged back into the phase's best model at
    # its end (brain.merge; 0 = none): what the phase hands on is phaseN/merged/.
    keep_previous: float = 0.0


# The curriculum, as data. Epochs, not minutes, end each phase, so a CPU run with a fixed
# seed is reproducible; the minute caps are a safety net well above the expected time.
# Sized from the measured 11-16k target tokens/s on 2 CPU cores and the default corpora
# (train target tokens per epoch, replay included, about 1.0M, 2.9M, 3.1M, 2.9M) with
# Muon's extra cost per step: about 27 minutes in all. One cosine cycle per phase
# (restart_epochs = epochs; each phase is a warm restart): measured on phase 1, it beat a
# restart inside the phase (val exact 32% vs 30%). The corpora are large enough
# (train_extra in lcr.corpus.build) that a few passes suffice; phase 3 learns more from one
# pass over twice as many programs than from two passes (docs/model.md). Phase 4 undoes part of
# phase 3; keeping a tenth of phase 3's weights wins a little of it back (measured on
# validation, with its price in lcr2en: brain.merge's docstring). An epoch moved from phase 2
# to phase 4 (3 / 2 / 1 / 3) lost 12 phase-3 validation programs, for 4 more phase-4
# sentences (docs/model.md). Phase 1 runs 4 epochs (validation exact 69% -> 85% for the
# fourth); to keep the job within 45 minutes on 2 AMD EPYC cores (45.1 minutes with all of
# phase 3's 29,824 training records), phase 3 trains on 20,000 of them.
PHASES = {
    1: PhasePlan(epochs=4, patience=4, restart_epochs=4, eval_samples=48, minutes=14),
    2: PhasePlan(epochs=3, patience=3, restart_epochs=3, eval_samples=48, minutes=16),
    3: PhasePlan(epochs=1, patience=2, restart_epochs=1, eval_samples=24, minutes=8,
                 max_train=20000),
    4: PhasePlan(epochs=2, patience=2, restart_epochs=2, eval_samples=48, minutes=16,
                 keep_previous=0.1),
}
# Training-time model settings on top of GPTConfig's defaults: no dropout, because with
# corpora this size and so few epochs there is no over-fitting to fight (measured: phase-1
# validation loss 0.64 without dropout at lr 3e-3 against 0.81 with 0.1 at lr 1e-3).
DEFAULT_MODEL = {"dropout": 0.0}
DEFAULT_LR = 3e-3  # measured better than 1e-3 on phase 1 (docs/model.md)
# Muon (brain.train.muon) for the blocks' weight matrices, AdamW (DEFAULT_LR) for the rest.
# Measured on phase 1 (same data, schedule and seed, 4 epochs): validation loss 0.155 with
# AdamW alone, 0.027 with Muon; greedy exact match on the validation sample 38% vs 88%.
# Its Newton-Schulz steps cost about 10% more time per step, so phase 1 runs 3 epochs.
DEFAULT_OPTIMIZER = "muon"
# Muon's peak learning rate. Measured on phase 1 (3 epochs, everything else equal):
# validation loss after epoch 2 / 3 was 0.237 / - at 0.04 (stopped), 0.070 / 0.042 at 0.02
# (the speedruns' value), 0.054 / 0.028 at 0.012, 0.032 / 0.020 at 0.008, 0.031 / 0.018 at
# 0.005, 0.031 / 0.023 at 0.003; greedy exact match on the phase-1 validation split 84.0%
# (0.02), 86.5% (0.012), 92.0% (0.008), 92.8% (0.005), 91.0% (0.003).
DEFAULT_MUON_LR = 0.005
MAX_VAL = 512  # validation records used for the loss (the tail of a large split adds little)


def code_revision() -> str:
    """The git commit of this code (+ "-dirty"), or HLXL_CODE_REVISION when set: a copy of
    the tree sent elsewhere (e.g. to a GPU machine) has no or a stale .git of its own."""
    if os.environ.get("HLXL_CODE_REVISION"):
        return os.environ["HLXL_CODE_REVISION"]
    root = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root,
                               capture_output=True, text=True).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_phase_data(tok, corpora: Path, phase: int, block: int, max_train, seed):
    path = corpora / f"phase{phase}.jsonl"
    records = read_jsonl(path)
    unknown = sorted({r["task"] for r in records} - set(tok.tasks))
    if unknown:
        raise UnknownTaskError(f"{path}: unknown task(s) {', '.join(unknown)}; known: "
                               f"{', '.join(tok.tasks)} (add them to brain.model.tokenizer.TASKS)")
    train = [r for r in records if r["split"] == "train"]
    val = [r for r in records if r["split"] == "val" and not r.get("replay")]
    if max_train is not None and len(train) > max_train:
        train = random.Random(seed).sample(train, max_train)
    if len(val) > MAX_VAL:
        val = random.Random(seed + 1).sample(val, MAX_VAL)
    return path, train, val


def phase_plan(phase: int, epochs: dict[int, int] | None = None, **overrides) -> PhasePlan:
    """``PHASES[phase]`` with the command line's overrides (None values are ignored).
    Overridden epochs keep the plan's shape: one cosine cycle over the phase, patience
    as long as the phase, and the wall-clock safety cap in proportion."""
    plan = PHASES[phase]
    if epochs is not None:
        n = epochs[phase]
        plan = replace(plan, epochs=n, restart_epochs=n, patience=max(plan.patience, n),
                       minutes=plan.minutes and plan.minutes * n / plan.epochs)
    return replace(plan, **{k: v for k, v in overrides.items() if v is not None})


def run_phase(phase: int, args, tok, model_overrides: dict) -> dict:
    """Train ``phase`` as ``args`` (the command line's settings) say; returns its state.
    Under torchrun every rank calls it (``args.world``); rank 0 alone writes."""
    world = getattr(args, "world", SINGLE)
    plan = phase_plan(phase, args.epochs, max_train=args.max_train,
                      eval_samples=args.eval_samples)
    out = args.out / f"phase{phase}"
    fresh = phase == 1 or phase == args.phases[0] and args.fresh
    started_from = None if fresh else phase_result(args.out, phase - 1)
    if started_from is not None:
        try:
            prev_model, prev_tok, _ = checkpoint.load(started_from, device="cpu")
        except checkpoint.CheckpointError as e:
            raise checkpoint.CheckpointError(
                f"phase {phase} starts from phase {phase - 1}'s model: {e} "
                f"(run --phase {phase - 1} first)") from None
        if prev_tok.vocab != tok.vocab:
            raise checkpoint.CheckpointError(
                f"{started_from}: vocabulary differs from this code's")
    if args.resume and (out / "last").is_dir():  # the model as it was saved, whatever --model
        model, _, _ = checkpoint.load(out / "last", device="cpu")
        model.train()
    elif fresh:
        torch.manual_seed(args.seed)
        model = GPT(GPTConfig(vocab_size=len(tok), **model_overrides))
    else:
        model = prev_model
        model.train()
    block = model.config.block_size
    path, train, val = load_phase_data(tok, args.corpora, phase, block, plan.max_train,
                                       args.seed)
    pad = tok.pad
    train_src = BatchSource(encode_records(tok, train, block), pad, 32, args.seed + phase)
    val_src = BatchSource(encode_records(tok, val, block), pad, 32, 0) if val else None
    cfg = TrainConfig(epochs=plan.epochs, lr=args.lr, patience=plan.patience,
                      restart_epochs=plan.restart_epochs, seed=args.seed * 10 + phase,
                      max_minutes=plan.minutes if args.max_minutes is None else
                      args.max_minutes * plan.minutes / sum(p.minutes for p in PHASES.values()),
                      save_every_steps=args.save_every_steps, cpu_amp=args.cpu_amp,
                      optimizer=args.optimizer, muon_lr=args.muon_lr,
                      shards=shards_for(args, model),
                      max_steps=getattr(args, "max_steps", None))
    meta = {"phase": phase, "corpus": {"file": str(path), "sha256": file_sha256(path),
                                       "train": len(train), "val": len(val)},
            "code_revision": code_revision(), "plan": asdict(plan),
            "world_size": world.size}
    log.info(f"phase {phase}: {len(train)} train / {len(val)} val records from {path}; "
        f"{model.num_params():,} parameters on {args.device}")
    # Validation samples are decoded on rank 0 only (brain.train.trainer._end_epoch).
    metrics = TaskMetrics(tok, val, plan.eval_samples, args.seed) if val and world.main \
        else None
    trainer = Trainer(model, tok, train_src, val_src, cfg, out, device=args.device,
                      evaluate=metrics, meta=meta, desc=f"phase {phase}", world=world)
    if world.main:
        shutil.rmtree(out / "merged", ignore_errors=True)  # stale until this phase ends
        remove_orphans(out, ("merged",))  # killed saves (the trainer removes its own)
        remove_orphans(args.out, ("final",))
    state = trainer.run(resume=args.resume)
    if world.main:
        _hand_on(phase, args, tok, plan, state, started_from, metrics, out)
    barrier(world)  # the next phase starts from what rank 0 wrote
    return state


def _hand_on(phase, args, tok, plan, state, started_from, metrics, out) -> None:
    """What a finished phase hands on: its merged or best model, copied to ``final/``."""
    result = out / "best"
    last = state["history"][-1] if state["history"] else {}
    sample_metrics = {"last_epoch_metrics": last.get("val_metrics")}
    if plan.keep_previous and started_from is not None:
        merge.merge(started_from, result, plan.keep_previous, out / "merged", code_revision())
        result = out / "merged"
        log.info(f"phase {phase}: {result} keeps {plan.keep_previous:g} of {started_from}'s "
                 "weights")
    best, _, best_cfg = checkpoint.load(result, device=args.device)
    if metrics and "merged" in best_cfg:  # the shipped model is no epoch's: score it too
        sample_metrics["merged_metrics"] = metrics(best, 0).get("val_metrics")
    checkpoint.save(args.out / "final", best, tok, checkpoint.meta_of(best_cfg) | sample_metrics)


class SettingError(ValueError):
    """Command-line settings that contradict the model."""


def shards_for(args, model: GPT) -> int:
    """``--shards``, else 2 on CPU (docs/performance.md) for a model without dropout (its
    draws would make the shards' threads irreproducible), else 1. Under torchrun the
    processes are the shards: 1."""
    if getattr(args, "world", SINGLE).size > 1:
        if args.shards is not None and args.shards > 1:
            raise SettingError(f"--shards {args.shards} with {args.world.size} processes: "
                               "the processes share out the batches; drop --shards")
        return 1
    if args.shards is not None:
        if args.shards > 1 and model.config.dropout > 0:
            raise SettingError(f"--shards {args.shards} needs a model without dropout "
                               f"(this one has {model.config.dropout:g}): use --shards 1")
        return args.shards
    return 2 if args.device == "cpu" and model.config.dropout == 0 else 1


def phase_result(out: Path, phase: int) -> Path:
    """The model phase ``phase`` hands on: ``merged/`` where its plan merges, else ``best/``."""
    merged = out / f"phase{phase}" / "merged"
    return merged if merged.is_dir() else out / f"phase{phase}" / "best"

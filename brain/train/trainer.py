"""A generic training loop: batches in, a trained model, checkpoints and history out.

It knows nothing of LC-R. Given a model, a ``BatchSource`` for training and one for
validation, it runs AdamW with linear warm-up then cosine annealing with warm restarts,
gradient clipping, early stopping on validation loss, an optional per-epoch ``evaluate``
callback (task metrics, sample generations), and writes into ``out_dir``::

    best/    the checkpoint with the lowest validation loss so far
    last/    the latest checkpoint plus the full resume state (optimizer moments, step,
             epoch, batch position, early-stopping counters, history)

Data parallel (``world``: ``brain.train.distributed``): each rank runs its row shard of
every batch through DDP; batches, steps and schedule are one process's; rank 0 writes.

Determinism: the batch order is a function of (seed, epoch), the dropout RNG is reseeded
from (seed, step) before every step and the learning rate is a function of the step, so
killing the run at any moment and resuming from ``last/`` reproduces the uninterrupted
weights bit for bit on CPU (with ``torch.use_deterministic_algorithms(True)``).
"""

from __future__ import annotations

import json
import logging
import math
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from brain.model import checkpoint
from brain.threads import intra_op
from brain.train import distributed
from brain.train.distributed import SINGLE, World
from brain.train.leftovers import remove_orphans
from brain.train.muon import MuonAdamW, make_optimizer
from brain.train.shards import rank_backward, thread_backward
from lcr.progress import Progress

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    restart_epochs: float = 2.0  # length of the first cosine cycle, in epochs
    restart_mult: int = 2  # each cycle is this many times longer than the one before
    min_lr: float = 1e-5
    grad_clip: float = 1.0
    patience: int = 3  # epochs without a better validation loss before stopping
    save_every_epochs: int = 1
    save_every_steps: int = 0  # 0 = only at the end of epochs
    seed: int = 0
    max_minutes: float | None = None  # wall-clock cap (ends the run early; not reproducible)
    # Step cap: the run stops once this many optimizer steps are done (the schedule stays
    # the full run's; reproducible, unlike the clock). The epoch it cuts is validated.
    max_steps: int | None = None
    cpu_amp: bool = False  # bf16 autocast on CPU too (always on for CUDA)
    optimizer: str = "adamw"  # or "muon": brain.train.muon.MuonAdamW (Muon for block matrices)
    muon_lr: float = 0.02  # Muon's peak learning rate (follows the same schedule)
    # Row shards of each batch run side by side on their own threads, one intra-op thread
    # each, their gradients summed in shard order (see Trainer._backward). 1 = the whole
    # batch in one call. The weights depend on it (float sums in another order), not on
    # the machine's core count.
    shards: int = 1


def lr_at(step: int, cfg: TrainConfig, steps_per_epoch: int) -> float:
    """Learning rate of ``step``: linear warm-up, then SGDR cosine cycles."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    t = step - cfg.warmup_steps
    # The first cycle shares its epochs with the warm-up, so that every cycle ends on an
    # epoch boundary (restart_epochs = a phase's epochs: annealed exactly at its end).
    cycle = max(1, round(cfg.restart_epochs * steps_per_epoch) - cfg.warmup_steps)
    first = True
    while t >= cycle:
        t -= cycle
        cycle = (cycle + cfg.warmup_steps if first else cycle) * cfg.restart_mult
        first = False
    return cfg.min_lr + (cfg.lr - cfg.min_lr) * 0.5 * (1 + math.cos(math.pi * t / cycle))


def step_seed(seed: int, step: int) -> int:
    return (seed * 1_000_003 + step * 7_919 + 12_345) % (2**63 - 1)


class Interrupted(Exception):
    """Raised after a SIGINT/SIGTERM once the resume state has been saved."""


class _StopNow(BaseException):
    """Raised by the signal handler while validation runs, so that Ctrl-C interrupts it at
    once (a BaseException: no ``except Exception`` in a callback swallows it)."""


class Trainer:
    def __init__(self, model, tokenizer, train, val, config: TrainConfig, out_dir, *,
                 device="cpu", evaluate=None, meta: dict | None = None, desc: str = "train",
                 world: World = SINGLE):
        self.model, self.tokenizer = model.to(device), tokenizer
        self.world = world
        self._ddp = None  # the DistributedDataParallel wrapper, during run() with > 1 rank
        self._validating = False  # a signal now interrupts at once (validation)
        self.train, self.val, self.cfg = train, val, config
        self.out_dir, self.device = Path(out_dir), torch.device(device)
        self.evaluate, self.meta, self.desc = evaluate, dict(meta or {}), desc
        self.opt = make_optimizer(model, config.optimizer, config.lr, config.muon_lr,
                                  config.weight_decay)
        self.state = {"epoch": 0, "batch": 0, "step": 0, "best_val": None, "bad_epochs": 0,
                      "finished": False, "stop_reason": None, "elapsed": 0.0, "history": [],
                      # running sums of the current epoch, so a resumed epoch reports the same
                      "sums": {"loss": 0.0, "targets": 0, "tokens": 0}}
        self._stop_signal = False
        if config.shards < 1:
            raise ValueError(f"shards must be at least 1, got {config.shards}")
        if config.shards > 1 and any(
                m.p > 0 for m in model.modules() if isinstance(m, torch.nn.Dropout)):
            # Dropout draws from torch's one global generator, in whatever order the
            # threads reach it: the run would no longer be reproducible.
            raise ValueError("shards > 1 needs a model without dropout")
        if config.shards > 1 and world.size > 1:
            raise ValueError("shards > 1 and more than one process: use one or the other")
        self._pool: ThreadPoolExecutor | None = None  # the shards' threads, during run()
        self._threads = torch.get_num_threads()  # the caller's intra-op threads (run() reads)
        self.on_step = None  # test hook: called with the step number after each step

    # -- state -------------------------------------------------------------------------

    def _opt_tensors(self) -> tuple[dict, dict]:
        sd = self.opt.state_dict()
        tensors = {f"opt.{pid}.{name}": t for pid, st in sd["state"].items()
                   for name, t in st.items()}
        return tensors, {"param_groups": sd["param_groups"]}

    def save(self, which: str, with_state: bool) -> None:
        if not self.world.main:  # every rank holds the same weights; one writes them
            return
        meta = {**self.meta, "training": asdict(self.cfg), "step": self.state["step"],
                "epoch": self.state["epoch"], "best_val_loss": self.state["best_val"]}
        if not with_state:
            checkpoint.save(self.out_dir / which, self.model, self.tokenizer, meta)
            return
        tensors, opt_json = self._opt_tensors()
        checkpoint.save(self.out_dir / which, self.model, self.tokenizer, meta,
                        state_tensors=tensors, state={**self.state, "optimizer": opt_json})

    def resume(self) -> bool:
        """Load ``last/`` if it exists; True when a state was restored."""
        last = self.out_dir / "last"
        try:
            path = checkpoint.resolve(last)
        except checkpoint.CheckpointError:
            return False
        model, _, _ = checkpoint.load(path, device=self.device)
        if model.config != self.model.config:
            raise checkpoint.CheckpointError(
                f"{path}: saved model config {model.config} differs from {self.model.config}")
        self.model.load_state_dict(model.state_dict())
        tensors, state = checkpoint.load_state(path)
        opt_state: dict = {}
        for key, t in tensors.items():
            _, pid, name = key.split(".", 2)
            opt_state.setdefault(int(pid), {})[name] = t
        groups = state.pop("optimizer")["param_groups"]
        try:
            self.opt.load_state_dict({"state": opt_state, "param_groups": groups})
        except (ValueError, KeyError):  # e.g. saved by AdamW alone, resumed with Muon
            raise checkpoint.CheckpointError(
                f"{path}: its optimizer state does not fit optimizer "
                f"{self.cfg.optimizer!r}; resume with the optimizer that run used "
                "(--optimizer) or start it afresh") from None
        state.pop("tensors_sha256", None)
        self.state.update(state)
        return True

    # -- loop ----------------------------------------------------------------------------

    def _signal(self, signum, frame):
        self._stop_signal = True
        if self._validating:  # validation takes a while: stop it now, not after it
            self._validating = False
            raise _StopNow

    def _step_threads(self):
        """Intra-op threads for the training loop (validation at each epoch's end goes back
        to the caller's): with shards, the cores are shared out among them (their threads
        would otherwise oversubscribe the cores), and the optimizer step runs on one
        shard's share too: its small ops lose more waiting for a second thread than they
        gain (measured on 2 cores: 30 vs 40-65 ms)."""
        t = self._threads
        return intra_op(t // self.cfg.shards if self._pool is not None else t)

    def run(self, resume: bool = False) -> dict:
        if resume and self.resume():
            st = self.state
            if st["finished"]:
                log.info(f"{self.desc}: already finished ({st['stop_reason']}), nothing to do")
                return st
            log.info(f"{self.desc}: resuming at epoch {st['epoch'] + 1}, batch {st['batch']}, "
                f"step {st['step']}")
        self.state["world_size"] = self.world.size
        if self.world.main:
            remove_orphans(self.out_dir)
        handlers = {s: signal.signal(s, self._signal) for s in (signal.SIGINT, signal.SIGTERM)}
        if self.world.size > 1:
            from torch.nn.parallel import DistributedDataParallel

            cuda = self.device.type == "cuda"
            self._ddp = DistributedDataParallel(
                self.model, device_ids=[self.device.index] if cuda else None)
        if self.cfg.shards > 1:
            self._pool = ThreadPoolExecutor(self.cfg.shards, thread_name_prefix="shard")
        if isinstance(self.opt, MuonAdamW):
            self.opt.executor = self._pool
        self._threads = torch.get_num_threads()
        try:
            with self._step_threads():
                self._loop()
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
            if isinstance(self.opt, MuonAdamW):
                self.opt.executor = None
            self._ddp = None
        return self.state

    def _capped(self) -> bool:
        """The step cap (``max_steps``) is reached: the run ends here, as planned."""
        if self.cfg.max_steps is None or self.state["step"] < self.cfg.max_steps:
            return False
        self.state["stop_reason"] = f"max steps {self.cfg.max_steps}"
        return True

    def _loop(self) -> None:
        cfg, st, model, world = self.cfg, self.state, self.model, self.world
        per_epoch = self.train.num_batches()
        t0 = time.monotonic() - st["elapsed"]
        while st["epoch"] < cfg.epochs and not st["finished"]:
            if st["batch"] == 0 and self._capped():  # capped on an epoch's last step
                break
            batches = self.train.epoch(st["epoch"])
            bar = Progress(len(batches), f"{self.desc} epoch {st['epoch'] + 1}/{cfg.epochs}",
                           enabled=world.main)
            bar.n = st["batch"]
            sums = st["sums"]
            epoch_t0, done = time.monotonic(), 0
            model.train()
            for i in range(st["batch"], len(batches)):
                if self._capped():
                    log.info(f"{self.desc}: stopped at step {st['step']} (max steps)")
                    break
                x, y, n_target = self.train.batch(batches[i])
                x, y = x.to(self.device), y.to(self.device)
                # dropout of this step (each rank its own draws; rank 0's as one process)
                torch.manual_seed(step_seed(cfg.seed, st["step"]) + world.rank)
                lr = lr_at(st["step"], cfg, per_epoch)
                for group in self.opt.param_groups:
                    group["lr"] = lr * group.get("lr_scale", 1.0)
                loss = self._backward(x, y)
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                self.opt.step()
                self.opt.zero_grad(set_to_none=True)
                st["step"] += 1
                st["batch"] = i + 1
                elapsed = time.monotonic() - t0
                over_time = cfg.max_minutes is not None and elapsed > 60 * cfg.max_minutes
                if world.size == 1:
                    loss = loss.item()
                else:  # the ranks' shares of the loss, and one decision to stop for all
                    loss, stops, overs = distributed.all_sum(
                        world, [loss.item(), float(self._stop_signal), float(over_time)])
                    self._stop_signal, over_time = stops > 0, overs > 0
                sums["loss"] += loss * n_target
                sums["targets"] += n_target
                sums["tokens"] += int((x != self.train.pad).sum())
                st["elapsed"] = elapsed
                done += n_target
                rate = done / max(1e-9, time.monotonic() - epoch_t0)
                bar.update(1, loss=sums["loss"] / sums["targets"], lr=lr, tgt_tok_s=round(rate))
                if self.on_step is not None:
                    self.on_step(st["step"])
                if cfg.save_every_steps and st["step"] % cfg.save_every_steps == 0:
                    self.save("last", with_state=True)
                if self._stop_signal:
                    self.save("last", with_state=True)
                    bar.close()
                    raise Interrupted(f"{self.desc}: interrupted at step {st['step']}; "
                                      "state saved, --resume continues")
                if over_time:
                    st["stop_reason"] = f"time budget of {cfg.max_minutes} min"
                    # Said out loud: where the clock, not the plan, ends training, the
                    # weights depend on the machine's speed that day.
                    log.info(f"{self.desc}: stopped by its {cfg.max_minutes}-minute cap at step "
                        f"{st['step']}, in epoch {st['epoch'] + 1} of {cfg.epochs}; the "
                        "weights now depend on this machine's speed (not reproducible)")
                    break
            bar.close()
            self._end_epoch(time.monotonic() - epoch_t0, done)
        st["finished"] = True
        st["stop_reason"] = st["stop_reason"] or "epochs done"
        self.save("last", with_state=True)
        if self.world.main and not (self.out_dir / "best").exists():
            self.save("best", with_state=False)  # no validation set: the last is the best

    def _backward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Forward and backward of one batch, gradients left in ``.grad``; returns its loss
        (mean over target positions; with several ranks, this rank's share of it). With
        ``shards`` > 1 or several ranks the rows are dealt into shards (``brain.train.shards``):
        on 2 CPU cores two half batches on one thread each beat one batch on two intra-op
        threads, which wait on each other after every small op."""
        if self.world.size > 1:
            return rank_backward(self._ddp, x, y, self.world, self.train.pad, self._autocast)
        if self._pool is None:
            with self._autocast():
                _, loss = self.model(x, y)
            loss.backward()
            return loss.detach()
        return thread_backward(self.model, x, y, self._pool, self.cfg.shards, self.train.pad,
                               self._autocast)

    def _end_epoch(self, seconds: float, done: int) -> None:
        """Validation, callback, history, early stopping, checkpoints. ``done``: target
        tokens trained in this process during ``seconds`` (for the throughput figure).
        Validation runs on rank 0 and is sent to the others; a signal interrupts it at
        once, saving the state as it was before it (a resumed run validates again)."""
        st, cfg, sums = self.state, self.cfg, self.state["sums"]
        self.model.eval()
        record = {"epoch": st["epoch"] + 1, "step": st["step"],
                  "train_loss": sums["loss"] / max(1, sums["targets"]),
                  "lr": lr_at(max(0, st["step"] - 1), cfg, self.train.num_batches()),
                  "target_tokens": sums["targets"], "tokens": sums["tokens"],
                  "seconds": round(seconds, 2),
                  "target_tokens_per_s": round(done / max(seconds, 1e-9), 1),
                  "world_size": self.world.size}
        interrupted = False
        if self.world.main:
            self._validating = True
            try:
                if self._stop_signal:  # came in between the last step and here
                    raise _StopNow
                with intra_op(self._threads):
                    if self.val is not None:
                        record["val_loss"] = self.val_loss()
                    if self.evaluate is not None:
                        record.update(self.evaluate(self.model, st["epoch"] + 1))
            except _StopNow:
                interrupted = True
            finally:
                self._validating = False
        record = distributed.broadcast(self.world, None if interrupted else record)
        self.model.train()
        if record is None:
            self.save("last", with_state=True)
            raise Interrupted(f"{self.desc}: interrupted in the validation of epoch "
                              f"{st['epoch'] + 1}; state saved, --resume continues")
        st["sums"] = {"loss": 0.0, "targets": 0, "tokens": 0}
        st["history"].append(record)
        st["epoch"] += 1
        st["batch"] = 0
        val = record.get("val_loss")
        if val is not None and (st["best_val"] is None or val < st["best_val"]):
            st["best_val"], st["bad_epochs"] = val, 0
            self.save("best", with_state=False)
        elif val is not None:
            st["bad_epochs"] += 1
            if st["bad_epochs"] >= cfg.patience:
                st["stop_reason"] = f"early stop: no better val loss for {cfg.patience} epochs"
        log.info(f"{self.desc} epoch {record['epoch']}: " + json.dumps(
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in record.items()
             if not isinstance(v, (dict, list))}))
        if st["stop_reason"]:
            st["finished"] = True
        if st["finished"] or st["epoch"] % cfg.save_every_epochs == 0:
            self.save("last", with_state=True)

    def _autocast(self):
        """bf16 mixed precision on CUDA (and on CPU with ``cpu_amp``); fp32 otherwise."""
        on = self.device.type == "cuda" or self.cfg.cpu_amp
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=on)

    @torch.no_grad()
    def val_loss(self) -> float:
        total = count = 0.0
        for x, y, n in self.val.sequential():
            with self._autocast():
                _, loss = self.model(x.to(self.device), y.to(self.device))
            total += loss.item() * n
            count += n
        return total / max(count, 1)

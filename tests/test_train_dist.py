"""Data-parallel training with 2 processes on CPU (gloo): the torchrun command line, and the
trainer's exact resume across a kill in a 2-rank job. Marked ``dist`` (about 30-60 s on 2
cores: each process imports torch); deselect with ``-m 'not dist'``."""

import json
import os
import subprocess
import sys

import pytest
import synth
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from brain.model.checkpoint import load_state
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer
from brain.train.data import BatchSource, encode_records
from brain.train.distributed import World
from brain.train.trainer import TrainConfig, Trainer

pytestmark = [pytest.mark.dist, pytest.mark.skipif(not dist.is_available(),
                                                   reason="torch.distributed is not built in")]

TINY = dict(n_layer=1, n_head=2, n_embd=32, n_ffn=64, block_size=160, dropout=0.0)


class Kill(Exception):
    pass


def _trainer(out, world):
    tok = CharTokenizer()
    recs = [r for r in synth.records(1, 60, 0, (1, 1)) if r["split"] == "train"]
    exs = encode_records(tok, recs, TINY["block_size"])
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=len(tok), **TINY))
    cfg = TrainConfig(epochs=1, batch_size=7, warmup_steps=2, restart_epochs=1,
                      save_every_steps=3, seed=5, optimizer="muon")
    # batches of 7 rows: the ranks' shards differ in size, and the last batch is short
    return Trainer(model, tok, BatchSource(exs, tok.pad, 7, 1),
                   BatchSource(exs[:8], tok.pad, 8, 0), cfg, out, world=world)


def _worker(rank, out, init, kill_at, resume):
    dist.init_process_group("gloo", init_method=f"file://{init}", rank=rank, world_size=2)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    try:
        t = _trainer(out, World(rank, 2))

        def hook(step):
            if step == kill_at:
                raise Kill

        t.on_step = hook
        try:
            t.run(resume=resume)
        except Kill:
            pass
    finally:
        dist.destroy_process_group()


def _spawn(tmp_path, name, kill_at=None, resume=False):
    init = tmp_path / f"init-{name}-{int(resume)}"
    # fork: spawned children took 20 s longer to start and exit than the work itself
    mp.start_processes(_worker, args=(str(tmp_path / name), str(init), kill_at, resume),
                       nprocs=2, start_method="fork")


def test_two_ranks_killed_then_resumed_equal_an_uninterrupted_two_rank_run(tmp_path):
    _spawn(tmp_path, "a")
    _spawn(tmp_path, "b", kill_at=5)  # 2 steps after the save at step 3
    _, state = load_state(tmp_path / "b" / "last")
    assert state["step"] == 3 and state["world_size"] == 2
    _spawn(tmp_path, "b", resume=True)
    weights = [(tmp_path / n / "last" / "model.safetensors").read_bytes() for n in "ab"]
    assert weights[0] == weights[1]
    # the same recipe as one process: the same losses up to float rounding (not the same
    # weights: Muon's orthogonalisation of the first, tiny gradients magnifies rounding)
    one = _trainer(tmp_path / "one", World()).run()["history"]
    _, two = load_state(tmp_path / "a" / "last")
    for key in ("train_loss", "val_loss"):
        assert [e[key] for e in two["history"]] == pytest.approx(
            [e[key] for e in one], rel=1e-3)
    assert [e["step"] for e in two["history"]] == [e["step"] for e in one]


def test_torchrun_two_processes_train_one_job(tmp_path):
    corpora, out = tmp_path / "corpora", tmp_path / "run"
    synth.write_corpora(corpora, 150)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
           "2", "-m", "brain.train", "--phase", "1", "--max-steps", "3", "--device", "cpu",
           "--corpora", str(corpora), "--out", str(out), "--eval-samples", "1", "--model",
           "n_layer=1,n_head=2,n_embd=32,n_ffn=64,block_size=400"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    history = json.loads((out / "history.json").read_text())["phases"]["1"]
    assert history["world_size"] == 2 and history["stop_reason"] == "max steps 3"
    assert [e["world_size"] for e in history["epochs"]] == [2]
    # rank 0 alone writes and logs: one epoch line, one checkpoint of each kind
    assert run.stderr.count("phase 1 epoch 1: {") == 1
    assert sorted(p.name for p in (out / "phase1").iterdir()) == ["best", "last"]
    config = json.loads((out / "phase1" / "last" / "config.json").read_text())
    assert config["world_size"] == 2 and config["step"] == 3
    before = (out / "final" / "model.safetensors").read_bytes()
    again = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=240,
                           env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already finished (max steps 3)" in again.stderr
    assert (out / "final" / "model.safetensors").read_bytes() == before

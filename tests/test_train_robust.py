"""brain.train under interruption and bad settings: Ctrl-C in validation and before the
first epoch ends, an unwritable --out, exit codes, leftovers of a killed save, --max-steps."""

import json
import os
import signal

import pytest
import synth
import torch

import brain.train.trainer as trainer_mod
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer
from brain.train.__main__ import main as train_main
from brain.train.data import BatchSource, encode_records
from brain.train.trainer import Interrupted, TrainConfig, Trainer

TINY = dict(n_layer=1, n_head=2, n_embd=32, n_ffn=64, block_size=160, dropout=0.0)
CLI_MODEL = ["--model", "n_layer=1,n_head=2,n_embd=32,n_ffn=64,block_size=400"]


@pytest.fixture
def torch_settings():
    threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(det)


def _trainer(out, evaluate=None, epochs=2, **cfg):
    tok = CharTokenizer()
    recs = [r for r in synth.records(1, 40, 0, (1, 1)) if r["split"] == "train"]
    exs = encode_records(tok, recs, TINY["block_size"])
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=len(tok), **TINY))
    config = TrainConfig(epochs=epochs, batch_size=8, warmup_steps=2, restart_epochs=epochs,
                         seed=3, **cfg)
    return Trainer(model, tok, BatchSource(exs, tok.pad, 8, 1), BatchSource(exs[:8], tok.pad, 8, 0),
                   config, out, evaluate=evaluate)


def test_ctrl_c_during_validation_interrupts_it_and_resume_is_exact(tmp_path):
    calls = []

    def slow_evaluate(model, epoch):
        calls.append(epoch)
        if len(calls) == 1:  # Ctrl-C while the first validation runs, which would go on
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10_000):
                torch.ones(64, 64) @ torch.ones(64, 64)
            raise AssertionError("validation went on after Ctrl-C")
        return {}

    t = _trainer(tmp_path / "b", evaluate=slow_evaluate)
    with pytest.raises(Interrupted, match="interrupted in the validation of epoch 1"):
        t.run()
    _, state = trainer_mod.checkpoint.load_state(tmp_path / "b" / "last")
    assert state["history"] == [] and state["batch"] == t.train.num_batches()
    resumed = _trainer(tmp_path / "b", evaluate=slow_evaluate).run(resume=True)
    full = _trainer(tmp_path / "a", evaluate=lambda m, e: {})
    full_state = full.run()
    assert resumed["step"] == full_state["step"] and len(resumed["history"]) == 2
    a = (tmp_path / "a" / "last" / "model.safetensors").read_bytes()
    assert a == (tmp_path / "b" / "last" / "model.safetensors").read_bytes()


def test_max_steps_ends_the_run_reproducibly(tmp_path):
    state = _trainer(tmp_path / "a", max_steps=3).run()
    assert state["step"] == 3 and state["stop_reason"] == "max steps 3"
    assert state["finished"] and len(state["history"]) == 1  # the cut epoch is validated
    again = _trainer(tmp_path / "b", max_steps=3).run()
    assert (tmp_path / "a" / "last" / "model.safetensors").read_bytes() == \
        (tmp_path / "b" / "last" / "model.safetensors").read_bytes()
    assert again["history"][0]["val_loss"] == state["history"][0]["val_loss"]
    steps = _trainer(tmp_path / "c").train.num_batches()
    edge = _trainer(tmp_path / "c", max_steps=steps).run()  # the cap on an epoch's last step
    assert edge["step"] == steps and len(edge["history"]) == 1


def _cli_args(tmp_path, *extra):
    corpora = tmp_path / "corpora"
    if not corpora.exists():
        synth.write_corpora(corpora, 150)  # 4 batches of 32 per epoch
    return ["--corpora", str(corpora), "--out", str(tmp_path / "run"), "--phase", "1",
            "--device", "cpu", "--eval-samples", "1", *CLI_MODEL, *extra]


def test_ctrl_c_before_the_first_epoch_ends_saves_and_exits_130(tmp_path, capsys, monkeypatch,
                                                                torch_settings):
    real_init = Trainer.__init__

    def init(self, *a, **kw):
        real_init(self, *a, **kw)
        self.on_step = lambda step: step == 2 and os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(Trainer, "__init__", init)
    assert train_main(_cli_args(tmp_path)) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and "interrupted at step 2; state saved" in err
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert history["phases"]["1"]["epochs"] == []
    assert not (tmp_path / "run" / "loss.png").exists()  # nothing to plot yet
    monkeypatch.setattr(Trainer, "__init__", real_init)
    assert train_main(_cli_args(tmp_path, "--resume", "--max-steps", "4")) == 0
    assert json.loads((tmp_path / "run" / "history.json").read_text())["phases"]["1"][
        "epochs"][0]["step"] == 4


def test_an_unwritable_out_is_refused_before_any_work(tmp_path, capsys, torch_settings):
    (tmp_path / "file").write_text("x")
    corpora = tmp_path / "nothing-compiled-here"
    code = train_main(["--corpora", str(corpora), "--out", str(tmp_path / "file" / "run"),
                       "--phase", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write here" in err and len(err.strip().splitlines()) == 1
    assert not corpora.exists()  # refused before compiling anything


def test_usage_errors_exit_2(tmp_path, capsys):
    for bad in (["--max-steps", "0"], ["--phase", "7"], ["--no-such-flag"]):
        with pytest.raises(SystemExit) as e:
            train_main(["--out", str(tmp_path / "run"), *bad])
        assert e.value.code == 2
    assert "--max-steps must be at least 1" in capsys.readouterr().err


def test_leftovers_of_a_killed_save_are_removed_by_the_next_run(tmp_path, torch_settings):
    phase = tmp_path / "run" / "phase1"
    orphans = [phase / ".last.k1ll3d_x", phase / ".best.abcd1234", tmp_path / "run" / ".final.zz"]
    for o in orphans:
        o.mkdir(parents=True)
        (o / "model.safetensors").write_bytes(b"half written")
    keep = phase / ".keep-me"
    keep.mkdir()
    assert train_main(_cli_args(tmp_path, "--max-steps", "2")) == 0
    assert not any(o.exists() for o in orphans) and keep.exists()
    assert (phase / "last" / "model.safetensors").is_file()

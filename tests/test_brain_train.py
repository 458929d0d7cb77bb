"""Trainer behaviour on tiny configs: learning, overfitting, exact resume, the CLI."""

import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import synth
import torch

import brain.train.curriculum
from brain.evaluate.task_metrics import TaskMetrics
from brain.generate.greedy import generate
from brain.model import checkpoint
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer
from brain.threads import intra_op
from brain.train.__main__ import main as train_main
from brain.train.__main__ import parse_epochs, parse_model
from brain.train.curriculum import PHASES, phase_plan
from brain.train.data import BatchSource, DataError, collate, encode_records, epoch_batches
from brain.train.muon import MuonAdamW, orthogonalize
from brain.train.trainer import TrainConfig, Trainer, lr_at

TINY = dict(n_layer=2, n_head=2, n_embd=32, n_ffn=64, block_size=160)


@pytest.fixture
def deterministic():
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    yield
    torch.use_deterministic_algorithms(before)


@contextlib.contextmanager
def torch_settings_kept():
    """``train_main`` sets torch's thread count and deterministic-algorithms flag for the
    whole process; put both back afterwards so later tests run as configured."""
    threads = torch.get_num_threads()
    det = torch.are_deterministic_algorithms_enabled()
    warn = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(det, warn_only=warn)


@pytest.fixture
def torch_settings():
    with torch_settings_kept():
        yield


def examples(n, phase=1, seed=0):
    tok = CharTokenizer()
    recs = [r for r in synth.records(phase, n, seed, (1, 1)) if r["split"] == "train"]
    return tok, recs, encode_records(tok, recs, TINY["block_size"])


def test_loss_mask_covers_target_and_eos_only():
    tok = CharTokenizer()
    rec = {"id": "a", "task": "en2lcr", "source": "ab", "target": "xyz"}
    (ex,) = encode_records(tok, [rec], 64)
    x, y = collate([ex, encode_records(tok, [{**rec, "target": "x"}], 64)[0]], tok.pad)
    assert x[0].tolist() == [tok.task_id("en2lcr"), *tok.encode("ab"), tok.sep,
                             *tok.encode("xyz")]
    assert y[0].tolist() == [-100, -100, -100, *tok.encode("xyz"), tok.eos]
    assert y[1].tolist() == [-100, -100, -100, *tok.encode("x"), tok.eos, -100, -100]
    assert x[1, -2:].tolist() == [tok.pad, tok.pad]  # shorter row: padded on the right


def test_batches_are_deterministic_length_bucketed_and_complete():
    lengths = [(i * 37) % 101 + 5 for i in range(500)]
    a = epoch_batches(lengths, 32, seed=1, epoch=3)
    assert a == epoch_batches(lengths, 32, seed=1, epoch=3)
    assert a != epoch_batches(lengths, 32, seed=1, epoch=4)
    assert sorted(i for b in a for i in b) == list(range(500))
    pad_sorted = sum(len(b) * max(lengths[i] for i in b) for b in a)
    assert pad_sorted < 1.15 * sum(lengths)  # bucketing keeps padding small


def test_over_long_and_unknown_records_are_errors():
    tok = CharTokenizer()
    with pytest.raises(DataError, match="positions"):
        encode_records(tok, [{"id": "r1", "task": "en2lcr", "source": "a" * 100,
                              "target": "b" * 100}], 160)
    with pytest.raises(DataError, match="r2.*U\\+00E9"):
        encode_records(tok, [{"id": "r2", "task": "en2lcr", "source": "\u00e9",
                              "target": "b"}], 160)


def test_lr_schedule_warms_up_then_restarts():
    cfg = TrainConfig(lr=1e-3, warmup_steps=10, restart_epochs=1, restart_mult=2)
    lrs = [lr_at(s, cfg, steps_per_epoch=20) for s in range(80)]
    assert lrs[0] < lrs[5] < lrs[9] == pytest.approx(1e-3)
    assert lrs[19] < 1e-4 and lrs[20] == pytest.approx(1e-3)  # restart at epoch 1's end
    assert lrs[59] < 1e-4 and lrs[60] == pytest.approx(1e-3)  # then 2 epochs later


@pytest.mark.parametrize("optimizer", ["adamw", "muon"])
def test_training_steps_lower_loss_on_a_fixed_batch(optimizer):
    tok, _, exs = examples(40)
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=len(tok), **TINY))
    opt = (torch.optim.AdamW(model.parameters(), lr=3e-3) if optimizer == "adamw" else
           MuonAdamW(model, lr=3e-3, muon_lr=0.02, weight_decay=0.01))
    x, y = collate(exs[:16], tok.pad)
    losses = []
    for _ in range(20):
        _, loss = model(x, y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_overfitting_a_handful_of_examples_reaches_exact_match(tmp_path):
    tok, recs, exs = examples(12)
    recs, exs = recs[:6], exs[:6]
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=len(tok), **{**TINY, "dropout": 0.0, "n_embd": 64,
                                                   "n_ffn": 128}))
    cfg = TrainConfig(epochs=250, lr=3e-3, warmup_steps=10, restart_epochs=1000, patience=999,
                      save_every_epochs=1000)
    Trainer(model, tok, BatchSource(exs, tok.pad, 8, 0), None, cfg, tmp_path).run()
    outs = generate(model, tok, [tok.encode_prompt(r["task"], r["source"]) for r in recs],
                    max_new_tokens=80)
    assert [tok.decode(o) for o in outs] == [r["target"] for r in recs]


class Kill(Exception):
    pass


def _run(tmp_path, name, kill_at=None, resume=False, optimizer="adamw", shards=1):
    tok, _, exs = examples(60)
    torch.manual_seed(0)
    dropout = 0.1 if shards == 1 else 0.0  # shards need a model without dropout
    model = GPT(GPTConfig(vocab_size=len(tok), **{**TINY, "dropout": dropout}))
    val = BatchSource(exs[:8], tok.pad, 8, 0)
    cfg = TrainConfig(epochs=3, batch_size=8, warmup_steps=4, restart_epochs=1,
                      save_every_steps=3, seed=5, optimizer=optimizer, shards=shards)
    trainer = Trainer(model, tok, BatchSource(exs, tok.pad, 8, 1), val, cfg, tmp_path / name)

    def hook(step):
        if step == kill_at:
            raise Kill

    trainer.on_step = hook
    try:
        state = trainer.run(resume=resume)
    except Kill:
        return None, None
    return model, state


@pytest.mark.parametrize("optimizer, shards", [("adamw", 1), ("muon", 1), ("muon", 3)])
def test_interrupted_then_resumed_equals_uninterrupted(tmp_path, deterministic, optimizer,
                                                       shards):
    # With shards, the threads finish in any order: the same bits regardless is part of it.
    full, full_state = _run(tmp_path, "a", optimizer=optimizer, shards=shards)
    kill = _run(tmp_path, "b", kill_at=11, optimizer=optimizer, shards=shards)  # 2 after a save
    assert kill[0] is None
    resumed, state = _run(tmp_path, "b", resume=True, optimizer=optimizer, shards=shards)
    assert state["step"] == full_state["step"]
    for (k, a), (_, b) in zip(full.state_dict().items(), resumed.state_dict().items(),
                                     strict=True):
        assert torch.equal(a, b), k
    strip = [{k: v for k, v in e.items() if k not in ("seconds", "target_tokens_per_s")}
             for e in full_state["history"]]
    assert strip == [{k: v for k, v in e.items() if k not in ("seconds", "target_tokens_per_s")}
                     for e in state["history"]]


@pytest.mark.parametrize("rows", [7, 8])
def test_sharded_backward_gives_the_whole_batch_gradient(tmp_path, rows):
    # Shards are cut to their own longest row and weighted by their target counts: the sum
    # is the whole batch's mean-loss gradient, up to float rounding. 7 rows in 4 shards
    # leaves one shard a row short; 8 rows of one example but for one leaves shards whose
    # rows carry no target at all.
    tok, _, exs = examples(40)
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=len(tok), **{**TINY, "dropout": 0.0}))
    batch = sorted(exs[:rows], key=lambda e: len(e.ids))
    x, y = collate(batch, tok.pad)
    if rows == 8:
        y[1:] = -100
    grads, losses = [], []
    for shards in (1, 4):
        cfg = TrainConfig(shards=shards)
        trainer = Trainer(model, tok, BatchSource(exs, tok.pad, 8, 0), None, cfg, tmp_path)
        if shards > 1:
            trainer._pool = ThreadPoolExecutor(shards)
        losses.append(trainer._backward(x, y).item())
        grads.append([p.grad.clone() for p in model.parameters()])
        model.zero_grad(set_to_none=True)
    assert losses[1] == pytest.approx(losses[0], rel=1e-5)
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_shards_refuse_dropout_and_the_cli_says_so(tmp_path, capsys, torch_settings):
    tok, _, exs = examples(20)
    model = GPT(GPTConfig(vocab_size=len(tok), **{**TINY, "dropout": 0.1}))
    with pytest.raises(ValueError, match="without dropout"):
        Trainer(model, tok, BatchSource(exs, tok.pad, 8, 0), None, TrainConfig(shards=2),
                tmp_path)
    corpora = tmp_path / "corpora"
    synth.write_corpora(corpora, 10)
    args = ["--corpora", str(corpora), "--out", str(tmp_path / "ck"), "--phase", "1",
            "--device", "cpu", "--model", "n_layer=1,n_head=2,n_embd=32,n_ffn=64,dropout=0.1"]
    assert train_main([*args, "--shards", "2"]) == 2
    assert "--shards 2 needs a model without dropout" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        train_main([*args, "--shards", "0"])
    assert e.value.code == 2 and "--shards must be at least 1" in capsys.readouterr().err


def test_a_time_cap_stops_the_phase_and_says_so(tmp_path, capsys):
    tok, _, exs = examples(60)
    model = GPT(GPTConfig(vocab_size=len(tok), **TINY))
    cfg = TrainConfig(epochs=3, batch_size=8, warmup_steps=4, max_minutes=0.0)
    state = Trainer(model, tok, BatchSource(exs, tok.pad, 8, 1), None, cfg, tmp_path).run()
    assert state["step"] == 1 and state["stop_reason"] == "time budget of 0.0 min"
    assert "cap at step 1, in epoch 1 of 3" in capsys.readouterr().err


def test_cli_trains_two_phases_and_writes_everything(tmp_path, deterministic, torch_settings):
    corpora = tmp_path / "corpora"
    synth.write_corpora(corpora, 30)
    args = ["--corpora", str(corpora), "--out", str(tmp_path / "ck"), "--phase", "1-2",
            "--epochs", "1", "--eval-samples", "2", "--model",
            "n_layer=1,n_head=2,n_embd=32,n_ffn=64,block_size=400"]
    assert train_main(args) == 0
    out = tmp_path / "ck"
    history = json.loads((out / "history.json").read_text())
    assert set(history["phases"]) == {"1", "2"}
    epoch = history["phases"]["2"]["epochs"][0]
    assert {"train_loss", "val_loss", "lr", "val_en2lcr_exact", "val_en2lcr_valid"} <= set(epoch)
    assert (out / "loss.png").stat().st_size > 1000
    model, tok, config = checkpoint.load(out)  # the root resolves to final/
    assert config["phase"] == 2 and len(config["corpus"]["sha256"]) == 64
    assert config["model"]["n_layer"] == 1 and config["training"]["batch_size"] == 32
    # --resume with everything finished does no work and changes nothing
    before = (out / "final" / "model.safetensors").read_bytes()
    assert train_main(args + ["--resume"]) == 0
    assert (out / "final" / "model.safetensors").read_bytes() == before


def test_a_merging_phase_hands_on_its_best_averaged_with_its_start(tmp_path, deterministic,
                                                                   torch_settings, monkeypatch):
    monkeypatch.setitem(brain.train.curriculum.PHASES, 2, replace(PHASES[2], keep_previous=0.25))
    corpora = tmp_path / "corpora"
    synth.write_corpora(corpora, 30)
    out = tmp_path / "ck"
    assert train_main(["--corpora", str(corpora), "--out", str(out), "--phase", "1-2",
                       "--epochs", "1", "--eval-samples", "2", "--model",
                       "n_layer=1,n_head=2,n_embd=32,n_ffn=64,block_size=400"]) == 0
    start = checkpoint.model_tensors(checkpoint.load(out / "phase1" / "best")[0])
    best = checkpoint.model_tensors(checkpoint.load(out / "phase2" / "best")[0])
    model, _, config = checkpoint.load(out / "final")
    got = checkpoint.model_tensors(model)
    assert any(not torch.equal(start[k], best[k]) for k in best)
    for k in best:
        assert torch.allclose(got[k], 0.25 * start[k] + 0.75 * best[k], atol=1e-6), k
    assert config["merged"]["keep_previous"] == 0.25 and config["phase"] == 2
    assert set(config["merged_metrics"]) == set(config["last_epoch_metrics"])
    assert (out / "phase2" / "merged").is_dir() and not (out / "phase1" / "merged").exists()


def test_task_metrics_translate_programs_clause_by_clause(monkeypatch):
    """The per-epoch sample decodes en2lcr as brain.generate does (programs clause by
    clause, through brain.generate.segment.by_clauses) and every other task whole, in order."""
    from brain.generate import translate as generate
    from tests.random_models import random_model

    block = '🜊1000🜁0 "block"🜁1 🜊1000🜁0 "log"🜁1 ⟁x🜂🜂'
    recs = [{"task": "en2lcr", "source": f"let x be {i}; log x", "target": block}
            for i in range(3)] + [{"task": "lcr2en", "source": block, "target": "log x"}]
    seen = []

    def by_clauses(model, tok, texts, prompts, decode):
        seen.extend(texts)
        return [block] * len(texts)

    monkeypatch.setattr(generate, "by_clauses", by_clauses)
    metrics = TaskMetrics(CharTokenizer(), recs, n=8, seed=0)
    outs = metrics.decode(random_model(0, 1.0))
    assert sorted(seen) == [r["source"] for r in recs[:3]]
    assert [o == block for o in outs] == [r["task"] == "en2lcr" for r in metrics.sample]
    got = metrics(random_model(0, 1.0), 1)["val_metrics"]["en2lcr"]
    assert got == {"n": 3, "exact": 1.0, "valid": 1.0}


def test_epochs_override_is_one_count_or_one_per_phase():
    assert parse_epochs("2") == {1: 2, 2: 2, 3: 2, 4: 2}
    assert parse_epochs("6,6,16,6") == {1: 6, 2: 6, 3: 16, 4: 6}
    for bad in ("0", "1,2", "a", "1,2,3,4,5", ""):
        with pytest.raises(Exception, match="epochs must be"):
            parse_epochs(bad)
    plan = phase_plan(3, parse_epochs("6,6,16,6"), max_train=100, eval_samples=None)
    assert (plan.epochs, plan.restart_epochs, plan.patience) == (16, 16, 16)
    assert plan.minutes == PHASES[3].minutes * 16 / PHASES[3].epochs and plan.max_train == 100
    assert plan.eval_samples == PHASES[3].eval_samples and phase_plan(2) == PHASES[2]


def test_model_override_parses_each_setting_as_its_type():
    assert parse_model("n_layer=4,dropout=0.05,smear=false,rope=1") == \
        {"n_layer": 4, "dropout": 0.05, "smear": False, "rope": True}
    for bad, why in (("smear=yes", "true or false"), ("n_layer=two", "must be int"),
                     ("layers=4", "unknown model setting")):
        with pytest.raises(Exception, match=why):
            parse_model(bad)


def test_resuming_with_another_optimizer_is_a_clear_error(tmp_path, deterministic):
    assert _run(tmp_path, "a", kill_at=5)[0] is None  # AdamW state saved at step 3
    with pytest.raises(checkpoint.CheckpointError, match="optimizer 'muon'"):
        _run(tmp_path, "a", resume=True, optimizer="muon")


def test_cli_bad_input_is_a_clear_error(tmp_path, capsys, torch_settings):
    corpora = tmp_path / "corpora"
    corpora.mkdir()
    rec = {"id": "x1", "phase": 1, "split": "train", "task": "summarize", "source": "a",
           "target": "b", "lcr": "b", "op": "x", "replay": False}
    (corpora / "phase1.jsonl").write_text(json.dumps(rec) + "\n")
    args = ["--corpora", str(corpora), "--out", str(tmp_path / "ck"), "--phase", "1"]
    assert train_main(args) == 1  # invalid input found
    assert "unknown task(s) summarize" in capsys.readouterr().err
    (corpora / "phase1.jsonl").write_text('{"id": 1,\n')
    assert train_main(args) == 1
    assert "phase1.jsonl:1: not JSON" in capsys.readouterr().err
    (corpora / "phase2.jsonl").write_text(json.dumps({**rec, "task": "en2lcr"}) + "\n")
    assert train_main([*args[:-1], "2"]) == 2
    assert "run --phase 1 first" in capsys.readouterr().err


def test_cli_torch_settings_are_put_back(tmp_path):
    corpora = tmp_path / "corpora"
    corpora.mkdir()
    (corpora / "phase1.jsonl").write_text('{"id": 1,\n')  # fails after the settings
    before = torch.get_num_threads()
    torch.use_deterministic_algorithms(False)
    try:
        with torch_settings_kept():
            assert train_main(["--corpora", str(corpora), "--out", str(tmp_path / "ck"),
                               "--phase", "1", "--device", "cpu",
                               "--threads", str(before + 1)]) == 1
            assert torch.get_num_threads() == before + 1
            assert torch.are_deterministic_algorithms_enabled()
        assert torch.get_num_threads() == before
        assert not torch.are_deterministic_algorithms_enabled()
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("stats, phases, expect", [
    (None, [1, 2], (0, 1.0)),  # a phase missing: compile with the defaults
    ({"format": "current", "seed": 4, "scale": 0.5}, [1], None),  # up to date: nothing
    ({"format": 1, "seed": 4, "scale": 0.5}, [1], (4, 0.5)),
    ({"seed": 4, "scale": 0.5}, None, (4, 0.5)),  # before formats
    ("not json", [1], None),  # not the compiler's folder: left alone
])
def test_ensure_corpora_compiles_missing_and_outdated_corpora(tmp_path, monkeypatch, stats,
                                                              phases, expect):
    """The compiler runs in this process (lcr.compile.run), all four phases, with the
    corpus's own seed and scale when it recompiles an outdated one."""
    import brain.train.data
    import lcr.compile
    from lcr.corpus.build import FORMAT, PHASES

    (tmp_path / "phase1.jsonl").write_text("")
    if stats is not None:
        if isinstance(stats, dict) and stats.get("format") == "current":
            stats["format"] = FORMAT
        text = stats if isinstance(stats, str) else json.dumps(stats)
        (tmp_path / "stats.json").write_text(text)
    calls = []
    monkeypatch.setattr(lcr.compile, "run", lambda *a, **kw: calls.append((a, kw)))
    brain.train.data.ensure_corpora(tmp_path, phases)
    if expect is None:
        assert calls == []
    else:
        assert calls == [((sorted(PHASES), tmp_path, *expect), {"progress": True})]


def test_muon_update_is_nearly_orthogonal():
    torch.manual_seed(0)
    for shape in [(128, 384), (512, 128)]:  # the shapes of the blocks' matrices
        g = torch.randn(shape) * torch.logspace(-1, 0, shape[1])  # columns 10x apart
        s = torch.linalg.svdvals(orthogonalize(g))
        assert orthogonalize(g).shape == g.shape
        assert 0.6 < s.min() and s.max() < 1.2  # every direction moves at a similar rate


def _reference_step(model, state, lr, muon_lr, wd=0.01, betas=(0.9, 0.99), mom=0.95, eps=1e-8):
    """MuonAdamW's update written one tensor at a time, as the algorithm reads."""
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        muon = p.dim() == 2 and name.startswith("blocks.")
        rate = muon_lr if muon else lr
        p.mul_(1 - rate * (0.0 if p.dim() < 2 else wd))
        s = state.setdefault(name, {"buf": torch.zeros_like(p), "m": torch.zeros_like(p),
                                    "v": torch.zeros_like(p), "t": 0})
        if muon:
            s["buf"].lerp_(p.grad, 1 - mom)
            update = orthogonalize(p.grad.lerp(s["buf"], mom))
            p.add_(update, alpha=-rate * max(1.0, p.size(0) / p.size(1)) ** 0.5)
            continue
        s["t"] += 1
        s["m"].lerp_(p.grad, 1 - betas[0])
        s["v"].mul_(betas[1]).addcmul_(p.grad, p.grad, value=1 - betas[1])
        denom = (s["v"] / (1 - betas[1] ** s["t"])).sqrt_().add_(eps)
        p.addcdiv_(s["m"], denom, value=-rate / (1 - betas[0] ** s["t"]))


@pytest.mark.parametrize("threads", [0, 2])
def test_muon_adamw_batched_step_equals_the_per_tensor_algorithm(threads):
    # The optimizer stacks same-shaped matrices and uses foreach ops (few kernel launches on
    # a GPU); on CPU that must give the same bits as the plain per-tensor loop, with its
    # Newton-Schulz steps run on an executor's threads (as Trainer's shards lend it) too.
    models = []
    for _ in range(2):
        torch.manual_seed(0)
        models.append(GPT(GPTConfig(vocab_size=len(CharTokenizer()), dropout=0.0, **TINY)))
    ours, ref = models
    opt, state = MuonAdamW(ours, lr=3e-3, muon_lr=0.02, weight_decay=0.01), {}
    opt.executor = ThreadPoolExecutor(threads) if threads else None
    gen = torch.Generator().manual_seed(1)
    for step in range(4):
        x = torch.randint(3, 100, (4, 40), generator=gen)
        for m in models:
            m(x, x)[1].backward()
        for g in opt.param_groups:
            g["lr"] = 3e-3 * (step + 1) * g["lr_scale"]
        opt.step()
        with torch.no_grad():
            _reference_step(ref, state, 3e-3 * (step + 1), 0.02 * (step + 1))
        for m in models:
            m.zero_grad(set_to_none=True)
    for (name, a), b in zip(ours.state_dict().items(), ref.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_intra_op_sets_the_thread_count_for_its_block_only():
    before = torch.get_num_threads()
    with pytest.raises(KeyError), intra_op(before + 1):
        assert torch.get_num_threads() == before + 1
        raise KeyError  # put back on the way out of an error too
    assert torch.get_num_threads() == before

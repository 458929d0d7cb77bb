"""``python -m brain.bench``: every mode decodes the same prompts; training rows; the naive
reference decoder; bad corpora are clean
errors."""

import json

import pytest
import synth
import torch

import brain.bench.__main__ as bench_cli
import brain.bench.speed as bench
from brain.model.checkpoint import save
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer


def _rec(phase, i, split="test", task="en2lcr", source=None, replay=False):
    return {"id": f"p{phase}-{i}", "phase": phase, "split": split, "task": task,
            "source": source or f"read file{phase}_{i}.txt", "target": "∅", "lcr": "∅",
            "replay": replay}


def _write(corpora, phase, recs):
    corpora.mkdir(exist_ok=True)
    (corpora / f"phase{phase}.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")


@pytest.fixture
def setup(tmp_path):
    corpora = tmp_path / "corpora"
    _write(corpora, 1, [_rec(1, i) for i in range(6)] + [_rec(1, 9, split="train")])
    _write(corpora, 2, [_rec(2, i) for i in range(6)] + [_rec(2, 8, replay=True),
                                                         _rec(2, 9, task="lcr2en")])
    torch.manual_seed(0)
    tok = CharTokenizer()
    save(tmp_path / "ck", GPT(GPTConfig(vocab_size=len(tok), block_size=64, n_layer=1,
                                        n_head=2, n_embd=16, n_ffn=32)), tok)
    threads = torch.get_num_threads()
    yield tmp_path, corpora
    torch.set_num_threads(threads)  # main sets it for the process


def test_prompts_are_spread_over_all_phases(setup):
    _, corpora = setup
    got = bench.prompts_from(corpora, 4)
    assert [s for _, s in got] == ["read file1_0.txt", "read file1_3.txt",
                                   "read file2_0.txt", "read file2_3.txt"]
    assert got == bench.prompts_from(corpora, 4)  # deterministic
    assert len(bench.prompts_from(corpora, 30)) == 30  # repeated when there are fewer


def test_every_mode_decodes_the_same_prompts(setup, monkeypatch, capsys):
    tmp_path, corpora = setup
    seen = []
    real_translate, real_naive = bench.translate, bench.naive_generate

    def spy_translate(model, tok, texts, task, **kw):
        seen.append(list(texts))
        return real_translate(model, tok, texts, task, **kw)

    def spy_naive(model, tok, prompts, **kw):
        seen.append([tok.decode(p[1:-1]) for p in prompts])  # <task> source <sep>
        return real_naive(model, tok, prompts, **kw)

    monkeypatch.setattr(bench, "translate", spy_translate)
    monkeypatch.setattr(bench, "naive_generate", spy_naive)
    out = tmp_path / "b.json"
    assert bench_cli.main(["--checkpoint", str(tmp_path / "ck"), "--corpora", str(corpora),
                           "--quick", "--n", "5", "--max-new-tokens", "6", "--no-train",
                           "--threads", str(torch.get_num_threads()), "--json", str(out)]) == 0
    # naive, the untimed warm-up pass, then each mode: all on the same prompts
    assert len(seen) == 2 + len(bench.DECODE_MODES) and all(s == seen[0] for s in seen)
    report = json.loads(out.read_text())
    rows = [r for r in report["rows"] if r["kind"] == "decode"]
    assert [r["mode"] for r in rows] == ["naive"] + [m for m, _ in bench.DECODE_MODES]
    assert {r["prompts"] for r in rows} == {5} and rows[0]["x_naive"] == 1.0
    (start,) = [r for r in report["rows"] if r["kind"] == "startup"]
    # medians of separate processes: on a loaded machine "beyond torch" can come out negative
    assert 0 < start["import_torch_s"] and 0 < start["first_output_s"]
    assert start["beyond_torch_s"] == pytest.approx(
        start["first_output_s"] - start["import_torch_s"], abs=0.002)
    assert {"default_x_naive", "constraint_slowdown",
            "startup_beyond_torch_s"} <= set(report["summary"])
    table = capsys.readouterr().out
    assert "x naive" in table and "target >= 20x" in table and "beyond torch s" in table


def test_training_rows_run_one_process_and_ddp(tmp_path):
    corpora = tmp_path / "corpora"
    synth.write_corpora(corpora, 60)
    rows = bench.train_rows(corpora, 2, "n_layer=1,n_head=2,n_embd=16,n_ffn=32,block_size=400",
                            modes=bench.TRAIN_MODES[::2])  # one process, and torchrun
    assert [r["world_size"] for r in rows] == [1, 2]
    assert all(r["target_tokens_per_s"] > 0 and r["steps"] == 2 for r in rows)


def test_an_unwritable_report_is_refused_first(setup, capsys):
    tmp_path, corpora = setup
    (tmp_path / "f").write_text("x")
    assert bench_cli.main(["--checkpoint", str(tmp_path / "ck"), "--corpora", str(corpora),
                           "--json", str(tmp_path / "f" / "b.json")]) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("line, message", [
    ('{"id": 1,', "phase1.jsonl:1: not JSON"),
    (json.dumps(_rec(1, 0, source="caf\u00e9")), "p1-0: error: character"),
    (json.dumps(_rec(1, 0, split="train")), "no en2lcr records in the test split"),
])
def test_bad_corpus_is_a_clean_error(setup, capsys, line, message):
    tmp_path, corpora = setup
    (corpora / "phase2.jsonl").unlink()
    (corpora / "phase1.jsonl").write_text(line + "\n", encoding="utf-8")
    assert bench_cli.main(["--checkpoint", str(tmp_path / "ck"), "--corpora", str(corpora),
                       "--n", "2", "--threads", str(torch.get_num_threads())]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_naive_decoder_equals_unconstrained_greedy_with_the_cache():
    from brain.generate.greedy import generate
    from brain.generate.naive import naive_generate

    tok = CharTokenizer()
    torch.manual_seed(1)
    model = GPT(GPTConfig(vocab_size=len(tok), block_size=48, n_layer=2, n_head=2, n_embd=32,
                          n_ffn=64, dropout=0.0))
    prompts = [tok.encode_prompt("en2lcr", s) for s in ("read a.txt", "go", "find x in y z")]
    cached = [tok.decode(o) for o in generate(model, tok, prompts, max_new_tokens=40)]
    assert naive_generate(model, tok, prompts, max_new_tokens=40) == cached
    assert all(len(o) > 0 for o in cached)  # a random model: it did generate something
    short = naive_generate(model, tok, prompts, max_new_tokens=3)
    assert short == [o[:3] for o in cached]

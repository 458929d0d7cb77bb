"""``python -m brain.bench``: every mode decodes the same prompts; bad corpora are clean
errors."""

import json

import pytest
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

    def spy(real):
        def decode(model, tok, prompts, **kw):
            seen.append([tuple(p) for p in prompts])
            return real(model, tok, prompts, **kw)
        return decode

    monkeypatch.setattr(bench, "generate", spy(bench.generate))  # greedy modes
    monkeypatch.setattr(bench, "beam_generate", spy(bench.beam_generate))  # the beam mode
    out = tmp_path / "b.json"
    assert bench_cli.main(["--checkpoint", str(tmp_path / "ck"), "--corpora", str(corpora),
                       "--n", "5", "--max-new-tokens", "6", "--threads",
                       str(torch.get_num_threads()), "--json", str(out)]) == 0
    assert len(seen) == 2 * len(bench.MODES) and all(s == seen[0] for s in seen)
    rows = json.loads(out.read_text())
    assert {r["prompts"] for r in rows} == {5}
    for free, cons in zip(rows[::2], rows[1::2], strict=True):
        assert not free["constrained"] and cons["constrained"]
        assert "constraint_ms_per_token" in cons and isinstance(cons["same_outputs"], bool)
        assert 0 < cons["constraint_s"] < cons["seconds"] and cons["constraint_cost"] > 0
    table = capsys.readouterr().out
    assert "constraint ms/token" in table and "same outputs" in table


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

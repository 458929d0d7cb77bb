"""``python -m brain.evaluate`` on a tiny random checkpoint and a tiny corpus."""

import json

import torch

from brain.evaluate.__main__ import main
from brain.evaluate.heldout import NearestNeighbour, score_lcr
from brain.model.checkpoint import save
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer
from lcr import parse
from lcr.lcb import dumps_lcb

READ = '🜊1000🜁0 "read"🜁1 "a.txt"🜂'
GO = "🜊1000🜁0 \"navigate\"🜁1 ⟁home🜂"


def _rec(i, split, task, source, target, lcr, replay=False):
    return {"id": f"p1-{i}", "phase": 1, "split": split, "task": task, "source": source,
            "target": target, "lcr": lcr, "op": "read" if "read" in lcr else "navigate",
            "replay": replay}


def test_score_compares_values_not_spelling():
    assert score_lcr('🜊1000 🜁0  "read" 🜁1 "a.txt" 🜂', READ)["exact"]
    assert not score_lcr(GO, READ)["exact"]
    assert score_lcr("🜃1,", READ) == {"valid": False, "exact": False, "schema": False}
    assert not score_lcr('🜊1000🜁0 "nope"🜂', READ)["schema"]


def _block(*stmts):
    return '🜊1000🜁0 "block"' + "".join(f"🜁{i} {x}" for i, x in enumerate(stmts, 1)) + "🜂"


def test_programs_get_partial_credit_per_statement_in_place():
    target = _block(READ, GO, READ)
    assert score_lcr(target, target)["statements"] == 1.0
    assert score_lcr(_block(READ, READ, READ), target)["statements"] == 2 / 3
    # a dropped statement shifts the rest out of place: only the first still counts
    assert score_lcr(_block(READ, READ), target)["statements"] == 1 / 3
    assert score_lcr(READ, target)["statements"] == 0.0  # not a block at all
    assert score_lcr("🜃1,", target)["statements"] == 0.0  # invalid
    assert "statements" not in score_lcr(target, READ)  # only programs are scored so


def test_nearest_neighbour_uses_most_similar_source():
    nn = NearestNeighbour([_rec(0, "train", "en2lcr", "read the file a.txt", READ, READ),
                           _rec(1, "train", "en2lcr", "go home", GO, GO)])
    assert nn("please read file a.txt") == READ
    assert nn("go to home") == GO


def test_cli_writes_json_and_report(tmp_path, capsys):
    corpora = tmp_path / "corpora"
    corpora.mkdir()
    recs = [
        _rec(0, "train", "en2lcr", "read the file a.txt", READ, READ),
        _rec(1, "train", "en2lcr", "go home", GO, GO),
        _rec(2, "test", "en2lcr", "read the file a.txt", READ, READ),
        _rec(3, "test", "en2lcr", "go home", GO, GO, replay=True),  # replays are skipped
        _rec(4, "test", "lcr2en", READ, "read the file a.txt", READ),
        _rec(5, "val", "en2lcr", "go home", GO, GO),
        _rec(6, "test", "lcr2lcb", GO, dumps_lcb(parse(GO)), GO),
    ]
    (corpora / "phase1.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                  for r in recs), encoding="utf-8")
    torch.manual_seed(0)
    tok = CharTokenizer()
    save(tmp_path / "ck", GPT(GPTConfig(vocab_size=len(tok), block_size=128, n_layer=1,
                                        n_head=2, n_embd=32, n_ffn=64)), tok)
    out = tmp_path / "r" / "e.json"
    code = main(["--checkpoint", str(tmp_path / "ck"), "--corpora", str(corpora),
                 "--json", str(out)])
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in data["results"]] == ["p1-2", "p1-4", "p1-6"]
    en = next(r for r in data["by_task"] if r["task"] == "en2lcr")
    assert en["valid"] == 100.0 and en["baseline_exact"] == 100.0 and en["n"] == 1
    assert 0.0 <= en["valid_raw"] <= 100.0
    assert 0.0 <= en["exact_grammar"] <= 100.0  # grammar alone, slots not grounded
    lcr2en = next(r for r in data["by_task"] if r["task"] == "lcr2en")
    assert "chrf" in lcr2en and "round_trip" in lcr2en
    lcb = next(r for r in data["by_task"] if r["task"] == "lcr2lcb")  # LC-B: constrained
    assert lcb["valid"] == 100.0 and {"valid_raw", "exact_grammar", "chrf"} <= set(lcb)
    md = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "| 1 | en2lcr |" in md and "First failures" in md
    assert data["meta"]["segment"] is True and "--no-segment" not in md
    assert main(["--checkpoint", str(tmp_path / "ck"), "--corpora", str(corpora),
                 "--json", str(out), "--no-segment"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["segment"] is False
    assert "not in this run (--no-segment)" in out.with_suffix(".md").read_text(encoding="utf-8")


def test_cli_missing_corpus_is_a_clean_error(tmp_path, capsys):
    assert main(["--corpora", str(tmp_path), "--json", str(tmp_path / "x.json")]) == 2
    assert "no phase*.jsonl" in capsys.readouterr().err


def test_unreadable_round_trip_english_is_a_failure_not_an_abort(monkeypatch):
    """English the model cannot take back (too long for its positions, empty) fails that
    record's round trip and is counted; the others still run, and English with characters
    the model has no token for is folded as brain.generate folds it."""
    import brain.evaluate.heldout as ev

    torch.manual_seed(0)
    tok = CharTokenizer()
    model = GPT(GPTConfig(vocab_size=len(tok), block_size=64, n_layer=1, n_head=2,
                          n_embd=32, n_ffn=64)).eval()
    english = ["read " + "a" * 80, "caf\u00e9", "", "read the file a.txt"]
    real = ev.translate

    def fake(model, tok, sources, task, **kw):
        return list(english) if task == "lcr2en" else real(model, tok, sources, task, **kw)

    monkeypatch.setattr(ev, "translate", fake)
    held = [_rec(i, "test", "lcr2en", READ, "read the file a.txt", READ) for i in range(4)]
    results = ev.evaluate(model, tok, held, held)
    assert [r["output"] for r in results] == english
    assert [r["round_trip"] for r in results[:3:2]] == [False, False]
    assert "positions" in results[0]["round_trip_error"]
    assert "round_trip_error" not in results[1] and results[1]["round_trip_lcr"]
    assert "empty" in results[2]["round_trip_error"]
    assert "round_trip_error" not in results[3] and results[3]["round_trip_lcr"]
    (row,) = ev.summarise(results)["by_task"]
    assert row["round_trip_unreadable"] == 2 and row["round_trip"] <= 50.0
    md = ev.markdown(ev.summarise(results), results, {"split": "test", "checkpoint": "x"})
    assert "round trip impossible" in md and "(2)" in md


def test_bad_corpus_line_is_a_clean_error(tmp_path, capsys):
    (tmp_path / "phase1.jsonl").write_text('{"id": 1,\n', encoding="utf-8")
    assert main(["--corpora", str(tmp_path), "--json", str(tmp_path / "x.json")]) == 2
    assert "phase1.jsonl:1: not JSON" in capsys.readouterr().err


def test_lcr_output_tasks_are_defined_once():
    import brain.evaluate.task_metrics
    import brain.generate.translate
    from brain.evaluate import heldout as evaluate
    from brain.model import tokenizer

    assert evaluate.LCR_OUTPUT_TASKS is tokenizer.LCR_OUTPUT_TASKS
    assert brain.generate.translate.LCR_OUTPUT_TASKS is tokenizer.LCR_OUTPUT_TASKS
    assert not hasattr(brain.generate.translate, "LCR_OUTPUT")
    assert tokenizer.LCR_OUTPUT_TASKS <= set(tokenizer.TASKS)
    assert brain.evaluate.task_metrics.LCR_OUTPUT_TASKS is tokenizer.LCR_OUTPUT_TASKS

"""``python -m brain.evaluate --file``: scored as brain.generate translates, tables by group
and style, accuracy against coverage, worst misses, reports, bad flags and Ctrl-C (through
the test hook ``HLXL_BRAIN_INTERRUPT_AFTER``, see ``brain.generate.translate``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brain.evaluate.__main__ import main
from brain.evaluate.independent import SetError, coverage, read_set, score_lines, summarise
from brain.generate.__main__ import main as generate
from brain.generate.translate import Line

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
READ = '🜊1000🜁0 "read"🜁1 "a.txt"🜂'
GO = '🜊1000🜁0 "navigate"🜁1 ⟁home🜂'



def write_set(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


ROWS = [{"en": "read a.txt", "lcr": READ, "group": "core", "style": "plain"},
        {"en": "go home", "lcr": GO, "group": "core", "style": "terse"},
        {"en": "could you read “a.txt” — thanks", "lcr": READ, "group": "domain",
         "style": "polite"},
        {"en": "", "lcr": GO, "group": "pipeline", "style": "plain"},
        {"en": "go home please", "lcr": GO}]  # no group or style: still counted overall


def test_scores_tables_and_coverage():
    recs = [{"line": i + 1, "en": "x", "lcr": t, "group": g, "style": "plain"}
            for i, (t, g) in enumerate([(READ, "core"), (GO, "core"), (READ, "odd")])]
    lines = [Line(READ, None, 0.9), Line(READ, None, 0.99), Line("", "empty input", None)]
    results = score_lines(recs, lines)
    assert [r["exact"] for r in results] == [True, False, False]
    assert results[2]["score"] == 0.0 and results[2]["error"] == "empty input"
    s = summarise(results)
    assert s["overall"] == {"n": 3, "exact": 33.33, "valid": 66.67, "schema": 66.67,
                            "errors": 1}
    assert [r["group"] for r in s["by_group"]] == ["core", "odd"]  # known groups first
    assert [c["exact"] for c in coverage(results, (100, 50, 30))] == [33.33, 50.0, 0.0]
    assert s["worst_misses"]["core"][0]["score"] == 0.99  # most confident miss first


def test_bad_set_lines_are_clean_errors(tmp_path):
    for text, what in (('{"en": 1}\n', "strings 'en' and 'lcr'"), ("nope\n", "not JSON"),
                       ('{"en": "a", "lcr": "🜊"}\n', "not LC-R"), ("", "no records")):
        (tmp_path / "s.jsonl").write_text(text, encoding="utf-8")
        with pytest.raises(SetError, match=what):
            read_set(tmp_path / "s.jsonl")


def test_file_translates_as_generate_does_and_writes_reports(ckpt, tmp_path, capsys):
    f = write_set(tmp_path / "set.jsonl", ROWS)
    out, md = tmp_path / "r" / "x.json", tmp_path / "r" / "x.md"
    code = main(["--checkpoint", str(ckpt), "--file", str(f), "--json", str(out),
                 "--report", str(md)])
    stdout, err = capsys.readouterr()
    assert code == 1  # line 4 (empty) could not be translated
    assert f"{f}:4: error: empty input" in err
    assert "group" in stdout and "style" in stdout and "coverage" in stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["overall"]["n"] == 5 and data["overall"]["errors"] == 1
    assert {r["group"] for r in data["by_group"]} == {"core", "domain", "pipeline", "unknown"}
    assert [c["coverage"] for c in data["coverage"]] == [100, 90, 80, 70, 50]
    text = md.read_text(encoding="utf-8")
    assert "## By group" in text and "## Accuracy against coverage" in text
    # the same outputs as brain.generate --input (all defaults)
    plain = tmp_path / "in.txt"
    plain.write_text("".join(r["en"] + "\n" for r in ROWS), encoding="utf-8")
    generate(["--checkpoint", str(ckpt), "--input", str(plain)])
    assert capsys.readouterr().out.split("\n")[:-1] == [r["output"] for r in data["results"]]


def test_default_report_path_is_under_the_data_home(ckpt, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HLXL_BRAIN_HOME", str(tmp_path / "home"))
    f = write_set(tmp_path / "dev.jsonl", ROWS[:2])
    assert main(["--checkpoint", str(ckpt), "--file", str(f), "--beam", "1"]) == 0
    assert (tmp_path / "home" / "reports" / "eval_dev.json").is_file()
    assert (tmp_path / "home" / "reports" / "eval_dev.md").is_file()


@pytest.mark.parametrize("flags, what", [
    (["--split", "gen"], "cannot go with --split"),
    (["--beam", "0"], "at least 1"),
    (["--batch-size", "0"], "at least 1"),
    (["--json", "{tmp}/set.jsonl/x.json"], "is not a directory"),
    (["--bogus"], "unrecognized arguments"),
])
def test_usage_errors_exit_2(ckpt, tmp_path, capsys, flags, what):
    f = write_set(tmp_path / "set.jsonl", ROWS[:1])
    with pytest.raises(SystemExit) as e:
        main(["--checkpoint", str(ckpt), "--file", str(f),
              *(x.format(tmp=tmp_path) for x in flags)])
    assert e.value.code == 2 and what in capsys.readouterr().err.splitlines()[-1]


def test_report_dir_is_checked_before_work(ckpt, tmp_path):
    f = write_set(tmp_path / "set.jsonl", ROWS[:1])
    r = subprocess.run([sys.executable, "-m", "brain.evaluate", "--checkpoint", str(ckpt),
                        "--file", str(f), "--report", str(tmp_path)], capture_output=True,
                       text=True, env=ENV, cwd="/", timeout=120)
    assert r.returncode == 2 and "is a directory" in r.stderr and "Traceback" not in r.stderr


def test_interrupt_writes_what_was_scored(ckpt, tmp_path):
    f = write_set(tmp_path / "set.jsonl", ROWS[:2] * 5)
    out = tmp_path / "e.json"
    r = subprocess.run([sys.executable, "-m", "brain.evaluate", "--checkpoint", str(ckpt),
                        "--file", str(f), "--json", str(out), "--batch-size", "4",
                        "--beam", "1"], capture_output=True, text=True, cwd="/", timeout=120,
                       env={**ENV, "HLXL_BRAIN_INTERRUPT_AFTER": "1"})
    assert r.returncode == 130 and r.stdout == ""
    assert r.stderr == f"interrupted: 4 of 10 lines scored; wrote {out} and " \
                       f"{out.with_suffix('.md')}\n"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["interrupted"] is True and len(data["results"]) == 4
    assert "Interrupted" in out.with_suffix(".md").read_text(encoding="utf-8")

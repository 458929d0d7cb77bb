"""``python -m brain.generate`` on any text, on bad lines, on bad flags and on Ctrl-C.

Interrupts are tested two ways: a real SIGINT sent once the first batch's outputs have come
through the pipe (generate flushes per batch), and the library's test hook
``HLXL_BRAIN_INTERRUPT_AFTER=N`` (``brain.generate.translate``), which raises
``KeyboardInterrupt`` after the N-th batch so the point of interruption is known.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from brain.generate.__main__ import main
from brain.generate.translate import Line, min_new_tokens, translate, translate_lines
from brain.model.checkpoint import load
from lcr import parse

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}



def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli(*argv, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "brain.generate", *map(str, argv)],
                          capture_output=True, text=True, timeout=timeout, env=env or ENV,
                          cwd="/")


def test_any_text_is_folded_and_typed_characters_come_back(ckpt):
    model, tok, _ = load(ckpt)
    lines = translate_lines(model, tok, ["look for “café” — now", "look for \"cafe\" - now"],
                            max_new_tokens=40, scores=True)
    assert all(ln.error is None and 0.0 <= ln.score <= 1.0 for ln in lines)
    for ln in lines:
        parse(ln.output)
    # the folded line reads as the plain one; only its text literals differ
    assert lines[0].output.replace("café", "cafe") == lines[1].output
    assert translate(model, tok, ["naïve ✓ 🚀"], max_new_tokens=30)[0]  # no error


def test_a_pipe_on_stdin_is_the_input(ckpt):
    r = subprocess.run([sys.executable, "-m", "brain.generate", "--checkpoint", str(ckpt)],
                       input="read notes.txt\nlist /tmp\n", capture_output=True, text=True,
                       timeout=120, env=ENV, cwd="/")
    assert r.returncode == 0, r.stderr
    assert [parse(ln) for ln in r.stdout.splitlines()] and len(r.stdout.splitlines()) == 2


def test_lcr_input_tasks_stay_strict(ckpt):
    model, tok, _ = load(ckpt)
    (ln,) = translate_lines(model, tok, ['"café"'], "lcr2en", max_new_tokens=20)
    assert ln == Line("", "character the model has no token for: 'é' (U+00E9) at column 5")


def test_bad_lines_get_their_own_error_and_the_rest_is_translated(ckpt, tmp_path, capsys):
    f = tmp_path / "in.txt"
    f.write_text("read a file\n\nsearch the menu for café — ok\n" + "x" * 200 + "\ngo\n",
                 encoding="utf-8")
    code, out, err = run(capsys, "--checkpoint", ckpt, "--input", f, "--beam", 1,
                         "--max-new-tokens", 30)
    assert code == 1
    outs = out.split("\n")[:-1]
    assert len(outs) == 5 and outs[1] == "" and outs[3] == ""
    for i in (0, 2, 4):
        parse(outs[i])
    assert err.splitlines() == [
        f"{f}:2: error: empty input: expected text to translate",
        f"{f}:4: error: input too long: 200 characters, at most 93 fit the model's 96 "
        "positions"]
    code, out, err = run(capsys, "--checkpoint", ckpt, "--json", "--beam", 1,
                         "--max-new-tokens", 30, "ok", "")
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and rows[1] == {"input": "", "output": "", "score": None,
                                     "error": "empty input: expected text to translate"}
    assert err == "argument 2: error: empty input: expected text to translate\n"


def test_out_file_and_unwritable_out(ckpt, tmp_path, capsys):
    out = tmp_path / "new" / "out.lcr"
    code, stdout, _ = run(capsys, "--checkpoint", ckpt, "--beam", 1, "--max-new-tokens", 30,
                          "--out", out, "read a", "go")
    assert code == 0 and stdout == "" and len(out.read_text(encoding="utf-8").splitlines()) == 2
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    for bad in (tmp_path, blocker / "out.lcr"):
        r = cli("--checkpoint", ckpt, "--out", bad, "read a")
        assert r.returncode == 2 and r.stdout == ""
        assert f"--out {bad}:" in r.stderr.splitlines()[-1] and "Traceback" not in r.stderr


@pytest.mark.parametrize("flags, what", [
    (["--no-constrain", "--strict"], "--strict constrains by the catalogue"),
    (["--no-constrain", "--no-ground"], "nothing is grounded"),
    (["--max-new-tokens", "3"], "needs at least"),
    (["--beam", "0"], "at least 1"),
    (["--batch-size", "0"], "at least 1"),
    (["--naive", "--beam", "2"], "--naive decodes greedily"),
])
def test_useless_or_conflicting_flags_are_refused(ckpt, capsys, flags, what):
    with pytest.raises(SystemExit) as e:
        main(["--checkpoint", str(ckpt), *flags, "read a"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and what in err.splitlines()[-1]


def test_shortest_answer_is_a_whole_operation():
    # "log" and "not" take one argument: the shortest calls are 🜊1000🜁0 "log"🜁1 0🜂
    assert min_new_tokens("en2lcr") == len('🜊1000🜁0 "log"🜁1 0🜂')
    assert min_new_tokens("lcr2lcb") == 2 and min_new_tokens("lcr2en") == 1


def test_sigint_keeps_the_finished_outputs(ckpt, tmp_path):
    f = tmp_path / "many.txt"
    f.write_text("".join(f"read file {i}.txt\n" for i in range(1500)), encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "brain.generate", "--checkpoint", str(ckpt),
                          "--input", str(f), "--beam", "1", "--max-new-tokens", "24",
                          "--batch-size", "8"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=ENV, cwd="/")
    first = p.stdout.readline()  # the first batch is out: the run is under way
    p.send_signal(signal.SIGINT)
    p.wait(timeout=120)
    rest, err = p.stdout.read(), p.stderr.read()  # read(): readline's buffer holds the rest
    p.stdout.close()
    p.stderr.close()
    outs = (first + rest).splitlines()
    assert p.returncode == 130, err
    assert len(err.splitlines()) == 1 and err.startswith("interrupted: ")
    assert 8 <= len(outs) < 1500 and len(outs) % 8 == 0
    assert f"{len(outs)} of 1500 outputs written" in err
    for o in outs:
        parse(o)


def test_interrupt_hook_stops_after_a_known_batch(ckpt, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("".join(f"go to folder {i}\n" for i in range(20)), encoding="utf-8")
    out = tmp_path / "out.lcr"
    r = cli("--checkpoint", ckpt, "--input", f, "--beam", 1, "--max-new-tokens", 24,
            "--batch-size", 4, "--out", out,
            env={**ENV, "HLXL_BRAIN_INTERRUPT_AFTER": "2"})
    assert r.returncode == 130
    assert r.stderr == "interrupted: 8 of 20 outputs written\n"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 8


def test_naive_flag_uses_the_naive_decoder(ckpt, capsys, monkeypatch):
    import types

    calls = []

    def naive_generate(model, tok, prompts, *, max_new_tokens):
        calls.append((len(prompts), max_new_tokens))
        return ["⊤"] * len(prompts)

    monkeypatch.setitem(sys.modules, "brain.generate.naive",
                        types.SimpleNamespace(naive_generate=naive_generate))
    code, out, _ = run(capsys, "--checkpoint", ckpt, "--naive", "--max-new-tokens", 30,
                       "read a", "go")
    assert (code, out, calls) == (0, "⊤\n⊤\n", [(2, 30)])


def test_translator_folds_and_scores_what_the_model_wrote(ckpt):
    from brain import Translator

    t = Translator(ckpt, device="cpu")
    ((out, score),) = t.translate(["look for “café”"], scores=True, beam=1, max_new_tokens=40)
    parse(out)
    assert 0.0 < score <= 1.0
    assert t.scores(["look for “café”"], [out]) == pytest.approx([score])

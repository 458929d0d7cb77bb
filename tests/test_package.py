"""The package as shipped: data found without the current directory, the layout rules of
``brain/`` (library modules parse no arguments and import no CLI module), the console
dispatchers, ``brain.Translator`` and its scores, ``brain.generate --json`` and tqdm."""

import ast
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer
from lcr import resources

ROOT = Path(__file__).resolve().parent.parent
BRAIN = sorted((ROOT / "brain").rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, ``from X import Y`` counted as X and X.Y."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_data_folders_are_found_and_the_data_home_is_stated(monkeypatch, tmp_path):
    assert (resources.grammar_dir() / "lcr.lark").is_file()
    assert (resources.templates_dir() / "vocab").is_dir()
    assert (resources.checkpoint_dir() / "model.safetensors").is_file()
    monkeypatch.setenv("HLXL_BRAIN_HOME", str(tmp_path))
    assert resources.default_corpora() == tmp_path / "corpora"
    assert resources.default_runs() == tmp_path / "runs"
    monkeypatch.delenv("HLXL_BRAIN_HOME")
    assert resources.data_home() == Path.home() / ".local" / "share" / "hlxl-brain"


@pytest.mark.parametrize("path", BRAIN, ids=lambda p: str(p.relative_to(ROOT)))
def test_brain_layout_rules(path):
    """A docstring per module; argparse only in __main__ modules and brain/cli.py; brain/cli.py
    only imported by __main__ modules; no module imports a __main__ module but the
    dispatcher, which loads them by name; no module imports another's private names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path}: no docstring"
    imports = _imports(path)
    cli = path.name == "__main__.py"
    assert cli or path.name == "cli.py" or "argparse" not in imports, path
    assert cli or "brain.cli" not in imports, path
    assert not any(n.endswith("__main__") for n in imports), path
    private = [n for n in imports if n.startswith("brain.") and n.rsplit(".", 1)[1][:1] == "_"]
    assert not private, f"{path}: imports private {private}"
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 400, f"{path}: {lines} lines"


def test_inference_path_imports_neither_the_corpus_compiler_nor_matplotlib():
    code = ("import sys, brain.generate.api, brain.generate.__main__, brain.evaluate.__main__; "
            "bad = [m for m in sys.modules if m.startswith(('lcr.corpus', 'matplotlib'))]; "
            "print(bad)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr


def test_import_brain_is_cheap():
    r = subprocess.run([sys.executable, "-c", "import sys, brain; print('torch' in sys.modules)"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == "False", r.stderr


@pytest.mark.parametrize("module, commands", [
    ("brain.__main__", ["train", "generate", "evaluate", "bench", "merge"]),
    ("lcr.__main__", ["check", "fmt", "convert", "compile"]),
])
def test_dispatchers_list_their_commands_and_refuse_others(module, commands, capsys):
    import importlib

    main = importlib.import_module(module).main
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(c in out for c in commands)
    assert main(["nonsense"]) == 2 and "unknown command" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main([commands[-1], "--help"])
    assert e.value.code == 0


def test_lcr_dispatcher_runs_check(tmp_path, capsys):
    from lcr.__main__ import main

    (tmp_path / "a.lcr").write_text("⟁a\n", encoding="utf-8")
    (tmp_path / "b.lcr").write_text("⟁\n", encoding="utf-8")
    assert main(["check", str(tmp_path / "a.lcr")]) == 0
    assert main(["check", str(tmp_path / "b.lcr")]) == 1



def test_translator_has_the_cli_defaults_and_scores_in_0_1(ckpt, capsys):
    from brain import Translator
    from brain.generate.__main__ import main

    texts = ["read a file", "go to the home folder", "x"]
    t = Translator(ckpt, device="cpu")
    outs = t.translate(texts)
    assert main(["--checkpoint", str(ckpt), "--device", "cpu", *texts]) == 0
    assert capsys.readouterr().out.splitlines() == outs
    pairs = t.translate(texts, scores=True)
    assert [o for o, _ in pairs] == outs
    assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for _, s in pairs)
    with pytest.raises(TypeError):
        t.translate("read a file")


def test_scores_are_the_geometric_mean_of_token_probabilities(ckpt):
    from brain.generate.score import confidence
    from brain.model.checkpoint import load

    model, tok, _ = load(ckpt)
    prompt, out = tok.encode_prompt("en2lcr", "go"), "⟁a"
    ids = prompt + tok.encode(out) + [tok.eos]
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids[:-1]]))[0][0], -1)
    want = torch.stack([logp[i, ids[i + 1]] for i in range(len(prompt) - 1, len(ids) - 1)])
    (got,) = confidence(model, tok, [prompt], [out])
    assert got == pytest.approx(float(want.mean().exp()), rel=1e-5)
    assert confidence(model, tok, [prompt], ["caf\u00e9"]) == [0.0]  # no token: no score


def test_generate_json_prints_input_output_and_score(ckpt, capsys):
    from brain.generate.__main__ import main

    assert main(["--checkpoint", str(ckpt), "--device", "cpu", "--json", "--beam", "1",
                 "read a file", "go"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["input"] for r in rows] == ["read a file", "go"]
    assert all(set(r) == {"input", "output", "score"} and 0 <= r["score"] <= 1 for r in rows)


def test_progress_is_tqdm_and_silent_when_disabled():
    from lcr.progress import Progress

    quiet = io.StringIO()
    bar = Progress(3, "x", quiet, enabled=False)
    bar.update(3)
    bar.close()
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    bar = Progress(3, "phase 1", shown, interval=0)
    assert type(bar.bar).__module__.startswith("tqdm")
    bar.update(3, loss=0.5)
    bar.close()
    assert "phase 1" in shown.getvalue() and "3/3" in shown.getvalue()


def test_without_the_plots_extra_the_history_is_written_and_the_plot_skipped(
        tmp_path, monkeypatch, caplog):
    from brain.model import checkpoint
    from brain.train.history import write_history

    tok = CharTokenizer()
    model = GPT(GPTConfig(vocab_size=len(tok), block_size=32, n_layer=1, n_head=2, n_embd=16,
                          n_ffn=32))
    history = [{"epoch": 1, "train_loss": 1.0, "val_loss": 1.1}]
    checkpoint.save(tmp_path / "phase1" / "last", model, tok,
                    state={"stop_reason": "epochs", "history": history})
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    with caplog.at_level("INFO"):
        write_history(tmp_path, [1])
    assert (tmp_path / "history.json").is_file() and not (tmp_path / "loss.png").exists()
    assert "hlxl-brain[plots]" in caplog.text


def test_without_the_eval_extra_chrf_is_skipped_with_a_warning(monkeypatch, caplog):
    from brain.evaluate import heldout

    heldout._chrf_missing.cache_clear()
    monkeypatch.setitem(sys.modules, "sacrebleu", None)
    rows = [{"task": "lcr2en", "output": "read a", "target": "read a"}]
    assert heldout._chrf(rows, "output") is None
    assert "hlxl-brain[eval]" in caplog.text

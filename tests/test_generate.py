"""``python -m brain.generate``: order kept, outputs valid, bad input reported cleanly."""

import subprocess
import sys

import pytest
import torch

from brain.generate.__main__ import main
from brain.generate.translate import DEFAULT_BEAM, translate
from lcr import parse


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_outputs_are_valid_and_in_input_order(ckpt, capsys):
    from brain.model.checkpoint import load

    model, tok, _ = load(ckpt)
    texts = ["read a file", "x", "filter users where age is over 18 and then sort them", "go"]
    for beam in (1, DEFAULT_BEAM):
        together = translate(model, tok, texts, batch_size=2, max_new_tokens=40, beam=beam)
        alone = [translate(model, tok, [t], max_new_tokens=40, beam=beam)[0] for t in texts]
        assert together == alone  # batching (sorted by length inside) does not reorder
        for out in together:
            parse(out)
        code, out, err = run(capsys, "--checkpoint", ckpt, "--max-new-tokens", 40,
                             "--batch-size", 3, *(["--beam", 1] if beam == 1 else []), *texts)
        assert code == 0, err
        assert out.splitlines() == together  # the CLI decodes with beam DEFAULT_BEAM


@pytest.mark.parametrize("lines, where, what", [
    (["read a file", "", "go"], ":2:", "empty input"),
    (["x" * 200], ":1:", "too long"),
])
def test_bad_input_file(ckpt, capsys, tmp_path, lines, where, what):
    """A bad line is reported on its own (exit 1); the others are still translated, and
    its output line is empty so the lines stay aligned."""
    f = tmp_path / "in.txt"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "--checkpoint", ckpt, "--input", f, "--beam", 1,
                         "--max-new-tokens", 30)
    assert code == 1 and len(out.split("\n")) == len(lines) + 1
    assert where in err and what in err and "Traceback" not in err


def test_bad_checkpoint_and_task(ckpt, capsys, tmp_path):
    code, _, err = run(capsys, "--checkpoint", tmp_path / "nothing", "hello")
    assert code == 2 and "error" in err
    code, _, err = run(capsys, "--checkpoint", ckpt, "--task", "nope", "hello")
    assert code == 2 and "unknown task" in err


def test_cli_subprocess_has_no_traceback(ckpt):
    r = subprocess.run([sys.executable, "-m", "brain.generate", "--checkpoint", str(ckpt),
                        "--max-new-tokens", "30", "ok", "b\u00e4d", ""], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1 and len(r.stdout.split("\n")) == 4
    assert r.stderr == "argument 3: error: empty input: expected text to translate\n"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu_is_a_clear_error(ckpt, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--checkpoint", str(ckpt), "--device", "cuda", "hello"])
    assert e.value.code == 2 and "no CUDA device" in capsys.readouterr().err
    assert run(capsys, "--checkpoint", ckpt, "--device", "cpu", "--beam", 1,
               "--max-new-tokens", 20, "hello")[0] == 0

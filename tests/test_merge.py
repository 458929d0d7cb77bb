"""brain.merge: weight interpolation between a phase's model and the one it started from."""

import pytest
import torch

from brain.merge.__main__ import main
from brain.model import checkpoint
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer
from brain.train.merge import interpolate

TINY = dict(n_layer=1, n_head=2, n_embd=16, n_ffn=32, block_size=32)


def _saved(tmp_path, name, seed, **over):
    torch.manual_seed(seed)
    tok = CharTokenizer()
    model = GPT(GPTConfig(vocab_size=len(tok), **(TINY | over)))
    checkpoint.save(tmp_path / name, model, tok, {"phase": seed})
    return checkpoint.model_tensors(model)


def test_interpolate_is_the_weighted_sum_with_the_right_endpoints():
    a = {"w": torch.tensor([1.0, 2.0]), "n": torch.tensor([1])}
    b = {"w": torch.tensor([3.0, 6.0]), "n": torch.tensor([7])}
    assert torch.equal(interpolate(a, b, 0.0)["w"], b["w"])
    assert torch.equal(interpolate(a, b, 1.0)["w"], a["w"])
    assert torch.allclose(interpolate(a, b, 0.25)["w"], torch.tensor([2.5, 5.0]))
    assert torch.equal(interpolate(a, b, 0.5)["n"], b["n"])  # integers are not averaged


def test_cli_writes_the_interpolated_checkpoint_with_its_parents(tmp_path):
    prev = _saved(tmp_path, "prev", 1)
    tuned = _saved(tmp_path, "tuned", 2)
    assert main([str(tmp_path / "prev"), str(tmp_path / "tuned"), "--keep", "0.3",
                 "--out", str(tmp_path / "m")]) == 0
    model, _, config = checkpoint.load(tmp_path / "m")
    got = checkpoint.model_tensors(model)
    for k in tuned:
        assert torch.allclose(got[k], 0.3 * prev[k] + 0.7 * tuned[k], atol=1e-6), k
    assert model.lm_head.weight is model.wte.weight  # still tied after loading
    assert config["phase"] == 2 and config["merged"]["keep_previous"] == 0.3
    assert config["merged"]["previous"]["weights_sha256"] == \
        checkpoint.read_config(tmp_path / "prev")["weights_sha256"]


@pytest.mark.parametrize("case", ["shape", "keep", "missing"])
def test_cli_bad_input_is_a_clear_error(tmp_path, capsys, case):
    _saved(tmp_path, "prev", 1)
    _saved(tmp_path, "tuned", 2, n_embd=32 if case == "shape" else 16)
    args = [str(tmp_path / "prev"), str(tmp_path / ("nope" if case == "missing" else "tuned")),
            "--keep", "1.5" if case == "keep" else "0.5", "--out", str(tmp_path / "m")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert {"shape": "different model config", "keep": "within 0-1",
            "missing": "no checkpoint here"}[case] in err
    assert not (tmp_path / "m").exists()

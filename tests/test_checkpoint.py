"""Checkpoint writing: meta cannot forge the header, usual file modes, crash-safe swap."""

import os
import stat

import pytest
import torch

from brain.model import checkpoint
from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer

TOK = CharTokenizer()


def tiny(seed=0):
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=len(TOK), n_layer=1, n_head=2, n_embd=16, n_ffn=32,
                         block_size=32))


def test_meta_cannot_override_format_or_checksum(tmp_path):
    meta = {"format": "forged/9", "weights_sha256": "0" * 64, "model": {}, "tokenizer": {},
            "training": {"seed": 1}}
    checkpoint.save(tmp_path / "ck", tiny(), TOK, meta)
    model, tok, config = checkpoint.load(tmp_path / "ck")  # would fail on a forged header
    assert config["format"] == checkpoint.FORMAT and config["training"] == {"seed": 1}
    assert config["model"]["n_layer"] == 1 and tok.vocab == TOK.vocab


@pytest.fixture
def umask_022():
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_files_get_the_usual_modes(tmp_path, umask_022):
    checkpoint.save(tmp_path / "ck", tiny(), TOK, state={"step": 1},
                    state_tensors={"m": torch.zeros(2)})
    assert stat.S_IMODE((tmp_path / "ck").stat().st_mode) == 0o755
    files = list((tmp_path / "ck").iterdir())
    assert len(files) == 4
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f


def test_a_lone_old_checkpoint_survives_until_the_new_one_is_in_place(tmp_path, monkeypatch):
    """Killed between the renames: only ck.old is left. The next save must not delete it
    before its own directory is in place (here the save fails just before that rename)."""
    checkpoint.save(tmp_path / "ck", tiny(1), TOK, {"training": {"seed": 1}})
    (tmp_path / "ck").rename(tmp_path / "ck.old")
    assert checkpoint.load(tmp_path / "ck")[2]["training"] == {"seed": 1}  # the fallback

    real = os.replace

    def fail_into_ck(src, dst):
        if os.path.basename(dst) == "ck":
            raise OSError("killed")
        return real(src, dst)

    monkeypatch.setattr(checkpoint.os, "replace", fail_into_ck)
    with pytest.raises(OSError, match="killed"):
        checkpoint.save(tmp_path / "ck", tiny(2), TOK, {"training": {"seed": 2}})
    monkeypatch.undo()
    assert checkpoint.load(tmp_path / "ck")[2]["training"] == {"seed": 1}
    checkpoint.save(tmp_path / "ck", tiny(2), TOK, {"training": {"seed": 2}})
    assert checkpoint.load(tmp_path / "ck")[2]["training"] == {"seed": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]

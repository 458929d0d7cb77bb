"""Shared pytest set-up: one Hypothesis profile for the whole suite, and ``ckpt``, a tiny
randomly initialised checkpoint for the CLI and API tests.

Deadlines are off because CI has 2 shared cores and timing is not what these tests
check; example counts stay modest so the whole suite runs in a few minutes.
"""

import os

# torch's OpenMP threads spin while waiting by default; on 2 shared cores that starves the
# other thread (30x slower training steps measured). Must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    """A tiny randomly initialised checkpoint (1 layer, 32 wide, 96 positions): what the
    command-line and API tests decode with, where only the plumbing is under test."""
    import torch

    from brain.model.checkpoint import save
    from brain.model.gpt import GPT, GPTConfig
    from brain.model.tokenizer import CharTokenizer

    torch.manual_seed(0)
    tok = CharTokenizer()
    model = GPT(GPTConfig(vocab_size=len(tok), block_size=96, n_layer=1, n_head=2, n_embd=32,
                          n_ffn=64, dropout=0.0))
    path = tmp_path_factory.mktemp("ckpt") / "final"
    save(path, model, tok, {"note": "random weights for tests"})
    return path

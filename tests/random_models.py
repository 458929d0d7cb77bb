"""Random-weight models and prompts for the decoding property tests (constraint, beam)."""

import string

import torch
from hypothesis import strategies as st

from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer


def random_model(seed: int, scale: float) -> GPT:
    torch.manual_seed(seed)
    model = GPT(GPTConfig(vocab_size=len(CharTokenizer()), block_size=160, n_layer=1,
                          n_head=2, n_embd=32, n_ffn=64, dropout=0.0))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(scale)  # spiky logits: random models that like long, odd outputs
    return model.eval()


prompts = st.lists(st.text(st.sampled_from(string.ascii_letters + " .>0123456789"),
                           min_size=1, max_size=30), min_size=1, max_size=4)

"""Tokenizer, model, KV-cache decoding and checkpoint round trip, on tiny configs."""

import pytest
import torch

from brain.generate.greedy import generate
from brain.model import checkpoint
from brain.model.gpt import GPT, GPTConfig, KVCache
from brain.model.tokenizer import GLYPHS, CharTokenizer, UnknownCharError, UnknownTaskError

TINY = dict(n_layer=2, n_head=2, n_embd=32, n_ffn=64, block_size=96, dropout=0.0)
SOURCES = ["read config.yaml", "filter the users where age > 18", "x", "go 🜊 ◇◆ home ∅",
           "search the logs for \"error\" now"]


def tiny_model(tok, seed=0, **kw):
    torch.manual_seed(seed)
    model = GPT(GPTConfig(vocab_size=len(tok), **{**TINY, **kw}))
    with torch.no_grad():  # smeared keys start at 0 (no effect): make the tests exercise them
        for block in model.blocks:
            if block.attn.smear is not None:
                block.attn.smear.uniform_(-1.0, 1.0)
    return model


def test_vocab_covers_ascii_and_glyphs_and_round_trips():
    tok = CharTokenizer()
    assert 105 <= len(tok) <= 125
    text = "".join(chr(c) for c in range(0x20, 0x7F)) + "".join(GLYPHS)
    assert tok.decode(tok.encode(text)) == text
    assert len({tok.pad, tok.sep, tok.eos, *(tok.task_id(t) for t in tok.tasks)}) \
        == 3 + len(tok.tasks)


def test_unknown_characters_are_reported_with_positions():
    tok = CharTokenizer()
    with pytest.raises(UnknownCharError) as e:
        tok.encode("caf\u00e9 ok\n")
    assert e.value.chars == [(3, "\u00e9"), (7, "\n")]
    assert "U+00E9" in str(e.value) and "at 3" in str(e.value)
    with pytest.raises(UnknownTaskError):
        tok.encode_prompt("translate", "x")


def test_prompt_format_and_dict_round_trip():
    tok = CharTokenizer()
    ids = tok.encode_prompt("fix", "ab")
    assert ids == [tok.task_id("fix"), *tok.encode("ab"), tok.sep]
    assert tok.decode(ids + [tok.eos, tok.pad]) == "ab"
    again = CharTokenizer.from_dict(tok.to_dict())
    assert again.vocab == tok.vocab and again.tasks == tok.tasks


def test_default_model_size():
    model = GPT(GPTConfig(vocab_size=len(CharTokenizer())))
    assert 500_000 <= model.num_params() <= 700_000
    assert model.num_params() * 4 < 3_000_000


def test_loss_ignores_masked_positions():
    tok = CharTokenizer()
    model = tiny_model(tok)
    idx = torch.randint(3, len(tok), (2, 10))
    targets = torch.full((2, 10), -100)
    targets[:, 5:] = idx[:, 5:]
    _, loss = model(idx, targets)
    logits, _ = model(idx)
    want = torch.nn.functional.cross_entropy(logits[:, 5:].reshape(-1, len(tok)),
                                             idx[:, 5:].reshape(-1))
    assert torch.allclose(loss, want, atol=1e-6)


def test_cached_forward_matches_full_forward():
    tok = CharTokenizer()
    model = tiny_model(tok).eval()
    idx = torch.randint(3, len(tok), (3, 12))
    full, _ = model(idx)
    cache = KVCache(model.config.n_layer)
    first, _ = model(idx[:, :7], cache=cache)
    steps = [model(idx[:, t:t + 1], cache=cache)[0] for t in range(7, 12)]
    torch.testing.assert_close(torch.cat([first, *steps], 1), full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kv_cache_decoding_equals_full_recompute(seed):
    tok = CharTokenizer()
    model = tiny_model(tok, seed)
    prompts = [tok.encode_prompt("en2lcr", s) for s in SOURCES]
    cached = generate(model, tok, prompts, max_new_tokens=30)
    full = generate(model, tok, prompts, max_new_tokens=30, use_cache=False)
    assert cached == full


def test_batched_padded_decoding_equals_alone_and_keeps_order():
    tok = CharTokenizer()
    model = tiny_model(tok, 3)
    prompts = [tok.encode_prompt("en2lcr", s) for s in SOURCES]
    alone = [generate(model, tok, [p], max_new_tokens=25)[0] for p in prompts]
    assert generate(model, tok, prompts, max_new_tokens=25) == alone
    assert generate(model, tok, prompts, max_new_tokens=25, batch_size=2) == alone
    assert generate(model, tok, prompts[::-1], max_new_tokens=25) == alone[::-1]


class OnlyChars:
    """A toy constraint: the output may only use the given characters, then must end."""

    def __init__(self, tok, chars, length):
        self.tok, self.left = tok, length
        self.mask = torch.zeros(len(tok), dtype=torch.bool)
        self.mask[tok.encode(chars)] = True
        self.seen = []

    def allowed(self):
        if self.left == 0:
            end = torch.zeros(len(self.tok), dtype=torch.bool)
            end[self.tok.eos] = True
            return end
        return self.mask

    def advance(self, token_id):
        self.seen.append(token_id)
        self.left -= 1


def test_constraints_mask_every_step_and_see_every_token():
    tok = CharTokenizer()
    model = tiny_model(tok, 4)
    prompts = [tok.encode_prompt("en2lcr", s) for s in SOURCES[:3]]
    cons = [OnlyChars(tok, "🜊🜁🜂", 5), None, OnlyChars(tok, "ab", 3)]
    outs = generate(model, tok, prompts, max_new_tokens=20, constraints=cons)
    assert set(tok.decode(outs[0])) <= set("🜊🜁🜂") and len(outs[0]) == 5
    assert set(tok.decode(outs[2])) <= set("ab") and len(outs[2]) == 3
    assert cons[0].seen == outs[0] and cons[2].seen == outs[2]


def test_generation_stops_at_the_position_limit():
    tok = CharTokenizer()
    model = tiny_model(tok, 5, block_size=24)
    prompt = tok.encode_prompt("en2lcr", "0123456789")  # 12 tokens
    out = generate(model, tok, [prompt], max_new_tokens=100)[0]
    assert len(out) <= 24 - 12 + 1
    with pytest.raises(ValueError, match="positions"):
        generate(model, tok, [[tok.sep] * 30], max_new_tokens=1)


def test_checkpoint_round_trip(tmp_path):
    tok = CharTokenizer()
    model = tiny_model(tok, 6)
    checkpoint.save(tmp_path / "ck", model, tok, {"training": {"seed": 6}})
    checkpoint.save(tmp_path / "ck", model, tok, {"training": {"seed": 7}})  # overwrite
    loaded, tok2, config = checkpoint.load(tmp_path / "ck")
    assert tok2.vocab == tok.vocab and config["training"] == {"seed": 7}
    assert loaded.lm_head.weight is loaded.wte.weight
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(),
                                     strict=True):
        assert torch.equal(a, b), k
    prompts = [tok.encode_prompt("en2lcr", s) for s in SOURCES]
    assert generate(loaded, tok2, prompts, max_new_tokens=10) == \
        generate(model, tok, prompts, max_new_tokens=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]  # no temp leftovers


def test_checkpoint_detects_tampering(tmp_path):
    tok = CharTokenizer()
    checkpoint.save(tmp_path / "ck", tiny_model(tok), tok)
    checkpoint.save(tmp_path / "other", tiny_model(tok, 9), tok)
    (tmp_path / "other" / "model.safetensors").replace(tmp_path / "ck" / "model.safetensors")
    with pytest.raises(checkpoint.CheckpointError, match="does not match"):
        checkpoint.load(tmp_path / "ck")
    with pytest.raises(checkpoint.CheckpointError, match="no checkpoint"):
        checkpoint.load(tmp_path / "missing")

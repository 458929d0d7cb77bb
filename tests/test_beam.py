"""Beam search (``brain.generate.beam``): it finds what greedy misses, beam 1 is greedy, batching
changes nothing, and constrained beams from random models always give valid LC-R."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from random_models import prompts, random_model

from brain.constrain.constraint import LCRConstraint, make_constraints
from brain.generate.beam import beam_generate, beam_search
from brain.generate.greedy import generate
from brain.model.gpt import GPTConfig, KVCache
from brain.model.tokenizer import CharTokenizer
from lcr import parse
from lcr.schema import check_schema

TOK = CharTokenizer()


class Scripted(torch.nn.Module):
    """A stand-in model whose next-token distribution depends on the last token only:
    after the prompt 'a' 0.6 and 'b' 0.4; after 'a' ten letters, 'c' the likeliest at 0.15;
    after any other letter the end. Greedy writes 'ac' (0.09); the best output is 'b' (0.4)."""

    def __init__(self):
        super().__init__()
        self.config = GPTConfig(vocab_size=len(TOK), block_size=64)
        self.anchor = torch.nn.Parameter(torch.zeros(1))  # gives the decoder a device

    def new_cache(self, capacity=0):
        return KVCache(1, capacity)

    def forward(self, idx, targets=None, *, cache=None, positions=None, attn_mask=None):
        B, T = idx.shape
        if cache is not None:  # keep the cache's bookkeeping (lengths, row selection) real
            cache.update(0, torch.zeros(B, 1, T, 1), torch.zeros(B, 1, T, 1))
        logits = torch.full((B, T, len(TOK)), -1e9)
        for b in range(B):
            for t in range(T):
                c = TOK.vocab[int(idx[b, t])]
                if c == "a":
                    for x in "cdefghijkl":
                        logits[b, t, TOK.stoi[x]] = 0.0 if x == "c" else -0.5
                elif len(c) == 1 and c.isalpha():
                    logits[b, t, TOK.eos] = 0.0
                else:
                    logits[b, t, TOK.stoi["a"]] = float(torch.log(torch.tensor(0.6)))
                    logits[b, t, TOK.stoi["b"]] = float(torch.log(torch.tensor(0.4)))
        return logits, None


def test_beam_finds_the_likelier_output_greedy_misses():
    model = Scripted()
    prompts = [TOK.encode_prompt("en2lcr", "x"), TOK.encode_prompt("en2lcr", "yy")]
    greedy = generate(model, TOK, prompts, max_new_tokens=5)
    assert [TOK.decode(o) for o in greedy] == ["ac", "ac"]
    for beam in (2, 3):
        outs = beam_generate(model, TOK, prompts, beam=beam, max_new_tokens=5)
        assert [TOK.decode(o) for o in outs] == ["b", "b"]
    assert [hyps[0][1] for hyps in beam_search(model, TOK, prompts, beam=1,
                                                max_new_tokens=5)] == greedy


def test_bad_arguments():
    model = Scripted()
    with pytest.raises(ValueError, match="beam"):
        beam_generate(model, TOK, [[TOK.eos]], beam=0, max_new_tokens=5)
    with pytest.raises(ValueError, match="empty"):
        beam_generate(model, TOK, [[]], beam=2, max_new_tokens=5)
    twice = make_constraints(TOK, [[TOK.eos]], max_new_tokens=5, block_size=64) * 2
    for beam in (1, 2):  # greedy decoding advances each prompt's constraint too
        with pytest.raises(ValueError, match="its own"):
            beam_generate(model, TOK, [[TOK.eos], [TOK.eos]], beam=beam, max_new_tokens=5,
                          constraints=twice)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from([1.0, 20.0]), prompts, st.integers(1, 80),
       st.booleans())
def test_beam_one_is_greedy(seed, scale, sources, budget, ground):
    model = random_model(seed, scale)
    ps = [TOK.encode_prompt("en2lcr", s) for s in sources]

    def cons():
        return make_constraints(TOK, ps, max_new_tokens=budget, block_size=160,
                                sources=sources if ground else None)

    greedy = generate(model, TOK, ps, max_new_tokens=budget, constraints=cons(), batch_size=3)
    found = beam_search(model, TOK, ps, beam=1, max_new_tokens=budget, constraints=cons(),
                        batch_size=3)
    assert [hyps[0][1] if hyps else [] for hyps in found] == greedy


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from([1.0, 20.0, 60.0]), prompts,
       st.integers(1, 100), st.integers(2, 4), st.booleans(), st.booleans())
def test_constrained_beams_from_random_models_always_parse(seed, scale, sources, budget, beam,
                                                           strict, ground):
    model = random_model(seed, scale)
    ps = [TOK.encode_prompt("en2lcr", s) for s in sources]

    def cons():
        return make_constraints(TOK, ps, max_new_tokens=budget, block_size=160, strict=strict,
                                sources=sources if ground else None)

    found = beam_search(model, TOK, ps, beam=beam, max_new_tokens=budget,
                        constraints=cons(), batch_size=3)
    for hyps in found:  # every finished hypothesis is its own path
        assert len({tuple(ids) for _, ids in hyps}) == len(hyps)
    together = [hyps[0][1] if hyps else [] for hyps in found]
    for ids in together:
        assert len(ids) <= budget
        value = parse(TOK.decode(ids))  # raises on any invalid output
        if strict:
            check_schema(value)
    # Batching (sorted by length, left-padded) neither reorders nor changes the outputs.
    alone = beam_generate(model, TOK, ps, beam=beam, max_new_tokens=budget,
                          constraints=cons(), batch_size=1)
    assert together == alone


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(0, 9), st.data())
def test_cache_select_keeps_the_chosen_rows(rows, filled, data):
    """``KVCache.select`` moves rows in place; the result is the chosen rows, as a plain
    ``index_select`` of the filled positions gives them, also when the batch grows or
    shrinks and on later steps."""
    cache = KVCache(2, capacity=12)
    ref = [[], []]  # per layer: the keys (B, 1, n, 1) a cache with no cleverness would hold
    for layer in range(2):
        k = torch.randn(rows, 1, filled + 1, 1)
        cache.update(layer, k, -k)
        ref[layer] = k
    for _ in range(3):
        n_rows = data.draw(st.integers(1, 8))
        sel = torch.tensor(data.draw(st.lists(st.integers(0, ref[0].size(0) - 1),
                                              min_size=n_rows, max_size=n_rows)))
        cache.select(sel)
        for layer in range(2):
            ref[layer] = ref[layer].index_select(0, sel)
            step = torch.randn(n_rows, 1, 1, 1)
            k, v = cache.update(layer, step, -step)
            ref[layer] = torch.cat([ref[layer], step], dim=2)
            assert torch.equal(k, ref[layer]) and torch.equal(v, -ref[layer])


class Eager(LCRConstraint):
    """The same constraint without its cheap ``allows``: beam search masks every row."""

    allows = None


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from([1.0, 20.0, 60.0]), prompts,
       st.integers(1, 100), st.integers(2, 4), st.booleans(), st.booleans())
def test_lazy_masks_find_what_full_masks_find(seed, scale, sources, budget, beam, ground,
                                              strict):
    """Putting candidates to ``allows`` first (``brain.generate.beam._Masks``) finds the same
    hypotheses, with the same scores, as masking every row at every step."""
    model = random_model(seed, scale)
    ps = [TOK.encode_prompt("en2lcr", s) for s in sources]
    found = {}
    for cls in (LCRConstraint, Eager):
        cons = make_constraints(TOK, ps, max_new_tokens=budget, block_size=160, cls=cls,
                                strict=strict, sources=sources if ground else None)
        found[cls] = beam_search(model, TOK, ps, beam=beam, max_new_tokens=budget,
                                 constraints=cons, batch_size=3)
    assert found[LCRConstraint] == found[Eager]

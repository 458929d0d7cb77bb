"""The LC-B constraint (brain.constrain.lcb_constraint): every output it lets end decodes as LC-B,
it never blocks the encoding of a value it is grounded in, grounded outputs take their
atoms from the source, and constrained decoding from random-weight models always decodes."""

import string

import numpy as np
import pytest
import walks
from hypothesis import given, settings
from hypothesis import strategies as st
from random_models import random_model
from strategies import values
from walks import TOK, atoms

import brain.generate.__main__
from brain.constrain.lcb_constraint import LCBConstraint, atoms_of
from brain.constrain.lcb_reader import Reader
from brain.evaluate.heldout import score_lcr
from lcr import dumps, parse
from lcr.lcb import decode, encode, parse_lcb
from lcr.values import MAX_SIZE, Contract, Object


def walk(*args, **kwargs) -> str:
    return walks.walk(LCBConstraint, *args, **kwargs)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(2, 160))
def test_random_walks_end_in_lc_b(seed, budget):
    text = walk(seed, budget)
    assert len(text) <= budget and len(text) % 2 == 0
    decode(bytes.fromhex(text))  # raises on anything that is not one LC-B value


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["03", "0c", "0503"]))
def test_long_texts_and_many_keys_stay_decodable(seed, start):
    """UTF-8 (no surrogates, no character cut by the length) and unique keys, at length."""
    text = walk(seed, 600, prefix=start + "c801" if start != "0c" else "0c3f")
    decode(bytes.fromhex(text))


@settings(max_examples=60, deadline=None)
@given(values(max_leaves=12))
def test_the_encoding_of_the_source_is_always_allowed(value):
    """Soundness: grounded in a value, with room for it, the constraint allows its LC-B
    character by character, then only the end."""
    target = encode(value).hex()
    c = LCBConstraint(TOK, len(target) + 1, source=dumps(value))
    for ch in target:
        assert c.allowed()[TOK.stoi[ch]], f"{ch!r} refused after {target[:c.remaining]!r}"
        c.advance(TOK.stoi[ch])
    assert c.is_complete() and np.flatnonzero(c.allowed().numpy()).tolist() == [TOK.eos]


NULL = parse("∅")
TIGHT = [  # where the shortest completion was once over-counted (found in review)
    Contract(0, [(126, NULL), (127, NULL), (128, NULL)]),
    Contract(0, [(16382, NULL), (16383, NULL), (16384, NULL)]),
    Contract(0, [(i, NULL) for i in range(129)]),
    Object([(c, NULL) for c in string.ascii_letters + "_"] + [("aa", NULL)]),
]


@pytest.mark.parametrize("value", TIGHT, ids=["idx127", "idx16383", "129fields", "54keys"])
def test_the_encoding_fits_the_tightest_budget(value):
    target = encode(value).hex()
    c = LCBConstraint(TOK, len(target), source=dumps(value))
    for ch in target:
        assert c.allowed()[TOK.stoi[ch]], f"{ch!r} refused at {len(target) - c.remaining}"
        c.advance(TOK.stoi[ch])
    assert c.is_complete()


def test_the_shortest_route_counts_every_name_length():
    first = (string.ascii_letters + "_").encode()
    ones = {bytes((a,)) for a in first}
    twos = {bytes((a, b)) for a in first for b in first + string.digits.encode()}
    r = Reader()  # an object whose one- and two-byte names are all taken, its last key next
    r.frames, r.want = [("O", 0, frozenset(ones | twos))], ("leb", "keylen", 0, 0)
    assert r.leb_range("keylen")[0] == 3 and r.need() == 1 + 3 + 1 + 1  # length, name, ∅, end
    r.frames = [("O", 1, frozenset(ones | twos))]  # and one more entry after it
    assert r.need() == 2 * (1 + 3 + 1) + 1
    r = Reader()
    assert r.feed(0x0C) and r.feed(0x81) and r.feed(0x20)  # 4,097 entries are LC-B too
    with pytest.raises(ValueError):
        LCBConstraint(TOK, 2 * MAX_SIZE + 2)  # could outgrow the size limit


@settings(max_examples=40, deadline=None)
@given(values(max_leaves=8), st.integers(0, 2**32))
def test_grounded_walks_take_their_atoms_from_the_source(value, seed):
    """Unless grounding had to step aside (more fields or keys than the source has, or
    no room left for any of its atoms), every atom of the output is one of the source's."""
    source, made = dumps(value), []
    budget = 2 * len(encode(value)) + 40
    out = decode(bytes.fromhex(walk(seed, budget, source, end_bias=0.3, constraint=made)))
    assert made[0].ground_skipped or atoms(out) <= atoms(value)


@pytest.mark.parametrize("budget", [2, 3, 4, 7, 12])
def test_a_tight_budget_still_ends_in_a_complete_value(budget):
    source = '🜊1000🜁0 "rename"🜁1 "a"🜁2 ⟁b🜂'
    for seed in range(20):
        decode(bytes.fromhex(walk(seed, budget, source, end_bias=0.0)))


def test_grounding_spells_a_name_from_its_length_on():
    c = LCBConstraint(TOK, 200, source='🜃⟁users, "a b"🜄')
    for ch in "0509":  # array, then a handle: only "users" (length 5) can follow
        c.advance(TOK.stoi[ch])
    spelled = ""
    for _ in range(12):  # the length and five bytes, each the only choice
        (tid,) = np.flatnonzero(c.allowed().numpy())
        spelled += TOK.vocab[tid]
        c.advance(tid)
    assert spelled == "05" + b"users".hex()
    assert atoms_of("not LC-R") is None  # no grounding where the source does not parse


def test_format_refusals():
    c = LCBConstraint(TOK, 100)
    for ch in "07e807":  # contract 1000 with ...
        c.advance(TOK.stoi[ch])
    allowed = {TOK.vocab[i] for i in np.flatnonzero(c.allowed().numpy())}
    assert "g" not in allowed and "<eos>" not in allowed
    c = LCBConstraint(TOK, 100)
    for ch in "0c010161":  # an object with one entry, key "a", then ... a value
        c.advance(TOK.stoi[ch])
    c.advance(TOK.stoi["0"])
    assert not c.allowed()[TOK.stoi["d"]]  # 0d (object end) is no value
    with pytest.raises(ValueError):
        LCBConstraint(TOK, 1)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from([1.0, 20.0, 60.0]), st.integers(2, 100),
       st.sampled_from([1, 3]), st.lists(values(max_leaves=6), min_size=1, max_size=3))
def test_constrained_random_models_always_decode(seed, scale, budget, beam, vals):
    outs = walks.random_model_outputs(LCBConstraint, "lcr2lcb", seed, scale, budget, beam, vals)
    for text in outs:
        parse_lcb(text)  # raises on anything that is not one value


def test_scoring_reads_lc_b():
    assert score_lcr("0a", "0a", reader=parse_lcb) == {"valid": True, "exact": True,
                                                      "schema": True}
    assert not score_lcr("0g", "0a", reader=parse_lcb)["valid"]


def test_generate_cli_refuses_a_budget_lc_b_cannot_use(capsys, monkeypatch):
    monkeypatch.setattr("brain.model.checkpoint.load",
                        lambda *a, **k: (random_model(0, 1.0), TOK, {}))
    with pytest.raises(SystemExit) as refused:  # a usage error, refused by argparse
        brain.generate.__main__.main(["--task", "lcr2lcb", "--max-new-tokens", "1", "⊤"])
    assert refused.value.code == 2
    assert "at least 2 characters" in capsys.readouterr().err

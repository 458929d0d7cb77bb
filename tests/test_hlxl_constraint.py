"""The HLXL constraint (brain.constrain.hlxl_constraint): every output it lets end parses as HLXL,
its shortest-completion count is exact, it never blocks the canonical HLXL of a value it is
grounded in, grounded outputs take their atoms from the source, and constrained decoding
from random-weight models always parses."""

import string

import numpy as np
import pytest
import walks
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import values
from walks import TOK, atoms

from brain.constrain.hlxl_constraint import HLXLConstraint, atoms_of
from brain.constrain.hlxl_reader import NAME_REST, Reader
from brain.constrain.tracker import free_extension
from brain.evaluate.heldout import READERS, score_lcr
from lcr import dumps, parse
from lcr.hlxl import dumps_hlxl, parse_hlxl
from lcr.values import FIELD_INDEX_MAX, MAX_DEPTH, MAX_SIZE, Array, Contract, Object, Text

CHARS = [s for i, s in enumerate(TOK.vocab) if i not in TOK.special_ids]
# Prefixes that start the walks in the corners: a pending surrogate pair, bytes escapes, a
# contract id, a two-digit index, the last field index, the largest contract id, a taken
# key, the largest int, an exponent, a handle's name.
PREFIXES = ["", '"\\ud83', 'b"a\\x0', 'b"\\', "{12", "{1000: {@9",
            f"{{0: {{@{FIELD_INDEX_MAX - 1}", "{2147483647: {@0: ", "{a: 1, a",
            "[9223372036854775807", "-1e", "&h_"]


def walk(*args, **kwargs) -> str:
    return walks.walk(HLXLConstraint, *args, **kwargs)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 160), st.sampled_from(PREFIXES))
def test_random_walks_end_in_hlxl(seed, budget, prefix):
    text = walk(seed, max(budget, len(prefix) + 12), prefix=prefix)
    parse_hlxl(text)  # raises on anything that is not one HLXL value


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(PREFIXES), st.integers(0, 30))
def test_the_shortest_completion_is_exact(seed, prefix, steps):
    """At every step of a walk ``need()`` is 0 exactly when the value is complete, and
    otherwise one more than the least ``need()`` after any character: so it is the length
    of the shortest completion."""
    rng = np.random.default_rng(seed)
    r = Reader()
    assert all(r.feed(ch) for ch in prefix)
    for _ in range(steps + 1):
        nxt = [r2 for ch in CHARS for r2 in [r.copy()] if r2.feed(ch)]
        if r.need() == 0:
            assert r.done()
        else:
            assert not r.done() and min(r2.need() for r2 in nxt) == r.need() - 1
        if not nxt:
            break
        r = nxt[int(rng.integers(len(nxt)))]


@settings(max_examples=60, deadline=None)
@given(values(max_leaves=12))
def test_the_canonical_hlxl_of_the_source_fits_the_tightest_budget(value):
    """Soundness: with exactly its length as the budget, grounded in the value or not, the
    constraint allows the value's canonical HLXL character by character, then the end."""
    target = dumps_hlxl(value)
    if any(ch not in TOK.stoi for ch in target):
        return  # a character the model has no token for (the test vocabulary is ASCII)
    for source in (None, dumps(value)):
        c = HLXLConstraint(TOK, len(target), source=source)
        for k, ch in enumerate(target):
            assert c.allowed()[TOK.stoi[ch]], f"{ch!r} refused after {target[:k]!r}"
            c.advance(TOK.stoi[ch])
        assert c.is_complete() and c.allowed()[TOK.eos] and c.ground_skipped == 0


NULL = parse("∅")
TIGHT = [  # where a count could go wrong: index digits, names running out, surrogates,
    # and (grounded) a comma that is no separator
    Contract(0, [(9, NULL), (10, NULL), (99, NULL), (100, NULL)]),
    Contract(0, [(FIELD_INDEX_MAX - 1, NULL), (FIELD_INDEX_MAX, NULL)]),
    Object([(c, NULL) for c in string.ascii_letters + "_"] + [("aa", NULL)]),
    Array([Text("\U0001f600x")]),
    Object([("a", Text(","))]),
    Contract(0, [(0, Text("a,b")), (1, parse("⊠2c"))]),
]


@pytest.mark.parametrize("value", TIGHT, ids=["digits", "last-index", "54keys", "astral",
                                              "comma-text", "comma-bytes"])
def test_the_tight_corners_fit_their_budget(value):
    target = dumps_hlxl(value).replace("\U0001f600", "\\ud83d\\ude00")  # as ASCII escapes
    assert parse_hlxl(target) == value
    for source in (None, dumps(value)):
        c = HLXLConstraint(TOK, len(target), source=source)
        for k, ch in enumerate(target):
            assert c.allowed()[TOK.stoi[ch]], f"{ch!r} refused after {target[:k]!r}"
            c.advance(TOK.stoi[ch])
        assert c.is_complete() and c.ground_skipped == 0


def test_a_taken_key_counts_its_free_extensions():
    """With ``a``, every ``a?`` and every ``a??`` taken, the key ``a`` needs three more
    characters (``aaa``) before its ``: 0}``."""
    names = ["a", *("a" + x for x in NAME_REST), *("a" + x + y for x in NAME_REST
                                                    for y in NAME_REST)]
    r = Reader()
    for ch in "{" + ", ".join(f"{k}: 0" for k in names) + ", a":
        assert r.feed(ch)
    assert r.need() == len("aaa: 0}")
    assert free_extension(set(names), "") == 1 and free_extension({"a", "ab"}, "a") == 1


@settings(max_examples=40, deadline=None)
@given(values(max_leaves=8), st.integers(0, 2**32))
def test_grounded_walks_take_their_atoms_from_the_source(value, seed):
    """Unless grounding had to step aside (no room left for any of the source's atoms),
    every atom of the output is one of the source's."""
    source, made = dumps(value), []
    if any(ch not in TOK.stoi for ch in dumps_hlxl(value)):
        return
    budget = len(dumps_hlxl(value)) + 40
    out = parse_hlxl(walk(seed, budget, source, end_bias=0.3, constraint=made))
    assert made[0].ground_skipped or atoms(out) <= atoms(value)


@pytest.mark.parametrize("budget", [1, 2, 3, 5, 8, 12])
def test_a_tight_budget_still_ends_in_a_complete_value(budget):
    source = '🜊1000🜁0 "rename"🜁1 "a"🜁2 ⟁b🜂'
    for seed in range(20):
        parse_hlxl(walk(seed, budget, source, end_bias=0.0))


@pytest.mark.parametrize("source,budget", [("123", 2), ("⟁users", 4), ("1.5", 1),
                                           ("🜃12🜄", 3)])
def test_a_budget_that_ends_inside_an_atom_still_grounds_it(source, budget):
    """Where the budget runs out inside a number or name, the output's atoms are still the
    source's, or grounding says it stepped aside (``12`` for ``123`` was once let through)."""
    made = []
    out = parse_hlxl(walk(0, budget, source, end_bias=0.0, constraint=made))
    assert made[0].ground_skipped or atoms(out) <= atoms(parse(source))


def test_grounding_spells_the_sources_atoms():
    c = HLXLConstraint(TOK, 200, source='🜃⟁users, ⊠686f7374, ⊤🜄')
    # a value of a kind the source has: an array, a handle, bytes or true
    assert {TOK.vocab[i] for i in np.flatnonzero(c.allowed().numpy())} == set("[&bt")
    spelled = ""
    for ch in "[&":
        c.advance(TOK.stoi[ch])
    for _ in range(7):  # "h_users": each the only choice
        (tid,) = np.flatnonzero(c.allowed().numpy())
        spelled += TOK.vocab[tid]
        c.advance(tid)
    assert spelled == "h_users"
    for ch in ", b":
        c.advance(TOK.stoi[ch])
    after_b = "".join(TOK.vocab[i] for i in np.flatnonzero(c.allowed().numpy()))
    assert after_b == '"'  # and then the bytes as the printer spells them: b"host"
    assert atoms_of("not LC-R") is None  # no grounding where the source does not parse


def allowed_after(prefix: str, budget: int = 100) -> set[str]:
    c = HLXLConstraint(TOK, budget)
    for ch in prefix:
        c.advance(TOK.stoi[ch])
    return {TOK.vocab[i] for i in np.flatnonzero(c.allowed().numpy())}


def test_syntax_and_limit_refusals():
    assert allowed_after("{22: {@0: false, @1: t") == {"r"}  # `t` is no value: true
    assert "∅" not in allowed_after("[")  # an LC-R glyph is no HLXL
    assert ":" not in allowed_after("{1: {@3: 0, @3")  # indices ascend (@30 could follow)
    assert ":" in allowed_after("{1: {@3: 0, @4")
    assert ":" not in allowed_after("{a: 1, a")  # keys are unique
    assert allowed_after("{0") == {":"}  # no leading zeros
    assert "<eos>" not in allowed_after("[1")  # the value is not complete
    assert allowed_after("[1, 2]") == {"<eos>"}
    assert allowed_after("[" * MAX_DEPTH, 200) & {"[", "{"} == set()  # depth 64
    assert allowed_after('"\\ud83d') == {"\\"}  # a high surrogate wants its low half
    with pytest.raises(ValueError):
        HLXLConstraint(TOK, 0)
    with pytest.raises(ValueError):
        HLXLConstraint(TOK, MAX_SIZE)  # could outgrow the size limit


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from([1.0, 20.0, 60.0]), st.integers(1, 100),
       st.sampled_from([1, 3]), st.lists(values(max_leaves=6), min_size=1, max_size=3))
def test_constrained_random_models_always_parse(seed, scale, budget, beam, vals):
    outs = walks.random_model_outputs(HLXLConstraint, "lcr2hlxl", seed, scale, budget, beam, vals)
    for text in outs:
        parse_hlxl(text)  # raises on anything that is not one value


def test_scoring_reads_hlxl():
    read = READERS["lcr2hlxl"]
    assert score_lcr("[1,2]", "[1, 2]", reader=read) == {"valid": True, "exact": True,
                                                        "schema": True}
    assert not score_lcr("[1, ∅]", "[1, null]", reader=read)["valid"]

"""The LC-R constraint: its masks agree with Lark's parser, and constrained decoding from
random-weight models always yields parseable (and, strict, schema-valid) LC-R."""

import string

import lark
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark_mask import complete, viable
from random_models import prompts, random_model
from strategies import _containers, names

from brain.constrain.constraint import LCRConstraint, make_constraints, unpack
from brain.constrain.ground import slots
from brain.constrain.spelling import (
    NUMBER,
    WORD,
    bytes_spelled_in,
    source_keys,
    source_numbers,
    source_words,
)
from brain.constrain.texts import text_spans
from brain.generate.greedy import generate
from brain.model.tokenizer import GLYPHS, CharTokenizer
from lcr import dumps, parse
from lcr.errors import LCRError
from lcr.grammar import grammar_text
from lcr.schema import catalogue, check_schema
from lcr.values import (
    CONTRACT_ID_MAX,
    FALSE,
    FIELD_INDEX_MAX,
    INT_MAX,
    INT_MIN,
    NULL,
    TRUE,
    Bytes,
    Float,
    Handle,
    Int,
    Text,
)

TOK = CharTokenizer()
CHARS = [c for i, c in enumerate(TOK.vocab) if i not in TOK.special_ids]

# Values whose text the tokenizer can spell (printable ASCII and the glyphs).
_texts = st.text(st.sampled_from(string.printable[:95] + "".join(GLYPHS)), max_size=8)
_scalars = st.one_of(
    st.just(NULL), st.sampled_from([TRUE, FALSE]), st.integers(INT_MIN, INT_MAX).map(Int),
    st.floats(allow_nan=False, allow_infinity=False).map(Float), _texts.map(Text),
    st.binary(max_size=4).map(Bytes), names.map(Handle),
)
spellable = st.recursive(_scalars, _containers, max_leaves=8)


def syntax_mask(prefix: str) -> np.ndarray:
    """The llguidance layer alone (no Tracker, no budget) after ``prefix``."""
    c = LCRConstraint(TOK, 10_000)
    for ch in prefix:
        assert c.matcher.consume_token(TOK.stoi[ch]), (prefix, c.matcher.get_error())
    bits = np.frombuffer(c.matcher.compute_bitmask(), dtype=np.int32)
    return unpack(bits[None, :], len(TOK.vocab))[0]


def with_spaces(value, data) -> str:
    """``dumps(value)`` with spaces inserted wherever LC-R allows them (the only whitespace
    the vocabulary has): non-canonical text of the same value."""
    text = dumps(value)
    for pos in sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)),
                      reverse=True):
        for n in (1, 3):
            cand = text[:pos] + " " * n + text[pos:]
            try:
                if parse(cand) == value:
                    text = cand
                    break
            except LCRError:
                break
    return text


# Syntactically valid LC-R spelled in the vocabulary, from the grammar itself: any layout.
from_grammar = from_lark(lark.Lark(grammar_text("lcr"), start="start"),
                         alphabet=st.sampled_from(CHARS)).filter(lambda t: len(t) <= 200)


def test_with_spaces_makes_non_canonical_text():
    value = parse('🜃1,◇a:🜊7🜁0 ∅🜂◆🜄')
    found = set()

    @settings(max_examples=40)
    @given(st.data())
    def run(data):
        text = with_spaces(value, data)
        assert parse(text) == value
        found.add(text != dumps(value))

    run()
    assert True in found


def assert_mask_agrees(prefix):
    got = syntax_mask(prefix)
    for ch in CHARS:
        assert got[TOK.stoi[ch]] == viable(prefix + ch), (prefix, ch)
    assert got[TOK.eos] == complete(prefix), prefix
    for i in TOK.special_ids - {TOK.eos}:
        assert not got[i]


@settings(max_examples=25)
@given(spellable, st.data())
def test_allowed_set_agrees_with_lark(value, data):
    text = dumps(value)  # (the vocabulary has no newline, so no pretty layout)
    assert_mask_agrees(text[:data.draw(st.integers(0, len(text)))])


@settings(max_examples=25)
@given(spellable, st.data())
def test_allowed_set_agrees_with_lark_on_spaced_text(value, data):
    text = with_spaces(value, data)
    assert_mask_agrees(text[:data.draw(st.integers(0, len(text)))])


@settings(max_examples=25)
@given(from_grammar, st.data())
def test_allowed_set_agrees_with_lark_on_grammar_text(text, data):
    assert complete(text)
    assert_mask_agrees(text[:data.draw(st.integers(0, len(text)))])


def first_refused(text: str) -> int | None:
    """Walking ``text`` with the full constraint (syntax + Tracker, no budget pressure):
    the position of the first character it refuses (``len(text)``: end-of-sequence)."""
    c = LCRConstraint(TOK, 10_000)
    for i, ch in enumerate(text):
        if not c.allowed_np()[TOK.stoi[ch]]:
            return i
        c.advance(TOK.stoi[ch])
    return None if c.allowed_np()[TOK.eos] else len(text)


@settings(max_examples=40)
@given(spellable, st.data())
def test_tracker_allows_every_character_of_valid_text(value, data):
    assert first_refused(dumps(value)) is None
    assert first_refused(with_spaces(value, data)) is None


_small = spellable.map(dumps)
_sp = st.sampled_from(["", " "])


@settings(max_examples=30)
@given(st.integers(0, 50), st.integers(0, FIELD_INDEX_MAX), _small, _small, _sp,
       st.data())
def test_tracker_refuses_a_field_index_out_of_order(cid, last, v1, v2, sp, data):
    index = data.draw(st.integers(0, last))  # the edit: not above the previous index
    head = f"🜊{cid}🜁{last} {v1}{sp}🜁"
    text = f"{head}{index} {v2}🜂"
    got = first_refused(text)
    lo = len(head) - 1 if last == FIELD_INDEX_MAX else len(head)  # no field can follow max
    assert got is not None and lo <= got <= len(head) + len(str(index)), (text, got)


@settings(max_examples=30)
@given(names, names, _small, _small, _sp)
def test_tracker_refuses_a_duplicate_key(k1, k2, v1, v2, sp):
    assume(k1 != k2)
    valid = f"◇{k1}: {v1}{sp}, {k2}: {v2}◆"
    assert first_refused(valid) is None
    text = f"◇{k1}: {v1}{sp}, {k1}: {v2}◆"  # the edit: the second key repeats the first
    assert first_refused(text) == len(f"◇{k1}: {v1}{sp}, {k1}"), text


@settings(max_examples=40)
@given(st.one_of(st.integers(INT_MAX + 1, 10**30), st.integers(-10**30, INT_MIN - 1)),
       st.sampled_from([("", ""), ("🜃", "🜄"), ("🜃∅, ", " 🜄"), ("◇a: ", "◆")]))
def test_tracker_refuses_the_end_of_an_out_of_range_int(n, wrap):
    text = f"{wrap[0]}{n}{wrap[1]}"
    got = first_refused(text)
    # digits may still become a float ("…0.5"); what ends the number must be refused
    assert got == len(wrap[0]) + len(str(n)), (text, got)


@settings(max_examples=30)
@given(st.integers(CONTRACT_ID_MAX + 1, 10**12), st.integers(FIELD_INDEX_MAX + 1, 10**7))
def test_tracker_refuses_out_of_range_contract_ids_and_field_indices(cid, index):
    got = first_refused(f"🜊{cid}🜂")
    assert got is not None and 1 <= got <= len(str(cid)), cid
    text = f"🜊1🜁{index} ∅🜂"
    got = first_refused(text)
    assert got is not None and 3 <= got <= 3 + len(str(index)), (text, got)


def full_mask(prefix: str, budget: int = 10_000) -> set[str]:
    c = LCRConstraint(TOK, budget)
    for ch in prefix:
        c.advance(TOK.stoi[ch])
    row = c.allowed_np()
    return {("<eos>" if i == TOK.eos else TOK.vocab[i]) for i in np.flatnonzero(row)}


@pytest.mark.parametrize("prefix, banned, kept", [
    ("🜊14🜁5 1🜁", {"0"}, {"1", "5", "6", "9"}),       # indices strictly ascending
    ("🜊14🜁5 1🜁1", {" "}, {"0"}),                       # 1 <= 5: must grow to 10+
    ("🜊14🜁65534 1", {"🜁"}, {"🜂"}),                     # no index above 65534
    ("🜊14🜁6553", {"5", "6"}, {"4", "0"}),
    ("◇ab: 1, ab", {":"}, {"c"}),                        # unique keys
    ("9223372036854775807", set(), {"<eos>", "0"}),
    ("9223372036854775808", {"<eos>"}, {".", "e"}),      # not a 64-bit int; a float may do
    ("-9223372036854775809", {"<eos>", "🜂"}, {"."}),
    ("1e30", {"9"}, {"<eos>", "7"}),                     # 1e309 is not a double
    ("🜊214748364", {"8", "9"}, {"7"}),                  # contract ids up to 2147483647
    ('"\\ud8', set(), {"0"}),
    ('"\\udc', set("0123456789abcdefABCDEF"), set()),   # no lone low surrogate
    ('"\\ud800', {'"', "a"}, {"\\"}),                    # a high one needs its low half
    ('"\\ud800\\u', {"0"}, {"d"}),
    ("🜃" * 64, {"🜃", "🜊", "◇"}, {"🜄", "∅"}),            # depth 64 at most
])
def test_tracker_limits(prefix, banned, kept):
    allowed = full_mask(prefix)
    assert not banned & allowed, (prefix, banned & allowed)
    assert kept <= allowed, (prefix, kept - allowed)


def test_budget_closes_the_value():
    c = LCRConstraint(TOK, 40)
    for ch in "🜃🜃◇a: \"x":
        c.advance(TOK.stoi[ch])
    while c.remaining > 0:
        row = c.allowed_np()
        assert row.sum() == 1 or not c.closing()
        tid = int(np.flatnonzero(row)[0])
        if tid == TOK.eos:
            break
        c.advance(tid)
    parse("".join(c.text))


@settings(max_examples=12)
@given(st.integers(0, 2**16), st.sampled_from([1.0, 20.0, 60.0]), prompts,
       st.integers(1, 120), st.booleans(), st.booleans())
def test_constrained_random_models_always_parse(seed, scale, sources, budget, strict, ground):
    model = random_model(seed, scale)
    ps = [TOK.encode_prompt("en2lcr", s) for s in sources]
    cons = make_constraints(TOK, ps, max_new_tokens=budget, block_size=160, strict=strict,
                            sources=sources if ground else None)
    outs = generate(model, TOK, ps, max_new_tokens=budget, constraints=cons, batch_size=3)
    for ids in outs:
        assert len(ids) <= budget
        value = parse(TOK.decode(ids))  # raises on any invalid output
        if strict:
            check_schema(value)


def grounded(kind, value, source) -> bool:
    if kind == "handle":
        return value.name in source_words(source)
    if kind == "key":  # any word of the source
        return value in source_keys(source)
    if kind == "number":  # as a value: "0E0" in the source is written so, and is 0.0
        return any(_number(n) == value for n in source_numbers(source))
    if kind == "op":
        return value.value in catalogue()
    if kind == "bytes":
        return bytes_spelled_in(value.value, source)
    return value.value in text_spans(source)


def _number(text: str):
    try:
        return parse(text)
    except LCRError:  # "00" is a number in English, not in LC-R
        return None


words = st.lists(st.from_regex(WORD, fullmatch=True).filter(lambda w: len(w) < 12),
                 max_size=4)
numbers = st.lists(st.from_regex(NUMBER, fullmatch=True).filter(lambda n: len(n) < 10),
                   max_size=3)


@settings(max_examples=40)
@given(words, numbers, st.integers(0, 2**32), st.integers(1, 200), st.booleans())
def test_grounded_walk_never_dead_ends_and_spells_slots_from_the_source(ws, ns, seed, budget,
                                                                         strict):
    """A random walk that starts slots whenever it may: every step has a choice, the result
    parses, and unless the budget forced it closed (or grounding had to step aside, as for a
    number out of range), every slot is spelled as in the source."""
    source = " . ".join([*ws, *ns]) if ws or ns else "? ."
    rng = np.random.default_rng(seed)
    c = LCRConstraint(TOK, budget, strict=strict, source=source)
    starts = [TOK.stoi[ch] for ch in '⟁⊠"-0123456789']
    forced = False
    while True:
        row = c.allowed_np()
        forced |= c.closing()
        ids = np.flatnonzero(row)
        assert len(ids), f"dead end after {''.join(c.text)!r}"
        slot = [i for i in starts if row[i]]
        tid = int(rng.choice(slot)) if slot and rng.random() < 0.7 else int(rng.choice(ids))
        if tid == TOK.eos:
            break
        c.advance(tid)
    value = parse("".join(c.text))
    if not forced and not c.ground_skipped:
        for kind, v in slots(value):
            assert grounded(kind, v, source), (kind, v, source)


def test_text_spans_start_and_end_where_words_do():
    """A text is a quoted stretch whole, or runs from a word's start to a word's end: not
    part of a file name, path, address or quoted stretch, and not a function word alone."""
    spans = text_spans('cp notes.md to ~/old/notes.md, then log "all done" (see TODO(x)).')
    assert {"notes.md", "~/old/notes.md", "all done", "TODO(x)", "see TODO(x)", "cp"} <= set(spans)
    assert not {"notes", "old/notes.md", "~/old/notes", "all", "done", "TODO", "0.5", "to",
                "notes.md,", "TODO(x))."} & set(spans)
    assert text_spans("ping 10.0.0.5?")["10.0.0.5"] == 1 and "0.5" not in text_spans("10.0.0.5")
    assert set(text_spans("cd ..")) >= {"..", "cd"} and text_spans("a `b c` d")["b c"] == 1
    assert text_spans("copy a.txt to a.txt")["a.txt"] == 2  # spelled twice: usable twice
    assert text_spans("what's the users' mood")["users'"] == 1 and "s" not in text_spans("what's")
    assert text_spans('x = "C:\\\\data"')["C:\\data"] == 1  # code spells a backslash as \\


def test_texts_are_spelled_whole_and_used_at_most_as_often_as_the_source_has_them():
    src = 'copy app.yaml to app.yaml.bak and open "C:\\Program Files\\x"'
    assert allowed_after('🜃"app.yaml', src) == {".", '"', " "}
    assert allowed_after('🜃"app.yaml", "app.yaml', src) == {".", " "}  # used up: go on
    assert allowed_after('🜃"C:', src) == {"\\"}  # a backslash is written as its escape
    assert allowed_after('🜃"C:\\', src) == {"\\"}
    assert allowed_after('🜃"C:\\\\Program', src) == {" "}  # a quoted stretch is one text
    assert allowed_after('🜃"C:\\\\Program Files\\\\x', src) == {'"'}


def allowed_after(prefix: str, source: str) -> set[str]:
    c = LCRConstraint(TOK, 300, source=source)
    for ch in prefix:
        c.advance(TOK.stoi[ch])
    return {TOK.vocab[i] for i in np.flatnonzero(c.allowed_np())}


def test_grounding_allows_only_continuations_of_source_spellings():
    src = 'hold the users, then user and user_2 by url; find "out of memory" 74.5 times'
    assert allowed_after("🜃⟁u", src) == {"s", "r"}
    after_word = allowed_after("🜃⟁user", src)
    assert {"s", "_", ","} <= after_word and "x" not in after_word
    assert allowed_after('🜃"out o', src) == {"f"}
    assert allowed_after('🜃"out of memory', src) == {'"'}
    assert allowed_after("🜃7", src) == {"4"}
    after_number = allowed_after("🜃74.5", src)
    assert "," in after_number and not after_number & set("0123456789")
    op = allowed_after('🜊1000🜁0 "', src)
    assert {"f", "s", "r"} <= op and "h" not in op  # filter, search, read; no op "hold"
    starts = allowed_after("🜃", src)
    # 2: user_2; 0, 1 and -1 are numbers a request implies ("the first 5" starts at 0)
    assert {"7", "2", "0", "1", "-", "⟁", '"'} <= starts and not starts & set("345689")
    assert allowed_after("🜃-", src) == {"1", "2", "7"}  # -1; -2 and -74.5: negated
    # neighbouring words join into one name, in lower case, unless a function word is among
    # them ("hold the users" names no ⟁hold_the_users); aggregate's functions are names
    assert "_" not in allowed_after("🜃⟁hold", src) and allowed_after("🜃⟁user_", src) == {"2"}
    scan = "scan the Crash Reports for a leak"
    assert allowed_after("🜃⟁crash_", scan) == {"r"} and "_" not in allowed_after("🜃⟁reports", scan)
    names = allowed_after("🜃⟁", scan)  # "the" and "for" name nothing; "a" may (a variable)
    assert {"s", "c", "C", "a", "l"} <= names and "f" not in names
    assert allowed_after("🜃⟁t", scan) == {"o"}  # ⟁total, a fixed name; no ⟁the
    assert allowed_after("🜃⟁med", src) == {"i"}
    keys = allowed_after("🜃◇", src)  # object keys are source words too
    assert {"h", "u", "◆"} <= keys and not keys & set("xzq")
    assert allowed_after("🜃◇u", src) == {"s", "r"} and ":" in allowed_after("🜃◇user", src)
    assert ":" not in allowed_after("🜃◇use", src)
    hexes = 'bytes "ok" or hex 0x6869 and 4A'  # "ok" is 6f6b; 6869 and 4A are hex runs
    assert allowed_after("🜃⊠", hexes) == set("2346")  # 20 22: space, quote; 30: the 0 of
    # 0x; 4A and 6869: hex runs; 6x: letters starting words
    assert allowed_after("🜃⊠6", hexes) == set("128f")  # a, b, h, o starting words
    assert allowed_after("🜃⊠6f", hexes) == {"6", "7"}  # "ok", "or": no word ends at "o"
    assert "🜄" in allowed_after("🜃⊠6f6b", hexes) and "🜄" in allowed_after("🜃⊠6869", hexes)
    assert allowed_after("🜃⊠4", hexes) == {"A"}  # the hex run as written; no word starts 4x
    hlxl = '{x: &h_users, y: b"hi\\x00"}'  # HLXL: ⟁users, ⊠686900
    assert "s" in allowed_after("🜃⟁u", hlxl) and "0" in allowed_after("🜃⊠6869", hlxl)
    assert "🜄" in allowed_after("🜃⊠686900", hlxl)
    # kind words and typos of function words stand between names ("the email field" ->
    # ⟁email, "teh donations" -> ⟁donations)
    kinds = "count teh values in the email field or the geocode function"
    assert allowed_after("🜃⟁email", kinds) - {"_"} == allowed_after("🜃⟁email", kinds)
    assert "e" not in allowed_after("🜃⟁t", kinds) and "c" in allowed_after("🜃⟁geo", kinds)
    assert allowed_after("🜃⟁field", kinds) >= {"🜄", ","}  # alone, a kind word is a name
    free = LCRConstraint(TOK, 200)
    for ch in "🜃⟁u":
        free.advance(TOK.stoi[ch])
    assert {"x", "q"} <= {TOK.vocab[i] for i in np.flatnonzero(free.allowed_np())}


@settings(max_examples=15)
@given(st.lists(st.tuples(words, numbers), min_size=1, max_size=4), st.integers(0, 2**32),
       st.integers(1, 150))
def test_batch_masks_equal_one_at_a_time_masks(specs, seed, budget):
    """allowed_batch (what the decoder uses) gives each row exactly its allowed_np, and
    ``allows`` never allows what they refuse."""
    rng = np.random.default_rng(seed)
    cons = [LCRConstraint(TOK, budget, source=" ".join([*ws, *ns]) or None)
            for ws, ns in specs]
    live = list(cons)
    while live:
        batch = LCRConstraint.allowed_batch(live).numpy()
        for c, row in zip(list(live), batch, strict=True):
            assert (row == c.allowed_np()).all(), "".join(c.text)
            for t in rng.integers(0, len(TOK.vocab), 8):
                assert row[t] or not c.allows(int(t))  # allows never says yes wrongly
            tid = int(rng.choice(np.flatnonzero(row)))
            if tid == TOK.eos:
                live.remove(c)
            else:
                c.advance(tid)


class FullMasks:
    """An LCRConstraint seen through the bare protocol: no ``allows``, no batch masks."""

    def __init__(self, c):
        self.c = c

    def allowed(self):
        return self.c.allowed()

    def advance(self, token_id):
        self.c.advance(token_id)


@settings(max_examples=10)
@given(st.integers(0, 2**16), st.sampled_from([1.0, 20.0]), prompts, st.integers(1, 100),
       st.booleans())
def test_favourite_token_shortcut_decodes_exactly_as_full_masks(seed, scale, sources, budget,
                                                                ground):
    """The decoder asks ``allows`` about each row's favourite token before computing masks;
    the outputs equal decoding with a full mask at every step."""
    model = random_model(seed, scale)
    ps = [TOK.encode_prompt("en2lcr", s) for s in sources]

    def cons():
        return make_constraints(TOK, ps, max_new_tokens=budget, block_size=160,
                                sources=sources if ground else None)

    fast = generate(model, TOK, ps, max_new_tokens=budget, constraints=cons(), batch_size=3)
    full = generate(model, TOK, ps, max_new_tokens=budget,
                    constraints=[FullMasks(c) for c in cons()], batch_size=3)
    assert fast == full

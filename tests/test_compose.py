"""The compositional generator's parts: the handle-naming rule, the filler pools, composed
English (every slot spelled verbatim, noise only outside slots) and the human-paraphrase
loader."""

from __future__ import annotations

import json
import random

import pytest

from lcr.corpus import compose, human, lexicon
from lcr.corpus.records import CompileError
from lcr.corpus.render import Phrase


@pytest.mark.parametrize("phrase, name", [
    ("the crash reports", "crash_reports"),
    ("the nightly build", "nightly_build"),
    ("the order schema", "order_schema"),
    ("the downloads folder", "downloads"),
    ("my home directory", "home"),
    ("the price column", "price"),
    ("the transliterate function", "transliterate"),
    ("the guest list", "guest_list"),
    ("the latency_ms field", "latency_ms"),
    ("all the createdAt values", "createdAt_values"),
    ("lastName", "lastName"),
    ("Every Invoice", "invoice"),
    ("the folder", "folder"),  # a kind word alone stays
    ("our dir", "dir"),
])
def test_handle_name_rule(phrase, name):
    assert lexicon.handle_name(phrase) == name


def test_handle_name_refuses_what_is_no_name():
    with pytest.raises(ValueError):
        lexicon.handle_name("the 3 things!")


@pytest.mark.parametrize("kind", ["data", "thing", "field", "place", "transform", "schema",
                                  "file", "dir_path", "file_path", "glob", "url", "query"])
def test_pools_hold_thousands_of_valid_fillers(kind):
    items = lexicon.pool(kind)
    assert len(set(items)) >= 1000
    for x in items:
        assert x.isascii() and x.isprintable() and '"' not in x, x
        if kind in ("data", "thing", "field", "place", "transform", "schema"):
            lexicon.handle_name(x)  # every noun phrase names a handle


def test_nouns_are_lowercase_singular_words():
    nouns = lexicon.nouns()
    assert len(nouns) >= 3000
    assert all(n.isalpha() and n.islower() for n in nouns)
    assert "the" not in nouns and "field" not in nouns


PHRASES = [
    Phrase("search", {"src": "crash reports", "query": "disk full"}),
    Phrase("read", {"file": "~/notes/todo.md"}),
    Phrase("aggregate", {"fn": "median", "field": "unit price"}),
    Phrase("filter_cmp", {"data": "orders", "cond": Phrase("cond_gt", {
        "field": "total", "value": "100"})}),
    Phrase("transform", {"data": "names", "fn": "uppercase"}),
    Phrase("pipeline", {"steps": [Phrase("step_read", {"file": "sales.csv"}),
                                  Phrase("step_aggregate", {"fn": "average",
                                                            "field": "price"})]}),
]


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: p.frame)
def test_composed_english_spells_every_slot_and_varies(phrase):
    rng = random.Random(0)
    texts, skeletons = set(), set()
    for _ in range(300):
        text, line = compose.render(phrase, rng)
        texts.add(text)
        skeletons.add(line.source)
        slots = phrase.slots["steps"] if phrase.frame == "pipeline" else [phrase]
        for p in slots:
            for k, v in p.slots.items():
                if isinstance(v, str) and k != "fn":
                    assert v in text, (v, text)
    assert len(skeletons) >= 40 and len(texts) >= 100


def test_composed_rendering_is_deterministic():
    a = [compose.render(p, random.Random(7))[0] for p in PHRASES]
    b = [compose.render(p, random.Random(7))[0] for p in PHRASES]
    assert a == b


def test_every_core_operation_has_eight_verb_phrases():
    for frame, patterns in compose.phrasing()["ops"].items():
        if frame.startswith("expr_") or frame == "s_if_chain":
            continue  # parts of a statement (an operand pair, a chain of if arms), no verbs
        assert len(patterns) >= 8, frame


def _write(tmp_path, lines):
    folder = tmp_path / "human"
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


GOOD = json.dumps({"en": "read “notes.txt”\n2. then log it", "group": "core",
                   "style": "plain", "lcr": '🜊1000🜁0 "read"🜁1 "notes.txt"🜂'})


def test_human_lines_are_checked_and_normalized(tmp_path):
    rows = human.load(_write(tmp_path, [GOOD, ""]))
    assert len(rows) == 1 and rows[0]["en"] == 'read "notes.txt" 2. then log it'
    assert human.one_line("let x be 1\nlog x — done") == "let x be 1; log x - done"


@pytest.mark.parametrize("bad", [
    "not json",
    json.dumps({"en": "x", "lcr": "🜃🜄", "group": "core"}),
    json.dumps({"en": "x", "lcr": "🜃🜄", "group": "nope", "style": "plain"}),
    json.dumps({"en": "x", "lcr": "🜊1000🜁0 \"read\"🜂", "group": "core", "style": "p"}),
    json.dumps({"en": "café", "lcr": "🜃🜄", "group": "core", "style": "plain"}),
])
def test_a_bad_human_line_names_file_and_line(tmp_path, bad):
    with pytest.raises(CompileError, match="a.jsonl line 2"):
        human.load(_write(tmp_path, [GOOD, bad]))


def test_missing_human_folder_adds_nothing(tmp_path):
    assert human.load(tmp_path / "absent") == []

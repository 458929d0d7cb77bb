"""The compositional generator on phase 2's domain operations and phase 3's programs: every
domain frame is composed with at least eight patterns, its English spells every slot value
(nested bodies, branches and match arms included), and a composed program splits back into
one clause per statement by ``lcr.clauses.split_clauses``."""

from __future__ import annotations

import random

import pytest

from lcr.corpus import compose, phase2, phase3
from lcr.corpus.clauses import program_clauses
from lcr.corpus.vocab import Draw

TEMPLATE_ONLY = ("filter_logic", "filter_logic_deep")  # and/or/not keep their templates
DOMAIN = [f for f in phase2.FRAMES if f not in TEMPLATE_ONLY]


def _strings(phrase):
    """Every string slot value of a phrase tree (the words the English must say)."""
    for k, v in phrase.slots.items():
        for x in v if isinstance(v, (list, tuple)) else [v]:
            if compose._is_phrase(x):
                yield from _strings(x)
            elif isinstance(x, str) and k != "default" and not (
                    k == "fn" and x in compose.phrasing()["aggregate_words"]):
                yield x.strip('"')


@pytest.mark.parametrize("frame", DOMAIN)
def test_domain_frames_are_composed_and_say_every_slot(frame):
    rng = random.Random(frame)
    d = Draw(rng)
    skeletons = set()
    for _ in range(25):
        _, phrase = phase2.FRAMES[frame](d)
        assert compose.handles(phrase), frame
        text, line = compose.render(phrase, rng)
        skeletons.add(line.source)
        for s in _strings(phrase):
            assert s in text, (s, text)
    assert len(skeletons) >= 10, frame


def test_every_domain_operation_has_eight_patterns():
    short = {f: len(compose._patterns(f)) for f in compose.more_ops(compose.TEMPLATES_DIR
                                                                      / "compose")
             if not f.startswith(("expr_", "s_if_chain")) and len(compose._patterns(f)) < 8}
    assert not short


def test_composed_programs_split_into_their_statements():
    rng = random.Random(3)
    d = Draw(rng)
    split = 0
    for _ in range(200):
        _, phrase = phase3.program(d)
        assert compose.handles(phrase)
        text, _ = compose.render(phrase, rng)
        split += program_clauses(text, len(phrase.slots["stmts"])) is not None
    assert split >= 190


def test_domain_rendering_is_deterministic():
    def draw(seed):
        rng = random.Random(seed)
        d = Draw(rng)
        return [compose.render(phase2.FRAMES[f](d)[1], rng)[0] for f in DOMAIN]

    assert draw(7) == draw(7)

"""Splits and held-out generalization sets.

``train``/``val``/``test`` are held out by English source: a record's split is a function
of its source string (and of its LC-R, which the source determines), so no source appears
in two splits. Some LC-R values are held out whole (``GROUP_FRACTIONS``): every record
about them is in val or test, so test has targets never seen in training, besides new
phrasings of seen targets (``SOURCE_FRACTIONS``).

``gen`` is SCAN/COGS/CFQ-style: ``GEN_RULES`` (data) name combinations kept out of
training on purpose: an argument value never seen with an operation, a phrasing style never
seen with an operation, pipelines one step longer than any in training, filter conditions
nested one level deeper. A record matching any rule goes to ``gen`` in every phase. A
rule's ``boost`` names frames and a forced vocabulary choice, so that the compiler draws a
few examples of each held-out combination on purpose (``GEN_BOOST`` of the draws) instead
of waiting for chance.
"""

from __future__ import annotations

import hashlib

from lcr.values import Contract, Value

GROUP_FRACTIONS = {"val": 0.05, "test": 0.05}  # whole LC-R values held out
SOURCE_FRACTIONS = {"val": 0.04, "test": 0.04}  # new phrasings of values seen in training
GEN_BOOST = 0.03  # share of draws spent on the held-out combinations of boosted rules

GEN_RULES = (
    {"name": "filter_on_inventory", "kind": "arg", "op": "filter", "arg": 1,
     "value": "⟁inventory", "why": "inventory is seen with other operations, never filtered",
     "boost": {"frames": ["filter_cmp", "filter_flag", "filter_logic"],
               "force": {"datasets": "inventory"}}},
    {"name": "search_in_emails", "kind": "arg", "op": "search", "arg": 1, "value": "⟁emails",
     "why": "emails is seen as data elsewhere, never as a search source",
     "boost": {"frames": ["search"], "force": {"sources": "emails", "datasets": "emails"}}},
    {"name": "sort_tickets", "kind": "arg", "op": "sort", "arg": 1, "value": "⟁tickets",
     "why": "tickets is seen with other operations, never sorted",
     "boost": {"frames": ["sort", "sort_by"], "force": {"datasets": "tickets"}}},
    {"name": "copy_of_notes", "kind": "arg", "op": "copy", "arg": 1, "value": '"notes.md"',
     "why": "notes.md is read, written and moved in training, never copied",
     "boost": {"frames": ["copy"], "force": {"files": "notes.md"}}},
    {"name": "transform_code_style", "kind": "template", "frame": "transform", "style": "code",
     "why": "code-like phrasings are seen with other operations, never with transform"},
    {"name": "search_casual_style", "kind": "template", "frame": "search", "style": "casual",
     "why": "casual phrasings are seen with other operations, never with search"},
    {"name": "validate_question_style", "kind": "template", "frame": "validate",
     "style": "question", "why": "questions are seen with other operations, never validate"},
    {"name": "delete_formal_style", "kind": "template", "frame": "delete", "style": "formal",
     "why": "formal phrasings are seen with other operations, never with delete"},
    {"name": "pipeline_6_steps", "kind": "pipeline_len", "min": 6,
     "why": "training pipelines have 2 to 5 steps"},
    {"name": "condition_depth_3", "kind": "condition_depth", "min": 3,
     "why": "training filter conditions nest at most 2 deep (and/or/not of comparisons)",
     "boost": {"frames": ["filter_logic_deep"], "force": {}}},
)


def _ops(v: Value):
    """Every operation (contract 1000) in ``v``, outermost first."""
    if isinstance(v, Contract):
        if v.id == 1000:
            yield v
        for _, x in v.fields:
            yield from _ops(x)
    for x in getattr(v, "items", ()):
        yield from _ops(x)
    for _, x in getattr(v, "entries", ()):
        yield from _ops(x)


def _name(o: Contract) -> str:
    return o.fields[0][1].value


def _arg_rule(rule, value, dumps):
    return any(_name(o) == rule["op"] and o.field(rule["arg"]) is not None
               and dumps(o.field(rule["arg"])) == rule["value"] for o in _ops(value))


def _pipeline_len(rule, value, dumps):
    return any(_name(o) == "pipeline" and len(o.fields) - 1 >= rule["min"] for o in _ops(value))


def _condition_depth(rule, value, dumps):
    return any(_name(o) == "filter" and o.field(2).depth >= rule["min"] for o in _ops(value))


VALUE_RULES = {"arg": _arg_rule, "pipeline_len": _pipeline_len,
               "condition_depth": _condition_depth}


def gen_rule(record: dict, value: Value, dumps) -> str | None:
    """The name of the first gen rule ``record`` matches, or None."""
    for rule in GEN_RULES:
        if rule["kind"] == "template":
            if (record["task"] == "en2lcr" and record["frame"] == rule["frame"]
                    and record["style"] == rule["style"]):
                return rule["name"]
        elif VALUE_RULES[rule["kind"]](rule, value, dumps):
            return rule["name"]
    return None


def _unit(seed: int, salt: str, s: str) -> float:
    h = hashlib.sha256(f"{seed}|{salt}|{s}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def _bucket(u: float, fractions: dict) -> str | None:
    for name, f in fractions.items():
        if u < f:
            return name
        u -= f
    return None


class Splitter:
    """Assigns splits; remembers each source's split so that it is the same in every phase."""

    def __init__(self, seed: int):
        self.seed = seed
        self.by_source: dict[str, str] = {}

    def split(self, record: dict, value: Value, dumps) -> tuple[str, str]:
        """(split, gen rule name or '') of a record."""
        rule = gen_rule(record, value, dumps)
        known = self.by_source.get(record["source"])
        if known is not None:
            return known, rule if known == "gen" else ""
        if rule:
            split = "gen"
        else:
            split = (_bucket(_unit(self.seed, "lcr", record["lcr"]), GROUP_FRACTIONS)
                     or _bucket(_unit(self.seed, "source", record["source"]), SOURCE_FRACTIONS)
                     or "train")
        self.by_source[record["source"]] = split
        return split, rule or ""

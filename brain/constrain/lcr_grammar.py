"""LC-R grammars for the constrained decoder, generated from ``grammar/lcr.lark`` at load time.

There is no second copy of the grammar here: ``lcr.lark`` is compiled by Lark itself
(``lcr.grammar.lalr``), and its compiled BNF rules and terminal regexes are printed in the
Lark dialect that llguidance reads. Two mechanical transformations follow:

- **depth unrolling**: the nesting limit (``lcr.values.MAX_DEPTH``, 64) is not
  context-free-checkable by a plain recursive grammar, but it is by a grammar whose
  rules carry a level: ``value_0 ... value_64``. An alternative that contains a terminal
  named ``*_OPEN`` (the container openers of ``lcr.lark``) refers to the next level, and at
  the last level such alternatives are dropped. Rules left without alternatives are pruned.
- **strict mode** (``strict=True``): contract alternatives are replaced by the contracts of
  ``grammar/registry.json`` and the operations of ``grammar/operations.json`` (read through
  ``lcr.schema`` when the grammar is built): an operation is ``🜊1000🜁0 "<known op>"`` and
  then its arguments, contiguous, each of the catalogue's kinds. Variadic tails and
  literal contracts are unrolled up to ``MAX_FIELDS`` fields.

    python -m brain.constrain.lcr_grammar            # print the llguidance grammar
    python -m brain.constrain.lcr_grammar --strict   # the catalogue-strict grammar
"""

from __future__ import annotations

import functools
import json
import sys

from lcr.grammar import lalr
from lcr.schema import arity, catalogue, registry
from lcr.values import MAX_DEPTH

START = "start"
MAX_FIELDS = 16  # strict mode: variadic operations and literal contracts stop here
_WS = r"[ \t\r\n]"

# Catalogue kinds that are single terminals of lcr.lark (containers are handled below).
KIND_TERMINALS = {
    "null": ("NULL",),
    "bool": ("TRUE", "FALSE"),
    "int": ("INT",),
    "float": ("FLOAT",),
    "number": ("INT", "FLOAT"),
    "text": ("TEXT",),
    "bytes": ("BYTES",),
    "handle": ("HANDLE",),
}


def _is_opener(sym: str) -> bool:
    return sym.endswith("_OPEN")


def _rule_name(name: str) -> str:
    return name.lstrip("_").lower()


def _regex_body(pattern: str) -> str:
    """A Python regex as a llguidance ``/.../`` body: control characters as ``\\xNN``."""
    out = []
    for ch in pattern:
        if ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}")
        elif ch == "/":
            out.append("\\/")
        else:
            out.append(ch)
    return "".join(out)


@functools.cache
def base_grammar() -> tuple[dict, dict]:
    """(rules, terminals) of ``lcr.lark`` as compiled by Lark: ``rules`` maps a rule name to
    its alternatives (tuples of symbol names), ``terminals`` a terminal name to its
    llguidance definition. Aliases, ``?`` and priorities disappear in the compilation."""
    parser = lalr("lcr")
    rules: dict[str, list[tuple[str, ...]]] = {}
    for r in parser.rules:
        alt = tuple(s.name if s.is_term else _rule_name(s.name) for s in r.expansion)
        rules.setdefault(_rule_name(r.origin.name), []).append(alt)
    terminals = {}
    for t in parser.terminals:
        if type(t.pattern).__name__ == "PatternStr":
            terminals[t.name] = json.dumps(t.pattern.value, ensure_ascii=False)
        else:
            if t.pattern.flags:
                raise ValueError(f"terminal {t.name}: regex flags are not translated")
            terminals[t.name] = f"/{_regex_body(t.pattern.value)}/"
    return {k: tuple(v) for k, v in rules.items()}, terminals


def _field_terminal(i: int) -> str:
    return f"/{_WS}*🜁{i}{_WS}+/"


def _strict(rules: dict, terminals: dict) -> tuple[dict, dict]:
    """Replace the free contracts of ``value`` with those of the registry and catalogue."""
    rules, terminals = dict(rules), dict(terminals)
    value = rules["value"]
    rules["value"] = tuple(a for a in value if a[0] != "CONTRACT_OPEN") + (("strict_contract",),)
    close = next(a[-1] for a in value if a[0] == "CONTRACT_OPEN")
    kind_alts = {k: tuple((t,) for t in ts) for k, ts in KIND_TERMINALS.items()}
    kind_alts["array"] = tuple(a for a in value if a[0] == "ARRAY_OPEN")
    kind_alts["object"] = tuple(a for a in value if a[0] == "OBJECT_OPEN")
    kind_alts["any"] = (("value",),)
    kind_alts["contract"] = (("strict_contract",),)
    kind_alts["op"] = (("op_contract",),)

    def kinds_rule(kinds) -> str:
        name = "kind_" + "_".join(sorted(kinds))
        if name not in rules:
            rules[name] = tuple(dict.fromkeys(a for k in sorted(kinds) for a in kind_alts[k]))
        return name

    def field(i: int) -> str:
        terminals.setdefault(f"F{i}", _field_terminal(i))
        return f"F{i}"

    tails: dict[tuple, str] = {}

    def fields(first: int, kinds: list, least: int) -> tuple[tuple[str, ...], ...]:
        """Alternatives for the fields ``first..len(kinds)-1`` (``kinds[i]``: the kinds of
        field ``i``), those below ``least`` required. Each tail is one chained rule, shared
        by every contract whose remaining fields agree, so the grammar grows linearly."""
        if first >= len(kinds):
            return ((),)
        key = (first, max(least, first), tuple(tuple(k) for k in kinds[first:]))
        if key not in tails:
            tails[key] = name = f"fields_{len(tails)}"
            head = (field(first), kinds_rule(kinds[first]))
            rules[name] = tuple(head + rest for rest in fields(first + 1, kinds, least))
        return ((tails[key],),) + (((),) if first >= least else ())

    contracts = []
    for cid, entry in sorted(registry().items()):
        if entry["form"] != "literal":
            continue
        name, opener = f"c{cid}", f"C{cid}_OPEN"
        terminals[opener] = json.dumps(f"🜊{cid}", ensure_ascii=False)
        most = min(entry.get("max_fields") or MAX_FIELDS, MAX_FIELDS)
        rules[name] = tuple((opener, *t, close) for t in fields(0, [entry["kinds"]] * most, 1))
        contracts.append((name,))
    terminals["OP_OPEN"] = json.dumps("🜊1000", ensure_ascii=False)
    rules["op_contract"] = (("OP_OPEN", "op_body", close),)
    bodies = []
    for n, (op, entry) in enumerate(sorted(catalogue().items())):
        terminals[f"OPNAME_{n}"] = json.dumps(json.dumps(op, ensure_ascii=False),
                                              ensure_ascii=False)
        specs = entry["args"]
        least, most = arity(op)
        most = min(MAX_FIELDS - 1 if most is None else most, MAX_FIELDS - 1)
        kinds = [[]] + [specs[min(i, len(specs)) - 1]["kinds"] for i in range(1, most + 1)]
        rules[f"op_{n}"] = tuple((field(0), f"OPNAME_{n}", *t) for t in fields(1, kinds, least + 1))
        bodies.append((f"op_{n}",))
    rules["op_body"] = tuple(bodies)
    rules["strict_contract"] = tuple(contracts) + (("op_contract",),)
    return rules, terminals


def unroll(rules: dict, max_depth: int = MAX_DEPTH) -> dict:
    """Level every rule by container depth (see the module docstring); prune empty rules."""
    out: dict[str, list[tuple[str, ...]]] = {}
    todo = [(START, 0)]
    seen = set(todo)

    def ref(sym: str, level: int) -> str:
        if sym in rules:
            key = (sym, level)
            if key not in seen:
                seen.add(key)
                todo.append(key)
            return f"{sym}_{level}"
        return sym

    while todo:
        name, d = todo.pop()
        alts = []
        for alt in rules[name]:
            nests = any(_is_opener(s) for s in alt)
            if nests and d >= max_depth:
                continue
            level = d + 1 if nests else d
            alts.append(tuple(ref(s, level) for s in alt))
        out[f"{name}_{d}"] = alts
    # Productive-symbol pruning: drop alternatives that use rules with no alternatives.
    changed = True
    while changed:
        changed = False
        for name, alts in out.items():
            keep = [a for a in alts if all(s not in out or out[s] for s in a)]
            if len(keep) != len(alts):
                out[name], changed = keep, True
    return {k: v for k, v in out.items() if v}


@functools.cache
def llguidance_grammar(strict: bool = False, max_depth: int = MAX_DEPTH) -> str:
    """The llguidance (Lark dialect) grammar text for LC-R, optionally catalogue-strict."""
    rules, terminals = base_grammar()
    if strict:
        rules, terminals = _strict(rules, terminals)
    leveled = unroll(rules, max_depth)
    lines = [f"start: {START}_0"]
    for name, alts in leveled.items():
        lines.append(f"{name}: " + " | ".join(" ".join(a) for a in alts))
    used = {s for alts in leveled.values() for a in alts for s in a}
    lines += [f"{name}: {body}" for name, body in terminals.items() if name in used]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(llguidance_grammar(strict="--strict" in sys.argv[1:]))

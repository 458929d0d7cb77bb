"""Random walks over a constraint's allowed tokens, random-weight models decoding under
constraints, and the atoms of a value: helpers for the track-constraint tests
(tests/test_lcb_constraint.py, tests/test_hlxl_constraint.py)."""

import numpy as np
from random_models import random_model

from brain.constrain.constraint import make_constraints
from brain.generate.beam import beam_generate
from brain.model.tokenizer import CharTokenizer
from lcr import dumps
from lcr.values import Array, Contract, Object

TOK = CharTokenizer()


def walk(cls, seed: int, budget: int, source: str | None = None, end_bias: float = 0.05,
         constraint: list | None = None, prefix: str = "") -> str:
    """A random walk over the characters a ``cls`` constraint allows after ``prefix``;
    asserts a choice at every step and a complete value at the end (the constraint is
    appended to ``constraint`` when given)."""
    rng = np.random.default_rng(seed)
    c = cls(TOK, budget, source=source)
    out = list(prefix)
    for ch in prefix:
        c.advance(TOK.stoi[ch])
    for _ in range(budget - len(prefix)):
        ids = np.flatnonzero(c.allowed().numpy())
        assert len(ids), f"dead end after {''.join(out)!r}"
        if TOK.eos in ids and (len(ids) == 1 or rng.random() < end_bias):
            break
        tid = int(rng.choice([i for i in ids if i != TOK.eos]))
        c.advance(tid)
        out.append(TOK.vocab[tid])
    assert c.is_complete()
    if constraint is not None:
        constraint.append(c)
    return "".join(out)


def atoms(value) -> set:
    """The scalars, handle names, keys, contract ids and field indices in ``value``."""
    out, stack = set(), [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Array):
            stack += v.items
        elif isinstance(v, Contract):
            out |= {("id", v.id), *(("index", i) for i, _ in v.fields)}
            stack += [x for _, x in v.fields]
        elif isinstance(v, Object):
            out |= {("key", k) for k, _ in v.entries}
            stack += [x for _, x in v.entries]
        else:
            out.add(("scalar", v))
    return out


def random_model_outputs(cls, task: str, seed: int, scale: float, budget: int, beam: int,
                         vals) -> list[str]:
    """What a random-weight model writes for ``task`` from the LC-R of ``vals`` (those the
    vocabulary spells, under 100 characters; else ``∅``), each output under a ``cls``
    constraint grounded in its source; asserts every output keeps to the budget."""
    model = random_model(seed, scale)
    sources = [dumps(v) for v in vals]
    sources = [s for s in sources if all(ch in TOK.stoi for ch in s) and len(s) < 100] or ["∅"]
    ps = [TOK.encode_prompt(task, s) for s in sources]
    cons = make_constraints(TOK, ps, max_new_tokens=budget, block_size=160, sources=sources,
                            cls=cls)
    outs = beam_generate(model, TOK, ps, beam=beam, max_new_tokens=budget, constraints=cons,
                         batch_size=2)
    assert all(len(ids) <= budget for ids in outs)
    return [TOK.decode(ids) for ids in outs]

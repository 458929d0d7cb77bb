"""The brain: a tiny character-level transformer that translates English into LC-R.

    >>> from brain import Translator
    >>> Translator().translate(["read config.yaml"])
    ['🜊1000🜁0 "read"🜁1 "config.yaml"🜂']

Packages by stage: ``brain.model`` (transformer, tokenizer, checkpoints), ``brain.constrain``
(readers, trackers, grammar masks, grounding), ``brain.generate`` (batching, greedy and beam
search, clause-by-clause translation, scores, ``Translator``), ``brain.train`` (curriculum,
trainer, data, optimizer, history, merging), ``brain.evaluate`` (held-out evaluation, task
metrics) and ``brain.bench`` (decoding speed). Commands: ``python -m brain.train``,
``brain.generate``, ``brain.evaluate``, ``brain.bench``, ``brain.merge``, or the console
script ``hlxl-brain train|generate|evaluate|bench|merge``. ``import brain`` is cheap: torch
is imported when ``Translator`` is first used.
"""

import os

# OpenMP threads (torch's CPU parallelism) spin while they wait by default. On a few shared
# cores a spinning thread steals the core its partner needs: a 30x slowdown was measured
# on 2 cores. OpenMP reads this when torch is first imported, so it is set here, before.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__all__ = ["Translator"]


def __getattr__(name: str):
    if name == "Translator":  # lazily: it imports torch
        from brain.generate.api import Translator

        return Translator
    raise AttributeError(f"module 'brain' has no attribute {name!r}")

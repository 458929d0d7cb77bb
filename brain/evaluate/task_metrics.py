"""Task metrics during training: after each epoch, decode a fixed validation sample and
score grammar validity and exact match beside the loss.

    metrics = TaskMetrics(tok, val_records, n=64, seed=0)
    Trainer(..., evaluate=metrics)      # called as metrics(model, epoch) -> dict

``python -m brain.train`` passes one per phase; its results go into the training history
(``val_metrics``, ``val_en2lcr_exact``, ``val_en2lcr_valid``) and two sample translations
are logged. The held-out evaluation proper is ``brain.evaluate``.
"""

from __future__ import annotations

import logging
import random

from brain.generate.translate import translate
from brain.model.tokenizer import LCR_OUTPUT_TASKS
from brain.threads import DECODE_THREADS, intra_op

log = logging.getLogger(__name__)


class TaskMetrics:
    """Per-epoch callback: decode a fixed validation sample, score validity and exact match.
    Greedy and unconstrained (the bare model's health), with programs clause by clause as
    ``brain.generate.translate`` translates them (``brain.generate.segment``): decoded whole, a
    phase-3 program is all but never right, and the sample would show 0% whatever the model
    learnt."""

    def __init__(self, tok, records, n: int, seed: int):
        rng = random.Random(seed)
        by_task: dict[str, list[dict]] = {}
        for r in records:
            by_task.setdefault(r["task"], []).append(r)
        # en2lcr is the headline; other tasks get a smaller share so their health shows too.
        self.sample = []
        for task, recs in sorted(by_task.items()):
            k = n if task == "en2lcr" else max(1, n // 4)
            self.sample += rng.sample(recs, min(k, len(recs)))
        self.tok = tok
        self.max_new = max((len(r["target"]) for r in self.sample), default=1) + 16

    def __call__(self, model, epoch: int) -> dict:
        import lcr  # the parser: the grammar decides validity

        if not self.sample:
            return {}
        outs = self.decode(model)
        stats: dict[str, dict] = {}
        for rec, text in zip(self.sample, outs, strict=True):
            s = stats.setdefault(rec["task"], {"n": 0, "exact": 0, "valid": 0})
            s["n"] += 1
            s["exact"] += text == rec["target"]
            if rec["task"] in LCR_OUTPUT_TASKS:
                try:
                    lcr.parse(text)
                    s["valid"] += 1
                except lcr.LCRError:
                    pass
        metrics = {task: {"n": s["n"], "exact": s["exact"] / s["n"],
                          **({"valid": s["valid"] / s["n"]} if task in LCR_OUTPUT_TASKS else {})}
                   for task, s in stats.items()}
        samples = [{"source": r["source"], "output": o, "target": r["target"]}
                   for r, o in list(zip(self.sample, outs, strict=True))[:2]]
        for s in samples:
            mark = "ok" if s["output"] == s["target"] else "MISS"
            log.info(f"  [{mark}] {s['source'][:80]!r}\n        -> {s['output'][:120]!r}")
        out = {"val_metrics": metrics, "samples": samples}
        if "en2lcr" in metrics:
            out["val_en2lcr_exact"] = metrics["en2lcr"]["exact"]
            out["val_en2lcr_valid"] = metrics["en2lcr"]["valid"]
        return out

    def decode(self, model) -> list[str]:
        """The sample's outputs, in order, each task through ``brain.generate.translate``
        (greedy, unconstrained; en2lcr programs clause by clause)."""
        outs: list[str | None] = [None] * len(self.sample)
        with intra_op(DECODE_THREADS):
            for task in sorted({r["task"] for r in self.sample}):
                rows = [i for i, r in enumerate(self.sample) if r["task"] == task]
                got = translate(model, self.tok, [self.sample[i]["source"] for i in rows],
                                task, constrain=False, batch_size=64,
                                max_new_tokens=self.max_new)
                for i, o in zip(rows, got, strict=True):
                    outs[i] = o
        return outs

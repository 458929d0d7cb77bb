"""Weight interpolation between a phase's model and the model it started from.

    python -m brain.merge PREVIOUS TUNED --keep 0.1 --out DIR

writes ``keep * PREVIOUS + (1 - keep) * TUNED``, tensor by tensor, as a checkpoint in DIR.
``brain.train`` does this at the end of a phase whose plan has ``keep_previous > 0`` (phase
4, 0.1: ``phase4/merged/``, which becomes ``final/``); the command is for calibrating
``keep`` and for re-deriving a shipped model from its two parents.

Why: each phase fine-tunes the previous phase's weights, and phase 4 undoes part of what
phase 3 taught (an earlier model: 57% of phase-3 validation programs right after phase
3, 47% after phase 4). Models fine-tuned from one another stay in one basin of the loss, so
a point on the line between them keeps some of both (WiSE-FT, Wortsman et al. 2022; model
soups). But phase 3 never saw phase 4's own tasks, and those pay. Measured on that
model, validation, greedy: en2lcr on phases 1 / 2 / 4 (whole splits) and 3 (all
408 programs, clause by clause, block start at 0.2), and lcr2en (140 records, unconstrained):

    keep   phase 1   phase 2   phase 4   phase 3   lcr2en   highest block start, not a program
    0      91.3      94.6      94.1      50.7      79.3     0.23
    0.1    91.8      94.3      94.7      51.2      76.4     0.13
    0.15   91.5      94.4      94.7      52.0      73.6     -
    0.2    91.5      94.6      94.4      52.5      69.3     0.09
    0.3    90.8      93.9      92.9      -         -        -
    0.5    88.5      90.6      87.3      -         -        -

0.1 is the default (phase 4's plan in brain.train): with beam 4, phases 1 / 2 / 4 91.8 /
94.6 / 95.0 (unmerged: 91.5 / 94.8 / 95.3), phase 3 54.4% (53.2%); and since the merged
model gives the texts that are no programs a lower block-start probability, the segmenter's
threshold could come down from 0.3 to 0.2 (brain.generate.segment). The other phase-4 tasks moved by
at most one record (fix, hlxl2lcr, lcr2hlxl; lcr2lcb stays at 0). Not better, also measured:
merging only the blocks, only layer 0 or 1, only attention or only the MLPs (at 0.3), and
Fisher-weighted merging (per-weight keep from each model's diagonal Fisher on its own
phase's data): at the same phase-3 gain each cost lcr2en more. Mixing in phase 2's weights
as well lifts phase 1 (93.0 at 0.1 of phase 2 and 0.2 of phase 3) and costs phase 3 (45.5
on the first 200 programs, against 51.5).
"""

from __future__ import annotations

import torch

from brain.model import checkpoint


def interpolate(previous: dict[str, torch.Tensor], tuned: dict[str, torch.Tensor],
                keep: float) -> dict[str, torch.Tensor]:
    """``keep * previous + (1 - keep) * tuned`` for every floating-point tensor (computed in
    float32, stored in the tuned tensor's dtype); other tensors are the tuned ones."""
    if previous.keys() != tuned.keys():
        raise checkpoint.CheckpointError("the two models have different tensors")
    out = {}
    for k, t in tuned.items():
        p = previous[k]
        if p.shape != t.shape:
            raise checkpoint.CheckpointError(f"{k}: shape {tuple(p.shape)} vs {tuple(t.shape)}")
        out[k] = (keep * p.float() + (1 - keep) * t.float()).to(t.dtype) \
            if t.is_floating_point() else t
    return out


def merge(previous_dir, tuned_dir, keep: float, out_dir, code_revision: str | None = None
          ) -> dict:
    """Write the interpolated checkpoint to ``out_dir``; its config is the tuned model's
    metadata plus ``merged`` (both parents, their weight checksums, ``keep`` and the code
    revision that merged them)."""
    if not 0 <= keep <= 1:
        raise ValueError(f"keep must be within 0-1, got {keep}")
    prev, prev_tok, prev_cfg = checkpoint.load(previous_dir, device="cpu")
    tuned, tok, cfg = checkpoint.load(tuned_dir, device="cpu")
    if prev_tok.vocab != tok.vocab or prev.config != tuned.config:
        raise checkpoint.CheckpointError(
            f"{previous_dir} and {tuned_dir}: different model config or vocabulary")
    weights = interpolate(checkpoint.model_tensors(prev), checkpoint.model_tensors(tuned), keep)
    with torch.no_grad():
        for k, t in tuned.state_dict().items():
            if k in weights:
                t.copy_(weights[k])
    merged = {"keep_previous": keep,
              "previous": {"dir": str(previous_dir), "weights_sha256": prev_cfg["weights_sha256"]},
              "tuned": {"dir": str(tuned_dir), "weights_sha256": cfg["weights_sha256"]},
              **({"code_revision": code_revision} if code_revision else {})}
    checkpoint.save(out_dir, tuned, tok, checkpoint.meta_of(cfg) | {"merged": merged})
    return merged

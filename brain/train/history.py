"""The training history of a curriculum run: ``history.json`` and ``loss.png``.

``brain.train`` calls ``write_history(out, PHASES)`` after every phase (and when it is
interrupted): the per-epoch records (loss, learning rate, validation task metrics) come
from each phase's resume state, so the files always match what the checkpoints hold.
Each phase records the number of processes that trained it (``world_size``; each epoch
says so too). ``loss.png`` needs the ``plots`` extra (matplotlib); without it only the
JSON is written.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from brain.model import checkpoint

log = logging.getLogger(__name__)


def write_history(out: Path, phase_numbers) -> None:
    """history.json and loss.png from the resume state of each of ``phase_numbers`` found
    under ``out`` (``phaseN/last``)."""
    phases = {}
    for p in phase_numbers:
        try:
            _, state = checkpoint.load_state(out / f"phase{p}" / "last")
        except checkpoint.CheckpointError:
            continue
        phases[str(p)] = {"stop_reason": state["stop_reason"],
                          "world_size": state.get("world_size", 1),  # processes (torchrun)
                          "epochs": state["history"]}
    if not phases:
        return
    (out / "history.json").write_text(json.dumps({"phases": phases}, indent=1) + "\n")
    if not any(rec["epochs"] for rec in phases.values()):
        return  # interrupted before an epoch ended: nothing to plot yet
    try:
        import matplotlib
    except ImportError:  # an optional extra: the history itself is in history.json
        log.info("loss.png skipped: matplotlib is not installed (pip install 'hlxl-brain[plots]')")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax2 = ax.twinx()
    x0, first = 0, next(iter(phases))
    for p, rec in phases.items():
        ep, label = rec["epochs"], p == first  # one legend entry per line
        xs = [x0 + e["epoch"] for e in ep]
        ax.plot(xs, [e["train_loss"] for e in ep], "b.-", label="train loss" if label else None)
        ax.plot(xs, [e.get("val_loss") for e in ep], "r.-", label="val loss" if label else None)
        ax2.plot(xs, [e.get("val_en2lcr_exact") for e in ep], "g.--",
                 label="val en2lcr exact" if label else None)
        ax.axvline(x0 + 0.5, color="grey", lw=0.5)
        ax.text(x0 + 0.6, 0.98, f"phase {p}", transform=ax.get_xaxis_transform(), va="top")
        x0 += len(ep)
    ax.set_yscale("log")
    ax.set_xlabel("epoch (all phases)")
    ax.set_ylabel("loss per target token")
    ax2.set_ylabel("exact match")
    ax2.set_ylim(0, 1.02)
    fig.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=100)
    plt.close(fig)

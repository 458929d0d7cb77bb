"""Phase-1 training with bf16 on CUDA for a bounded time, then decoding on CUDA; tokens/s
to ``reports/`` (for a machine with a GPU; the CPU test suite checks its arguments only).

    python scripts/gpu_bench.py --corpora corpora --minutes 3 --n 128
    python scripts/gpu_bench.py --corpora corpora --nproc 2     # DDP over 2 GPUs (torchrun)

1. ``python -m brain.train --phase 1 --device cuda --max-minutes M`` (CUDA always trains
   under bf16 autocast, ``brain.train.trainer.Trainer._autocast``), or under ``torchrun
   --nproc_per_node N`` with ``--nproc N``; training target tokens/s from its history.
2. The trained model (``OUT/final``) decodes ``--n`` test prompts on CUDA: greedy and the
   default beam, constrained as ``brain.generate`` does, output characters/s and tokens/s
   (``brain.bench.speed.decode_rows``; the naive reference is left out: it is CPU-bound).
3. Everything is written to ``--report`` (default ``reports/gpu_bench.json``).

Exit 2 for bad arguments or no CUDA device, 1 when training fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="scripts/gpu_bench.py", description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", type=Path, required=True, help="compiled corpora (phase1)")
    ap.add_argument("--out", type=Path, default=Path("runs/gpu-bench"), help="run folder")
    ap.add_argument("--minutes", type=float, default=3.0, help="training time cap")
    ap.add_argument("--nproc", type=int, default=1, help="processes (GPUs) for torchrun")
    ap.add_argument("--n", type=int, default=128, help="prompts decoded on CUDA")
    ap.add_argument("--report", type=Path, default=Path("reports/gpu_bench.json"))
    args = ap.parse_args(argv)
    if args.minutes <= 0 or args.nproc < 1 or args.n < 1:
        ap.error("--minutes must be > 0, --nproc and --n at least 1")
    if not (args.corpora / "phase1.jsonl").is_file():
        ap.error(f"--corpora {args.corpora}: no phase1.jsonl (python -m lcr.compile --phase 1)")
    return args


def train_command(args) -> list[str]:
    prefix = [sys.executable, "-m", "brain.train"] if args.nproc == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
        str(args.nproc), "-m", "brain.train"]
    return [*prefix, "--phase", "1", "--device", "cuda", "--max-minutes", str(args.minutes),
            "--corpora", str(args.corpora), "--out", str(args.out)]


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("error: no CUDA device here", file=sys.stderr)
        return 2
    report = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "train_command": " ".join(train_command(args))}
    t0 = time.monotonic()
    # --max-minutes is shared out by the phases' plan; phase 1 alone gets its share of it,
    # so ask for the whole budget in phase-1 terms (brain.train.curriculum.PHASES).
    from brain.train.curriculum import PHASES

    share = PHASES[1].minutes / sum(p.minutes for p in PHASES.values())
    cmd = train_command(args)
    cmd[cmd.index("--max-minutes") + 1] = str(args.minutes / share)
    run = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if run.returncode != 0:
        print(f"error: training failed (exit {run.returncode})", file=sys.stderr)
        return 1
    history = json.loads((args.out / "history.json").read_text())["phases"]["1"]
    targets = sum(e["target_tokens"] for e in history["epochs"])
    seconds = sum(e["seconds"] for e in history["epochs"])
    report["train"] = {"world_size": history["world_size"], "seconds": seconds,
                       "wall_s": round(time.monotonic() - t0, 1),
                       "target_tokens_per_s": round(targets / max(seconds, 1e-9), 1),
                       "stop_reason": history["stop_reason"],
                       "last_epoch": history["epochs"][-1] if history["epochs"] else None}
    from brain.bench.speed import decode_rows, prompts_from
    from brain.model.checkpoint import load

    model, tok, _ = load(args.out / "final", device="cuda")
    modes = (("default", {}), ("greedy (--beam 1)", {"beam": 1}))
    rows = decode_rows(model, tok, prompts_from(args.corpora, args.n), modes=modes,
                       naive=False)
    report["decode"] = rows
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"train_tok_s": report["train"]["target_tokens_per_s"],
                      "decode": {r["mode"]: r["tokens_per_s"] for r in rows}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The GPU-machine scripts: importable and well-formed on a machine without CUDA."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_check_without_a_gpu_says_so():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "cuda_check.py")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no CUDA device" in r.stderr and "Traceback" not in r.stderr


def test_gpu_run_script_parses():
    r = subprocess.run(["bash", "-n", str(ROOT / "scripts" / "gpu_run.sh")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

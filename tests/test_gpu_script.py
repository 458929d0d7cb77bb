"""scripts/gpu_bench.py on a machine without a GPU: its argument handling only."""

import importlib.util
import py_compile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gpu_bench.py"


@pytest.fixture(scope="module")
def gpu_bench():
    py_compile.compile(str(SCRIPT), doraise=True)
    spec = importlib.util.spec_from_file_location("gpu_bench", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_arguments_are_checked_before_any_work(gpu_bench, tmp_path, capsys):
    for bad, msg in ((["--corpora", str(tmp_path)], "no phase1.jsonl"),
                     (["--corpora", str(tmp_path), "--minutes", "0"], "--minutes must be > 0"),
                     ([], "required")):
        with pytest.raises(SystemExit) as e:
            gpu_bench.parse_args(bad)
        assert e.value.code == 2 and msg in capsys.readouterr().err


def test_train_command_is_one_process_or_torchrun(gpu_bench, tmp_path):
    (tmp_path / "phase1.jsonl").write_text("")
    one = gpu_bench.train_command(gpu_bench.parse_args(["--corpora", str(tmp_path)]))
    assert one[1:3] == ["-m", "brain.train"] and one[one.index("--device") + 1] == "cuda"
    two = gpu_bench.train_command(gpu_bench.parse_args(["--corpora", str(tmp_path),
                                                        "--nproc", "2"]))
    assert "torch.distributed.run" in two and two[two.index("--nproc_per_node") + 1] == "2"


def test_without_cuda_it_says_so(gpu_bench, tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    (tmp_path / "phase1.jsonl").write_text("")
    assert gpu_bench.main(["--corpora", str(tmp_path)]) == 2
    assert "no CUDA device" in capsys.readouterr().err

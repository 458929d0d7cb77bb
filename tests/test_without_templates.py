"""Inference needs neither the corpus generator nor its data: ``brain.generate`` and
``brain.evaluate --file`` run from a copy of the package sources, grammar and shipped model
without ``templates/`` or ``corpora/``, from another directory, reading no template and
importing no ``lcr.corpus``."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = '🜊1000🜁0 "read"🜁1 "config.yaml"🜂'

# Runs ``python -m MODULE ARGS`` in the copy, then reports what it touched.
PROBE = """
import json, runpy, sys
import lcr.resources as res
sys.argv = sys.argv[1:]
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    code = 0
except SystemExit as e:
    code = e.code
sys.stdout.flush()
print(json.dumps({"code": code, "lcr": sys.modules["lcr"].__file__,
                  "corpus": sorted(m for m in sys.modules if m.startswith("lcr.corpus")),
                  "templates_read": res.templates_dir.cache_info().currsize}),
      file=sys.stderr)
"""


def _copy(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("lcr", "brain", "grammar"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copytree(ROOT / "checkpoints" / "final", dest / "checkpoints" / "final")
    assert not (dest / "templates").exists() and not (dest / "corpora").exists()
    return dest


def _run(tree: Path, cwd: Path, *argv):
    env = {**os.environ, "PYTHONPATH": str(tree), "HLXL_BRAIN_HOME": str(cwd / "home")}
    r = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                       env=env, cwd=cwd, timeout=300)
    probe = json.loads(r.stderr.strip().splitlines()[-1])
    assert probe["lcr"].startswith(str(tree)), probe  # the copy, not the checkout
    assert probe["corpus"] == [] and probe["templates_read"] == 0, probe
    return r, probe["code"]


def test_generate_and_evaluate_run_without_templates(tmp_path):
    tree = _copy(tmp_path / "tree")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r, code = _run(tree, elsewhere, "brain.generate", "read config.yaml")
    assert code == 0 and r.stdout == READ + "\n", r.stderr
    f = elsewhere / "set.jsonl"
    f.write_text(json.dumps({"en": "read config.yaml", "lcr": READ, "group": "core",
                             "style": "plain"}) + "\n", encoding="utf-8")
    r, code = _run(tree, elsewhere, "brain.evaluate", "--file", str(f), "--json",
                   str(elsewhere / "r.json"))
    assert code == 0, r.stderr
    assert json.loads((elsewhere / "r.json").read_text(encoding="utf-8"))["overall"]["exact"] \
        == 100.0

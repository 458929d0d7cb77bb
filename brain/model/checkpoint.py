"""Checkpoints as safetensors + JSON: one loader for train, generate and evaluate.

A checkpoint is a directory::

    model.safetensors    the weights (the tied output head is stored once, as wte.weight)
    config.json          {"format", "model": GPTConfig, "tokenizer": {"vocab"}, "weights_sha256",
                          ...meta: training config, corpus hash, code revision, metrics}
    train_state.*        optional, for resuming: optimizer moments etc. (.safetensors) and
                         scalars such as step, epoch, RNG seeds, history (.json)

Nothing is pickled: tensors go through safetensors, everything else through JSON.
Writing is atomic: the new directory is written beside the old one and swapped in by two
renames, so a kill at any moment leaves either the old or the new checkpoint (``load``
falls back to ``DIR.old`` if it was killed between the renames).

    >>> save("checkpoints/final", model, tok, {"training": {...}})
    >>> model, tok, config = load("checkpoints")     # a root with a final/ inside works too
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from brain.model.gpt import GPT, GPTConfig
from brain.model.tokenizer import CharTokenizer

FORMAT = "hlxl-brain/1"
WEIGHTS, CONFIG = "model.safetensors", "config.json"
STATE_TENSORS, STATE_JSON = "train_state.safetensors", "train_state.json"
TIED = "lm_head.weight"  # same tensor as wte.weight; safetensors refuses shared storage


class CheckpointError(ValueError):
    """A checkpoint directory that is missing, incomplete or of another format."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu").contiguous()
            for k, v in model.state_dict().items() if k != TIED}


SAVED_KEYS = ("format", "model", "tokenizer", "weights_sha256")  # what save() writes itself


def meta_of(config: dict) -> dict:
    """The caller's metadata in a checkpoint's config: what ``save(..., meta)`` was given,
    so that a copy or derivative of a checkpoint can pass it on."""
    return {k: v for k, v in config.items() if k not in SAVED_KEYS}


def save(directory, model, tokenizer, meta: dict | None = None, *,
         state_tensors: dict[str, torch.Tensor] | None = None, state: dict | None = None):
    """Atomically write a checkpoint (plus resume state when ``state`` is given)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        save_file(model_tensors(model), str(tmp / WEIGHTS))
        config = {  # meta first: it cannot override the format, model or checksum
            **(meta or {}),
            "format": FORMAT,
            "model": model.config.to_dict(),
            "tokenizer": tokenizer.to_dict(),
            "weights_sha256": _sha256(tmp / WEIGHTS),
        }
        _write_json(tmp / CONFIG, config)
        if state is not None:
            save_file({k: v.detach().to("cpu").contiguous()
                       for k, v in (state_tensors or {}).items()}, str(tmp / STATE_TENSORS))
            _write_json(tmp / STATE_JSON, {**state,
                                           "tensors_sha256": _sha256(tmp / STATE_TENSORS)})
        _usual_modes(tmp)
        _swap_in(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_json(path: Path, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _usual_modes(tmp: Path) -> None:
    """mkdtemp makes the directory 0700: give it and its files the usual modes (umask)."""
    mask = _umask()
    os.chmod(tmp, 0o777 & ~mask)
    for f in tmp.iterdir():
        os.chmod(f, 0o666 & ~mask)


def _swap_in(tmp: Path, directory: Path) -> None:
    old = directory.with_name(directory.name + ".old")
    if directory.exists():
        # DIR is complete (it only ever appears by a rename), so a stale DIR.old can go.
        if old.exists():
            shutil.rmtree(old)
        os.replace(directory, old)
    # Without DIR, DIR.old may be the only checkpoint left (killed between the renames):
    # it is deleted only once the new one is in place.
    os.replace(tmp, directory)
    shutil.rmtree(old, ignore_errors=True)


def resolve(directory) -> Path:
    """The checkpoint directory to read: ``DIR``, ``DIR/final``, or ``DIR.old`` (see above)."""
    directory = Path(directory)
    for cand in (directory, directory / "final", directory.with_name(directory.name + ".old")):
        if (cand / CONFIG).is_file() and (cand / WEIGHTS).is_file():
            return cand
    raise CheckpointError(f"{directory}: no checkpoint here (expected {WEIGHTS} and {CONFIG})")


def read_config(directory) -> dict:
    path = resolve(directory) / CONFIG
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path}: unreadable config: {e}") from None
    if config.get("format") != FORMAT:
        raise CheckpointError(f"{path}: format {config.get('format')!r}, expected {FORMAT!r}")
    return config


def load(directory, device="cpu"):
    """``(model, tokenizer, config_dict)``; the model is in eval mode on ``device``."""
    path = resolve(directory)
    config = read_config(path)
    if _sha256(path / WEIGHTS) != config.get("weights_sha256"):
        raise CheckpointError(f"{path}: {WEIGHTS} does not match {CONFIG} (incomplete write?)")
    tokenizer = CharTokenizer.from_dict(config["tokenizer"])
    model = GPT(GPTConfig.from_dict(config["model"]))
    missing, unexpected = model.load_state_dict(load_file(str(path / WEIGHTS)), strict=False)
    if set(missing) - {TIED} or unexpected:
        raise CheckpointError(f"{path}: weights do not fit the model config "
                              f"(missing {missing}, unexpected {unexpected})")
    model.lm_head.weight = model.wte.weight  # re-tie after loading
    model.to(device).eval()
    return model, tokenizer, config


def load_state(directory) -> tuple[dict[str, torch.Tensor], dict]:
    """Resume state ``(tensors, json)`` of a checkpoint written with ``state=``."""
    path = resolve(directory)
    try:
        state = json.loads((path / STATE_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path}: no readable resume state: {e}") from None
    if _sha256(path / STATE_TENSORS) != state.get("tensors_sha256"):
        raise CheckpointError(f"{path}: {STATE_TENSORS} does not match {STATE_JSON}")
    return load_file(str(path / STATE_TENSORS)), state

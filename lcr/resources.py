"""Where the project's data lives: the one module that locates ``grammar/``, ``templates/``
and the shipped checkpoint, and the data home for corpora and runs.

In a source checkout (an editable install, the tests) the repository's top-level folders
are used. An installed wheel carries them as package data (``hlxl_data.grammar``,
``hlxl_data.templates``, ``hlxl_data.checkpoint``, mapped in ``pyproject.toml``), found
with ``importlib.resources``. Nothing here depends on the current directory.

    >>> grammar_dir() / "lcr.lark"
    >>> data_home() / "corpora"       # $HLXL_BRAIN_HOME, else ~/.local/share/hlxl-brain
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

# The repository root when this file is lcr/resources.py of a checkout.
_CHECKOUT = Path(__file__).resolve().parent.parent


def _located(checkout: str, package: str, marker: str) -> Path:
    """The folder ``checkout`` of a source tree, else the package data folder ``package``.
    ``marker`` is a file inside it: the data folders have no ``__init__.py``, so
    ``files()`` may give a namespace package's multiplexed path, whose files are plain paths.
    The checkout wins so that a checkout never reads another installed copy's data."""
    here = _CHECKOUT / checkout
    if (here / marker).is_file():
        return here
    try:
        found = Path(str(resources.files(package).joinpath(marker)))
    except ModuleNotFoundError:
        found = None
    if found is None or not found.is_file():
        raise FileNotFoundError(f"{checkout}/{marker}: not in {_CHECKOUT} nor in the installed "
                                f"package data ({package}); reinstall hlxl-brain")
    return found.parents[len(Path(marker).parts) - 1]


@functools.cache
def grammar_dir() -> Path:
    """The folder of ``lcr.lark``, ``hlxl.lark``, ``registry.json`` and ``operations.json``."""
    return _located("grammar", "hlxl_data.grammar", "lcr.lark")


@functools.cache
def templates_dir() -> Path:
    """The corpus compiler's templates (``en/``, ``vocab/``)."""
    return _located("templates", "hlxl_data.templates", "vocab/fillers.json")


@functools.cache
def checkpoint_dir() -> Path:
    """The shipped model (``model.safetensors`` and ``config.json``)."""
    return _located("checkpoints/final", "hlxl_data.checkpoint", "config.json")


def data_home() -> Path:
    """Where corpora and runs go by default: ``$HLXL_BRAIN_HOME``, else
    ``~/.local/share/hlxl-brain`` (read at each call, so tests can set it)."""
    home = os.environ.get("HLXL_BRAIN_HOME")
    return Path(home).expanduser() if home else Path.home() / ".local" / "share" / "hlxl-brain"


def default_corpora() -> Path:
    """The default corpus folder: ``DATA_HOME/corpora``."""
    return data_home() / "corpora"


def default_runs() -> Path:
    """The default folder of training runs: ``DATA_HOME/runs``."""
    return data_home() / "runs"

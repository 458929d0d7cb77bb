"""The progress bar of the trainer: ``lcr.progress`` (one implementation, shared with the
corpus compiler), re-exported here under its old names.

    >>> bar = Progress(total=500, desc="phase 1 epoch 3")
    >>> bar.update(1, loss=0.42)
    >>> bar.close()
"""

from __future__ import annotations

from lcr.progress import Progress, fmt_seconds

__all__ = ["Progress", "fmt_seconds"]

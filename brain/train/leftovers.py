"""What a killed run leaves behind, removed by the next one.

``brain.model.checkpoint.save`` writes ``DIR`` through a temporary ``.DIR.<random>`` folder
beside it and renames it into place; a kill while saving leaves that folder. The trainer
calls ``remove_orphans`` on its run folder when it starts (rank 0 only under torchrun).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

TEMP_NAMES = ("last", "best")  # the checkpoints a trainer writes in its folder


def remove_orphans(out_dir: Path, names=TEMP_NAMES) -> list[Path]:
    """Remove the temporary checkpoint folders an interrupted save left in ``out_dir``."""
    gone = []
    for name in names:
        for tmp in Path(out_dir).glob(f".{name}.*"):
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
                gone.append(tmp)
    if gone:
        log.info(f"removed {len(gone)} unfinished checkpoint folder(s) of an earlier run: "
                 + ", ".join(str(g) for g in gone))
    return gone

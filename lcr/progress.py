"""Progress bars: a thin adapter over tqdm with the interface the corpus compiler
(``lcr.corpus.build``, one bar per phase) and the trainer (``brain.train.trainer``) use.

On a terminal tqdm redraws one line; elsewhere (logs, CI) the bar is written at most every
``interval`` seconds, so log files stay short. ``enabled=False`` makes a bar that prints
nothing.

    >>> bar = Progress(total=500, desc="phase 1 epoch 3")
    >>> bar.update(1, loss=0.42)
    >>> bar.close()
"""

from __future__ import annotations

import sys

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, desc: str = "", stream=None, interval: float = 15.0,
                 width: int = 24, enabled: bool = True):
        stream = stream if stream is not None else sys.stderr
        tty = getattr(stream, "isatty", lambda: False)()
        self.n = 0
        self.bar = tqdm(total=max(1, total), desc=desc, file=stream, disable=not enabled,
                        mininterval=0.2 if tty else interval, ncols=None if tty else 100,
                        dynamic_ncols=tty, leave=True)

    def update(self, n: int = 1, **postfix) -> None:
        self.n += n
        if postfix:
            self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()

"""The project's one progress bar: rate and ETA on stderr, no dependency beyond the stdlib.

On a terminal it redraws one line; elsewhere (logs, CI) it prints a line at most every
``interval`` seconds and one when the count reaches the total, so log files stay short.
Used by the corpus compiler (``lcr.corpus.build``, one bar per phase) and the trainer
(``brain.progress`` re-exports it); ``enabled=False`` makes a bar that prints nothing.

    >>> bar = Progress(total=500, desc="phase 1 epoch 3")
    >>> bar.update(1, loss=0.42)
    >>> bar.close()
"""

from __future__ import annotations

import sys
import time


def fmt_seconds(s: float) -> str:
    s = int(max(0, s))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


class Progress:
    def __init__(self, total: int, desc: str = "", stream=None, interval: float = 15.0,
                 width: int = 24, enabled: bool = True):
        self.total, self.desc, self.width = max(1, total), desc, width
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.interval = 0.2 if self.tty else interval
        self.n, self.start, self.last = 0, time.monotonic(), 0.0
        self.postfix: dict = {}

    def update(self, n: int = 1, **postfix) -> None:
        self.n += n
        self.postfix.update(postfix)
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last >= self.interval or self.n >= self.total:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self.start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.n) / rate if rate > 0 else 0.0
        done = int(self.width * min(self.n, self.total) / self.total)
        bar = "#" * done + "." * (self.width - done)
        extra = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in self.postfix.items())
        line = (f"{self.desc} [{bar}] {self.n}/{self.total} {fmt_seconds(elapsed)}<"
                f"{fmt_seconds(eta)} {rate:.2f}it/s {extra}")
        self.stream.write(("\r" + line + "\x1b[K") if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

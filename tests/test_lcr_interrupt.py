"""Ctrl-C in ``lcr.check``, ``lcr.fmt`` and ``lcr.convert``: one line on stderr, exit 130,
and what was finished is kept.

The tool reads a FIFO: opening its writing end returns only once the tool has opened it
(inside ``main``, so after start-up); after one value the tool blocks reading the next
line, which ``/proc/PID/wchan`` shows (a pipe read); a real SIGINT then lands at a known
point, without guessing a sleep."""

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path('/proc/self/wchan').exists(),
                                reason='needs Linux /proc')

ROOT = Path(__file__).resolve().parent.parent
VALUE = '🜊1000🜁0  "read"🜁1 "a.txt"🜂'  # not canonical: fmt prints it without the space


@pytest.mark.parametrize("module, args, kept", [
    ("lcr.check", [], ""),
    ("lcr.fmt", [], '🜊1000🜁0 "read"🜁1 "a.txt"🜂\n'),
    ("lcr.convert", ["--to", "hlxl"], '{1000: {@0: "read", @1: "a.txt"}}\n'),
])
def test_ctrl_c_is_one_line_and_exit_130(tmp_path, module, args, kept):
    fifo = tmp_path / "in.lcr"
    os.mkfifo(fifo)
    p = subprocess.Popen([sys.executable, "-m", module, *args, str(fifo)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/",
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    with open(fifo, "w", encoding="utf-8") as w:  # blocks until the tool opens it
        w.write(VALUE + "\n")
        w.flush()
        _wait_blocked_on_read(p.pid, fifo)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 130
    assert err == "interrupted\n"
    assert out == kept


def _wait_blocked_on_read(pid: int, fifo: Path) -> None:
    """Until the process has taken the line written to ``fifo`` (nothing unread in it) and
    sleeps in a pipe read again, waiting for the next; at most 30 s."""
    wchan, stat = Path(f"/proc/{pid}/wchan"), Path(f"/proc/{pid}/stat")
    for _ in range(3000):
        if not _unread(fifo) and "pipe" in wchan.read_text() \
                and stat.read_text().split()[2] == "S":
            return
        time.sleep(0.01)
    pytest.fail("the tool never waited for its next line")


def _unread(fifo: Path) -> int:
    """How many bytes written to ``fifo`` are still unread (FIONREAD on a reading end)."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    finally:
        os.close(fd)

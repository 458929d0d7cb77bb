"""Read LC-R values from files and streams for the command-line tools, in bounded memory.

Shared by ``lcr.check``, ``lcr.fmt`` and ``lcr.convert``. The API:

``read_values(path, field=None, jsonl=None) -> Iterator[(line, text)]``
    Streams ``path`` (``"-"`` is standard input) one line at a time and yields
    ``(line_number, text)`` for each value, ``line_number`` 1-based in the file.

    - text files: every non-blank line is one value (a value is one line; blank means
      only spaces, tabs and carriage returns). ``text`` is the line without its ``\\n``.
    - JSON Lines (``.jsonl`` paths, or any path when ``jsonl=True``): ``text`` is the
      string in field ``field`` (default ``"lcr"``) of each record; blank lines are skipped.

    When a line cannot give a value the second element is an ``LCRError`` instead of a
    string, located at that line: ``E_RECORD`` for a JSONL line that is not a JSON object
    or lacks the field (or holds a non-string there), ``E_SIZE_EXCEEDED`` for a line longer
    than the size limit (skipped without being held in memory). Callers report it as an
    invalid value and carry on with the next line.

    Problems with the input as a whole raise ``InputError`` (exit status 2): a missing or
    unreadable file, or bytes that are not UTF-8 (the message gives the absolute byte
    offset of the first bad byte and its line). Values yielded before it stay valid.

``summary(checked, valid, invalid) -> "N checked, V valid, I invalid"``

``unwritable(path) -> str | None``
    Why a file could not be written at ``path`` (None when it can), checked before a
    tool starts its work so that a bad ``--out``/``--json``/``--report`` is a one-line
    usage error (exit 2) instead of a failure after the work. Creates nothing.

``cli(main)``
    Runs ``main()`` (which returns an exit status) and exits with it, turning Ctrl-C,
    a closed output pipe and OS errors into clean exits with a one-line message instead
    of a traceback. Use it as ``if __name__ == "__main__": cli(main)``.

Memory: a file is read with ``readline(limit)``, so at most one line (bounded by the size
limit) is held at a time, whatever the size of the file.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
from collections.abc import Callable, Iterator

from lcr import errors as E
from lcr.errors import LCRError
from lcr.values import MAX_SIZE

# A JSONL line that is not a record holding the value as a string. Not an LC-R error code
# (the value itself was never seen), so it lives here rather than in lcr.errors.CODES.
E_RECORD = "E_RECORD"
E_IO = "E_IO"

DEFAULT_FIELD = "lcr"
STDIN = "-"

# A text line is one value, so a line longer than the value limit is too large already
# (surrounding whitespace counts, as in lcr.parser.check_size). A JSON string spends at
# most 6 bytes per byte of UTF-8 (\\u00XX), and records carry other fields: allow 8x.
TEXT_LINE_LIMIT = MAX_SIZE
JSONL_LINE_LIMIT = 8 * MAX_SIZE

_BLANK = " \t\r"
EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141  # 128 + SIGINT, 128 + SIGPIPE


class InputError(Exception):
    """The input as a whole cannot be read: ``PATH: E_IO message``. Exit status 2."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{display(path)}: {E_IO} {message}")
        self.path, self.message = path, message


def display(path: str) -> str:
    """How a path is named in messages (``<stdin>`` for ``-``)."""
    return "<stdin>" if path == STDIN else path


def is_jsonl(path: str) -> bool:
    return path.endswith(".jsonl")


def _open(path: str):
    if path == STDIN:
        return sys.stdin.buffer, False
    if os.path.isdir(path):
        raise InputError(path, "is a directory")
    try:
        return open(path, "rb"), True  # noqa: SIM115 - closed by read_lines
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as err:
        raise InputError(path, err.strerror or str(err)) from None


def _decode(path: str, raw: bytes, offset: int, line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            path,
            f"invalid UTF-8 at byte offset {offset + err.start} (line {line}): "
            f"byte 0x{raw[err.start]:02x}",
        ) from None


def read_lines(path: str, limit: int = TEXT_LINE_LIMIT) -> Iterator[tuple[int, str | None]]:
    """Yield ``(line_number, text)`` for every line of ``path`` (without ``\\n``).

    ``text`` is None for a line longer than ``limit`` bytes: it is read past in chunks
    (still checked for UTF-8) and never held whole."""
    f, close = _open(path)
    offset, number = 0, 0
    try:
        while True:
            try:
                raw = f.readline(limit + 1)
            except OSError as err:
                raise InputError(path, err.strerror or str(err)) from None
            if not raw:
                return
            number += 1
            if raw.endswith(b"\n") or len(raw) <= limit:
                yield number, _decode(path, raw.removesuffix(b"\n"), offset, number)
                offset += len(raw)
            else:
                offset = _skip_long_line(path, f, raw, offset, number)
                yield number, None
    finally:
        if close:
            f.close()


def _skip_long_line(path: str, f, chunk: bytes, offset: int, number: int) -> int:
    """Read past the rest of an over-long line, checking its UTF-8 as it goes; return the
    byte offset of the next line."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    while True:
        end = not chunk or chunk.endswith(b"\n")
        piece = chunk.removesuffix(b"\n")
        try:
            decoder.decode(piece, final=end)
        except UnicodeDecodeError as err:
            # err.object is the decoder's held-back bytes (an unfinished character from
            # the previous chunk) followed by this piece; err.start indexes into it.
            held = len(err.object) - len(piece)
            raise InputError(
                path, f"invalid UTF-8 at byte offset {offset + err.start - held} (line {number})"
            ) from None
        offset += len(chunk)
        if end:
            return offset
        chunk = f.readline(1 << 16)


def read_values(
    path: str, field: str | None = None, jsonl: bool | None = None
) -> Iterator[tuple[int, str | LCRError]]:
    """Yield ``(line_number, text | LCRError)`` for each value of ``path`` (see module doc)."""
    if jsonl is None:
        jsonl = field is not None or is_jsonl(path)
    if not jsonl:
        for number, text in read_lines(path, TEXT_LINE_LIMIT):
            if text is None:
                yield number, _too_long()
            elif text.strip(_BLANK):
                yield number, text
        return
    name = field or DEFAULT_FIELD
    for number, line in read_lines(path, JSONL_LINE_LIMIT):
        if line is None:
            yield number, _too_long()
        elif line.strip(_BLANK):
            yield number, _record_field(line, name)


def _too_long() -> LCRError:
    return LCRError(E.E_SIZE_EXCEEDED, f"line longer than {MAX_SIZE} bytes of UTF-8", 1, 1, "")


def _record_field(line: str, name: str) -> str | LCRError:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as err:
        col = getattr(err, "colno", 1)
        what = err.msg if isinstance(err, json.JSONDecodeError) else "nested too deeply"
        return LCRError(E_RECORD, f"not a JSON record: {what}", 1, col, line)
    if not isinstance(record, dict):
        return LCRError(E_RECORD, f"not a JSON object (a record needs field {name!r})", 1, 1, line)
    if name not in record:
        return LCRError(E_RECORD, f"record has no field {name!r}", 1, 1, line)
    text = record[name]
    if not isinstance(text, str):
        return LCRError(E_RECORD, f"field {name!r} is not a string", 1, 1, line)
    return text


def summary(checked: int, valid: int, invalid: int) -> str:
    """The checker's last line: ``N checked, V valid, I invalid``."""
    return f"{checked} checked, {valid} valid, {invalid} invalid"


def unwritable(path) -> str | None:
    """Why ``path`` cannot be written as a file (None when it can): it is a directory or
    not writable, or its nearest existing ancestor is not a writable directory (missing
    folders below it would be created by the writer)."""
    target = os.path.abspath(os.fspath(path))
    if os.path.isdir(target):
        return "is a directory"
    if os.path.exists(target):
        return None if os.access(target, os.W_OK) else "permission denied"
    parent = os.path.dirname(target)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        return f"{parent} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create files in {parent}: permission denied"
    return None


def cli(main: Callable[[], int]) -> None:
    """Run ``main()`` and exit with its status; never show a traceback for the usual
    ways a command-line run ends early."""
    try:
        status = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        status = EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = EXIT_BROKEN_PIPE
    except InputError as err:
        print(err, file=sys.stderr)
        status = EXIT_ERROR
    except OSError as err:
        print(f"{E_IO} {err.strerror or err}", file=sys.stderr)
        status = EXIT_ERROR
    sys.exit(status)


def dispatch(prog: str, commands: dict[str, str], argv: list[str], run) -> int:
    """A command-line tool of subcommands: ``prog COMMAND [ARGS]`` runs
    ``run(COMMAND, ARGS)`` for a name of ``commands`` (name -> one-line help); no command,
    ``-h`` or ``--help`` print the usage (exit 2, 0, 0); an unknown one is a usage error."""
    lines = [f"usage: {prog} COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:10s} {what}" for name, what in commands.items()]
    usage = "\n".join(lines + ["", f"{prog} COMMAND --help shows a command's options."])
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        return 0 if argv else 2
    if argv[0] not in commands:
        print(f"{prog}: error: unknown command {argv[0]!r}\n\n{usage}", file=sys.stderr)
        return 2
    return run(argv[0], argv[1:])

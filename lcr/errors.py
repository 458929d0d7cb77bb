"""The one error type of the project: ``LCRError`` with a code, a position and a caret.

Every public function of ``lcr`` raises ``LCRError`` (never a Lark exception, never a
RecursionError) for bad input. ``str(err)`` is ``CODE line L, col C: message``;
``err.render(path)`` gives the checker's three-line form::

    data.lcr:1:9: E_LC_PARSE unexpected '1': expected whitespace after the field index
    🜊14🜁01🜂
            ^
"""

from __future__ import annotations

E_LC_PARSE = "E_LC_PARSE"
E_FIELD_ORDER = "E_FIELD_ORDER"
E_DUPLICATE_KEY = "E_DUPLICATE_KEY"
E_RANGE = "E_RANGE"
E_DEPTH_EXCEEDED = "E_DEPTH_EXCEEDED"
E_SIZE_EXCEEDED = "E_SIZE_EXCEEDED"
E_SCHEMA = "E_SCHEMA"
# LC-B is binary: its errors carry a byte offset instead of a line and column.
E_LCB_DECODE = "E_LCB_DECODE"

CODES = (
    E_LC_PARSE,
    E_FIELD_ORDER,
    E_DUPLICATE_KEY,
    E_RANGE,
    E_DEPTH_EXCEEDED,
    E_SIZE_EXCEEDED,
    E_SCHEMA,
    E_LCB_DECODE,
)


class LCRError(ValueError):
    """Invalid input: ``code`` (one of ``CODES``), 1-based ``line`` and ``column``, and
    the offending source line in ``context`` (empty when there is no source text)."""

    def __init__(self, code: str, message: str, line: int = 1, column: int = 1, context=""):
        super().__init__(f"{code} line {line}, col {column}: {message}")
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.context = context

    def caret(self) -> str:
        """The source line and a caret under the error column (two lines, or '')."""
        if not self.context:
            return ""
        # Tabs stay tabs so the caret lines up in a terminal.
        pad = "".join("\t" if c == "\t" else " " for c in self.context[: self.column - 1])
        return f"{self.context}\n{pad}^"

    def render(self, path: str = "<input>", line_offset: int = 0) -> str:
        """``PATH:LINE:COL: CODE message`` then the caret context.

        ``line_offset`` shifts the line number, for values that start inside a file."""
        head = f"{path}:{self.line + line_offset}:{self.column}: {self.code} {self.message}"
        ctx = self.caret()
        return f"{head}\n{ctx}" if ctx else head

    def at(self, text: str, pos: int) -> LCRError:
        """Locate this error at character offset ``pos`` of ``text`` (returns self)."""
        self.line, self.column, self.context = locate(text, pos)
        self.args = (f"{self.code} line {self.line}, col {self.column}: {self.message}",)
        return self


def locate(text: str, pos: int) -> tuple[int, int, str]:
    """1-based (line, column) of character offset ``pos`` and that line's text."""
    pos = max(0, min(pos, len(text)))
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    if end < 0:
        end = len(text)
    line = text.count("\n", 0, pos) + 1
    return line, pos - start + 1, text[start:end].rstrip("\r")

"""Parse LC-R text into values: ``parse(text) -> Value``, raising ``LCRError`` only.

Lark's LALR parser runs ``ToValue`` inline (no parse tree is built): each method is named
after a rule or alias of ``grammar/lcr.lark`` and returns the value class of the same name.
The invariants a context-free grammar cannot express are checked here too: field order,
duplicate keys, numeric ranges, nesting depth and size (spec section 6).

    python -c "from lcr import parse; print(parse('🜃1, ⟁a🜄'))"
"""

from __future__ import annotations

import re

from lark import Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from lcr import errors as E
from lcr.errors import LCRError
from lcr.grammar import lalr
from lcr.values import (
    CONTRACT_ID_MAX,
    FALSE,
    FIELD_INDEX_MAX,
    INT_MAX,
    INT_MIN,
    MAX_DEPTH,
    MAX_SIZE,
    NULL,
    TRUE,
    Array,
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Object,
    Text,
    Value,
)

_WS = " \t\r\n"


class _Fail(Exception):
    """Raised inside the transformer; ``parse`` turns it into a located LCRError."""

    def __init__(self, code: str, message: str, pos: int):
        super().__init__(message)
        self.code, self.message, self.pos = code, message, pos


_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def unescape(body: str, pos: int = 0) -> str:
    """Decode the escapes of a string body (quotes removed). ``\\uXXXX`` surrogate pairs
    combine into one character; a lone surrogate is an error (it is not Unicode text)."""
    if "\\" not in body:
        return body
    out = _ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else _SIMPLE_ESCAPES[m[2]], body)
    if any("\ud800" <= c <= "\udfff" for c in out):
        try:
            out = out.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise _Fail(E.E_LC_PARSE, "lone surrogate escape in text", pos) from None
    return out


def _too_deep(pos: int) -> _Fail:
    return _Fail(
        E.E_DEPTH_EXCEEDED, f"more than {MAX_DEPTH} contracts, arrays and objects nested", pos
    )


_INF = float("inf")
_FIELD_STRIP = _WS + "🜁"
# Longest digit strings that can still be in range (the parser checks length before int()).
_INT_CHARS = len(str(INT_MIN))
_ID_DIGITS = len(str(CONTRACT_ID_MAX))
_INDEX_DIGITS = len(str(FIELD_INDEX_MAX))


def _short(digits: str) -> str:
    """A number for a message: very long ones are cut in the middle."""
    return digits if len(digits) <= 40 else f"{digits[:20]}…{digits[-10:]} ({len(digits)} chars)"


def _field_pos(tok) -> int:
    """Offset of the 🜁 of a FIELD token (it may start with whitespace)."""
    return tok.start_pos + len(tok) - len(tok.lstrip(_WS))


def _start(tok) -> int:
    """Offset of a token (where an error about it points when nothing better applies)."""
    return tok.start_pos


# ---- invariants shared by both tracks (lcr.hlxl calls these with its own spellings) -----
# Each takes what the grammar matched plus how to locate it, so that a position is only
# worked out when there is an error to report.


def field_index(digits: str, tok, pos_of=_field_pos, short=_short) -> int:
    """The field index ``digits`` spell; ``E_RANGE`` at ``pos_of(tok)`` above the maximum."""
    if len(digits) > _INDEX_DIGITS or int(digits) > FIELD_INDEX_MAX:
        raise _Fail(
            E.E_RANGE, f"field index {short(digits)} is above {FIELD_INDEX_MAX}", pos_of(tok)
        )
    return int(digits)


def contract_id(digits: str, pos: int, short=_short) -> int:
    """The contract id ``digits`` spell; ``E_RANGE`` at ``pos`` above the maximum."""
    if len(digits) > _ID_DIGITS or int(digits) > CONTRACT_ID_MAX:
        raise _Fail(E.E_RANGE, f"contract id {short(digits)} is above {CONTRACT_ID_MAX}", pos)
    return int(digits)


def ordered_fields(fields, pos_of=_field_pos) -> list:
    """``[(index, value)]`` of ``(index, value, tok)`` triples; ``E_FIELD_ORDER`` at
    ``pos_of(tok)`` of the first field whose index is not above the one before."""
    out = []
    last = -1
    for index, value, tok in fields:
        if index <= last:
            raise _Fail(
                E.E_FIELD_ORDER,
                f"field index {index} after {last}: indices must be strictly ascending",
                pos_of(tok),
            )
        last = index
        out.append((index, value))
    return out


def within_depth(value: Value, pos: int) -> Value:
    """``value`` itself; ``E_DEPTH_EXCEEDED`` at ``pos`` when it nests too deep."""
    if value.depth > MAX_DEPTH:
        raise _too_deep(pos)
    return value


class ToValue(Transformer):
    """Tree-to-value transformer; method names equal the grammar's rule and alias names."""

    def start(self, children):
        return children[0]

    def null(self, _):
        return NULL

    def true(self, _):
        return TRUE

    def false(self, _):
        return FALSE

    def int(self, children):
        tok = children[0]
        # Length first: int() of a 5,000-digit string raises ValueError (CPython's digit
        # limit), and anything over 20 characters is out of range anyway.
        if len(tok) > _INT_CHARS or not INT_MIN <= int(tok) <= INT_MAX:
            raise _Fail(
                E.E_RANGE, f"integer {_short(tok)} is outside the signed 64-bit range",
                tok.start_pos,
            )
        return Int(int(tok))

    def float(self, children):
        tok = children[0]
        x = float(tok)
        if x == _INF or x == -_INF:
            raise _Fail(E.E_RANGE, f"float {_short(tok)} is too large for a double", tok.start_pos)
        return Float(x)

    def text(self, children):
        tok = children[0]
        return Text(unescape(tok[1:-1], tok.start_pos))

    def bytes(self, children):
        return Bytes(bytes.fromhex(children[0][1:]))

    def handle(self, children):
        return Handle(children[0][1:])

    def field(self, children):
        # The token is whitespace, 🜁, digits, whitespace: stripping all four leaves the
        # digits. The position is only worked out when there is an error to report.
        tok, value = children
        return field_index(tok.strip(_FIELD_STRIP), tok), value, tok

    def contract(self, children):
        tok = children[0]
        value = Contract(contract_id(tok[1:], tok.start_pos), ordered_fields(children[1:]))
        return within_depth(value, tok.start_pos)

    def array(self, children):
        value = Array(children[1:])
        if value.depth > MAX_DEPTH:
            raise _too_deep(children[0].start_pos)
        return value

    def entry(self, children):
        key, value = children
        return key, value

    def object(self, children):
        entries = children[1:]
        if len(entries) > 1:
            seen = set()
            for key, _ in entries:
                if key in seen:
                    raise _Fail(
                        E.E_DUPLICATE_KEY, f"object key {key!s} appears twice", key.start_pos
                    )
                seen.add(key)
        value = Object([(str(k), v) for k, v in entries])
        if value.depth > MAX_DEPTH:
            raise _too_deep(children[0].start_pos)
        return value


# What each terminal means to a reader, for "expected ..." messages.
TERMINAL_NAMES = {
    "NULL": "∅",
    "TRUE": "⊤",
    "FALSE": "⊥",
    "INT": "an integer",
    "FLOAT": "a float",
    "TEXT": "a text string",
    "BYTES": "bytes (⊠ and hex pairs)",
    "HANDLE": "a handle (⟁name)",
    "CONTRACT_OPEN": "a contract (🜊 and an id)",
    "FIELD": "a field (🜁, an index, whitespace)",
    "_CONTRACT_CLOSE": "🜂",
    "ARRAY_OPEN": "an array (🜃)",
    "_ARRAY_CLOSE": "🜄",
    "OBJECT_OPEN": "an object (◇)",
    "_OBJECT_CLOSE": "◆",
    "_COMMA": "','",
    "KEY": "an object key",
    "_COLON": "':'",
    "_WS": "whitespace",
    "$END": "end of input",
    "<END-OF-FILE>": "end of input",  # how Lark's lexer names the end in `allowed`
}

# Mistakes common enough to deserve their own explanation: (pattern at the error, hint).
HINTS = (
    (
        re.compile(r"[ \t\r\n]*🜁[0-9]+(?![ \t\r\n])"),
        "a field index is digits without leading zeros, then whitespace",
    ),
    (re.compile(r"🜊[ \t\r\n]"), "no whitespace between 🜊 and the contract id"),
    (re.compile(r"🜊(?![0-9])"), "🜊 must be followed by a contract id"),
    (re.compile(r"[\[\]]"), "LC-R arrays are 🜃 ... 🜄, not ASCII [ ... ]"),
    (re.compile(r"[{}]"), "LC-R objects are ◇ ... ◆, not ASCII { ... }"),
    (re.compile(r'"(?:[^"\\]|\\.)*$'), "unterminated text string"),
    (re.compile(r'"'), "text cannot stand here; object keys are bare identifiers"),
    (re.compile(r"(?:true|false|null)\b"), "LC-R spells these ⊤, ⊥ and ∅"),
)


# The terminals that can start a value: reported together as "a value".
VALUE_START = {
    "NULL", "TRUE", "FALSE", "INT", "FLOAT", "TEXT", "BYTES", "HANDLE",
    "CONTRACT_OPEN", "ARRAY_OPEN", "OBJECT_OPEN",
}


def _describe(expected, terminal_names=None, value_start=None) -> str:
    # The tables default to LC-R's; lcr.hlxl passes HLXL's (same messages, other track).
    terminal_names = TERMINAL_NAMES if terminal_names is None else terminal_names
    value_start = VALUE_START if value_start is None else value_start
    expected = set(expected)
    names = set()
    if value_start <= expected:
        expected -= value_start
        names.add("a value")
    names = sorted(names | {terminal_names.get(t, t) for t in expected})
    return ", ".join(names) if names else "nothing"


def _show(s: str) -> str:
    return repr(s[:1]) if s else "end of input"


def _accepted(err: UnexpectedInput, fallback) -> set:
    """The terminals the parser could take where ``err`` happened.

    Lark's own sets are too wide: the contextual lexer reports every terminal its state can
    lex (``allowed``), and LALR merges the states after a scalar, so both list the closers
    of every context (``00`` would "expect" ',', 🜁, ◆ ...). The interactive parser at the
    point of failure knows which of them would really be shifted (``accepts()`` tries each
    one on a copy of the parser state, without running the transformer). Errors only."""
    interactive = getattr(err, "interactive_parser", None)
    if interactive is not None:
        try:
            return interactive.accepts()
        except Exception:  # noqa: BLE001 - a worse message is better than a crash here
            pass
    return set(fallback or ())


def _from_lark(
    err: UnexpectedInput, text: str, terminal_names=None, value_start=None, hints=None
) -> LCRError:
    """Translate a Lark exception into an LCRError at the same place (LC-R's tables of
    terminal names, value starts and hints unless others are given)."""
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream
        expected = _accepted(err, err.allowed)
        found = _show(text[pos:])
        if text.startswith('"', pos) and (text_err := _text_error(text, pos)):
            return text_err
    elif isinstance(err, UnexpectedToken):
        tok = err.token
        if tok.type == "$END":
            pos, found = len(text), "end of input"
        elif not str(tok).strip(_WS):
            # A whitespace-only token where none may be (`◇x :1◆`, `🜃1 2🜄`).
            pos, found = tok.start_pos, "whitespace"
        else:
            pos, found = tok.start_pos, _show(str(tok).lstrip(_WS))
            pos += len(tok) - len(str(tok).lstrip(_WS))
        expected = _accepted(err, err.expected)
    else:  # UnexpectedEOF
        pos, found, expected = len(text), "end of input", getattr(err, "expected", ())
    message = f"unexpected {found}: expected {_describe(expected, terminal_names, value_start)}"
    rest = text[pos:]
    for pattern, hint in HINTS if hints is None else hints:
        if pattern.match(rest):
            message += f" ({hint})"
            break
    return LCRError(E.E_LC_PARSE, message).at(text, pos)


# The longest valid start of a text string after its opening quote; where it stops is
# where the string goes wrong (same character classes as TEXT in grammar/lcr.lark).
_TEXT_PREFIX = re.compile(r'(?:[^"\\\x00-\x1f]|\\["\\nrt]|\\u[0-9a-fA-F]{4})*')


def _text_error(text: str, start: int) -> LCRError | None:
    """A text string that does not lex: an error at the character that breaks it (None
    when the string at ``start`` is complete, so the trouble is elsewhere)."""
    pos = _TEXT_PREFIX.match(text, start + 1).end()
    if pos >= len(text):
        return LCRError(E.E_LC_PARSE, "unterminated text string").at(text, start)
    if text[pos] == "\\":
        bad = text[pos : pos + 2]
        return LCRError(
            E.E_LC_PARSE, f"bad escape {bad} in text: expected \\\" \\\\ \\n \\r \\t or \\uXXXX"
        ).at(text, pos)
    if text[pos] == '"':
        return None
    message = f"raw control character U+{ord(text[pos]):04X} in text: escape it"
    return LCRError(E.E_LC_PARSE, message).at(text, pos)


_PARSER = lalr("lcr", ToValue())


def check_size(text: str) -> None:
    """``E_SIZE_EXCEEDED`` when ``text`` is longer than 1 MiB of UTF-8."""
    if len(text) * 4 > MAX_SIZE and len(text.encode("utf-8", "surrogatepass")) > MAX_SIZE:
        message = f"value longer than {MAX_SIZE} bytes of UTF-8"
        raise LCRError(E.E_SIZE_EXCEEDED, message).at(text, 0)


def run_parser(lark_parser, text: str, what: str = "parse", **tables) -> Value:
    """Size check, parse with ``lark_parser`` (a transformer inline), and every failure
    as a located ``LCRError``. ``tables`` are ``_from_lark``'s terminal-name, value-start
    and hint tables (LC-R's by default); shared by the LC-R and HLXL parsers."""
    if not isinstance(text, str):
        raise TypeError(f"{what}() takes str, not {type(text).__name__}")
    check_size(text)
    try:
        return lark_parser.parse(text)
    except _Fail as f:
        raise LCRError(f.code, f.message).at(text, f.pos) from None
    except (UnexpectedCharacters, UnexpectedToken, UnexpectedEOF) as err:
        raise _from_lark(err, text, **tables) from None
    except UnexpectedInput as err:  # any other Lark input error
        raise LCRError(E.E_LC_PARSE, str(err).splitlines()[0]).at(text, 0) from None


def parse(text: str) -> Value:
    """Parse one LC-R value (surrounding whitespace allowed). Raises ``LCRError``."""
    return run_parser(_PARSER, text)

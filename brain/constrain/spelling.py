"""What a source spells: the names, numbers and bytes a grounded slot may take.

``brain.constrain.ground`` restricts a translation's slot values to these (texts:
``brain.constrain.texts``); ``tests/test_corpus.py`` checks every compiled record against
them, so grounding never forbids the generator's right answer.

    source_words("scan the Crash Reports")   # {"scan", "Crash", "crash", "crash_reports", ...}
    source_numbers("the first 5")            # {"5", "-5", "0", "1", "-1"}
    bytes_spelled_in(b"ok", 'the bytes "ok"')  # True
"""

from __future__ import annotations

import re

from lcr.hlxl import HANDLE_PREFIX, bytes_body

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # grammar/lcr.lark's HANDLE, without the glyph
# A number as LC-R writes one (no leading zeros), not cut out of a longer run of digits.
NUMBER = re.compile(r"(?<![0-9.])-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?(?![0-9])")
WORD_CHAR = re.compile(r"[A-Za-z0-9_]")
# Hex digit pairs standing alone in the source (after 0x or not), as a bytes literal may
# spell them.
HEX_RUN = re.compile(r"(?<![A-Za-z0-9_])(?:0[xX])?((?:[0-9a-fA-F]{2})+)(?![A-Za-z0-9_])")
HLXL_HANDLE = re.compile(re.escape(HANDLE_PREFIX) + f"({WORD.pattern})")
HLXL_BYTES = re.compile(r'(?<![A-Za-z0-9_])b"((?:[ !#-\[\]-~]|\\x[0-9a-fA-F]{2})*)"')
# Neighbouring words a multi-word handle is made of ("crash reports", "order-schema").
PHRASE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[ \t-]+[A-Za-z_][A-Za-z0-9_]*)+")
MAX_NAME_WORDS = 4
# English function words: no run of words that holds one names a handle, because a handle
# drops its noun phrase's determiners (the naming rule, docs/corpus.md) and prepositions,
# conjunctions, pronouns and "be" stand between noun phrases, not inside one ("search the
# wiki for onboarding" never means ⟁wiki_for_onboarding). Alone, such a word names no handle
# either, except "a" and "i" (loop variables). A code-form word (in_stock) is one word: kept.
FUNCTION_WORDS = frozenset("""a an the my our your their its this that these those all every
    each of for to in on at by with from into onto about against than as and or but nor so if
    then is are was were be been it i you we they he she me us them please""".split())
# The generic kind words a handle drops when another word remains ("the email field" ->
# ⟁email, "my home directory" -> ⟁home): no run of words that holds one names a handle.
KIND_WORDS = frozenset({"folder", "directory", "dir", "field", "column", "function"})


def _typos(word: str) -> set[str]:
    """The typos people make in ``word`` (a letter swapped with the next, dropped or typed
    twice, never the first or last), as ``lcr.corpus.compose`` makes them too."""
    out = set()
    for i in range(1, len(word) - 1):
        out |= {word[:i] + word[i + 1] + word[i] + word[i + 2:], word[:i] + word[i + 1:],
                word[:i] + word[i] + word[i:]}
    return out


# Typos of function words ("teh", "wiht") stand between noun phrases as their words do, but
# for the short ones and the English words among them ("form", "ten", "tan").
TYPO_WORDS = frozenset(t for w in FUNCTION_WORDS for t in _typos(w) if len(t) > 2) - {
    "form", "ten", "tan", "wee", "ben", "bene", "thee", "thy", "tat", "abut", "noor", "pease",
    *FUNCTION_WORDS}
NOT_NAMES = (FUNCTION_WORDS - {"a", "i"}) | TYPO_WORDS
BETWEEN_WORDS = FUNCTION_WORDS | TYPO_WORDS | KIND_WORDS  # no multi-word name holds one
# Names the English implies without spelling them: aggregate's functions ("the mean of" ->
# ⟁average, "add up" -> ⟁sum, "standard deviation" -> ⟁stddev).
FIXED_NAMES = frozenset({"sum", "total", "average", "count", "min", "max", "median", "mode",
                         "stddev", "variance", "product"})
# Numbers a request implies: "the first 5" starts at 0, "decrement" adds -1, "once" is 1.
IMPLIED_NUMBERS = frozenset({"0", "1", "-1"})
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
NUMBER_WORDS |= {"once": "1", "twice": "2", "thrice": "3", "dozen": "12", "hundred": "100"}


def source_words(source: str) -> frozenset[str]:
    """The names a handle may have: the words of ``source`` as written and in lower case,
    runs of up to ``MAX_NAME_WORDS`` neighbouring words (apart by spaces or hyphens) joined
    with ``_`` in lower case ("the crash reports" -> ``crash_reports``, the one rule by which
    a noun phrase names a handle), its HLXL handles' names, and ``FIXED_NAMES``; no
    ``NOT_NAMES`` word and no run holding a ``BETWEEN_WORDS`` word."""
    words = WORD.findall(source)
    names = {w for w in words if w.lower() not in NOT_NAMES}
    names |= {w.lower() for w in names} | set(HLXL_HANDLE.findall(source))
    for run in PHRASE.findall(source):
        parts, function = [], []  # the words; is each a function word standing alone?
        for chunk in run.split():  # a hyphenated compound ("on-call") is one adjective
            words_in = WORD.findall(chunk)
            parts += words_in
            function += [len(words_in) == 1 and w.lower() in BETWEEN_WORDS for w in words_in]
        for i in range(len(parts)):
            for j in range(i + 2, min(i + MAX_NAME_WORDS, len(parts)) + 1):
                if not any(function[i:j]):
                    names.add("_".join(parts[i:j]).lower())
    return frozenset(names | FIXED_NAMES)


def source_keys(source: str, words: frozenset[str] | None = None) -> frozenset[str]:
    """The names an object key may have: ``source_words`` (``words``, when already made) and
    every word of ``source``, function words too (a key is spelled as the source spells it)."""
    return (source_words(source) if words is None else words) | frozenset(WORD.findall(source))


def source_hex(source: str) -> frozenset[str]:
    """Hex spellings a bytes literal may copy: the hex runs of ``source`` as written and its
    HLXL bytes literals in lowercase hex."""
    runs = frozenset(HEX_RUN.findall(source))
    return runs | {bytes_body(body).hex() for body in HLXL_BYTES.findall(source)}


def source_numbers(source: str) -> set[str]:
    """The numbers written in ``source`` (in digits, or as a word of ``NUMBER_WORDS``), each
    also without and with a minus sign, and ``IMPLIED_NUMBERS``."""
    found = set(NUMBER.findall(source))
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", source.lower()) if w in NUMBER_WORDS}
    unsigned = {n.removeprefix("-") for n in found}
    return found | unsigned | {"-" + n for n in unsigned if n != "0"} | IMPLIED_NUMBERS


def boundary(source: str, i: int) -> bool:
    """Is position ``i`` (between source[i-1] and source[i]) a word boundary?"""
    left = i > 0 and WORD_CHAR.match(source[i - 1])
    right = i < len(source) and WORD_CHAR.match(source[i])
    return not (left and right)


def spelled_in(text: str, source: str) -> bool:
    """Is ``text`` a stretch of ``source`` that starts and ends at word boundaries?"""
    return any(boundary(source, i) and boundary(source, i + len(text))
               for i in range(len(source)) if text and source.startswith(text, i))


def as_chars(data: bytes) -> str:
    """One character per byte (latin-1), so the text functions here work on UTF-8 bytes: a
    non-ASCII byte becomes a character that is no word character."""
    return data.decode("latin-1")


def bytes_spelled_in(data: bytes, source: str) -> bool:
    """Is ``data`` a hex run of ``source`` or the UTF-8 of a stretch of it between word
    boundaries?"""
    if data.hex() in {h.lower() for h in source_hex(source)}:
        return True
    return spelled_in(as_chars(data), as_chars(source.encode()))


def continuations(source: str, prefix: str) -> tuple[set[str], bool]:
    """The characters that follow ``prefix`` where it occurs in ``source`` from a word
    boundary, and whether such an occurrence (of a non-empty ``prefix``) ends at one."""
    nxt, close = set(), False
    start = source.find(prefix)
    while start != -1:
        end = start + len(prefix)
        if boundary(source, start):
            if end < len(source):
                nxt.add(source[end])
            close = close or bool(prefix) and boundary(source, end)
        start = source.find(prefix, start + 1)
    return nxt, close

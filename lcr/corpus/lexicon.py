"""Slot fillers by the thousand: English nouns and noun phrases, file names, paths, globs,
URLs, identifiers and search queries, and the one rule that turns an English noun phrase
into a handle name (``handle_name``).

Sources, all deterministic for pinned package versions (``versions()`` goes into
stats.json): nouns are ``wordfreq``'s 40,000 most frequent English words filtered without a
part-of-speech tagger (``_is_noun``: lowercase alphabetic, 3-11 letters, no adverb, verb or
adjective ending, ``inflect`` finds it singular and its plural is itself a frequent word,
and it is not listed in ``templates/compose/lexicon.json``'s ``not_nouns`` or among
Faker's first names); plurals and articles come from ``inflect``; literals are built from
those nouns and Faker's word lists with a ``random.Random`` of fixed seed, so the pools do
not depend on the corpus seed and are the same on every machine.

    python -c "from lcr.corpus.lexicon import pool; print(len(pool('data')), pool('data')[:5])"
"""

from __future__ import annotations

import functools
import json
import random
import re
from importlib import metadata

from lcr.corpus.vocab import TEMPLATES_DIR

DETERMINERS = frozenset("the a an my our your all every each".split())
KIND_WORDS = frozenset("folder directory dir field column function".split())
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CODE_WORD = re.compile(r".*(_|\d|[a-z][A-Z])")  # snake_case, digits or camelCase
POOL_SIZE = 2500  # entries per generated pool (at least 1,000 distinct after dedupe)
_SEED = "lcr-lexicon:1"


def is_code_identifier(word: str) -> bool:
    """``latency_ms``, ``lastName``, ``http2``: a word typed in code form."""
    return bool(IDENTIFIER.match(word) and _CODE_WORD.match(word))


def handle_name(phrase: str) -> str:
    """The handle an English noun phrase names; the one rule of ../shared/eval/README.md.

    Words typed in code form (``latency_ms``, ``createdAt``) are kept verbatim; the other
    words are lowercased; determiners (the, a, an, my, our, your, all, every, each) are
    dropped; the generic kind words folder, directory, dir, field, column and function are
    dropped when another word remains; the rest are joined with ``_``, singular or plural
    as written: "the crash reports" -> crash_reports, "my home directory" -> home,
    "the price column" -> price, "the latency_ms field" -> latency_ms.
    """
    words = [w if is_code_identifier(w) else w.lower() for w in phrase.split()]
    words = [w for w in words if w not in DETERMINERS]
    kept = [w for w in words if w not in KIND_WORDS]
    name = "_".join(kept or words)
    if not IDENTIFIER.match(name):
        raise ValueError(f"no handle name for {phrase!r}")
    return name


@functools.cache
def _data() -> dict:
    return json.loads((TEMPLATES_DIR / "compose" / "lexicon.json").read_text(encoding="utf-8"))


@functools.cache
def _inflect():
    import inflect

    return inflect.engine()


def plural(noun: str) -> str:
    return _plural(noun)


@functools.cache
def _plural(noun: str) -> str:
    return _inflect().plural_noun(noun)


def article(noun: str) -> str:
    """``a`` or ``an`` for ``noun`` (inflect)."""
    return _inflect().a(noun).split()[0]


@functools.cache
def _faker():
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(1)
    return fake


def _first_names() -> frozenset[str]:
    from faker.providers.person.en_US import Provider

    names = list(Provider.first_names) + list(Provider.last_names)
    return frozenset(n.lower() for n in names)


def _is_noun(word: str, zipf, vocab: frozenset, excluded: frozenset) -> bool:
    if not (word.isascii() and word.isalpha() and word.islower() and 3 <= len(word) <= 11):
        return False
    if word in excluded or word.endswith(("ly", "ing", "ed", "ous", "ful", "less", "ive",
                                          "est", "ish", "ness", "self")):
        return False
    eng = _inflect()
    if eng.singular_noun(word):  # already a plural
        return False
    pl = eng.plural_noun(word)
    if pl == word or pl not in vocab or zipf(pl, "en") < 2.3:
        return False
    # a word whose past tense is about as frequent as itself is mostly a verb
    past = word + ("d" if word.endswith("e") else "ed")
    return zipf(past, "en") < zipf(word, "en") - 0.8


@functools.cache
def nouns() -> tuple[str, ...]:
    """Singular English nouns, most frequent first (about 5,000)."""
    import wordfreq

    words = wordfreq.top_n_list("en", 40000)
    vocab = frozenset(words)
    excluded = frozenset(_data()["not_nouns"]) | _first_names()
    return tuple(w for w in words[300:]
                 if _is_noun(w, wordfreq.zipf_frequency, vocab, excluded))


def versions() -> dict[str, str]:
    """The package versions the pools were built with (they decide the corpus bytes)."""
    return {p: metadata.version(p) for p in ("wordfreq", "Faker", "inflect")}


def _camel(words: list[str]) -> str:
    return words[0] + "".join(w.capitalize() for w in words[1:])


def _unique(items, size: int) -> list[str]:
    """The first ``size`` distinct items of an iterator, in order."""
    out, seen = [], set()
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
            if len(out) == size:
                break
    return out


def _generated(kind: str, rng: random.Random):
    """An endless stream of fillers of one kind."""
    d = nouns()[:3500], _data()  # the rarest nouns read as noise
    n, d = d
    common = n[:1500]
    adjs, exts, dirs = d["adjectives"], d["extensions"], d["dir_words"]
    fake = _faker()
    while True:
        a, b = rng.choice(common), rng.choice(n)
        r = rng.random()
        if kind == "data":  # plural noun phrases: crash reports, active users, invoices
            yield (plural(b) if r < 0.55 else f"{a} {plural(b)}" if r < 0.85
                   else f"{rng.choice(adjs)} {plural(b)}")
        elif kind == "thing":  # singular noun phrases: nightly build, churn rate
            yield b if r < 0.6 else f"{rng.choice(adjs + list(common[:300]))} {b}"
        elif kind == "field":  # record fields: price, unit price, latency_ms, createdAt
            yield (b if r < 0.6 else f"{a} {b}" if r < 0.75 else f"{a}_{b}" if r < 0.9
                   else _camel([a, b]))
        elif kind == "place":  # named places: downloads, photos, project
            yield rng.choice([b, plural(b), plural(b)]) if r < 0.85 else f"{a} {plural(b)}"
        elif kind == "transform":  # function names: slugify, strip_tags, normalizeDates
            v = rng.choice(d["fn_verbs"])
            yield v if r < 0.1 else f"{v}_{plural(b) if r < 0.5 else b}" if r < 0.8 \
                else _camel([v, plural(b)])
        elif kind == "schema":
            yield f"{b} schema" if r < 0.8 else f"{a}_{b}_schema"
        elif kind == "file":
            sep = rng.choice(["_", "-", "", "_"])
            stem = b if r < 0.35 else f"{a}{sep}{b}" if r < 0.75 else fake.word()
            if rng.random() < 0.15:
                stem += rng.choice(["_2024", "_v2", "-final", "_old", "1", "_backup"])
            yield f"{stem}.{rng.choice(exts)}"
        elif kind == "dir_path":
            parts = [rng.choice(dirs if rng.random() < 0.6 else common)
                     for _ in range(rng.choice([1, 2, 2, 3]))]
            root = rng.choice(["/", "/", "~/", "./", "../", "", "/home/" + fake.user_name()
                               + "/"])
            yield root + "/".join(parts) + ("/" if rng.random() < 0.15 else "")
        elif kind == "file_path":
            parts = [rng.choice(dirs if rng.random() < 0.6 else common)
                     for _ in range(rng.choice([1, 2, 3]))]
            root = rng.choice(["/", "~/", "./", "", "/var/"])
            yield root + "/".join(parts) + "/" + next(_generated("file", rng))
        elif kind == "glob":
            ext = rng.choice(exts)
            yield rng.choice([f"*.{ext}", f"**/*.{ext}", f"{rng.choice(dirs)}/*.{ext}",
                              f"{rng.choice(dirs)}/**/*.{ext}", f"{a}_*.{ext}",
                              f"*.{{{ext},{rng.choice(exts)}}}", f"{b}*"])
        elif kind == "url":
            host = fake.domain_name()
            path = "/".join(rng.choice(common) for _ in range(rng.choice([0, 1, 2])))
            yield f"{rng.choice(['https', 'https', 'http'])}://{host}/{path}"
        elif kind == "query":  # what people search for: words, phrases, codes, tokens
            yield _query(rng, r, a, b, common, adjs, d)
        else:
            raise KeyError(kind)


def _query(rng, r, a, b, common, adjs, d) -> str:
    """A search query: a word (a fifth), a phrase of 2-5 words ("disk quota exceeded"), a
    hyphenated or numbered one ("pre-commit hook", "error 503 on checkout"), an IP, a
    code token (TODO(bob), ERR_TIMEOUT, CamelCaseError), an API path, a version, a date,
    a commit-style message ("fix: typo in header")."""
    q = d["query_words"]
    w = lambda: rng.choice(common)  # noqa: E731
    if r < 0.2:
        return b
    if r < 0.3:
        return f"{a} {b}"
    if r < 0.45:
        return " ".join([rng.choice(adjs + q["lead"]), w(), b][:rng.choice([2, 3, 3])])
    if r < 0.55:
        return f"{b} {rng.choice(q['verbs'])}" + rng.choice(["", f" at {w()}", f" on {w()}",
                                                                  f" in {w()} {b}"])
    if r < 0.6:
        return f"{w()}-{b}" + rng.choice(["", f" {w()}", " error"])
    if r < 0.65:
        return f"{rng.choice(q['lead'])} {rng.randint(100, 599)}" + rng.choice(
            ["", f" on {w()}", f" from {w()}"])
    if r < 0.69:
        return ".".join(str(rng.randint(0, 255)) for _ in range(4))
    if r < 0.74:
        return rng.choice([f"TODO({rng.choice(q['people'])})", f"FIXME: {w()}",
                           f"ERR_{b.upper()}", f"E_{w().upper()}_{b.upper()}",
                           _camel([b, "error"]).capitalize().replace("error", "Error"),
                           f"{b}_{a}", f"{_camel([a, b])}()", f"{b}.{w()}"])
    if r < 0.78:
        return "/" + "/".join(rng.choice([["api", "v2", plural(b)], ["v1", b, "{id}"],
                                          [w(), plural(b)], ["api", plural(b)]]))
    if r < 0.81:
        return rng.choice([f"{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}",
                           f"v{rng.randint(1, 9)}.{rng.randint(0, 12)}",
                           f"{rng.randint(2015, 2026)}-{rng.randint(1, 12):02d}-"
                           f"{rng.randint(1, 28):02d}"])
    if r < 0.85:
        return f"{rng.choice(q['commit'])}: {w()} in {b}"
    if r < 0.9:
        return str(rng.randint(100, 599))
    return " ".join(rng.choice(common) for _ in range(rng.choice([3, 4, 5])))


@functools.cache
def pool(kind: str) -> tuple[str, ...]:
    """``POOL_SIZE`` distinct fillers of ``kind`` (data, thing, field, place, transform,
    schema, file, dir_path, file_path, glob, url, query), the same on every run."""
    if kind == "flag":  # adjectives: a closed class, about a hundred
        return tuple(dict.fromkeys(_data()["adjectives"]))
    rng = random.Random(f"{_SEED}:{kind}")
    return tuple(_unique(_generated(kind, rng), POOL_SIZE))

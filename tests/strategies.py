"""Hypothesis strategies for HLX values, shared by the property tests of every track.

``values()`` draws any valid value (all ten kinds, nested up to ``max_leaves`` leaves,
strictly ascending field indices, unique object keys, finite floats), so that
``parse(dumps(v)) == v`` can be tested for arbitrary ``v``.

    from hypothesis import given
    from strategies import values

    @given(values())
    def test_round_trip(v): ...
"""

from __future__ import annotations

from hypothesis import strategies as st

from lcr.values import (
    CONTRACT_ID_MAX,
    FALSE,
    FIELD_INDEX_MAX,
    INT_MAX,
    INT_MIN,
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
)

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)

# Any Unicode text except surrogates (which are not encodable text), controls included.
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)

scalars = st.one_of(
    st.just(NULL),
    st.sampled_from([TRUE, FALSE]),
    st.integers(INT_MIN, INT_MAX).map(Int),
    st.floats(allow_nan=False, allow_infinity=False).map(Float),
    texts.map(Text),
    st.binary(max_size=16).map(Bytes),
    names.map(Handle),
)


def _containers(children):
    indices = st.lists(
        st.integers(0, FIELD_INDEX_MAX), unique=True, max_size=5
    ).map(sorted)
    contracts = st.builds(
        lambda cid, idx, vals: Contract(cid, zip(idx, vals, strict=False)),
        st.integers(0, CONTRACT_ID_MAX),
        indices,
        st.lists(children, min_size=5, max_size=5),
    )
    arrays = st.lists(children, max_size=5).map(Array)
    objects = st.lists(st.tuples(names, children), max_size=5, unique_by=lambda e: e[0]).map(
        Object
    )
    return st.one_of(contracts, arrays, objects)


def values(max_leaves: int = 25):
    """Any valid HLX value (nesting stays far below the depth limit)."""
    return st.recursive(scalars, _containers, max_leaves=max_leaves)

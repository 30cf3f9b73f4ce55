"""Hypothesis strategies for what can arrive on the submitted topic or at the REST API."""

import json
from typing import Any

from hypothesis import strategies as st

from .samples import raw, submission

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def submission_like(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly-valid submissions: a few references (so repeats and conflicts happen), some
    fields dropped or replaced by random JSON."""
    body = submission(
        external_reference=draw(st.sampled_from(["A-1", "A-2", "A-3"])),
        description=draw(st.sampled_from(["破损", "broken", "  破损  "]) | st.text(max_size=30)),
    )
    for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=2, unique=True)):
        if draw(st.booleans()):
            del body[key]
        else:
            body[key] = draw(json_values)
    return body


messages = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda value: json.dumps(value).encode(), json_values),
    submission_like().map(raw),
)

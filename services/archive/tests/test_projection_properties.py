"""Order independence and idempotence of the projection, over generated deliveries."""

from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_archive.domain import apply, apply_all, fold

from .builders import SIDE_EVENTS, full_story, purge

pytestmark = pytest.mark.unit
HOLDS = {"hold", "release"}


@st.composite
def deliveries(draw: st.DrawFn):
    """Some of a complaint's events, in any order, some of them more than once."""
    story = full_story()
    extras = draw(st.lists(st.sampled_from([*SIDE_EVENTS, "purge"]), max_size=4))
    if "purge" in extras:
        # What a purge removed stays removed: a hold (or a second purge) delivered after it
        # cannot be folded in. Those cases are tested one by one in test_projection.py.
        extras = [name for name in extras if name not in HOLDS and name != "purge"] + ["purge"]
    for name in extras:
        minutes = draw(st.integers(min_value=0, max_value=3000))
        if name == "purge":
            purge(story, minutes)
        else:
            story.at(minutes, SIDE_EVENTS[name])
    return draw(st.lists(st.sampled_from(story.events), min_size=1, max_size=40))


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_any_delivery_gives_the_sorted_fold_of_the_events_seen_until_a_purge_took_effect(
    delivered,
):
    """A purge is final: what it removed stays removed, even when an earlier-dated event of
    the complaint (its receipt, say) is delivered after it; until then, order never matters."""
    seen, document = [], None
    for event in delivered:
        document = apply(document, event)
        seen.append(event)
        if document["status"] == "purged":
            break
    unique = list({event.event_id: event for event in seen}.values())
    assert reduce(apply, delivered, None) == fold(unique)


@settings(max_examples=50, deadline=None)
@given(deliveries())
def test_delivering_everything_again_changes_nothing(delivered):
    document = reduce(apply, delivered, None)
    assert reduce(apply, delivered, document) == document


@settings(max_examples=100, deadline=None)
@given(deliveries(), st.integers(min_value=1, max_value=40))
def test_applying_in_batches_gives_the_same_document(delivered, size):
    """The consumer folds a batch's events of one complaint at once."""
    document = None
    for start in range(0, len(delivered), size):
        document = apply_all(document, delivered[start : start + size])
    assert document == reduce(apply, delivered, None)

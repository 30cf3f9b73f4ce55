from collections.abc import Callable
from typing import Any

import pytest

from complaint_events import Envelope, EventPayload, new_event
from complaint_events.examples import COMPLAINT_ID, example_payloads


def wrap(payload: EventPayload, **overrides: Any) -> Envelope[Any]:
    """An envelope around a payload, with a complaint id when the type needs one."""
    complaint_id = COMPLAINT_ID if payload.requires_complaint_id else None
    options: dict[str, Any] = {"producer": "tests", "complaint_id": complaint_id} | overrides
    return new_event(payload, **options)


@pytest.fixture
def envelope_of() -> Callable[..., Envelope[Any]]:
    return wrap


@pytest.fixture(params=sorted(example_payloads()))
def example(request: pytest.FixtureRequest) -> EventPayload:
    """Each event type's example payload in turn."""
    return example_payloads()[request.param]

"""The runtime's retry policies with a fast path: the first attempt runs without them.

Building a tenacity retrier costs more than a database round trip's CPU; when nothing fails
(nearly always) there is nothing to retry.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from complaint_runtime import TRANSIENT, for_a_while, until_done

T = TypeVar("T")


async def briefly(what: str, call: Callable[[], Awaitable[T]], *, seconds: float) -> T:
    """Retry an unavailable dependency for `seconds`, then raise (REST answers 503)."""
    try:
        return await call()
    except TRANSIENT:
        pass
    async for attempt in for_a_while(what, seconds=seconds):
        with attempt:
            return await call()
    raise AssertionError("for_a_while raises when it gives up")


async def persistently(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """Retry an unavailable dependency until it answers (consumers: never commit meanwhile)."""
    try:
        return await call()
    except TRANSIENT:
        pass
    async for attempt in until_done(what):
        with attempt:
            return await call()
    raise AssertionError("until_done never stops retrying")

"""Retrying what failed because a dependency is unavailable: never acknowledged, retried later."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    OutOfOrderSequenceNumber,
    RequestTimedOutError,
)
from pymongo.errors import ConnectionFailure, OperationFailure, WriteConcernError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
    stop_never,
    wait_exponential,
)

log = logging.getLogger("complaints.retry")
T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (
    ConnectionFailure,  # includes AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
    WriteConcernError,
    KafkaConnectionError,
    KafkaTimeoutError,
    RequestTimedOutError,
    ConnectionError,
    TimeoutError,
)


def is_transient(error: BaseException) -> bool:
    """A failure that retrying can cure: an unreachable dependency, a broker that is moving
    or restarting."""
    if isinstance(error, TRANSIENT):
        return True
    # While a broker restarts, a publish fails with the errors Kafka marks retriable (no
    # leader, not the leader, ...) and, from an idempotent producer whose broker lost its
    # sequence state, OutOfOrderSequenceNumber. Found by the fault suite: treated as final,
    # the classifier dead-lettered valid events after a broker restart.
    if isinstance(error, KafkaError):
        return error.retriable or isinstance(error, OutOfOrderSequenceNumber)
    # A write the server labels retryable (a failover, a transaction that met another one).
    return isinstance(error, OperationFailure) and any(
        error.has_error_label(label)
        for label in ("RetryableWriteError", "TransientTransactionError")
    )


def _log_attempt(what: str):  # type: ignore[no-untyped-def]
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "dependency unavailable, retrying",
            extra={
                "operation": what,
                "attempt": state.attempt_number,
                "error": type(error).__name__,
            },
        )

    return before_sleep


def until_done(what: str, *, max_wait: float = 30.0) -> AsyncRetrying:
    """Retry a transient failure forever with capped exponential backoff (Kafka consumers)."""
    return AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential(multiplier=0.2, max=max_wait),
        stop=stop_never,
        before_sleep=_log_attempt(what),
        reraise=True,
    )


def for_a_while(what: str, *, seconds: float = 5.0) -> AsyncRetrying:
    """Retry a transient failure briefly, then let it raise (HTTP answers 503 after that)."""
    return AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=wait_exponential(multiplier=0.1, max=1.0),
        stop=stop_after_delay(seconds),
        before_sleep=_log_attempt(what),
        reraise=True,
    )


async def persistently(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """`call()`, retried while a dependency is unavailable until it answers (consumers: the
    offsets never commit meanwhile). The first attempt runs without a retrier: building one
    costs more CPU than a database round trip, and nearly always nothing fails."""
    try:
        return await call()
    except Exception as error:
        if not is_transient(error):
            raise
    async for attempt in until_done(what):
        with attempt:
            return await call()
    raise AssertionError("until_done never stops retrying")


async def briefly(what: str, call: Callable[[], Awaitable[T]], *, seconds: float) -> T:
    """`call()`, retried while a dependency is unavailable for `seconds`, then the error is
    raised (HTTP answers 503). The first attempt runs without a retrier, as above."""
    try:
        return await call()
    except Exception as error:
        if not is_transient(error):
            raise
    async for attempt in for_a_while(what, seconds=seconds):
        with attempt:
            return await call()
    raise AssertionError("for_a_while raises when it gives up")

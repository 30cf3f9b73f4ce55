"""Failures that mean "a dependency is unavailable, try again", in the runtime's terms.

The runtime's retry policy retries `ConnectionError`s, so both are one.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from aiokafka.errors import KafkaError
from pymongo.errors import OperationFailure

_TRANSIENT_LABELS = ("RetryableWriteError", "TransientTransactionError")


class StoreUnavailable(ConnectionError):
    """MongoDB refused a write for now (a failover, a write conflict it labels transient)."""


class BrokerUnavailable(ConnectionError):
    """Kafka did not take a message for now."""


def is_busy(error: OperationFailure) -> bool:
    return any(error.has_error_label(label) for label in _TRANSIENT_LABELS)


@contextmanager
def store_errors() -> Iterator[None]:
    try:
        yield
    except OperationFailure as error:
        if is_busy(error):
            raise StoreUnavailable(type(error).__name__) from error
        raise


@contextmanager
def broker_errors() -> Iterator[None]:
    try:
        yield
    except KafkaError as error:
        if error.retriable:
            raise BrokerUnavailable(type(error).__name__) from error
        raise

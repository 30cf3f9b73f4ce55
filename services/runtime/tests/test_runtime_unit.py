import logging
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import ValidationError

from complaint_runtime import ApiKeys, Caller, ServiceSettings, require, scrub, security
from complaint_runtime.auth import KeyEntry, digest
from complaint_runtime.observability import PersonalDataFilter

pytestmark = pytest.mark.unit


def keys(rate: str = "100/second") -> ApiKeys:
    return ApiKeys(
        [
            KeyEntry(id="erp", sha256=digest("w-key"), scopes=["write"], source_systems=["erp"]),
            KeyEntry(id="bi", sha256=digest("r-key"), scopes=["read"]),
        ],
        rate,
    )


def app_with(api_keys: ApiKeys) -> FastAPI:
    app = FastAPI()
    writer = Depends(require(api_keys, "write"))

    @app.post("/things")
    async def write(caller: Caller = writer) -> dict[str, str]:
        return {"key": caller.key_id}

    return app


async def call(app: FastAPI, key: str | None) -> int:
    headers = {"X-API-Key": key} if key else {}
    async with AsyncClient(transport=ASGITransport(app), base_url="http://t") as client:
        return (await client.post("/things", headers=headers)).status_code


async def test_no_key_is_401_wrong_scope_403_right_scope_200() -> None:
    app = app_with(keys())
    assert await call(app, None) == 401
    assert await call(app, "not-a-key") == 401
    assert await call(app, "r-key") == 403
    assert await call(app, "w-key") == 200


async def test_a_key_over_its_rate_limit_gets_429() -> None:
    app = app_with(keys("2/minute"))
    assert [await call(app, "w-key") for _ in range(3)] == [200, 200, 429]


def test_keys_are_bound_to_their_source_systems() -> None:
    caller = keys().identify("w-key")
    assert caller is not None
    assert caller.may_submit_for("erp") and not caller.may_submit_for("crm")
    reader = keys().identify("r-key")
    assert reader is not None and reader.may_submit_for("anything")


def test_sasl_without_a_real_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_PASSWORD"):
        ServiceSettings(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username="svc",
            kafka_sasl_password="changeme",
        )


def test_sasl_settings_become_faststream_security(monkeypatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cr3t-from-vault")
    made = security(ServiceSettings())
    assert type(made).__name__ == "SASLScram256"
    assert made is not None and made.use_ssl


def test_plaintext_needs_no_security() -> None:
    assert security(ServiceSettings(kafka_security_protocol="PLAINTEXT")) is None


def test_scrub_masks_emails_and_phone_numbers() -> None:
    text = scrub("call 138 0013 8000 or +86-10-6552-9988, mail li.wei@example.cn; batch 20240518")
    assert "138" not in text and "6552" not in text and "li.wei" not in text
    assert text.count("[phone]") == 3  # a long batch number looks like a phone: masked too


def test_scrub_keeps_ids_and_complaint_numbers_and_masks_phones_in_chinese_text() -> None:
    ids = "complaint 01a1fdbd-bb15-7497-a054-d6c774017438 number TS-20261121-000001"
    assert scrub(ids) == ids
    assert scrub("请打13800138000联系我") == "请打[phone]联系我"


def test_log_records_are_scrubbed(caplog) -> None:
    logger = logging.getLogger("complaints.test")
    logger.addFilter(PersonalDataFilter())
    with caplog.at_level(logging.INFO):
        logger.info("complainant %s wrote", "wang@example.com")
    assert "wang@example.com" not in caplog.text
    assert "[email]" in caplog.text


def test_unreachable_dependencies_and_retryable_writes_are_transient_other_errors_are_not() -> None:
    from pymongo.errors import AutoReconnect, DuplicateKeyError, OperationFailure

    from complaint_runtime import is_transient

    assert is_transient(AutoReconnect("primary gone"))
    labelled = OperationFailure(
        "write conflict", code=112, details={"errorLabels": ["TransientTransactionError"]}
    )
    assert is_transient(labelled)
    assert not is_transient(OperationFailure("unknown operator: $foo", code=2))
    assert not is_transient(DuplicateKeyError("E11000"))
    assert not is_transient(ValueError("bad input"))


def test_a_restarting_broker_is_transient_a_refused_message_is_not() -> None:
    from aiokafka.errors import (
        LeaderNotAvailableError,
        MessageSizeTooLargeError,
        NotLeaderForPartitionError,
        OutOfOrderSequenceNumber,
        TopicAuthorizationFailedError,
    )

    from complaint_runtime import is_transient

    assert is_transient(LeaderNotAvailableError())
    assert is_transient(NotLeaderForPartitionError())
    assert is_transient(OutOfOrderSequenceNumber())
    assert not is_transient(MessageSizeTooLargeError())
    assert not is_transient(TopicAuthorizationFailedError())


async def test_until_done_retries_a_transient_failure_and_then_succeeds() -> None:
    from pymongo.errors import AutoReconnect

    from complaint_runtime import until_done

    calls = 0
    async for attempt in until_done("probe", max_wait=0.01):
        with attempt:
            calls += 1
            if calls < 3:
                raise AutoReconnect("not yet")
    assert calls == 3


async def test_a_dead_letter_of_a_message_near_the_size_limit_still_fits_in_a_request() -> None:
    """Found by the consumer fuzz: a refused value near the broker's 1 MB limit grew by a third
    in base64, the producer refused the dead letter, and the consumer read it again forever."""
    from aiokafka.structs import ConsumerRecord
    from prometheus_client import CollectorRegistry

    from complaint_events import DecodeError, ReasonCode, decode
    from complaint_runtime import DeadLetters

    sent: list[bytes] = []

    class Broker:
        async def publish(self, value: bytes, *, topic: str, key: bytes, headers: object) -> None:
            sent.append(value)

    value, key, headers = b"\xff" * 1_000_000, b"k" * 100, [("h", b"v" * 100)]
    record = ConsumerRecord("t", 0, 7, 0, 0, key, value, None, len(key), len(value), headers)
    broker: Any = Broker()
    dead = DeadLetters(broker, ServiceSettings(), service="probe", registry=CollectorRegistry())
    await dead.send(record, DecodeError(ReasonCode.NOT_UTF8, "value is not UTF-8"))

    (published,) = sent
    assert len(published) < 1_048_576  # aiokafka's and Kafka's default request limit
    letter = decode(published).payload
    assert letter.original_value == value[: len(letter.original_value)]
    assert len(letter.original_value) == 512 * 1024 - 100 - 101
    assert (letter.original_key, letter.original_headers) == (key, headers)
    assert "keeps the first 524087 of 1000000 bytes" in letter.detail


async def test_a_dead_letter_keeps_the_first_thousand_headers_of_a_message_with_more() -> None:
    """Found by the consumer fuzz: a message with 1,001 headers made an invalid dead letter
    (`original_headers` holds 1,000), the send raised and every consumer read it forever."""
    from aiokafka.structs import ConsumerRecord
    from prometheus_client import CollectorRegistry

    from complaint_events import DecodeError, ReasonCode, decode
    from complaint_runtime import DeadLetters

    sent: list[bytes] = []

    class Broker:
        async def publish(self, value: bytes, *, topic: str, key: bytes, headers: object) -> None:
            sent.append(value)

    headers = [(f"x-{n}", b"") for n in range(1_001)]
    record = ConsumerRecord("t", 0, 7, 0, 0, b"k", b"{}", None, 1, 2, headers)
    broker: Any = Broker()
    dead = DeadLetters(broker, ServiceSettings(), service="probe", registry=CollectorRegistry())
    await dead.send(record, DecodeError(ReasonCode.VALIDATION_FAILED, "no event_type"))

    letter = decode(sent[0]).payload
    assert letter.original_headers == headers[:1_000]
    assert letter.original_value == b"{}"
    assert letter.detail == "no event_type (the dead letter keeps the first 1000 of 1001 headers)"

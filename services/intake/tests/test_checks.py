"""E-mail syntax, ISO 4217 currencies and dialable phone numbers, checked with maintained
libraries on the way in (issue 14, reproduction 11: `XXQ` and `not-an-email` passed)."""

import pytest

from complaint_events import Channel
from complaint_intake.domain.parsing import Incoming, parse_submission
from complaint_intake.domain.phones import dialable
from complaint_intake.domain.refusals import Reason, Refusal

from .samples import raw, submission

pytestmark = pytest.mark.unit


def fields_refused(**changes: object) -> list[str]:
    result = parse_submission(
        raw(submission(**changes)), default_channel=Channel.WEB, max_bytes=65_536
    )
    if isinstance(result, Incoming):
        return []
    assert isinstance(result, Refusal) and result.reason == Reason.VALIDATION_FAILED
    return [error.field for error in result.field_errors]


@pytest.mark.parametrize("currency", ["XXQ", "ABC", "RMB"])
def test_a_currency_that_is_not_iso_4217_is_refused(currency: str) -> None:
    request = {"types": ["refund"], "amount": "10", "currency": currency}
    assert fields_refused(request=request) == ["request.currency"]


@pytest.mark.parametrize("currency", ["CNY", "USD", "EUR", "HKD"])
def test_iso_4217_currencies_pass(currency: str) -> None:
    request = {"types": ["refund"], "amount": "10", "currency": currency}
    assert fields_refused(request=request) == []


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.com", "x@localhost"])
def test_an_email_address_that_is_not_one_is_refused(email: str) -> None:
    assert fields_refused(complainant={"name": "张三", "email": email}) == ["complainant.email"]


@pytest.mark.parametrize("email", ["zhang.san@example.com", "Li.Si@Example.COM", "张三@例子.公司"])
def test_email_addresses_pass(email: str) -> None:
    assert fields_refused(complainant={"name": "张三", "email": email}) == []


def test_every_bad_field_is_named_at_once() -> None:
    refused = fields_refused(
        complainant={"name": "张三", "email": "nope", "phone": "call after 6pm"},
        request={"types": ["refund"], "currency": "XXQ"},
    )
    assert sorted(refused) == ["complainant.email", "complainant.phone", "request.currency"]


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13800138000", True),
        ("+44 20 7946 0958", True),
        ("12315", True),  # a service number (short number) is dialable
        ("010-12345678转123", True),  # an extension the Chinese way
        ("call after 6pm", False),
        ("1", False),
        ("abc-def", False),
    ],
)
def test_a_phone_must_be_something_one_can_dial(phone: str, ok: bool) -> None:
    assert dialable(phone, "CN") is ok
    assert (fields_refused(complainant={"name": "张三", "phone": phone}) == []) is ok

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_events import Channel, ComplaintSubmitted
from complaint_intake.domain.normalise import canonical_language_tag, complete, tidy
from complaint_intake.domain.parsing import Incoming, parse_submission
from complaint_intake.domain.refusals import Reason, Refusal

from .samples import raw, submission

pytestmark = pytest.mark.unit
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def parsed(**changes: object) -> ComplaintSubmitted:
    """Parsing tidies: what comes out is the normalised submission."""
    result = parse_submission(
        raw(submission(**changes)), default_channel=Channel.WEB, max_bytes=1 << 20
    )
    assert isinstance(result, Incoming), result
    return result.submission


def test_strings_are_trimmed_phones_unified_tags_deduplicated() -> None:
    result = parsed()
    assert result.description == "药品包装破损，要求退货"
    assert result.complainant.name == "张三"
    assert result.complainant.phone == "+8613800138000"
    assert result.tags == ["pharma", "packaging"]
    assert type(result) is ComplaintSubmitted


def test_full_width_spaces_and_nested_fields_are_trimmed_too() -> None:
    result = parsed(title="\u3000标题\u3000", product={"name": " 阿莫西林 ", "batch": "B1 "})
    assert result.title == "标题"
    assert result.product is not None
    assert (result.product.name, result.product.batch) == ("阿莫西林", "B1")


def test_inner_text_is_kept_as_written() -> None:
    description = "第一行\n\n  第二行  with  spaces"
    assert parsed(description=description).description == description


def test_a_value_only_long_enough_with_its_padding_is_refused_naming_it() -> None:
    result = parse_submission(
        raw(submission(complainant={"phone": " 12 "})),
        default_channel=Channel.WEB,
        max_bytes=1 << 20,
    )
    assert isinstance(result, Refusal)
    assert result.reason == Reason.VALIDATION_FAILED
    assert [error.field for error in result.field_errors] == ["complainant.phone"]


def test_received_at_is_defaulted_but_a_given_one_is_kept() -> None:
    assert complete(parsed(), received_at=NOW).submission.received_at == NOW
    kept = complete(parsed(received_at="2024-04-30T09:00:00+08:00"), received_at=NOW)
    assert kept.submission.received_at == datetime(2024, 4, 30, 1, 0, tzinfo=UTC)


def test_email_domain_is_lower_cased_the_local_part_is_not() -> None:
    result = parsed(complainant={"email": " Zhang.San@Example.COM "})
    assert result.complainant.email == "Zhang.San@example.com"


def test_detected_language_and_canonical_declared_tag() -> None:
    result = complete(parsed(language="ZH-hans-cn"), received_at=NOW)
    assert result.language == "zh"
    assert result.submission.language == "zh-Hans-CN"
    nothing_to_detect = complete(parsed(description="1234", language="en"), received_at=NOW)
    assert nothing_to_detect.language == "en"


@pytest.mark.parametrize(("tag", "canonical"), [("EN-gb", "en-GB"), ("mixed", "mixed")])
def test_canonical_language_tags(tag: str, canonical: str) -> None:
    assert canonical_language_tag(tag) == canonical


def test_tidying_twice_changes_nothing() -> None:
    once = parsed()
    assert tidy(once, phone_region="CN") == once


edge_text = st.text(
    alphabet=st.sampled_from(" \t\n\u3000\u00a0\ufeff\x1c\x85\u200bA1中é\u0958İ+"), min_size=1
)


@settings(max_examples=300, deadline=None)
@given(edge_text, edge_text, edge_text, edge_text)
def test_whatever_is_tidied_is_still_valid_or_refused(
    description: str, name: str, phone: str, email: str
) -> None:
    body = submission(description=description, complainant={"name": name, "phone": phone})
    body["complainant"]["email"] = email + "@X.Com"
    result = parse_submission(raw(body), default_channel=Channel.WEB, max_bytes=1 << 20)
    if isinstance(result, Incoming):
        again = ComplaintSubmitted.model_validate(result.submission.model_dump())
        assert again == result.submission
        assert complete(result.submission, received_at=NOW).submission.received_at == NOW

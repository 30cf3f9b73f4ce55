import pytest

from complaint_intake.domain.language import detect_language
from complaint_intake.domain.phones import normalise_phone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("产品包装破损，药片受潮", "zh"),
        ("iPhone 15 屏幕出现绿线，要求更换", "zh"),
        ("The tablets arrived crushed and the blister was open.", "en"),
        ("请问 how do I return this product 谢谢", "mixed"),
        ("商品が壊れていました", "ja"),
        ("제품이 파손되었습니다", "ko"),
        ("12345 !!! ...", None),
        ("", None),
    ],
)
def test_language_is_the_dominant_script(text: str, language: str | None) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138-0013-8000",
        "0086 13800138000",
        "１３８００１３８０００",
    ],
)
def test_chinese_mobile_numbers_become_one_e164_form(raw: str) -> None:
    assert normalise_phone(raw, "CN") == "+8613800138000"


def test_landlines_and_foreign_numbers_become_e164() -> None:
    assert normalise_phone("(010)12345678", "CN") == "+861012345678"
    assert normalise_phone("+44 20 7946 0958", "CN") == "+442079460958"
    assert normalise_phone("650 253 0000", "US") == "+16502530000"


@pytest.mark.parametrize("raw", ["12315", "010-12345678转123", "call after 6pm", "+86 123"])
def test_what_is_not_a_valid_number_is_kept_as_given(raw: str) -> None:
    assert normalise_phone(raw, "CN") == raw

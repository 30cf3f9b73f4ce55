"""A fast script-ratio guess of a text's language: "zh", "ja", "ko", "en", "mixed" or None.

Deliberately simple (no statistical model): intake only needs to tell Chinese from
Latin-script text and text that mixes both. Every Latin-script text is reported as "en".
"""

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")

# A Chinese character is counted against a Latin word: one is roughly as much text as the other.
DOMINANT = 0.7


def detect_language(text: str) -> str | None:
    """The dominant script's language, "mixed" when none dominates, None without letters."""
    han, kana, hangul = (len(p.findall(text)) for p in (_HAN, _KANA, _HANGUL))
    words = len(_LATIN_WORD.findall(text))
    total = han + kana + hangul + words
    if total == 0:
        return None
    if kana and (han + kana) / total >= DOMINANT:
        return "ja"  # kana only appear in Japanese; kanji with them are Japanese too
    shares = {"zh": han, "ko": hangul, "en": words}
    language, count = max(shares.items(), key=lambda item: item[1])
    return language if count / total >= DOMINANT else "mixed"

"""How a person's name is written from its two parts."""

import unicodedata


def _cjk(text: str) -> bool:
    return any(
        unicodedata.name(char, "").startswith(("CJK UNIFIED", "HANGUL", "HIRAGANA", "KATAKANA")) for char in text
    )


def full_name(first: str, last: str) -> str:
    """Given name, then family name ("Ada Lovelace"); a Chinese, Japanese or Korean name family name
    first and with no space ("张伟": family name 张, given name 伟), as its readers write it."""
    if first and last and _cjk(first) and _cjk(last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def short_name(first: str, last: str) -> str:
    """What a greeting calls someone: the given name ("Ada"); a Chinese, Japanese or Korean name in
    full ("陈明": a given name alone is only for family and close friends)."""
    if first and last and _cjk(first) and _cjk(last):
        return full_name(first, last)
    return first

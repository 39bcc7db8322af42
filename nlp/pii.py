"""Personal-data masking (Indonesia's PDP law): one function for the dashboard, exports and logs.

Reviews carry NIK and KK numbers (16 digits, often grouped with spaces, dots or dashes), phone
numbers (+62 / 62 / 08...), e-mail addresses and passport numbers. ``mask`` replaces each with a
placeholder, so a masked text still reads naturally: "NIK saya [NIK] tidak terdeteksi".
"""

from __future__ import annotations

import re

_SEP = r"[ .\-]?"
# Any run of 16 digits, optionally grouped: NIK and KK numbers share the format; the word before
# tells them apart ("KK", "kartu keluarga").
_SIXTEEN = re.compile(r"(?<!\d)\d(?:" + _SEP + r"\d){15}(?!\d)")
_KK_BEFORE = re.compile(r"(?:\bkk|kartu\s+keluarga|no\.?\s*kk)\W{0,6}$", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)" + _SEP + r"8\d{1,3}(?:" + _SEP + r"\d{2,4}){2,3}(?!\d)")
# Indonesian passports: one or two letters then 7 digits (e.g. A1234567, X 1234567, AB1234567).
_PASSPORT = re.compile(r"\b[A-Z]{1,2} ?\d{7}\b")
# Whatever long digit run is left (other ID numbers, card numbers) is masked too: better safe.
_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:" + _SEP + r"\d){9,}(?!\d)")

PLACEHOLDERS = ("[NIK]", "[KK]", "[TELEPON]", "[EMAIL]", "[PASPOR]", "[NOMOR]")


def _sixteen(match: re.Match) -> str:
    before = match.string[max(0, match.start() - 20) : match.start()]
    return "[KK]" if _KK_BEFORE.search(before) else "[NIK]"


def mask(text: str | None) -> str | None:
    """Replace NIK/KK, phone, e-mail and passport numbers in ``text`` with placeholders."""
    if not text:
        return text
    text = _EMAIL.sub("[EMAIL]", text)
    text = _SIXTEEN.sub(_sixteen, text)
    text = _PHONE.sub("[TELEPON]", text)
    text = _PASSPORT.sub("[PASPOR]", text)
    return _LONG_DIGITS.sub("[NOMOR]", text)

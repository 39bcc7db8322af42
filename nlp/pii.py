"""Personal-data masking (Indonesia's PDP law): one function for the dashboard, exports, digests and logs.

Reviews carry NIK and KK numbers (16 digits), phone numbers (+62 / 62 / 08...), e-mail addresses and
passport numbers. ``mask`` replaces each with a placeholder, so a masked text still reads naturally:
"NIK saya [NIK] tidak terdeteksi".

People group numbers however they like ("3201 - 1234 - 5678 - 9012", "3201_1234_5678_9012",
"(0812) 3456 7890", "+62 (812) 3456-7890"), so a number is read as a *run*: digit groups joined by any
short run of separators (spaces, ``.``, ``-``, ``_``, ``/``, parentheses). A run is then judged by its
digits, not its punctuation: 16 digits are a NIK (a KK when the words before say so), 08 / 62 8 /
+62 8 with a phone's length is a phone. A run that is no phone or NIK as a whole is split where a
separator with ``/`` or more than one character joins two numbers ("081234567890 / 6281234567890"),
and whatever long digit run is left (other ID or card numbers) becomes ``[NOMOR]``: better safe.

What is not personal must survive, because the same function runs over log lines and digests: dates
and times ("2024-01-15 10:00", "15/01/2024", "10:56:03"), model ids ("20261206-3d1279f3"), prices
("Rp 1.500.000") are set aside before numbers are read, and ratios ("classified 15000/160000") are two
numbers, not one. A text with no digit and no ``@`` is returned untouched at once (most reviews).
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("[NIK]", "[KK]", "[TELEPON]", "[EMAIL]", "[PASPOR]", "[NOMOR]")

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
# Indonesian passports: one or two letters then 7 digits, any case (A1234567, c1234567, AB1234567);
# with a space between, one letter only ("A 1234567"), so "no 1234567" stays a word and a number.
_PASSPORT = re.compile(r"(?<![^\W_])(?:[A-Za-z]{1,2}|[A-Za-z] )\d{7}(?![^\W_])")

# Set aside before numbers are read (their digits would otherwise join a run): ISO and day-first dates
# with an optional time, times, model ids, prices in thousands (and price ranges). Only when no other
# digit group is joined to them by separators, so a NIK typed "3201 1.234 5678 9012" is still a NIK.
_S = r"[ \t\u00a0.\-_/()]"  # a separator between digit groups; a run of up to 4 joins them
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_PRICE = r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d{1,2})?"
_KEEP = re.compile(
    r"(?<![\d.+])" + "".join(rf"(?<!\d{_S}{{{n}}})" for n in (1, 2, 3, 4)) + "(?:"
    r"(?<![^\W_])(?:"  # dates, times, model ids: a word of their own; a price may follow "Rp"
    r"(?:19|20)\d{2}(?P<a>[-/.])(?:0?[1-9]|1[0-2])(?P=a)(?:0?[1-9]|[12]\d|3[01])(?:[T ]" + _TIME + r")?"
    r"|(?:0?[1-9]|[12]\d|3[01])(?P<b>[-/.])(?:0?[1-9]|1[0-2])(?P=b)(?:19|20)\d{2}(?:,? " + _TIME + r")?"
    r"|\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"|20\d{6}-[0-9a-f]{8})"
    r"|" + _PRICE + r"(?:[ \t]*[-\u2013][ \t]*(?:rp\.?[ \t]*)?" + _PRICE + r")?"
    r")(?![\w]|[.,:]\d|" + _S + r"{1,4}\d)",
    re.IGNORECASE,
)

# A run: an optional "+", then digit groups joined by 1-4 separator characters.
_RUN = re.compile(r"(?<![\d+])(?:\+[ \t]*)?\(?\d+(?:" + _S + r"{1,4}\d+)*")
_GROUP = re.compile(r"\d+")
_KK_BEFORE = re.compile(r"(?:\bkk|kartu\s+keluarga|no\.?\s*kk)\W{0,6}$", re.IGNORECASE)
_LONG = 10  # a run of this many digits that is no phone or NIK is still an identifier


def _phone(digits: str, plus: bool) -> bool:
    if plus:
        rest = digits[2:] if digits.startswith("62") else ""
        return rest[:1] == "8" and 9 <= len(rest) <= 12 or rest[:2] == "08" and 10 <= len(rest) <= 13
    if digits.startswith("08"):
        return 10 <= len(digits) <= 13
    return digits.startswith("628") and 11 <= len(digits) <= 14


def _kind(digits: str, plus: bool) -> str | None:
    """What a whole run is: "phone", "nik" (16 digits), or None."""
    if _phone(digits, plus):
        return "phone"
    if len(digits) == 16 and not plus:
        return "nik"
    return None


def _judge(run: str, start: int, text: str) -> str:
    """The placeholder(s) for one run, or the run itself when it is no personal number."""
    plus = run.startswith("+")
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    out: list[str] = []
    i, pos = 0, 0
    while i < len(groups):
        # The longest stretch of groups from i that is a phone or a NIK as a whole (at most 16 digits).
        kind, j, digits = None, i, ""
        for k in range(i, len(groups)):
            digits += run[groups[k][0] : groups[k][1]]
            if len(digits) > 16:
                break
            if found := _kind(digits, plus and i == 0):
                kind, j = found, k
        if kind is None:
            # Not personal on its own: join the groups tightly bound to it (one separator character that is
            # not "/"), so a long card number "1234 5678 9012 3456 789" is still caught.
            while j + 1 < len(groups) and _tight(run[groups[j][1] : groups[j + 1][0]]):
                j += 1
            digits = "".join(run[a:b] for a, b in groups[i : j + 1])
            kind = "long" if len(digits) >= _LONG else None
        a = 0 if i == 0 else groups[i][0]
        b = groups[j][1]
        out.append(run[pos:a])
        piece = run[a:b]
        if kind is None:
            out.append(piece)
        elif kind == "phone":
            out.append(_balanced(piece, "[TELEPON]"))
        elif kind == "nik":
            before = text[max(0, start + a - 20) : start + a]
            out.append(_balanced(piece, "[KK]" if _KK_BEFORE.search(before) else "[NIK]"))
        else:
            out.append(_balanced(piece, "[NOMOR]"))
        pos, i = b, j + 1
    out.append(run[pos:])
    return "".join(out)


def _tight(sep: str) -> bool:
    return len(sep) == 1 and sep in " .-_"


def _balanced(piece: str, placeholder: str) -> str:
    """The placeholder, keeping a parenthesis of the piece whose partner lies outside it."""
    opened = piece.count("(") - piece.count(")")
    return "(" * max(0, opened) + placeholder + ")" * max(0, -opened)


def mask(text: str | None) -> str | None:
    """Replace NIK/KK, phone, e-mail and passport numbers in ``text`` with placeholders."""
    if not text:
        return text
    has_digit = any(c.isdigit() for c in text) if len(text) < 64 else _GROUP.search(text) is not None
    if not has_digit:
        return _EMAIL.sub("[EMAIL]", text) if "@" in text else text
    if "@" in text:
        text = _EMAIL.sub("[EMAIL]", text)
    out, pos = [], 0
    for m in _KEEP.finditer(text):  # kept spans end a run: numbers are read between them
        out += [_numbers(text[pos : m.start()]), m.group(0)]
        pos = m.end()
    out.append(_numbers(text[pos:]))
    return "".join(out)


def _numbers(text: str) -> str:
    if not text:
        return text
    text = _PASSPORT.sub("[PASPOR]", text)
    return _RUN.sub(lambda m: _judge(m.group(0), m.start(), text), text)

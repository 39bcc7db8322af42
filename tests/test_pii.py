"""PII masking: NIK/KK, phones, e-mails, passports; no 16-digit run survives (property test)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.pii import mask


def test_masks_each_kind():
    assert mask("NIK saya 3273012345678901 tidak terdeteksi") == "NIK saya [NIK] tidak terdeteksi"
    assert mask("nik 3273 0123 4567 8901 ditolak") == "nik [NIK] ditolak"
    assert mask("no kk 3273.0123.4567.8901") == "no kk [KK]"
    assert (
        mask("wa 081234567890 / +62 812-3456-7890 / 6281234567890") == "wa [TELEPON] / [TELEPON] / [TELEPON]"
    )
    assert mask("email budi.santoso+mp@gmail.co.id ya") == "email [EMAIL] ya"
    assert mask("paspor lama A1234567 hilang") == "paspor lama [PASPOR] hilang"


def test_leaves_ordinary_numbers_alone():
    text = "versi 7.3.10 error 500 sejak 12-03-2024, antri 3 jam"
    assert mask(text) == text
    assert mask(None) is None and mask("") == ""


separators = st.sampled_from(["", " ", ".", "-"])


@settings(max_examples=300, deadline=None)
@given(
    digits=st.lists(st.integers(0, 9), min_size=16, max_size=16),
    seps=st.lists(separators, min_size=15, max_size=15),
    before=st.text(alphabet="abc NIKkt:", max_size=12),
    after=st.text(alphabet="abc xyz.", max_size=12),
)
def test_no_sixteen_digit_run_survives(digits, seps, before, after):
    number = "".join(str(d) + s for d, s in zip(digits, seps + [""], strict=True))
    masked = mask(f"{before} {number} {after}")
    only_digits = re.sub(r"[ .\-]", "", masked)
    assert not re.search(r"\d{16}", only_digits)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_and_is_idempotent(text):
    once = mask(text)
    assert mask(once) == once

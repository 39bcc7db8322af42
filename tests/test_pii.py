"""PII masking, both ways: NIK/KK, phones, passports and e-mails masked however they are typed; dates,
times, versions, model ids, prices and log lines kept as they are (hypothesis properties)."""

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


def test_masks_the_forms_the_probe_found():
    """Issue 17.3: every one of these reached the Kategori page and the exports unmasked."""
    for nik in (
        "3201 - 1234 - 5678 - 9012",
        "3201_1234_5678_9012",
        "3201/1234/5678/9012",
        "3201  1234  5678  9012",
        "320112 345678 9012",
        "nik3201123456789012",
    ):
        assert mask(f"NIK saya {nik} ditolak") in ("NIK saya [NIK] ditolak", "NIK saya nik[NIK] ditolak"), nik
    for phone in ("(0812) 3456 7890", "+62 (812) 3456 7890", "0812 - 3456 - 7890", "+62(0)812-3456-789"):
        assert mask(f"hubungi {phone} ya") == "hubungi [TELEPON] ya", phone
    assert mask("(0812 3456 7890)") == "([TELEPON])"  # the parenthesis whose partner is outside stays
    assert mask("paspor c1234567 dan b 7654321") == "paspor [PASPOR] dan [PASPOR]"
    assert mask("kartu 1234-5678-9012-3") == "kartu [NOMOR]"  # another long number: masked too


def test_keeps_what_is_not_personal():
    for text in (
        "versi 7.3.10 error 500 sejak 12-03-2024, antri 3 jam",
        "jadwal 2024-01-15 10:00",
        "model 20261206-3d1279f3",
        "model 20261206-12345678",
        "as of 2026-12-06 10:56 UTC",
        "biaya Rp 1.500.000 - 2.000.000",
        "12:30:45 INFO    suara.nightly: classified 15000/160000",
        '{"time": "2026-12-06T10:56:03.123456Z", "level": "INFO", "message": "backup written"}',
        "backup written to data/backups/suara-2026-12-06.duckdb",
        "datang 15/01/2024 10.30 WIB, nomor antrian 12",
        "no 1234567",  # a word and a number, not a passport
    ):
        assert mask(text) == text, text
    assert mask(None) is None and mask("") == ""


# -- properties: personal numbers are masked whatever their separators -------------------------------
SEPARATORS = st.sampled_from([" ", "  ", ".", "-", " - ", "_", "/", " / ", ". ", "--"])
PROVINCES = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36"]
PROVINCES += ["51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81"]
PROVINCES += ["82", "91", "92", "94"]
GROUPINGS = [(16,), (4, 4, 4, 4), (6, 6, 4), (2, 2, 2, 6, 4), (8, 8), (6, 10)]
WORDS = st.lists(
    st.sampled_from(["tolong", "sudah", "ya", "ditolak", "min", "gagal", "terus", "."]), max_size=3
)


def grouped(digits: str, sizes, seps) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at : at + size])
        at += size
    return "".join(p + s for p, s in zip(parts, [*seps[: len(parts) - 1], ""], strict=True))


@st.composite
def niks(draw):
    digits = draw(st.sampled_from(PROVINCES)) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=14, max_size=14))
    )
    sizes = draw(st.sampled_from(GROUPINGS))
    seps = draw(st.lists(SEPARATORS, min_size=4, max_size=4))
    return grouped(digits, sizes, seps)


@settings(max_examples=300, deadline=None)
@given(
    nik=niks(),
    label=st.sampled_from(["NIK", "nik:", "no ktp", "KTP", "", "no. KK", "kk", "kartu keluarga"]),
    before=WORDS,
    after=WORDS,
)
def test_nik_and_kk_masked_in_any_grouping(nik, label, before, after):
    masked = mask(" ".join([*before, label, nik, *after]))
    assert not re.search(r"\d", masked), masked
    assert ("[KK]" if re.search(r"kk|keluarga", label, re.I) else "[NIK]") in masked


@st.composite
def phones(draw):
    national = "8" + draw(st.sampled_from(["12", "13", "21", "52", "57", "77", "78", "95", "81"]))
    national += "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=9)))
    head, rest = national[:3], national[3:]
    prefix = draw(
        st.sampled_from(
            ["0{}", "62{}", "+62{}", "+62 {}", "+62-{}", "(0{})", "+62 ({})", "+62 (0){}", "+62({})"]
        )
    )
    sizes, left = [], len(rest)
    while left:
        size = min(left, draw(st.integers(3, 4)))
        sizes.append(size)
        left -= size
    seps = draw(st.lists(SEPARATORS, min_size=len(sizes) + 1, max_size=len(sizes) + 1))
    return prefix.format(head) + seps[-1] + grouped(rest, sizes, seps)


@settings(max_examples=300, deadline=None)
@given(phone=phones(), before=WORDS, after=WORDS)
def test_phone_masked_in_any_form(phone, before, after):
    masked = mask(" ".join(["wa", *before, phone, *after]))
    assert not re.search(r"\d", masked), (phone, masked)
    assert "[TELEPON]" in masked


@settings(max_examples=200, deadline=None)
@given(
    letters=st.text(alphabet="ABCEXabcex", min_size=1, max_size=2),
    digits=st.text(alphabet="0123456789", min_size=7, max_size=7),
    space=st.booleans(),
    before=WORDS,
)
def test_passport_masked_in_either_case(letters, digits, space, before):
    number = f"{letters[0]} {digits}" if space else letters + digits
    masked = mask(" ".join(["paspor", *before, number, "hilang"]))
    assert "[PASPOR]" in masked and not re.search(r"\d", masked), masked


# -- properties: what is not personal is kept ---------------------------------------------------------
def two(n: int) -> str:
    return f"{n:02d}"


@st.composite
def benign(draw):
    y, mo, d = draw(st.integers(2000, 2099)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hh, mm, ss = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"{y}-{two(mo)}-{two(d)}"
    if kind == 1:
        return f"{y}-{two(mo)}-{two(d)} {two(hh)}:{two(mm)}" + draw(
            st.sampled_from(["", f":{two(ss)}", " UTC"])
        )
    if kind == 2:
        return f"{y}-{two(mo)}-{two(d)}T{two(hh)}:{two(mm)}:{two(ss)}.{draw(st.integers(0, 999999)):06d}Z"
    if kind == 3:
        sep = draw(st.sampled_from("-/."))
        time = draw(st.sampled_from(["", f" {two(hh)}.{two(mm)}", f" {two(hh)}:{two(mm)}"]))
        return f"{two(d)}{sep}{two(mo)}{sep}{y}{time}"
    if kind == 4:
        return f"{two(hh)}:{two(mm)}:{two(ss)}"
    if kind == 5:
        return ".".join(str(draw(st.integers(0, 20))) for _ in range(draw(st.integers(2, 3))))
    if kind == 6:  # a model id: the training date and an 8-hex fingerprint (all digits too)
        return f"{y}{two(mo)}{two(d)}-" + draw(st.text(alphabet="0123456789abcdef", min_size=8, max_size=8))
    if kind == 7:
        price = f"{draw(st.integers(1, 999))}" + ".000" * draw(st.integers(1, 3))
        return draw(st.sampled_from(["Rp {}", "Rp{}", "{} rupiah", "{}"])).format(price)
    if kind == 8:  # the nightly's progress line (at 10 million, "10000000/10000000" is 16 digits: masked,
        # as no run of 16 digits may survive whatever its separators)
        total = draw(st.integers(0, 10**7 - 1))
        done = draw(st.integers(0, total))
        return f"{two(hh)}:{two(mm)}:{two(ss)} INFO    suara.nightly: classified {done}/{total}"
    return f"nightly started on data/suara.duckdb (as of {y}-{two(mo)}-{two(d)} {two(hh)}:{two(mm)} UTC)"


@settings(max_examples=400, deadline=None)
@given(items=st.lists(benign(), min_size=1, max_size=3), words=st.lists(WORDS, min_size=4, max_size=4))
def test_dates_times_versions_ids_prices_and_log_lines_kept(items, words):
    parts = []
    for item, around in zip(items, words, strict=False):
        parts += [*around, "pada", item]
    text = " ".join(parts)
    assert mask(text) == text


# -- general properties ------------------------------------------------------------------------------
separators = st.sampled_from(["", " ", ".", "-", "_", "/", "  "])


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
    only_digits = re.sub(r"[ .\-_/]", "", masked)
    assert not re.search(r"\d{16}", only_digits)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_and_is_idempotent(text):
    once = mask(text)
    assert mask(once) == once

"""The office-mention extractor: the ways people name an immigration office, and what is not one."""

from __future__ import annotations

import time

import pytest

from nlp.offices import OfficeMatcher, load_offices
from nlp.resources import OFFICES_FILE

GAZETTEER = """office_id,name,office_class,city,province,aliases
jakarta_selatan,Kantor Imigrasi Kelas I Khusus TPI Jakarta Selatan,I Khusus TPI,Jakarta Selatan,DKI Jakarta,kanim jaksel;imigrasi jaksel;jaksel
jakarta_utara,Kantor Imigrasi Kelas I Khusus TPI Jakarta Utara,I Khusus TPI,Jakarta Utara,DKI Jakarta,kanim jakut;jakut
bandung,Kantor Imigrasi Kelas I TPI Bandung,I TPI,Bandung,Jawa Barat,kanim bandung
palembang,Kantor Imigrasi Kelas I TPI Palembang,I TPI,Palembang,Sumatera Selatan,
surabaya,Kantor Imigrasi Kelas I Khusus TPI Surabaya,I Khusus TPI,Surabaya,Jawa Timur,
tanjung_perak,Kantor Imigrasi Kelas I TPI Tanjung Perak,I TPI,Surabaya,Jawa Timur,kanim perak;ulp perak
soekarno_hatta,Kantor Imigrasi Kelas I Khusus TPI Soekarno-Hatta,I Khusus TPI,Tangerang,Banten,kanim soetta;soetta
"""


@pytest.fixture(scope="module")
def matcher(tmp_path_factory) -> OfficeMatcher:
    path = tmp_path_factory.mktemp("gaz") / "offices.csv"
    path.write_text(GAZETTEER, encoding="utf-8")
    return OfficeMatcher.load(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Antri lama di kanim jaksel, kuota penuh", ["jakarta_selatan"]),
        ("KANIM JAKSEL pelayanannya lambat", ["jakarta_selatan"]),
        ("datang ke imigrasi bandung tapi ditolak", ["bandung"]),
        ("Kantor Imigrasi Palembang tidak muncul di aplikasi", ["palembang"]),
        ("kanim kls 1 bandung tidak bisa dipilih", ["bandung"]),
        ("Kantor Imigrasi Kelas I TPI Bandung", ["bandung"]),
        ("kanim kelas 1 khusus tpi jakarta selatan penuh terus", ["jakarta_selatan"]),
        ("kanim.jaksel & imigrasi-jakut", ["jakarta_selatan", "jakarta_utara"]),
        ("imigrasi jakartaselatan", ["jakarta_selatan"]),
        ("kantor imigrasi surabaya", ["surabaya"]),  # the place name beats the other office in the city
        ("kanim tanjung perak, lalu kanim perak lagi", ["tanjung_perak"]),  # once per office
        ("ke ulp perak saja", ["tanjung_perak"]),  # an alias with its own office word
        ("kanim soekarno hatta", ["soekarno_hatta"]),
        ("kanim soetta", ["soekarno_hatta"]),
        ("imigrasi tangerang", ["soekarno_hatta"]),  # its city, which no other office shares
    ],
)
def test_finds_the_ways_people_name_an_office(matcher, text, expected):
    assert matcher.find(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "saya tinggal di bandung",  # a bare place is not a mention
        "aplikasi error terus, jaksel macet",  # nor a bare alias without an office word
        "kanim bandungan",  # word boundaries
        "kantor pos bandung",
        "imigrasi jakarta",  # no office is plain "jakarta"
    ],
)
def test_no_mention(matcher, text):
    assert matcher.find(text) == []


def test_offices_carry_their_gazetteer_row(matcher):
    office = matcher.offices["bandung"]
    assert office.name == "Kantor Imigrasi Kelas I TPI Bandung"
    assert office.place == "bandung"
    assert office.province == "Jawa Barat"


def test_bad_gazetteer_names_the_file(tmp_path):
    path = tmp_path / "offices.csv"
    path.write_text("office_id,name\nx,Kanim X\n", encoding="utf-8")
    with pytest.raises(ValueError, match="offices.csv: missing columns"):
        load_offices(path)
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_offices(tmp_path / "nope.csv")


@pytest.mark.skipif(not OFFICES_FILE.exists(), reason="data/offices.csv not written yet")
def test_real_gazetteer():
    matcher = OfficeMatcher.load()
    assert len(matcher.offices) >= 100, "Indonesia has over a hundred Kantor Imigrasi"
    for text in (
        "antri di kanim jaksel",
        "imigrasi bandung",
        "kantor imigrasi palembang",
        "kanim kls 1 bandung",
    ):
        found = matcher.find(text)
        assert len(found) == 1, (text, found)
    assert matcher.find("imigrasi bandung") == matcher.find("kanim kls 1 bandung")
    assert matcher.find("aplikasi m-paspor error terus, tolong diperbaiki") == []
    texts = ["kuota penuh terus di kanim jaksel, sudah 3 minggu coba tiap hari jam 7 pagi"] * 20_000
    start = time.perf_counter()
    for t in texts:
        matcher.find(t)
    assert time.perf_counter() - start < 5.0

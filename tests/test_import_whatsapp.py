"""`suara import FILE --format whatsapp`: WhatsApp chat exports of Android and iOS, Indonesian and English.

The exports are hand-written in the layouts of ingest/formats/whatsapp.py's docstring (the same
invented conversation in each of the four forms), with the marks the apps write: U+200E before iOS
system texts and media, U+202F before AM/PM, U+202A/U+202C around a phone number shown as sender."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest
from typer.testing import CliRunner

from ingest import files
from ingest.formats.whatsapp import sender_key
from suara.cli import app as cli

runner = CliRunner()
LRM, NNBSP = "\u200e", "\u202f"
PHONE = "\u202a+62 812-3456-7890\u202c"  # how Android shows an unsaved number as sender
OFFICE = "Kanim Jaksel"

ANDROID_ID = f"""14/02/23 08.05 - Pesan dan panggilan terenkripsi secara end-to-end. Tidak seorang pun di luar chat ini, termasuk WhatsApp, yang dapat membaca atau mendengarkannya. Ketuk untuk info selengkapnya.
14/02/23 08.06 - {PHONE}: Selamat pagi 🙏 pembayaran paspor saya belum terverifikasi
padahal sudah bayar tgl 13/02/23 jam 19.30
13/02/23 sudah ada bukti transfernya
14/02/23 08.07 - {PHONE}: <Media tidak disertakan>
14/02/23 08.09 - {PHONE}: mohon dibantu ya, hubungi saya di 0812 3456 7890
14/02/23 09.30 - {OFFICE}: Selamat pagi, mohon kirim kode billing lewat DM
14/02/23 09.31 - {OFFICE}: Terima kasih
14/02/23 10.00 - {PHONE}: Pesan ini telah dihapus
15/02/23 13.45 - {PHONE}: sudah terverifikasi, terima kasih 👍 <Pesan ini diedit>
"""

ANDROID_EN = f"""2/14/23, 8:05 AM - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.
2/14/23, 8:06 AM - {PHONE}: Selamat pagi 🙏 pembayaran paspor saya belum terverifikasi
padahal sudah bayar tgl 13/02/23 jam 19.30
13/02/23 sudah ada bukti transfernya
2/14/23, 8:07 AM - {PHONE}: <Media omitted>
2/14/23, 8:09 AM - {PHONE}: mohon dibantu ya, hubungi saya di 0812 3456 7890
2/14/23, 9:30 AM - {OFFICE}: Selamat pagi, mohon kirim kode billing lewat DM
2/14/23, 9:31 AM - {OFFICE}: Terima kasih
2/14/23, 10:00 AM - {PHONE}: This message was deleted
2/15/23, 1:45 PM - {PHONE}: sudah terverifikasi, terima kasih 👍 <This message was edited>
"""

CITIZEN_IOS = "+62 812-3456-7890"
IOS_ID = f"""[14/02/23 08.05.10] {OFFICE}: {LRM}Pesan dan panggilan terenkripsi secara end-to-end. Tidak seorang pun di luar chat ini, termasuk WhatsApp, yang dapat membaca atau mendengarkannya.
[14/02/23 08.06.00] {CITIZEN_IOS}: Selamat pagi 🙏 pembayaran paspor saya belum terverifikasi
padahal sudah bayar tgl 13/02/23 jam 19.30
13/02/23 sudah ada bukti transfernya
{LRM}[14/02/23 08.07.12] {CITIZEN_IOS}: {LRM}gambar tidak disertakan
[14/02/23 08.09.00] {CITIZEN_IOS}: mohon dibantu ya, hubungi saya di 0812 3456 7890
[14/02/23 09.30.00] {OFFICE}: Selamat pagi, mohon kirim kode billing lewat DM
[14/02/23 09.31.40] {OFFICE}: Terima kasih
[14/02/23 10.00.05] {CITIZEN_IOS}: {LRM}Pesan ini telah dihapus.
[15/02/23 13.45.00] {CITIZEN_IOS}: sudah terverifikasi, terima kasih 👍
"""

IOS_EN = f"""[2/14/23, 8:05:10{NNBSP}AM] {OFFICE}: {LRM}Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.
[2/14/23, 8:06:00{NNBSP}AM] {CITIZEN_IOS}: Selamat pagi 🙏 pembayaran paspor saya belum terverifikasi
padahal sudah bayar tgl 13/02/23 jam 19.30
13/02/23 sudah ada bukti transfernya
{LRM}[2/14/23, 8:07:12{NNBSP}AM] {CITIZEN_IOS}: {LRM}<attached: 00000012-PHOTO-2023-02-14-08-07-12.jpg>
[2/14/23, 8:09:00{NNBSP}AM] {CITIZEN_IOS}: mohon dibantu ya, hubungi saya di 0812 3456 7890
[2/14/23, 9:30:00{NNBSP}AM] {OFFICE}: Selamat pagi, mohon kirim kode billing lewat DM
[2/14/23, 9:31:40{NNBSP}AM] {OFFICE}: Terima kasih
[2/14/23, 10:00:05{NNBSP}AM] {CITIZEN_IOS}: {LRM}This message was deleted.
[2/15/23, 1:45:00{NNBSP}PM] {CITIZEN_IOS}: sudah terverifikasi, terima kasih 👍
"""

FIRST_TEXT = (
    "Selamat pagi 🙏 pembayaran paspor saya belum terverifikasi\n"
    "padahal sudah bayar tgl 13/02/23 jam 19.30\n"
    "13/02/23 sudah ada bukti transfernya\n"
    "mohon dibantu ya, hubungi saya di 0812 3456 7890"
)


def run(*args):
    return runner.invoke(cli, [str(a) for a in args])


def rows(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def read(tmp_path, text, senders=(OFFICE,), **kw):
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    return files.read_any(path, "whatsapp", salt="s", office_senders=senders, **kw)


@pytest.mark.parametrize(
    "export", [ANDROID_ID, ANDROID_EN, IOS_ID, IOS_EN], ids=["android-id", "android-en", "ios-id", "ios-en"]
)
def test_each_export_form_gives_the_same_items_and_replies(tmp_path, export):
    got = read(tmp_path, export)
    assert got.errors == [] and got.format == "whatsapp"
    items = [(r["text"], r["created_at"], r["reply_text"], r["replied_at"]) for r in got.records]
    # Jakarta is UTC+7: 08.06 WIB is 01:06 UTC.
    assert items == [
        (
            FIRST_TEXT,
            datetime(2023, 2, 14, 1, 6),
            "Selamat pagi, mohon kirim kode billing lewat DM\nTerima kasih",
            datetime(2023, 2, 14, 2, 30),
        ),
        ("sudah terverifikasi, terima kasih 👍", datetime(2023, 2, 15, 6, 45), None, None),
    ]
    assert {r["source"] for r in got.records} == {"whatsapp"}
    assert {r["author"] for r in got.records} == {"6281234567890"}  # one spelling, hashed by the store
    assert all(r["native_id"].startswith("wa-") for r in got.records)
    assert len({r["native_id"] for r in got.records}) == 2


def test_the_date_order_is_read_from_the_whole_file_with_a_clock_fallback(tmp_path):
    day_first = "01/02/23 10.00 - Warga: a\n03/02/23 10.00 - Warga: b\n"
    us_clock = "1/2/23, 10:00 AM - Warga: a\n1/3/23, 10:00 AM - Warga: b\n"
    assert [r["created_at"].day for r in read(tmp_path, day_first).records] == [1]  # one item: both
    assert read(tmp_path, day_first).records[0]["text"] == "a\nb"
    assert read(tmp_path, us_clock).records[0]["created_at"] == datetime(2023, 1, 2, 3, 0)
    iso = "2023-02-14 08.06 - Warga: a\n"
    assert read(tmp_path, iso).records[0]["created_at"] == datetime(2023, 2, 14, 1, 6)
    later = "05/02/23 10.00 - Warga: a\n13/02/23 10.00 - Warga: b\n"  # 13 > 12: day first everywhere
    assert read(tmp_path, later).records[0]["created_at"] == datetime(2023, 2, 5, 3, 0)


def test_tz_moves_the_wall_clock(tmp_path):
    got = read(tmp_path, "14/02/23 08.06 - Warga: a\n", tz="Asia/Makassar")
    assert got.records[0]["created_at"] == datetime(2023, 2, 14, 0, 6)


def test_each_citizen_is_an_item_and_a_reply_closes_an_item(tmp_path):
    chat = (
        "14/02/23 08.00 - Ani: antrean penuh\n"
        "14/02/23 08.01 - Budi: kuota habis terus\n"
        "14/02/23 08.02 - Budi: sejak senin\n"
        "14/02/23 08.30 - Kanim Jaksel: coba besok pagi\n"
        "14/02/23 08.40 - Budi: sudah saya coba\n"
    )
    got = read(tmp_path, chat)
    assert [(r["text"], r["reply_text"]) for r in got.records] == [
        ("antrean penuh", None),
        ("kuota habis terus\nsejak senin", "coba besok pagi"),
        ("sudah saya coba", None),
    ]


def test_the_office_is_matched_by_name_or_number_in_any_spelling(tmp_path):
    assert sender_key("\u202a+62 21-1234-5678\u202c") == sender_key("021 1234 5678") == "622112345678"
    assert sender_key("  KANIM  jaksel ") == sender_key("Kanim Jaksel")
    chat = (
        "14/02/23 08.00 - Ani: antrean penuh\n14/02/23 08.30 - \u202a+62 21-1234-5678\u202c: baik, kami cek\n"
    )
    got = read(tmp_path, chat, senders=("021-1234-5678",))
    assert [(r["text"], r["reply_text"]) for r in got.records] == [("antrean penuh", "baik, kami cek")]


def test_a_chat_whose_senders_do_not_include_the_office_is_refused(tmp_path):
    with pytest.raises(files.ImportFormatError, match="none of the chat's 2 senders is the office"):
        read(tmp_path, ANDROID_ID, senders=("Kanim Jakarta Selatan",))
    alone = read(tmp_path, "14/02/23 08.00 - Ani: antrean penuh\n", senders=("Kanim Jakarta Selatan",))
    assert [r["text"] for r in alone.records] == ["antrean penuh"]  # the office has not answered yet


def test_lines_before_the_first_message_and_impossible_dates_are_bad_lines(tmp_path):
    got = read(tmp_path, "judul yang ditempel\n31/02/23 08.00 - Ani: a\n14/02/23 08.00 - Ani: b\n")
    assert [n for n, _ in got.errors] == [1, 2]
    assert "31/02/23" in got.errors[1][1]
    assert [r["text"] for r in got.records] == ["b"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"native_id,text\n1,a\n", "no WhatsApp message line"),
        ("14/02/23 08.00 - Ani: caf\u00e9\n".encode("latin-1"), "not valid UTF-8"),
        (b"14/02/23 08.00 - Ani: a\n2/13/23, 8:00 AM - Ani: b\n", "mix day-first and month-first"),
    ],
)
def test_a_file_that_is_no_chat_export_is_refused_as_a_whole(tmp_path, content, needle):
    path = tmp_path / "chat.txt"
    path.write_bytes(content)
    with pytest.raises(files.ImportFormatError, match=needle):
        files.read_any(path, "whatsapp", salt="s", office_senders=(OFFICE,))


def test_cli_import_stores_no_phone_number_in_clear_and_reimport_adds_only_new(tmp_path, db_path):
    chat = tmp_path / "WhatsApp Chat dengan warga.txt"
    chat.write_text(ANDROID_ID, encoding="utf-8")
    args = ("--format", "whatsapp", "--office-sender", OFFICE, "--office", "kanim-jakarta-selatan")
    first = run("import", chat, *args, "--db", db_path)
    assert first.exit_code == 0, first.output
    assert "2 read, 2 new, 0 updated, 0 unchanged, 0 skipped" in first.output
    stored = rows(
        db_path, "SELECT source, author_hash IS NOT NULL, replied_at, raw FROM feedback ORDER BY created_at"
    )
    assert [(s, h, r) for s, h, r, _ in stored] == [
        ("whatsapp", True, datetime(2023, 2, 14, 2, 30)),
        ("whatsapp", True, None),
    ]
    assert '"office": "kanim-jakarta-selatan"' in stored[0][3]
    # The sender's number is only in the author hash; the text keeps what the citizen wrote in it
    # ("0812 3456 7890"), which every page and export masks: checked below through the export.
    every_cell = rows(db_path, "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM feedback")
    cells = " ".join(str(c) for row in every_cell for c in row)
    assert "1234567890" not in cells and "812-3456" not in cells and "+62 812" not in cells
    assert "0812 3456 7890" in cells  # the citizen's own words, masked where shown
    exported = tmp_path / "out.csv"
    assert run("export", exported, "--db", db_path).exit_code == 0
    assert "3456" not in exported.read_text(encoding="utf-8") and "[TELEPON]" in exported.read_text(
        encoding="utf-8"
    )

    longer = ANDROID_ID + (
        f"15/02/23 13.50 - {OFFICE}: Sama-sama, semoga lancar\n"
        "16/02/23 07.00 - Budi: jadwal wawancara saya dibatalkan sepihak\n"
    )
    chat.write_text(longer, encoding="utf-8")
    again = run("import", chat, *args, "--db", db_path)
    assert again.exit_code == 0, again.output
    assert "3 read, 1 new, 1 updated, 1 unchanged, 0 skipped" in again.output
    assert rows(db_path, "SELECT count(*), count(reply_text) FROM feedback") == [(3, 2)]
    assert run("import", chat, *args, "--db", db_path).output.count("3 unchanged") == 1


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ((), "needs --office-sender"),
        (("--office-sender", OFFICE, "--office", "jaksel"), "not an office_id"),
        (("--office-sender", OFFICE, "--map", "text=isi"), "--map does not apply"),
    ],
)
def test_cli_refuses_bad_arguments_in_one_line_storing_nothing(tmp_path, db_path, extra, needle):
    chat = tmp_path / "chat.txt"
    chat.write_text(ANDROID_ID, encoding="utf-8")
    result = run("import", chat, "--format", "whatsapp", *extra, "--db", db_path)
    assert result.exit_code != 0
    assert needle in result.output and "Traceback" not in result.output
    if db_path.exists():
        assert rows(db_path, "SELECT count(*) FROM feedback") == [(0,)]


def test_office_options_are_refused_for_other_formats(tmp_path, db_path):
    path = tmp_path / "x.jsonl"
    path.write_text("", encoding="utf-8")
    result = run("import", path, "--format", "jsonl", "--office-sender", OFFICE, "--db", db_path)
    assert result.exit_code != 0 and "apply to --format whatsapp only" in result.output


def test_the_source_has_a_name_on_the_pages():
    from dashboard.filters import source_name

    assert source_name("whatsapp") == "WhatsApp"


def test_the_office_senders_can_come_from_the_config(tmp_path, db_path):
    config = tmp_path / "suara.toml"
    config.write_text(f'[apps.mpaspor]\nname = "M-Paspor"\nwhatsapp_office_senders = ["{OFFICE}"]\n')
    chat = tmp_path / "chat.txt"
    chat.write_text(ANDROID_EN, encoding="utf-8")
    result = run("import", chat, "--format", "whatsapp", "--config", config, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert rows(db_path, "SELECT count(*), count(reply_text) FROM feedback") == [(2, 1)]
    config.write_text('[apps.mpaspor]\nname = "M-Paspor"\nwhatsapp_office_senders = "Kanim"\n')
    bad = run("import", chat, "--format", "whatsapp", "--config", config, "--db", db_path)
    assert bad.exit_code != 0 and "whatsapp_office_senders must be a list" in bad.output


def test_the_chat_office_counts_for_that_office_after_classification(tmp_path, db_path):
    from nlp import train as nlp_train
    from suara.classify import classify_pending
    from suara.store import Store

    texts = ["aplikasi error terus", "force close terus", "kode otp tidak masuk", "otp tidak dikirim"] * 2
    labels = [["app_error"], ["app_error"], ["otp_not_received"], ["otp_not_received"]] * 2
    model, _ = nlp_train.train(texts, labels, ["app_error", "otp_not_received"], folds=2)
    chat = tmp_path / "chat.txt"
    # The second item names another office in its text: both count for it, each once.
    chat.write_text(
        ANDROID_ID + "16/02/23 07.00 - Budi: di kanim jakarta selatan juga antre\n", encoding="utf-8"
    )
    args = ("--format", "whatsapp", "--office-sender", OFFICE, "--office", "kanim-jakarta-selatan")
    assert run("import", chat, *args, "--db", db_path).exit_code == 0
    other = tmp_path / "other.jsonl"
    other.write_text(
        '{"source": "play_store", "native_id": "p1", "text": "ok", "created_at": "2024-01-01T00:00:00Z", "raw": "{\\"office\\": \\"kanim-jakarta-selatan\\"}"}\n'
    )
    assert run("import", other, "--db", db_path).exit_code == 0
    with Store(db_path) as store:
        assert classify_pending(store, model) == 4
    assert rows(db_path, "SELECT office_id, count(*) FROM feedback_offices GROUP BY 1") == [
        ("kanim-jakarta-selatan", 3)  # the chat's three items; the Play row's raw names no chat
    ]


def test_the_pages_show_the_chat_as_whatsapp_without_the_phone_number(tmp_path, db_path, monkeypatch):
    from tests.test_dashboard import app, rendered_text

    chat = tmp_path / "chat.txt"
    chat.write_text(IOS_EN, encoding="utf-8")
    assert (
        run("import", chat, "--format", "whatsapp", "--office-sender", OFFICE, "--db", db_path).exit_code == 0
    )
    monkeypatch.setenv("SUARA_DB", str(db_path))
    page = app("feedback")
    shown = rendered_text(page)
    assert "WhatsApp" in shown and "pembayaran paspor saya belum terverifikasi" in shown
    assert "3456" not in shown and "7890" not in shown
    assert "WhatsApp" in [o for box in page.sidebar.multiselect for o in box.options]

"""`suara import` of other tools' files: tweet-harvest's CSV (each version's layout), google-play-scraper
dumps (CSV with or without pandas' index, JSONL, JSON array), and any CSV/JSONL through a column mapping.

The Play dumps are made the way researchers make them: Play's review arrays (the replayed fixture) read
by google-play-scraper's own ``ElementSpecs.Review``, then written by pandas."""

from __future__ import annotations

import csv
import json
import warnings
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from ingest import files
from ingest.formats.tweet_harvest import twitter_time
from ingest.twitter import tweet_url
from suara.cli import app as cli
from tests.ingest_replay import FIXTURES, play_reviews

HARVEST = FIXTURES / "tweet_harvest.csv"  # an older layout with one more column (bookmark_count)
HARVEST_2_6 = FIXTURES / "tweet_harvest_2_6_1.csv"  # 2.5.3-2.6.1: sorted, quoted, CRLF, classic dates
HARVEST_2_7 = FIXTURES / "tweet_harvest_2_7_1.csv"  # 2.7.0 on: the same layout, ISO 8601 dates
runner = CliRunner()


def run(*args):
    return runner.invoke(cli, [str(a) for a in args])


def rows(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def shuffled_copy(path, tmp_path):
    """The same tweets with the columns in another order and one more unknown column."""
    with path.open(encoding="utf-8", newline="") as fh:
        data = list(csv.DictReader(fh))
    columns = list(reversed(list(data[0]))) + ["sentiment"]
    out = tmp_path / "shuffled.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows({**row, "sentiment": "neg"} for row in data)
    return out


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("Thu Nov 02 10:05:40 +0000 2023", "2023-11-02T10:05:40"),
        ("Thu Nov 02 08:00:00 +0700 2023", "2023-11-02T01:00:00"),
        ("Mon Jan 01 20:30:00 -0530 2024", "2024-01-02T02:00:00"),
    ],
)
def test_classic_twitter_times_are_read_with_their_offset(text, utc):
    assert twitter_time(text).astimezone(UTC).replace(tzinfo=None).isoformat() == utc


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-12-16T03:05:40.000Z", "2025-12-16T03:05:40"),  # tweet-harvest >= 2.7.0 (dayjs toISOString)
        ("2025-12-16T10:05:40+07:00", "2025-12-16T03:05:40"),
    ],
)
def test_iso_times_of_tweet_harvest_2_7_are_read(text, utc):
    assert twitter_time(text).astimezone(UTC).replace(tzinfo=None).isoformat() == utc


@pytest.mark.parametrize(
    "bad",
    ["kemarin sore", "2023-11-02T10:05:40", "Thu Nop 02 10:05:40 +0000 2023", "2023-13-02T00:00:00Z", None],
)
def test_other_times_are_rejected_naming_the_expected_forms(bad):
    with pytest.raises(ValueError, match="Thu Nov 02 10:05:40 .* or '2025-12-16T03:05:40.000Z'"):
        twitter_time(bad)


def test_tweet_harvest_rows_become_twitter_records():
    read = files.read_any(HARVEST, "tweet-harvest", app_id="mpaspor")
    assert read.errors == [(6, read.errors[0][1])] and "created_at" in read.errors[0][1]
    first, reply, _ = read.records
    assert (first["source"], first["native_id"], first["app_id"]) == (
        "twitter",
        "1720000000000000001",
        "mpaspor",
    )
    assert (
        first["created_at"] == datetime(2023, 11, 2, 10, 5, 40)
        and first["lang"] == "id"
        and first["likes"] == 3
    )
    assert first["url"] == tweet_url("1720000000000000001") and "warga" not in first["url"]
    assert first["author"] == "1300000000000000001"
    raw = json.loads(first["raw"])
    assert "username" not in raw and "tweet_url" not in raw and "location" not in raw
    assert raw["bookmark_count"] == "0"  # extra columns are kept in raw
    assert reply["text"] == "@ditjen_imigrasi kuota m paspor\nselalu penuh, gimana ini?"
    assert reply["created_at"] == datetime(2023, 11, 2, 1, 0)


def test_column_order_and_extra_columns_do_not_matter(tmp_path):
    original = files.read_any(HARVEST, "tweet-harvest")
    moved = files.read_any(shuffled_copy(HARVEST, tmp_path), "tweet-harvest")
    strip = lambda recs: [{k: v for k, v in r.items() if k != "raw"} for r in recs]  # noqa: E731
    assert strip(moved.records) == strip(original.records) and len(moved.errors) == 1


def test_a_tweet_harvest_csv_is_recognised_without_format():
    assert len(files.read_any(HARVEST, None).records) == 3


def test_a_csv_that_is_not_tweet_harvest_is_refused_as_a_whole(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("id,tweet,date\n1,halo,2023-01-01\n", encoding="utf-8")
    with pytest.raises(files.ImportFormatError, match="missing column.*id_str, full_text, created_at"):
        files.read_any(other, "tweet-harvest")


def test_an_id_mangled_by_a_spreadsheet_is_a_bad_line(tmp_path):
    text = HARVEST.read_text(encoding="utf-8").replace(",1720000000000000003,", ",1.72E+18,")
    mangled = tmp_path / "excel.csv"
    mangled.write_text(text, encoding="utf-8")
    read = files.read_any(mangled, "tweet-harvest")
    assert any("spreadsheet" in reason for _, reason in read.errors)


def test_cli_import_tweet_harvest_is_all_or_nothing_then_skip_bad(db_path):
    refused = run("import", HARVEST, "--format", "tweet-harvest", "--db", db_path)
    assert refused.exit_code == 1 and "line 6" in refused.output and "nothing was imported" in refused.output
    loaded = run("import", HARVEST, "--format", "tweet-harvest", "--skip-bad", "--db", db_path)
    assert loaded.exit_code == 0, loaded.output
    assert "3 new" in loaded.output and "1 skipped" in loaded.output
    again = run("import", HARVEST, "--skip-bad", "--db", db_path)  # format recognised from the header
    assert "0 new, 0 updated, 3 unchanged" in again.output
    assert rows(db_path, "SELECT source, count(*), count(author_hash) FROM feedback GROUP BY 1") == [
        ("twitter", 3, 3)
    ]
    assert rows(db_path, "SELECT count(*) FROM feedback WHERE raw LIKE '%warga_%'") == [(0,)]


def test_cli_import_of_another_tools_csv_with_a_mapping(tmp_path, db_path):
    export = tmp_path / "export.csv"
    export.write_text(
        "review_id,isi,tanggal,bintang\n"
        "a1,OTP tidak masuk,2024-05-01T08:30:00+07:00,1\n"
        "a2,antrian penuh terus,2024-05-02T10:00:00Z,2\n",
        encoding="utf-8",
    )
    mapping = (
        "native_id=review_id,text=isi,created_at=tanggal,rating=bintang,source:=play_store,app_id:=mpaspor"
    )
    result = run("import", export, "--map", mapping, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert rows(db_path, "SELECT native_id, text, created_at, rating FROM feedback ORDER BY 1") == [
        ("a1", "OTP tidak masuk", datetime(2024, 5, 1, 1, 30), 1),
        ("a2", "antrian penuh terus", datetime(2024, 5, 2, 10, 0), 2),
    ]


def test_cli_import_jsonl_with_a_mapping(tmp_path, db_path):
    export = tmp_path / "tweets.jsonl"
    export.write_text(
        json.dumps({"tid": "99", "body": "m-paspor lemot", "ts": "2024-05-01T00:00:00Z"}) + "\n",
        encoding="utf-8",
    )
    mapping = "native_id=tid,text=body,created_at=ts,source:=twitter,app_id:=mpaspor"
    result = run("import", export, "--map", mapping, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert rows(db_path, "SELECT source, native_id FROM feedback") == [("twitter", "99")]


def test_map_with_tweet_harvest_is_refused():
    with pytest.raises(files.ImportFormatError, match="--map does not apply"):
        files.read_any(HARVEST, "tweet-harvest", "text=full_text")


# -- tweet-harvest: each version's exact layout, through the CLI ---------------------------------------
@pytest.mark.parametrize(
    ("fixture", "first_time"),
    [(HARVEST_2_6, datetime(2023, 12, 7, 2, 15, 9)), (HARVEST_2_7, datetime(2025, 12, 16, 3, 5, 40))],
)
def test_cli_imports_each_tweet_harvest_version_without_format(db_path, fixture, first_time):
    header = fixture.read_bytes().decode("utf-8").split("\r\n", 1)[0]
    assert header == ",".join(f'"{c}"' for c in sorted(files.tweet_harvest.COLUMNS))  # PapaParse, keys sorted
    result = run("import", fixture, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "2 read, 2 new" in result.output
    stored = rows(db_path, "SELECT native_id, created_at, url, raw, likes FROM feedback ORDER BY native_id")
    assert stored[0][1] == first_time
    for native_id, _at, url, raw, _likes in stored:
        assert url == tweet_url(native_id) and "akun_" not in url
        assert not set(json.loads(raw)) & {
            "username",
            "tweet_url",
            "user_id_str",
            "location",
            "in_reply_to_screen_name",
        }
    assert run("import", fixture, "--db", db_path).output.count("2 unchanged") == 1


def test_tweet_harvest_2_7_keeps_the_text_whole():
    read = files.read_any(HARVEST_2_7, None)
    assert read.format == "tweet-harvest" and not read.errors
    assert read.records[0]["text"] == "OTP m-paspor tidak masuk dari pagi 😡\nsudah coba 3x"
    assert read.records[1]["text"].endswith('"katanya" bisa') and read.records[0]["likes"] == 5


# -- google-play-scraper dumps ---------------------------------------------------------------------------
JAKARTA = ZoneInfo("Asia/Jakarta")
PACKAGE = "id.go.imigrasi.paspor_online"


@pytest.fixture(scope="module")
def scraped():
    """What google_play_scraper.reviews() returns for the replayed pages: its own parser over Play's arrays."""
    from google_play_scraper.constants.element import ElementSpecs

    arrays = play_reviews("play_reviews_page1.txt")[0] + play_reviews("play_reviews_page2.txt")[0]
    reviews = [{k: spec.extract_content(item) for k, spec in ElementSpecs.Review.items()} for item in arrays]
    return list({r["reviewId"]: r for r in reviews}.values())  # page 2 repeats a review of page 1


def jakarta_utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=JAKARTA).astimezone(UTC).replace(tzinfo=None)


def write_dump(scraped, tmp_path, kind: str, columns=None):
    frame = pd.DataFrame(scraped)
    if columns:
        frame = frame[columns]
    path = tmp_path / {"csv": "dump.csv", "csv-noindex": "dump.csv", "jsonl": "dump.jsonl", "json": "dump.json",
                       "json-iso": "dump.json"}[kind]  # fmt: skip
    warnings.filterwarnings("ignore", "'epoch' date format", category=Warning)  # what pandas < 4 wrote
    if kind == "csv":
        frame.to_csv(path)  # pandas' default: with its index column
    elif kind == "csv-noindex":
        frame.to_csv(path, index=False)
    elif kind == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False, date_format="epoch")
    elif kind == "json":
        frame.to_json(path, orient="records", force_ascii=False, date_format="epoch")  # epoch milliseconds
    else:
        frame.to_json(path, orient="records", force_ascii=False, date_format="iso")
    return path


@pytest.mark.parametrize("kind", ["csv", "csv-noindex", "jsonl", "json", "json-iso"])
def test_a_play_dump_imports_in_one_command_in_each_form(scraped, tmp_path, db_path, kind):
    path = write_dump(scraped, tmp_path, kind)
    result = run("import", path, "--format", "play", "--app", "mpaspor", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert f"{len(scraped)} read, {len(scraped)} new" in result.output
    stored = rows(db_path, "SELECT native_id, text, rating, created_at, url, likes, app_version, reply_text, "
                           "replied_at, author_hash IS NOT NULL, raw FROM feedback ORDER BY native_id")  # fmt: skip
    want = sorted(scraped, key=lambda r: r["reviewId"])
    assert [r[0] for r in stored] == [r["reviewId"] for r in want]
    for got, review in zip(stored, want, strict=True):
        assert got[1] == review["content"] and got[2] == review["score"] and got[5] == review["thumbsUpCount"]
        assert got[3] == jakarta_utc(review["at"])  # `at` is the scraping machine's wall clock
        assert (
            got[4] == f"https://play.google.com/store/apps/details?id={PACKAGE}&reviewId={review['reviewId']}"
        )
        assert got[6] == review["reviewCreatedVersion"] and got[7] == review["replyContent"]
        assert got[8] == (jakarta_utc(review["repliedAt"]) if review["repliedAt"] else None)
        assert got[9] and review["userName"] not in got[10] and "googleusercontent" not in got[10]
    again = run("import", path, "--db", db_path)  # recognised from its header, without --format
    assert again.exit_code == 0 and f"0 new, 0 updated, {len(scraped)} unchanged" in again.output


SUBSET = ["content", "score", "thumbsUpCount", "reviewCreatedVersion", "at", "replyContent", "repliedAt"]


def test_a_dump_without_review_ids_gets_stable_ids_in_every_form(scraped, tmp_path, db_path):
    (tmp_path / "a").mkdir()
    csv_path = write_dump(scraped, tmp_path / "a", "csv", SUBSET)
    first = run("import", csv_path, "--db", db_path)
    assert first.exit_code == 0 and f"{len(scraped)} new" in first.output, first.output
    json_path = write_dump(scraped, tmp_path, "json", SUBSET)
    second = run("import", json_path, "--db", db_path)  # the same dump as a JSON array: the same ids
    assert second.exit_code == 0 and f"0 new, 0 updated, {len(scraped)} unchanged" in second.output
    ids = rows(db_path, "SELECT count(DISTINCT native_id), count(url), min(native_id) FROM feedback")[0]
    assert ids[0] == len(scraped) and ids[1] == 0 and ids[2].startswith("dump-")  # no id, so no link


def test_tz_says_where_the_dump_was_scraped(scraped, tmp_path, db_path):
    path = write_dump(scraped, tmp_path, "csv-noindex")
    result = run("import", path, "--format", "play", "--tz", "UTC", "--db", db_path)
    assert result.exit_code == 0, result.output
    first = min(scraped, key=lambda r: r["reviewId"])
    assert rows(db_path, "SELECT created_at FROM feedback ORDER BY native_id LIMIT 1") == [(first["at"],)]
    bad = run("import", path, "--tz", "Asia/Jakartaa", "--db", db_path)
    assert bad.exit_code == 1 and "not a time zone" in bad.output


def test_a_json_file_is_read_as_an_array_or_as_lines_by_content(scraped, tmp_path):
    array = write_dump(scraped, tmp_path, "json")
    lines = tmp_path / "lines.json"
    write_dump(scraped, tmp_path, "jsonl").rename(lines)
    a, b = files.read_any(array, None), files.read_any(lines, None)
    assert a.unit == "item" and b.unit == "line" and a.format == b.format == "play"
    assert [r["native_id"] for r in a.records] == [r["native_id"] for r in b.records]


# -- mapped files, unknown columns --------------------------------------------------------------------
def test_app_applies_to_mapped_files(tmp_path, db_path):
    export = tmp_path / "export.csv"
    export.write_text("rid,isi,tgl\nx1,kuota penuh,2024-05-01T08:30:00Z\n", encoding="utf-8")
    spec = "native_id=rid,text=isi,created_at=tgl,source:=play_store"
    result = run("import", export, "--map", spec, "--app", "lain", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert rows(db_path, "SELECT app_id FROM feedback") == [("lain",)]


def test_unknown_columns_name_map_and_format_and_show_a_working_example(tmp_path, db_path):
    export = tmp_path / "ulasan.csv"
    export.write_text(
        "id,ulasan,tanggal,bintang\nu1,OTP tidak masuk,2024-05-01T08:30:00Z,1\n", encoding="utf-8"
    )
    result = run("import", export, "--db", db_path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--map" in result.output and "--format" in result.output
    example = result.output.split("--map '", 1)[1].split("'", 1)[0]
    assert example == "native_id=id,text=ulasan,created_at=tanggal,rating=bintang,source:=play_store"
    follow = run("import", export, "--map", example, "--db", db_path)  # the example works as shown
    assert follow.exit_code == 0 and "1 new" in follow.output, follow.output

"""`suara import` of other tools' files: tweet-harvest's CSV, and any CSV/JSONL through a column mapping."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import duckdb
import pytest
from typer.testing import CliRunner

from ingest import files
from suara.cli import app as cli
from tests.ingest_replay import FIXTURES

HARVEST = FIXTURES / "tweet_harvest.csv"
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
    assert files.twitter_time(text).astimezone(UTC).replace(tzinfo=None).isoformat() == utc


@pytest.mark.parametrize(
    "bad", ["kemarin sore", "2023-11-02T10:05:40Z", "Thu Nop 02 10:05:40 +0000 2023", None]
)
def test_other_times_are_rejected_naming_the_expected_form(bad):
    with pytest.raises(ValueError, match="Thu Nov 02 10:05:40"):
        files.twitter_time(bad)


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
    assert first["url"] == "https://x.com/i/web/status/1720000000000000001"  # no username in the link
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
        files.read_any(HARVEST, "tweet-harvest", mapping="text=full_text")

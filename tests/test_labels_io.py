"""`suara labels export` / `import` through the CLI: the Pelabelan queue to a sheet and back into the store."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from dashboard.filters import Filters
from dashboard.queries import review_queue
from suara.cli import app
from suara.labelsheet import INFO_COLUMNS
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.dashboard_fixture import FORMULA_ID, NIK_DIGITS, build

runner = CliRunner()
CATS = load_taxonomy().ids
PHONE = "081234567890"  # in the fixture's second-newest text


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("labels") / "suara.duckdb")


@pytest.fixture
def db(built, tmp_path) -> Path:
    path = tmp_path / "suara.duckdb"
    shutil.copy(built, path)
    return path


def sql(db: Path, query: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def human_state(db: Path) -> tuple[list, list]:
    return (
        sql(db, "SELECT * FROM labels WHERE origin = 'human' ORDER BY ALL"),
        sql(db, "SELECT * FROM human_reviews ORDER BY ALL"),
    )


# -- the sheet as a list of dicts, whichever the format ------------------------------------------------
def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    ws = openpyxl.load_workbook(path)["label"]
    head, *rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(head, r, strict=True)) for r in rows]


def write_rows(path: Path, rows: list[dict], head: list[str] | None = None, delimiter: str = ",") -> Path:
    head = head or list(rows[0])
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=delimiter)
            w.writerow(head)
            w.writerows([r.get(h) for h in head] for r in rows)
    else:
        wb = openpyxl.load_workbook(path) if path.exists() else openpyxl.Workbook()
        ws = wb["label"] if "label" in wb.sheetnames else wb.active
        ws.delete_rows(1, ws.max_row)
        ws.append(head)
        for r in rows:
            ws.append([r.get(h) for h in head])
        wb.save(path)
    return path


def mark(row: dict, categories: list[str], blank="") -> dict:
    return {**row, **{c: (1 if c in categories else blank) for c in CATS}}


def export(db: Path, target: Path, *args) -> list[dict]:
    result = run("labels", "export", target, "--db", db, *args)
    assert result.exit_code == 0, result.output
    return read_rows(target)


# -- export ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_the_review_queue_masked_with_the_model_decisions(db, tmp_path, fmt):
    target = tmp_path / f"queue.{fmt}"
    rows = export(db, target, "--limit", 8)
    queue = review_queue(db, Filters(), "uncertain", 8)
    assert [r["id"] for r in rows] == list(queue["id"])  # the same items, in the page's order
    assert list(rows[0]) == [*INFO_COLUMNS, *CATS, "reviewer"]
    for row, cats in zip(rows, queue["categories"], strict=True):
        assert [c for c in CATS if str(row[c] or "") == "1"] == sorted(cats)
        assert row["model_categories"] == "; ".join(sorted(cats))
        assert not row["reviewer"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["play_store:n0001"]["app"] == "mpaspor"
    assert "[NIK]" in by_id["play_store:n0000"]["text"] and "[TELEPON]" in by_id["play_store:n0001"]["text"]
    assert by_id[FORMULA_ID]["text"].startswith("'=")  # no live formula in a spreadsheet
    if fmt == "csv":
        raw = target.read_text(encoding="utf-8-sig")
    else:
        wb = openpyxl.load_workbook(target)
        raw = " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row)
    for secret in (*NIK_DIGITS, PHONE, "3174 0512 3456 7890"):
        assert secret not in raw


def test_xlsx_has_frozen_header_a_one_or_blank_list_and_a_guide(db, tmp_path):
    target = tmp_path / "queue.xlsx"
    export(db, target, "--limit", 5)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["label", "petunjuk"]
    ws = wb["label"]
    assert ws.freeze_panes == "B2"
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"1"' and validation.allow_blank
    first = len(INFO_COLUMNS) + 1
    letter = openpyxl.utils.get_column_letter
    assert str(validation.sqref) == f"{letter(first)}2:{letter(first + len(CATS) - 1)}6"
    guide = [v for row in wb["petunjuk"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert all(c in guide for c in CATS) and "reviewer" in guide
    assert any("hapus baris" in g for g in guide) and any("delete the rows" in g for g in guide)


def test_export_filters_and_whole_queue(db, tmp_path):
    unreviewed = sql(
        db,
        "SELECT count(*) FROM classifications WHERE feedback_id NOT IN (SELECT feedback_id FROM human_reviews)",
    )[0][0]
    assert len(export(db, tmp_path / "all.csv", "--all")) == unreviewed > 100
    assert len(export(db, tmp_path / "default.csv")) == min(unreviewed, 200)
    since = export(db, tmp_path / "since.csv", "--since", "2025-03-20", "--all")
    assert since and all(r["date"] >= "2025-03-20" for r in since)
    assert (
        len(since)
        == sql(
            db,
            "SELECT count(*) FROM feedback WHERE created_at >= '2025-03-20' "
            "AND id NOT IN (SELECT feedback_id FROM human_reviews)",
        )[0][0]
    )
    assert export(db, tmp_path / "other.csv", "--app", "lain") == []
    both = run("labels", "export", tmp_path / "x.csv", "--all", "--limit", 3, "--db", db)
    assert both.exit_code == 1 and "--all" in both.output


def test_control_characters_do_not_break_the_xlsx(db, tmp_path):
    import pyarrow as pa

    with Store(db) as store:
        store.upsert_feedback(
            [{"source": "play_store", "native_id": "ctl", "app_id": "mpaspor", "text": "error\x07 lagi\x0b",
              "rating": 1, "created_at": "2025-03-30T01:00:00Z"}]
        )  # fmt: skip
        (digest,) = store.known_hashes(["play_store:ctl"]).values()
        classified = {"feedback_id": ["play_store:ctl"], "model_version": ["m"], "content_hash": [digest]}
        store.save_model_labels(
            pa.table({**classified, "confidence": [0.0]}),  # the least sure: first in the queue
            pa.table({"feedback_id": ["play_store:ctl"], "category": ["app_error"], "score": [0.6], "model_version": ["m"]}),
        )  # fmt: skip
    rows = export(db, tmp_path / "queue.xlsx", "--limit", 3)
    assert rows[0]["id"] == "play_store:ctl" and rows[0]["text"] == "error lagi" and rows[0]["app_error"] == 1


def test_export_refuses_other_formats_and_leaves_no_file(db, tmp_path):
    result = run("labels", "export", tmp_path / "queue.json", "--db", db)
    assert result.exit_code == 1 and "CSV or XLSX" in result.output
    assert list(tmp_path.iterdir()) == [db]


def test_export_replaces_a_sheet_whole_and_leaves_no_temp_file(db, tmp_path):
    target = tmp_path / "queue.xlsx"
    export(db, target, "--limit", 2)
    assert len(export(db, target, "--limit", 5)) == 5
    blocked = tmp_path / "queue.csv"
    blocked.mkdir()  # the rename onto it fails after the sheet was written
    result = run("labels", "export", blocked, "--db", db)
    assert result.exit_code == 1 and "cannot write" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["queue.csv", "queue.xlsx", "suara.duckdb"]


# -- round trip --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_saves_the_corrections(db, tmp_path, fmt):
    target = tmp_path / f"queue.{fmt}"
    rows = export(db, target, "--limit", 6)
    before = {r["id"]: [c for c in CATS if str(r[c] or "") == "1"] for r in rows}
    # row 2: other categories, its own reviewer; row 3: "no category applies"; the rest as the model said
    rows[0] = {**mark(rows[0], ["office_unavailable", "quota_full"]), "reviewer": "Budi"}
    rows[1] = mark(rows[1], [])
    if fmt == "xlsx":  # what people type in a spreadsheet: x, TRUE, 0
        rows[2] = {
            **rows[2],
            **{c: ("x" if c == "praise" else True if str(rows[2][c]) == "1" else 0) for c in CATS},
        }
    write_rows(target, rows)

    result = run("labels", "import", target, "--reviewer", "Sari", "--db", db)
    assert result.exit_code == 0, result.output
    changed = 3 if fmt == "xlsx" else 2
    assert f"labelled 6 items, {changed} changed from before, 1 marked 'no category'" in result.output

    expected = dict(before)
    expected[rows[0]["id"]] = ["office_unavailable", "quota_full"]
    expected[rows[1]["id"]] = []
    if fmt == "xlsx":
        expected[rows[2]["id"]] = sorted({*before[rows[2]["id"]], "praise"})
    with Store(db) as store:
        human = {fid: cats for fid, _text, cats in store.human_labelled()}
    for fid, cats in expected.items():
        assert human[fid] == cats
    reviewers = dict(sql(db, "SELECT feedback_id, reviewed_by FROM human_reviews"))
    assert reviewers[rows[0]["id"]] == "Budi" and reviewers[rows[1]["id"]] == "Sari"
    assert sql(db, "SELECT count(*) FROM effective_labels WHERE feedback_id = ?", [rows[1]["id"]]) == [(0,)]
    # they left the queue: the next export starts after them
    assert not set(expected) & {r["id"] for r in export(db, tmp_path / f"next.{fmt}", "--limit", 20)}


def test_reimporting_a_sheet_replaces_the_earlier_decision(db, tmp_path):
    target = tmp_path / "queue.csv"
    rows = export(db, target, "--limit", 2)
    write_rows(target, [mark(r, ["praise"]) for r in rows])
    assert run("labels", "import", target, "--reviewer", "Sari", "--db", db).exit_code == 0
    write_rows(target, [mark(rows[0], ["praise", "service_support"]), mark(rows[1], ["praise"])])
    again = run("labels", "import", target, "--reviewer", "Rudi", "--db", db)
    assert "labelled 2 items, 1 changed from before, 0 marked" in again.output
    assert sql(
        db,
        "SELECT category FROM labels WHERE origin = 'human' AND feedback_id = ? ORDER BY 1",
        [rows[0]["id"]],
    ) == [
        ("praise",),
        ("service_support",),
    ]


def test_semicolon_csv_from_excel_is_read(db, tmp_path):
    target = tmp_path / "queue.csv"
    rows = export(db, target, "--limit", 3)
    write_rows(target, [{**mark(r, ["quota_full"]), "reviewer": "Budi"} for r in rows], delimiter=";")
    result = run("labels", "import", target, "--db", db)
    assert result.exit_code == 0, result.output
    assert sql(db, "SELECT count(*) FROM labels WHERE origin = 'human' AND category = 'quota_full'") == [(3,)]


def test_dry_run_counts_and_stores_nothing(db, tmp_path):
    target = tmp_path / "queue.xlsx"
    rows = export(db, target, "--limit", 4)
    write_rows(target, [mark(rows[0], []), *rows[1:]])
    state = human_state(db)
    result = run("labels", "import", target, "--reviewer", "Sari", "--dry-run", "--db", db)
    assert result.exit_code == 0, result.output
    assert "would label 4 items, 1 changed from before, 1 marked 'no category'" in result.output
    assert "nothing was saved" in result.output
    assert human_state(db) == state


# -- all or nothing ------------------------------------------------------------------------------------
def unknown_id(rows):
    rows[1]["id"] = "play_store:tidak-ada"
    return rows, None, "row 3, column id", "not in the database"


def unknown_column(rows):
    head = [*rows[0]]
    head[head.index("quota_full")] = "quota_penuh"
    return (
        [{("quota_penuh" if k == "quota_full" else k): v for k, v in r.items()} for r in rows],
        head,
        "row 1, column quota_penuh",
        "unknown category column",
    )


def bad_value(rows):
    rows[2]["payment_stuck"] = "ya"
    return rows, None, "row 4, column payment_stuck", "'ya' is not 1"


def no_reviewer(rows):
    rows[0]["reviewer"] = "Budi"
    return rows, None, "row 3, column reviewer", "no reviewer"


def conflicting_duplicate(rows):
    rows[3] = mark(rows[0], ["praise"])
    return rows, None, "row 5, column id", "also on row 2 with other categories"


def missing_column(rows):
    head = [h for h in rows[0] if h != "data_security"]
    return rows, head, "row 1, column data_security", "category column missing"


def no_id_row(rows):
    rows[2]["id"] = ""
    return rows, None, "row 4, column id", "no feedback id"


CASES = [unknown_id, unknown_column, bad_value, no_reviewer, conflicting_duplicate, missing_column, no_id_row]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_a_bad_row_names_file_row_and_column_and_stores_nothing(db, tmp_path, fmt, case):
    target = tmp_path / f"queue.{fmt}"
    rows, head, where, what = case(export(db, target, "--limit", 4))
    write_rows(target, rows, head)
    state = human_state(db)
    reviewer = () if case is no_reviewer else ("--reviewer", "Sari")
    result = run("labels", "import", target, *reviewer, "--db", db)
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if where in line)
    assert line.startswith(str(target)) and what in line
    assert "nothing was saved" in result.output
    assert human_state(db) == state


def test_same_item_twice_with_the_same_labels_is_one_decision(db, tmp_path):
    target = tmp_path / "queue.csv"
    rows = export(db, target, "--limit", 3)
    write_rows(target, [*rows, rows[0]])
    result = run("labels", "import", target, "--reviewer", "Sari", "--db", db)
    assert result.exit_code == 0, result.output
    assert "labelled 3 items, 0 changed" in result.output


def test_many_problems_are_listed_twenty_then_counted(db, tmp_path):
    target = tmp_path / "queue.csv"
    rows = [mark({"id": f"play_store:x{i}", "reviewer": "Budi"}, []) for i in range(25)]
    write_rows(target, rows, ["id", *CATS, "reviewer"])
    result = run("labels", "import", target, "--db", db)
    assert result.exit_code == 1
    listed = [line for line in result.output.splitlines() if "is not in the database" in line]
    assert len(listed) == 20 and "... and 5 more" in result.output
    assert "25 problem(s)" in result.output


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("labels.jsonl", '{"text": "x", "labels": []}\n', "CSV or XLSX"),
        ("labels.txt", "id\n", "CSV or XLSX"),
        ("labels.csv", "nomor,quota_full\nplay_store:n0001,1\n", "no 'id' column"),
        ("labels.csv", "", "is empty"),
        ("labels.csv", "id," + ",".join(CATS) + ",reviewer\n", "no rows to import"),
        ("labels.xlsx", "not a zip file", "not a readable XLSX"),
        ("labels.csv", b"id,reviewer\n\xff\xfe,Budi\n", "not UTF-8"),
    ],
)
def test_a_file_that_is_no_sheet_is_refused_in_one_line(db, tmp_path, name, content, message):
    target = tmp_path / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    state = human_state(db)
    result = run("labels", "import", target, "--reviewer", "Sari", "--db", db)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert human_state(db) == state


def test_import_into_a_missing_database_exits_2(tmp_path):
    target = write_rows(
        tmp_path / "queue.csv",
        [mark({"id": "play_store:n0001", "reviewer": "Budi"}, [])],
        ["id", *CATS, "reviewer"],
    )
    result = run("labels", "import", target, "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 2 and "does not exist yet" in result.output
    assert not (tmp_path / "none.duckdb").exists()

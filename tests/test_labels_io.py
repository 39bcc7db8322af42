"""`suara labels export` / `import` through the CLI: the Pelabelan queue to a sheet and back into the store.

The dashboard fixture's texts are templates numbered "(i)": the numbers are not part of a text's
near-duplicate key, so most texts fall into groups of 8-23 (two of them with a twin an analyst already
labelled) and the three newest, rewritten, are groups of one.
"""

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
from suara import labelsheet
from suara.cli import app
from suara.labelsheet import INFO_COLUMNS
from suara.model_labels import save_model_labels
from suara.store import Store
from suara.taxonomy import load_taxonomy
from tests.conftest import seqs
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


def group(row: dict) -> list[str]:
    """Every item a sheet row decides: its id and its similar_ids."""
    return [row["id"], *(row.get("similar_ids") or "").split()]


def chosen(row: dict) -> list[str]:
    return [c for c in CATS if str(row[c] or "") == "1"]


def human(db: Path) -> dict[str, list[str]]:
    """Every reviewed item's human categories, as stored (one entry per item, near-duplicates included)."""
    rows = sql(
        db,
        "SELECT h.feedback_id, coalesce(list(l.category ORDER BY l.category) "
        "FILTER (WHERE l.category IS NOT NULL), []) FROM human_reviews h "
        "LEFT JOIN labels l ON l.feedback_id = h.feedback_id AND l.origin = 'human' GROUP BY 1",
    )
    return dict(rows)


def unreviewed(db: Path, condition: str = "true") -> set[str]:
    return {
        fid
        for (fid,) in sql(
            db,
            f"SELECT f.id FROM feedback f JOIN classifications c ON c.feedback_id = f.id WHERE {condition} "
            "AND f.id NOT IN (SELECT feedback_id FROM human_reviews)",
        )
    }


# -- export ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_the_review_queue_one_row_a_group_masked_with_the_model_decisions(db, tmp_path, fmt):
    target = tmp_path / f"queue.{fmt}"
    rows = export(db, target, "--all")
    queue = review_queue(db, Filters(), "uncertain", None)
    assert [r["id"] for r in rows] == list(queue["id"])  # the same groups, in the page's order
    assert list(rows[0]) == [*INFO_COLUMNS, *CATS, "reviewer"]
    assert list(rows[0])[:3] == ["id", "similar", "similar_ids"]
    for row, item in zip(rows, queue.itertuples(), strict=True):
        assert chosen(row) == sorted(item.categories)
        assert (row["model_categories"] or "") == "; ".join(sorted(item.categories))
        assert int(row["similar"]) == item.n == len(group(row))  # what the row's decision labels
        assert sorted(group(row)) == sorted(item.ids)
        assert not row["reviewer"]
    members = [fid for row in rows for fid in group(row)]
    assert len(members) == len(set(members)) == len(unreviewed(db))  # each text once, in one group
    big = rows[0]
    assert int(big["similar"]) > 10
    texts = dict(sql(db, "SELECT id, text FROM feedback"))
    stem = texts[big["id"]].rsplit(" (", 1)[0]  # the template, without its number
    assert all(texts[fid].startswith(stem) for fid in group(big))
    # the groups whose twin an analyst labelled come last, with that decision in the note
    notes = [(r["note"], int(r["similar"])) for r in rows[-2:]]
    twins = """SELECT count(*) FROM feedback f WHERE f.id NOT IN (SELECT feedback_id FROM human_reviews)
        AND f.dup_key = (SELECT dup_key FROM feedback WHERE id = (SELECT h.feedback_id FROM human_reviews h
        WHERE {} (SELECT feedback_id FROM labels WHERE origin = 'human' AND category = 'payment_stuck')))"""
    (paid,) = sql(db, twins.format("h.feedback_id IN"))[0]
    (none,) = sql(db, twins.format("h.feedback_id NOT IN"))[0]
    assert sorted(notes) == [
        ("sebelumnya dilabeli: payment_stuck", paid),
        ("sebelumnya dilabeli: tanpa kategori", none),
    ]
    assert not any(r["note"] for r in rows[:-2])
    by_id = {r["id"]: r for r in rows}
    assert int(by_id["play_store:n0001"]["similar"]) == 1 and not by_id["play_store:n0001"]["similar_ids"]
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
    assert all(c in guide for c in [*CATS, "similar", "similar_ids", "note"]) and "reviewer" in guide
    assert any("hapus baris" in g for g in guide) and any("delete the rows" in g for g in guide)
    assert any("seluruh kelompok" in g for g in guide) and any("the whole group" in g for g in guide)


def test_export_filters_whole_queue_and_limit_count_groups(db, tmp_path):
    groups = sql(
        db,
        "SELECT count(DISTINCT coalesce(f.dup_key, '#' || f.id)) FROM feedback f "
        "JOIN classifications c ON c.feedback_id = f.id WHERE f.id NOT IN (SELECT feedback_id FROM human_reviews)",
    )[0][0]
    whole = export(db, tmp_path / "all.csv", "--all")
    assert len(whole) == groups and sum(int(r["similar"]) for r in whole) == len(unreviewed(db)) > 100
    assert len(export(db, tmp_path / "default.csv")) == min(groups, 200)
    three = export(db, tmp_path / "three.csv", "--limit", 3)
    assert [r["id"] for r in three] == [r["id"] for r in whole[:3]]
    assert sum(int(r["similar"]) for r in three) > 3  # --limit counts rows (groups), not texts
    since = export(db, tmp_path / "since.csv", "--since", "2025-03-20", "--all")
    assert since and all(r["date"] >= "2025-03-20" for r in since)
    assert {fid for r in since for fid in group(r)} == unreviewed(db, "f.created_at >= '2025-03-20'")
    assert len(since) < len(whole)
    assert export(db, tmp_path / "other.csv", "--app", "lain") == []
    assert len(export(db, tmp_path / "mpaspor.csv", "--app", "mpaspor", "--all")) == groups
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
        classified = {
            "feedback_id": ["play_store:ctl"],
            "feedback_seq": seqs(store, ["play_store:ctl"]),
            "model_version": ["m"],
            "content_hash": [digest],
        }
        save_model_labels(store,
            pa.table({**classified, "confidence": [0.0]}),  # a group of one (its key: "error lagi")
            pa.table({"feedback_id": ["play_store:ctl"], "category": ["app_error"], "score": [0.6], "model_version": ["m"]}),
        )  # fmt: skip
    by_id = {r["id"]: r for r in export(db, tmp_path / "queue.xlsx", "--all")}
    ctl = by_id["play_store:ctl"]
    assert ctl["text"] == "error lagi" and ctl["app_error"] == 1 and ctl["similar"] == 1


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
    before = [chosen(r) for r in rows]
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

    decided = list(before)
    decided[0], decided[1] = ["office_unavailable", "quota_full"], []
    if fmt == "xlsx":
        decided[2] = sorted({*before[2], "praise"})
    sizes = [int(r["similar"]) for r in rows]
    items = sum(sizes)
    changed = sum(n for n, now, was in zip(sizes, decided, before, strict=True) if now != was)
    empty = sum(n for n, now in zip(sizes, decided, strict=True) if not now)
    assert items > 6 and changed > 2 and empty >= sizes[1]
    assert (
        f"labelled {items} items from 6 rows, {changed} changed from before, {empty} marked 'no category'"
        in result.output
    )
    labelled = human(db)
    expected = {fid: cats for row, cats in zip(rows, decided, strict=True) for fid in group(row)}
    assert len(expected) == items
    for fid, cats in expected.items():  # every text of each group, not only the one shown
        assert labelled[fid] == cats
    reviewers = dict(sql(db, "SELECT feedback_id, reviewed_by FROM human_reviews"))
    assert {reviewers[fid] for fid in group(rows[0])} == {"Budi"}
    assert {reviewers[fid] for fid in group(rows[1])} == {"Sari"}
    assert sql(
        db, "SELECT count(*) FROM effective_labels WHERE list_contains(?, feedback_id)", [group(rows[1])]
    ) == [(0,)]
    # they left the queue, all of them: the next export starts after them
    after = export(db, tmp_path / f"next.{fmt}", "--all")
    assert after and not set(expected) & {fid for r in after for fid in group(r)}


def test_reimporting_a_sheet_replaces_the_earlier_decision(db, tmp_path):
    target = tmp_path / "queue.csv"
    rows = export(db, target, "--limit", 2)
    write_rows(target, [mark(r, ["praise"]) for r in rows])
    assert run("labels", "import", target, "--reviewer", "Sari", "--db", db).exit_code == 0
    write_rows(target, [mark(rows[0], ["praise", "service_support"]), mark(rows[1], ["praise"])])
    again = run("labels", "import", target, "--reviewer", "Rudi", "--db", db)
    items, first = sum(int(r["similar"]) for r in rows), int(rows[0]["similar"])
    assert f"labelled {items} items from 2 rows, {first} changed from before, 0 marked" in again.output
    labelled = human(db)
    assert all(labelled[fid] == ["praise", "service_support"] for fid in group(rows[0]))
    assert all(labelled[fid] == ["praise"] for fid in group(rows[1]))


def test_semicolon_csv_from_excel_is_read(db, tmp_path):
    target = tmp_path / "queue.csv"
    rows = export(db, target, "--limit", 3)
    write_rows(target, [{**mark(r, ["quota_full"]), "reviewer": "Budi"} for r in rows], delimiter=";")
    result = run("labels", "import", target, "--db", db)
    assert result.exit_code == 0, result.output
    items = sum(int(r["similar"]) for r in rows)
    assert sql(db, "SELECT count(*) FROM labels WHERE origin = 'human' AND category = 'quota_full'") == [
        (items,)
    ]


def test_dry_run_counts_and_stores_nothing(db, tmp_path):
    target = tmp_path / "queue.xlsx"
    rows = export(db, target, "--limit", 4)
    first = next(i for i, r in enumerate(rows) if chosen(r))  # a group the model gave categories
    write_rows(target, [mark(r, []) if i == first else r for i, r in enumerate(rows)])
    state = human_state(db)
    result = run("labels", "import", target, "--reviewer", "Sari", "--dry-run", "--db", db)
    assert result.exit_code == 0, result.output
    sizes = [int(r["similar"]) for r in rows]
    # that group changes from the model's categories to none; groups without any stay "marked" none
    empty = sum(n for i, (n, r) in enumerate(zip(sizes, rows, strict=True)) if i == first or not chosen(r))
    counts = f"would label {sum(sizes)} items from 4 rows, {sizes[first]} changed from before, {empty} marked"
    assert counts in result.output
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


def unknown_similar_id(rows):
    rows[1]["similar_ids"] += " play_store:tidak-ada"
    return rows, None, "row 3, column similar_ids", "'play_store:tidak-ada' is not in the database"


def conflicting_near_duplicate(rows):  # a text of row 2's group given again, on its own, with other labels
    twin = rows[0]["similar_ids"].split()[-1]
    rows.append({**mark(rows[2], ["praise"]), "id": twin, "similar": 1, "similar_ids": ""})
    return rows, None, "row 6, column id", f"{twin} is also on row 2 with other categories"


def near_duplicate_in_two_groups(rows):
    twin = rows[0]["similar_ids"].split()[0]
    rows[2]["similar_ids"] += f" {twin}"
    return rows, None, "row 4, column similar_ids", f"{twin} is also on row 2 with other categories"


def missing_column(rows):
    head = [h for h in rows[0] if h != "data_security"]
    return rows, head, "row 1, column data_security", "category column missing"


def no_id_row(rows):
    rows[2]["id"] = ""
    return rows, None, "row 4, column id", "no feedback id"


CASES = [
    unknown_id,
    unknown_column,
    bad_value,
    no_reviewer,
    conflicting_duplicate,
    unknown_similar_id,
    conflicting_near_duplicate,
    near_duplicate_in_two_groups,
    missing_column,
    no_id_row,
]


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
    twin = rows[1]["similar_ids"].split()[0]  # given again on its own, with its group's labels
    write_rows(target, [*rows, rows[0], {**rows[1], "id": twin, "similar_ids": ""}])
    result = run("labels", "import", target, "--reviewer", "Sari", "--db", db)
    assert result.exit_code == 0, result.output
    assert f"labelled {sum(int(r['similar']) for r in rows)} items from 5 rows, 0 changed" in result.output


def test_a_sheet_without_similar_ids_labels_only_the_ids_given(db, tmp_path):
    """An older export (one row per item) or a hand-made list: no near-duplicates are added."""
    target = tmp_path / "queue.xlsx"
    rows = export(db, target, "--limit", 3)
    old = ["id", "source", "app", "date", "rating", "title", "text", "model_categories", *CATS, "reviewer"]
    write_rows(target, [mark(r, ["praise"]) for r in rows], old)
    result = run("labels", "import", target, "--reviewer", "Sari", "--db", db)
    assert result.exit_code == 0, result.output
    assert "labelled 3 items from 3 rows" in result.output
    labelled = human(db)
    assert all(labelled[r["id"]] == ["praise"] for r in rows)
    left = {fid for r in rows for fid in group(r)[1:]}
    assert left and not left & set(labelled)  # the rest of each group is still waiting
    assert left <= unreviewed(db)


def test_a_group_too_big_for_a_cell_is_cut_and_counted():
    """similar_ids stays within a spreadsheet cell; `similar` says how many texts the row covers."""
    import pandas as pd

    ids = [f"play_store:{i:040d}" for i in range(2000)]  # ~100,000 characters of ids
    queue = pd.DataFrame(
        [
            {"id": ids[0], "n": len(ids), "ids": ids, "source": "play_store", "app_id": "mpaspor",
             "created_at": pd.Timestamp("2025-03-01 10:00"), "rating": 1, "title": None, "text": "bagus",
             "categories": ["praise"], "labelled_before": False, "labelled_as": None}
        ]
    )  # fmt: skip
    (row,) = labelsheet.sheet_rows(queue, CATS, lambda text: text)
    similar = row[INFO_COLUMNS.index("similar")]
    cell = row[INFO_COLUMNS.index("similar_ids")]
    assert len(cell) <= labelsheet.MAX_IDS_CHARS < 32_767
    assert cell.split() == ids[1:similar] and 600 < similar < len(ids)


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

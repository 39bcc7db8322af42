"""The labelling sheet: the Pelabelan queue as a CSV or XLSX file an analyst edits, and reading it back.

One row per group of near-duplicate texts, as the Pelabelan page shows them (suara.review_queue): ``id``
(the group's newest text, the one shown), ``similar`` (how many texts the row's decision labels),
``similar_ids`` (the group's other ids, space-separated), ``source``, ``app``, ``date``, ``rating``,
``title``, ``text`` (masked: personal data never leaves the database in clear), ``model_categories``
(for reference), ``note`` ("sebelumnya dilabeli: ..." when an analyst already labelled a near-duplicate),
then one column per taxonomy category id holding 1 where the category applies (pre-filled with the
model's decision for the analyst to correct) and ``reviewer``. The XLSX has a header row and id column
that stay in view, a 1-or-blank list on the category cells and a second sheet, "petunjuk", explaining
the columns in Bahasa Indonesia and English. Files are written to a temporary file and renamed, so a
reader never sees half. ``similar_ids`` stays within what a spreadsheet cell holds (MAX_IDS_CHARS): the
ids of a group too big for it are left out of the row (``similar`` counts what the row covers) and come
back in the next export.

Reading back is all or nothing: ``read_sheet`` and ``check`` collect every problem with its row and
column (unknown ids or columns, values other than 1/0/blank/x/true/false, a missing reviewer, an item
twice with different categories, also as a near-duplicate of another row) so that the caller stores
nothing unless there are none. A row's decision is saved for its ``id`` and every id in its
``similar_ids``; a sheet without that column (an older export, a hand-made list) labels the ids given.
A row with no category marked is the analyst saying "no category applies". Only the ``id``,
``similar_ids``, category and ``reviewer`` columns are read; the others are there to label by.
Spreadsheet-formula cells are neutralized on the way out (suara.export); the masker is passed in (the
spine does not import nlp/).
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from suara.export import neutralize
from suara.taxonomy import Taxonomy

ID = "id"
SIMILAR_IDS = "similar_ids"
REVIEWER = "reviewer"
INFO_COLUMNS = (
    "id",
    "similar",
    SIMILAR_IDS,
    "source",
    "app",
    "date",
    "rating",
    "title",
    "text",
    "model_categories",
    "note",
)
LABELLED_BEFORE = (
    "sebelumnya dilabeli: {cats}"  # the note of a group whose near-duplicate an analyst labelled
)
NO_CATEGORY = "tanpa kategori"
MAX_IDS_CHARS = 32_000  # XLSX cells hold 32,767 characters and Excel cuts CSV cells there too
FORMATS = ("csv", "xlsx")
SHEET = "label"
GUIDE_SHEET = "petunjuk"
MAX_PROBLEMS = 20  # problems listed one per line; the rest are counted
_TRUE = {"1", "x", "true"}
_FALSE = {"", "0", "false"}

GUIDE = (  # (column, Bahasa Indonesia, English)
    ("id", "Nomor teks di Suara. Jangan diubah.", "The text's id in Suara. Do not change it."),
    (
        "similar",
        "Jumlah teks yang diberi label oleh baris ini: teks ini dan teks serupa di similar_ids.",
        "How many texts this row labels: this one and its near-duplicates in similar_ids.",
    ),
    (
        "similar_ids",
        "Nomor teks lain yang isinya sama (setelah huruf kecil, tanpa tanda baca, angka, emoji, tautan "
        "dan huruf yang diulang). Keputusan baris ini juga disimpan untuk semuanya. Hapus nomor teks yang "
        "perlu label lain; jangan tambahkan nomor lain.",
        "The ids of the other texts that say the same (once lowercased, without punctuation, digits, "
        "emoji, links and stretched letters). The row's decision is saved for all of them too. Delete an "
        "id whose text needs other labels; do not add ids.",
    ),
    ("source", "Asal teks: play_store, app_store atau twitter.", "Where the text comes from."),
    ("app", "Aplikasi yang diulas.", "The app reviewed."),
    ("date", "Waktu teks ditulis (UTC).", "When the text was written (UTC)."),
    ("rating", "Bintang 1-5 (kosong untuk twitter).", "Stars 1-5 (blank for tweets)."),
    ("title", "Judul ulasan (App Store), bila ada.", "The review's title (App Store), if any."),
    (
        "text",
        "Teks ulasan. Data pribadi (NIK, telepon, e-mail, paspor) sudah disamarkan.",
        "The review text. Personal data (NIK, phone, e-mail, passport) is masked.",
    ),
    (
        "model_categories",
        "Kategori menurut model saat ini, sebagai pembanding. Tidak dibaca saat impor.",
        "The model's current categories, for reference. Not read on import.",
    ),
    (
        "note",
        "'sebelumnya dilabeli: ...': seorang analis sudah melabeli teks serupa begitu; periksa sekilas. "
        "Tidak dibaca saat impor.",
        "'sebelumnya dilabeli: ...' (labelled before): an analyst already labelled a near-duplicate so; "
        "a glance confirms it. Not read on import.",
    ),
    (
        "<kategori / category>",
        "Satu kolom per kategori: 1 bila kategori cocok, kosong bila tidak. Sudah diisi sesuai keputusan "
        "model: perbaiki yang salah. Baris tanpa angka 1 berarti 'tidak ada kategori yang cocok'.",
        "One column per category: 1 if it applies, blank if not. Pre-filled with the model's decision: "
        "correct it. A row without any 1 means 'no category applies'.",
    ),
    (
        "reviewer",
        "Nama analis yang memeriksa baris ini (boleh kosong bila diberikan lewat --reviewer saat impor).",
        "Who checked this row (may stay blank when given with --reviewer on import).",
    ),
)
NOTES = (
    (
        "Satu baris mewakili satu kelompok teks yang sama (kolom similar): labelnya disimpan untuk seluruh "
        "kelompok, yaitu id dan semua nomor di similar_ids.",
        "One row stands for a group of texts that say the same (column similar): its labels are saved for "
        "the whole group, the id and every id in similar_ids.",
    ),
    (
        "Setiap baris dalam berkas disimpan sebagai keputusan analis saat diimpor: hapus baris yang belum "
        "diperiksa. Jangan ubah nama kolom.",
        "Every row in the file is saved as an analyst's decision on import: delete the rows nobody checked. "
        "Do not rename the columns.",
    ),
    (
        "Impor: suara labels import BERKAS [--reviewer NAMA] [--dry-run]. Bila ada satu kesalahan, tidak "
        "ada yang disimpan dan setiap kesalahan disebut dengan baris dan kolomnya.",
        "Import: suara labels import FILE [--reviewer NAME] [--dry-run]. If anything is wrong, nothing is "
        "saved and each problem is named with its row and column.",
    ),
)


class SheetError(Exception):
    """The file as a whole cannot be a labelling sheet (format, unreadable, no id column)."""


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str | None
    message: str

    def line(self, path: Path) -> str:
        where = f", column {self.column}" if self.column else ""
        return f"{path}, row {self.row}{where}: {self.message}"


@dataclass(frozen=True)
class SheetRow:
    row: int
    feedback_id: str
    categories: tuple[str, ...]
    reviewer: str | None
    similar_ids: tuple[str, ...] = ()  # near-duplicates the row's decision labels too

    @property
    def ids(self) -> list[str]:
        """Every item the row decides: its id, then its near-duplicates (each once)."""
        return list(dict.fromkeys((self.feedback_id, *self.similar_ids)))


@dataclass
class Sheet:
    path: Path
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return sorted({fid for r in self.rows for fid in r.ids})


def sheet_format(path: Path) -> str:
    """csv or xlsx, from the file name; SheetError for anything else."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        got = f"a .{fmt} file" if fmt else "a file without an extension"
        raise SheetError(
            f"{path}: labelling sheets are CSV or XLSX (got {got}); use a name ending in .csv or .xlsx. "
            "A labelled JSONL set is training data: pass it to `suara train --data` instead."
        )
    return fmt


# -- writing ----------------------------------------------------------------------------------------
def header(category_ids: Iterable[str]) -> list[str]:
    return [*INFO_COLUMNS, *category_ids, REVIEWER]


def similar_cell(ids: Iterable[str]) -> tuple[str, int]:
    """The ids space-separated, as many as fit in MAX_IDS_CHARS, and how many that is."""
    kept, size = [], 0
    for fid in ids:
        size += len(fid) + bool(kept)
        if size > MAX_IDS_CHARS:
            break
        kept.append(fid)
    return " ".join(kept), len(kept)


def sheet_rows(queue, category_ids: list[str], mask: Callable[[str | None], str | None]) -> list[list]:
    """The queue (rows of suara.review_queue.review_queue, one per group) as the sheet's data rows,
    texts masked."""
    rows = []
    for item in queue.itertuples(index=False):
        categories = [c for c in list(item.categories) if isinstance(c, str)]
        others, covered = similar_cell(fid for fid in list(item.ids) if fid != item.id)
        note = None
        if item.labelled_before:
            earlier = [c for c in list(item.labelled_as) if isinstance(c, str)]
            note = LABELLED_BEFORE.format(cats="; ".join(earlier) or NO_CATEGORY)
        rows.append(
            [
                item.id,
                1 + covered,
                others or None,
                item.source,
                item.app_id,
                pd.Timestamp(item.created_at).to_pydatetime().replace(second=0, microsecond=0),
                None if pd.isna(item.rating) else int(item.rating),
                None if pd.isna(item.title) else neutralize(mask(item.title)),
                neutralize(mask(item.text)),
                "; ".join(categories),
                note,
                *(1 if c in categories else None for c in category_ids),
                None,
            ]
        )
    return rows


def write_sheet(path: Path, rows: list[list], taxonomy: Taxonomy) -> None:
    """Write the sheet as CSV or XLSX (by the file name), atomically: a temp file renamed into place."""
    fmt = sheet_format(path)
    if not path.parent.is_dir():
        raise SheetError(f"{path}: folder {path.parent} does not exist; create it or write elsewhere")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")  # same folder: the rename is atomic
    try:
        try:
            (_write_csv if fmt == "csv" else _write_xlsx)(tmp, header(taxonomy.ids), rows, taxonomy)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)  # gone after the rename; left only by a failure
    except OSError as exc:
        raise SheetError(f"cannot write {path}: {exc.strerror or exc}") from None


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def _write_csv(path: Path, head: list[str], rows: list[list], taxonomy: Taxonomy) -> None:
    # UTF-8 with a byte-order mark: Excel then opens Indonesian text (and emoji) correctly
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows([_csv_value(v) for v in row] for row in rows)


def _write_xlsx(path: Path, head: list[str], rows: list[list], taxonomy: Taxonomy) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(head)
    for row in rows:  # control characters are not allowed in XLSX cells (openpyxl refuses the whole file)
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    first_cat = len(INFO_COLUMNS) + 1
    last_cat = first_cat + len(taxonomy.ids) - 1
    widths = {
        "id": 26,
        "similar": 8,
        SIMILAR_IDS: 30,
        "source": 11,
        "app": 10,
        "date": 17,
        "rating": 7,
        "title": 24,
        "text": 70,
        "note": 30,
    }
    for col, name in enumerate(head, start=1):
        letter = get_column_letter(col)
        if first_cat <= col <= last_cat:
            ws.column_dimensions[letter].width = 5
            ws.cell(1, col).alignment = Alignment(text_rotation=90, horizontal="center")
        else:
            ws.column_dimensions[letter].width = widths.get(name, 22)
    date_col, text_col = head.index("date") + 1, head.index("text") + 1
    for (date_cell,) in ws.iter_rows(min_row=2, min_col=date_col, max_col=date_col):
        date_cell.number_format = "yyyy-mm-dd hh:mm"
    for (text_cell,) in ws.iter_rows(min_row=2, min_col=text_col, max_col=text_col):
        text_cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(2, 2)  # the header row and the id column stay in view
    ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{len(rows) + 1}"
    if rows:
        marks = DataValidation(
            type="list",
            formula1='"1"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="1 / kosong",
            error="Isi 1 bila kategori cocok, kosongkan bila tidak. / Enter 1 if the category applies, else leave blank.",
        )
        ws.add_data_validation(marks)
        marks.add(f"{get_column_letter(first_cat)}2:{get_column_letter(last_cat)}{len(rows) + 1}")
    _write_guide(wb.create_sheet(GUIDE_SHEET), taxonomy, bold)
    wb.save(path)


def _write_guide(ws, taxonomy: Taxonomy, bold) -> None:
    from openpyxl.styles import Alignment

    ws.append(["Petunjuk / Guide"])
    ws["A1"].font = bold
    for indonesian, english in NOTES:
        ws.append([None, indonesian, english])
    ws.append([])
    ws.append(["kolom / column", "Bahasa Indonesia", "English"])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for row in GUIDE:
        ws.append(list(row))
    ws.append([])
    ws.append(["kategori / category", "label", "label (English)", "description"])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for c in taxonomy.categories:
        ws.append([c.id, c.label_id, c.label_en, c.description])
    for letter, width in zip("ABCD", (24, 60, 60, 80), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# -- reading ----------------------------------------------------------------------------------------
def _read_csv(path: Path) -> list[list]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(f"{path} is not UTF-8 text; in Excel save it as 'CSV UTF-8' (or as .xlsx)") from None
    first = text.split("\n", 1)[0]
    # Excel writes ';' where the decimal separator is a comma (Indonesian settings): take what the header uses
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        return list(csv.reader(text.splitlines(keepends=True), delimiter=delimiter))
    except csv.Error as exc:
        raise SheetError(f"{path} is not a readable CSV file ({exc})") from None


def _read_xlsx(path: Path) -> list[list]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetError(
            f"{path} is not a readable XLSX workbook ({exc}); save it from Excel as .xlsx"
        ) from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def mark(value) -> bool:
    """A category cell: True for 1/x/true, False for 0/false/blank; ValueError for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(value)


def read_sheet(path: Path, category_ids: list[str]) -> Sheet:
    """The rows of a labelling sheet and the problems in it (SheetError when it cannot be one at all)."""
    fmt = sheet_format(path)
    if not path.is_file():
        raise SheetError(f"{path} does not exist")
    table = _read_csv(path) if fmt == "csv" else _read_xlsx(path)
    if not table or all(_blank(v) for v in table[0]):
        raise SheetError(f"{path} is empty; its first row must be the header of `suara labels export`")
    names = ["" if _blank(v) else str(v).strip().lower() for v in table[0]]
    if ID not in names:
        raise SheetError(
            f"{path}: no '{ID}' column in the first row; import a sheet written by `suara labels export`"
        )
    sheet = Sheet(path)
    known = {*INFO_COLUMNS, *category_ids, REVIEWER}
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            if any(not _blank(row[index]) for row in table[1:] if index < len(row)):
                sheet.problems.append(
                    Problem(1, f"#{index + 1}", "a column without a name holds values; name or delete it")
                )
        elif name in columns:
            sheet.problems.append(Problem(1, name, "the column appears twice; keep one"))
        elif name not in known:
            sheet.problems.append(
                Problem(1, name, f"unknown category column; the categories are {', '.join(category_ids)}")
            )
        else:
            columns[name] = index
    missing = [c for c in category_ids if c not in columns]
    if missing:  # a decision is the full set of categories: a lost column would silently say "no"
        sheet.problems.append(
            Problem(
                1, ", ".join(missing), "category column missing; export a fresh sheet and copy the marks over"
            )
        )
    for number, row in enumerate(table[1:], start=2):
        if all(_blank(v) for v in row):
            continue
        values = {name: row[index] if index < len(row) else None for name, index in columns.items()}
        fid = values.get(ID)
        if _blank(fid):
            sheet.problems.append(Problem(number, ID, "no feedback id; fill it in or delete the row"))
            continue
        chosen = []
        for c in category_ids:
            try:
                if mark(values.get(c)):
                    chosen.append(c)
            except ValueError:
                sheet.problems.append(
                    Problem(
                        number,
                        c,
                        f"{str(values.get(c))[:30]!r} is not 1, x, true (applies) or 0, false, blank (does not)",
                    )
                )
        reviewer = values.get(REVIEWER)
        similar = values.get(SIMILAR_IDS)
        sheet.rows.append(
            SheetRow(
                number,
                str(fid).strip(),
                tuple(chosen),
                None if _blank(reviewer) else str(reviewer).strip(),
                () if _blank(similar) else tuple(str(similar).split()),
            )
        )
    return sheet


def check(
    sheet: Sheet, known_ids: Iterable[str], reviewer: str | None = None
) -> tuple[list[tuple[str, tuple[str, ...], str]], list[Problem]]:
    """The decisions to save, one per item (feedback id, categories, reviewer): each row's for its id and
    its ``similar_ids``; and every problem of the sheet, in row order: the sheet's own, ids not in the
    database, rows without a reviewer (the row's, else ``reviewer``) and an item given twice with
    different categories, as a row's id or among its similar_ids (the same twice is one decision)."""
    known = set(known_ids)
    fallback = (reviewer or "").strip() or None
    problems = list(sheet.problems)
    decided: dict[str, tuple[SheetRow, str]] = {}
    for row in sheet.rows:
        if row.feedback_id not in known:
            problems.append(Problem(row.row, ID, f"feedback {row.feedback_id!r} is not in the database"))
            continue
        unknown = [fid for fid in row.similar_ids if fid not in known]
        if unknown:
            problems.append(Problem(row.row, SIMILAR_IDS, f"{_some(unknown)} not in the database"))
            continue
        name = row.reviewer or fallback
        if not name:
            problems.append(
                Problem(row.row, REVIEWER, "no reviewer; fill in the column or pass --reviewer NAME")
            )
            continue
        clashes: dict[str, list[tuple[str, int]]] = {}
        for fid in row.ids:
            earlier = decided.get(fid)
            if earlier and earlier[0].categories != row.categories:
                clashes.setdefault(ID if fid == row.feedback_id else SIMILAR_IDS, []).append(
                    (fid, earlier[0].row)
                )
        for column, clash in clashes.items():
            (fid, other), more = clash[0], len(clash) - 1
            also = f" (and {more} more of this row's ids)" if more else ""
            fix = "keep one" if column == ID else "delete it here or mark both rows alike"
            problems.append(
                Problem(row.row, column, f"{fid}{also} is also on row {other} with other categories; {fix}")
            )
        if clashes:
            continue
        for fid in row.ids:
            decided[fid] = (row, name)
    problems.sort(key=lambda p: p.row)
    return [(fid, row.categories, name) for fid, (row, name) in decided.items()], problems


def _some(ids: list[str], show: int = 3) -> str:
    """'feedback 'a' is' / 'feedback 'a', 'b', 'c' and 2 more are': the first few of a list of ids."""
    listed = ", ".join(repr(fid) for fid in ids[:show])
    more = f" and {len(ids) - show} more" if len(ids) > show else ""
    return f"feedback {listed}{more} {'is' if len(ids) == 1 else 'are'}"


def summary(path: Path, problems: list[Problem]) -> list[str]:
    """One line per problem, at most MAX_PROBLEMS of them, then how many more."""
    lines = [p.line(path) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS} more")
    return lines

"""The labelling sheet: its layout, and writing the Pelabelan queue as a CSV or XLSX file an analyst edits.

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
back in the next export. Spreadsheet-formula cells are neutralized on the way out (suara.export); the
masker is passed in (the spine does not import nlp/).

Reading a sheet back, all or nothing, is suara/labelsheet_read.py; it shares this module's layout
(the column names, ``header``, ``sheet_format``, ``SheetError``), so the two cannot drift apart.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Callable, Iterable
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

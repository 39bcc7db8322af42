"""Reading a labelling sheet back: every problem found with its row and column, then the decisions to save.

The layout is suara/labelsheet.py's, written by `suara labels export`. Reading is all or nothing:
``read_sheet`` and ``check`` collect every problem with its row and column (unknown ids or columns,
values other than 1/0/blank/x/true/false, a missing reviewer, an item twice with different categories,
also as a near-duplicate of another row) so that the caller stores nothing unless there are none. A
row's decision is saved for its ``id`` and every id in its ``similar_ids``; a sheet without that column
(an older export, a hand-made list) labels the ids given. A row with no category marked is the analyst
saying "no category applies". Only the ``id``, ``similar_ids``, category and ``reviewer`` columns are
read; the others are there to label by. A file that cannot be a sheet at all (format, unreadable, no
``id`` column) raises ``SheetError``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from suara.labelsheet import ID, REVIEWER, SHEET, SIMILAR_IDS, SheetError, header, sheet_format

MAX_PROBLEMS = 20  # problems listed one per line; the rest are counted
_TRUE = {"1", "x", "true"}
_FALSE = {"", "0", "false"}


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
    known = set(header(category_ids))  # the columns an export writes
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

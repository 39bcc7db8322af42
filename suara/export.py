"""Exports of feedback for analysts: masked for personal data and safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab/carriage return) is read as a formula by Excel and
LibreOffice ("CSV injection"); such cells get a leading apostrophe. The CLI and the dashboard both
export through ``safe_frame``, passing the masker from nlp/ (the spine does not import stages).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

EXPORT_FORMATS = ("csv", "parquet", "xlsx")
TEXT_COLUMNS = ("text", "title", "reply_text")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

EXPORT_SQL = """
SELECT f.id, f.source, f.app_id, f.created_at, f.rating, f.app_version, f.title, f.text,
       f.reply_text, f.replied_at, f.likes, f.url,
       (SELECT string_agg(category, ';' ORDER BY category) FROM effective_labels l
        WHERE l.feedback_seq = f.seq) AS categories,
       s.sentiment, s.score AS sentiment_score
FROM feedback f LEFT JOIN feedback_sentiment s ON s.feedback_seq = f.seq
WHERE ($source IS NULL OR f.source = $source)
  AND ($app IS NULL OR f.app_id = $app)
  AND ($since IS NULL OR f.created_at >= $since)
  AND ($until IS NULL OR f.created_at < $until)
ORDER BY f.created_at DESC, f.id
"""


def neutralize(value):
    """Defuse spreadsheet formulas: prefix an apostrophe to text cells that start like one."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame, mask: Callable[[str | None], str | None]) -> pd.DataFrame:
    """Masked, formula-safe copy of a frame for export (text columns masked, every string neutralized)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            if col in TEXT_COLUMNS:
                out[col] = out[col].map(mask, na_action="ignore")
            out[col] = out[col].map(neutralize, na_action="ignore")
    return out


def write_frame(df: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    elif fmt == "xlsx":
        df.to_excel(path, index=False, engine="openpyxl")
    else:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")

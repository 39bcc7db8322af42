"""The report's words in Bahasa Indonesia (first) and English, and its number formats.

Labels are ``TEXTS[key] = (indonesian, english)`` like the dashboard's (dashboard/texts.py), kept here
because they are the document's, not a page's; numbers go through the dashboard's formatters with the
language given explicitly (30,9% and 7.780 in Indonesian, 30.9% and 7,780 in English), so the PDF and
the pages never write a figure two ways. Category names come from data/taxonomy.toml.
"""

from __future__ import annotations

from datetime import date

from dashboard import charts, i18n
from suara.taxonomy import load_taxonomy

LANGS = ("id", "en")
MONTHS = {"id": charts._ID_MONTHS, "en": charts._EN_MONTHS}  # the dashboard's month names

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Laporan bulanan masukan warga", "Monthly report on citizens' feedback"),
    "subtitle": ("{app} · {month}", "{app} · {month}"),
    "all_apps": ("Semua aplikasi", "All apps"),
    "made": (
        "Dibuat {today} oleh Suara dari {n} masukan (Google Play, App Store, X) bulan {month}, "
        "dibandingkan dengan {prev}. Data tersedia {first} sampai {last}.",
        "Made {today} by Suara from {n} feedback items (Google Play, App Store, X) of {month}, "
        "compared with {prev}. Data available {first} to {last}.",
    ),
    "masked": (
        "Contoh teks disamarkan: NIK, nomor telepon, e-mail dan nomor paspor diganti tanda seperti [NIK].",
        "Example texts are masked: NIK, phone numbers, e-mail and passport numbers are replaced by marks such as [NIK].",
    ),
    "h_figures": ("Angka utama", "Key figures"),
    "col_measure": ("Ukuran", "Measure"),
    "col_month": ("{month}", "{month}"),
    "col_change": ("Perubahan", "Change"),
    "m_volume": ("Jumlah masukan", "Feedback items"),
    "m_complaint": ("Bagian dengan keluhan", "Share with a complaint"),
    "m_rating": ("Rata-rata rating (1–5)", "Average rating (1–5)"),
    "m_low": ("Bagian rating 1–2", "Share of 1–2 stars"),
    "m_response": ("Tingkat tanggapan (ulasan toko)", "Response rate (store reviews)"),
    "m_reply_time": ("Median waktu tanggapan (jam)", "Median time to answer (hours)"),
    "no_prev": ("tidak ada data bulan sebelumnya", "no data for the month before"),
    "chart_volume": ("Masukan per bulan, 12 bulan terakhir", "Feedback per month, last 12 months"),
    "axis_month": ("Bulan", "Month"),
    "axis_items": ("Masukan", "Feedback items"),
    "h_complaints": ("Keluhan teratas", "Top complaints"),
    "chart_complaints": (
        "Bagian dari semua masukan, bulan ini dan bulan sebelumnya",
        "Share of all feedback, this month and the month before",
    ),
    "axis_share": ("Bagian dari masukan", "Share of feedback"),
    "this_month": ("bulan ini", "this month"),
    "prev_month": ("bulan sebelumnya", "month before"),
    "complaint_line": (
        "{n} masukan ({share} dari semua), {change} dibanding {prev}",
        "{n} items ({share} of all), {change} against {prev}",
    ),
    "complaint_line_noprev": ("{n} masukan ({share} dari semua)", "{n} items ({share} of all)"),
    "no_complaints": ("Tidak ada keluhan berkategori bulan ini.", "No categorized complaints this month."),
    "rough_mark": ("(perkiraan kasar)", "(rough estimate)"),
    "rough_note": (
        "Perkiraan kasar: kategori yang punya kurang dari 20 contoh di antara ulasan nyata berlabel, atau "
        "yang dikenali model dengan F1 di bawah 0,7 pada ulasan itu; angkanya hanya menunjukkan arah.",
        "Rough estimate: a category with fewer than 20 examples among the labelled real reviews, or one the "
        "model recognises with an F1 below 0.7 on them; its count shows a direction only.",
    ),
    "example_meta": ("{source}, {day}{rating}", "{source}, {day}{rating}"),
    "stars": (", {n} bintang", ", {n} stars"),
    "h_offices": ("Kantor yang menonjol", "Offices that stand out"),
    "offices_intro": (
        "Kantor imigrasi yang paling banyak disebut dalam keluhan (pujian tidak dihitung).",
        "Immigration offices named in the most complaints (praise not counted).",
    ),
    "col_office": ("Kantor", "Office"),
    "col_complaints": ("Keluhan", "Complaints"),
    "col_prev": ("{prev}", "{prev}"),
    "col_top": ("Keluhan utama", "Main complaint"),
    "no_offices": (
        "Tidak ada kantor yang disebut dalam keluhan bulan ini.",
        "No office was named in a complaint this month.",
    ),
    "h_releases": ("Versi aplikasi", "App versions"),
    "releases_intro": (
        "Rilis dengan masukan terbanyak bulan ini (minimal {min} teks). Lonjakan: keluhan yang naik "
        "≥ 5 poin dibanding rilis sebelumnya dan lolos uji statistik peringatan malam.",
        "Releases with the most feedback this month (at least {min} texts). Jump: a complaint up "
        "≥ 5 points on the release before that passes the nightly alerts' statistical test.",
    ),
    "col_version": ("Versi", "Version"),
    "col_texts": ("Teks", "Texts"),
    "col_complaint_share": ("Dengan keluhan", "With a complaint"),
    "col_jumps": ("Lonjakan", "Jumps"),
    "none": ("–", "–"),
    "no_releases": (
        "Tidak ada rilis dengan cukup masukan bulan ini.",
        "No release had enough feedback this month.",
    ),
    "method": (
        "Cara membaca: kategori ditetapkan model Suara (dan dikoreksi analis); satu teks bisa punya "
        "beberapa kategori. Angka yang sama tampil di dasbor (Ringkasan, Kantor, Versi aplikasi, "
        "Tanggapan) untuk periode {month}.",
        "How to read: categories are set by Suara's model (and corrected by analysts); a text may have "
        "several. The same figures are on the dashboard (Overview, Offices, App versions, Replies) for "
        "the period {month}.",
    ),
    "page": ("Halaman {n}", "Page {n}"),
}


class Words:
    """The report's labels and formats in one language."""

    def __init__(self, lang: str = "id"):
        if lang not in LANGS:
            raise ValueError(f"--lang {lang!r}: choose id or en")
        self.lang = lang
        self._tax = load_taxonomy()

    def t(self, key: str, **values) -> str:
        text = TEXTS[key][LANGS.index(self.lang)]
        return text.format(**values) if values else text

    def month(self, d: date) -> str:
        return f"{MONTHS[self.lang][d.month - 1]} {d.year}"

    def short_month(self, d: date) -> str:
        return f"{MONTHS[self.lang][d.month - 1][:3]} {d.year % 100:02d}"

    def day(self, d: date) -> str:
        return f"{d.day} {MONTHS[self.lang][d.month - 1]} {d.year}"

    def category(self, cid: str) -> str:
        try:
            return self._tax.get(cid).label(self.lang)
        except KeyError:
            return cid

    def num(self, v) -> str:
        return i18n.num(v, language=self.lang)

    def dec(self, v, digits: int = 2) -> str:
        return i18n.dec(v, digits, language=self.lang)

    def change(self, v, digits: int = 2) -> str:
        """A signed difference: +0,19 or -7; one that rounds to nothing is +0."""
        if v is None or v != v:
            return "–"
        v = round(v, digits) or 0.0  # no "-0,00"
        return ("+" if v >= 0 else "") + i18n.dec(v, digits, language=self.lang)

    def pct(self, v, signed: bool = False) -> str:
        return i18n.pct(v, signed=signed, language=self.lang)

    def pp(self, v) -> str:
        """A change in points; one that rounds to nothing is "+0,0 pp", never "-0,0 pp"."""
        if v is None or v != v:
            return "–"
        return i18n.pp(v if abs(v) >= 0.0005 else 0.0, language=self.lang)

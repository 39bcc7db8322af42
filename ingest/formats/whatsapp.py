"""WhatsApp chat exports (the .txt of "Export chat" without media): citizens' messages as feedback items,
the office's own messages as their replies.

Layouts (the phone's locale decides the date form; checked against chat-miner's ``WhatsAppParser`` and
``WhatsAppDateFormat``, github.com/joweich/chat-miner, chatminer/chatparsers.py, and the Android and iOS
patterns of other public parsers found with the search tool):

- Android: ``12/01/23 09.15 - Nama: teks`` (Indonesian: dots in the time, no comma) or
  ``1/12/23, 9:15 AM - Name: text`` (English US: month first, 12-hour clock);
- iOS: ``[12/01/23 09.15.22] Nama: teks`` or ``[1/12/23, 9:15:22 AM] Name: text``, the time with
  seconds; iOS puts U+200E (left-to-right mark) before system texts and media placeholders, and newer
  versions a narrow no-break space (U+202F) before AM/PM. Android wraps phone numbers shown as sender in
  bidi marks (U+202A .. U+202C).

A line that does not start with such a header continues the message above it (multi-line messages).
Whether the first number is the day or the month is read from the whole file, as chat-miner does: a
first number above 12 means day first, a second above 12 month first; when no day above 12 occurs, a
12-hour clock means the US order (month first) and a 24-hour clock day first. A four-digit first number
is year first. Times are the phone's wall clock, read in ``--tz`` (default Asia/Jakarta).

Dropped: lines without a sender (the end-to-end encryption notice, "X menambahkan Y"), iOS texts that
start with U+200E, media placeholders and deleted messages in both locales; the "edited" mark is cut.

Items: consecutive messages of one citizen are one feedback item (joined by new lines); the office's
messages after it (a sender named by ``--office-sender``: a name, or a number in any spelling,
``0812-...`` or ``+62 812 ...``) are that item's reply, ``replied_at`` being the first of them. A chat
with several senders none of which is the office is refused: the office was named in another spelling,
and its replies would count as complaints. The sender is the record's author, so it becomes the store's salted hash and never reaches the store in
clear. The id is a hash of the salted author, the first message's wall-clock time and its text: a
longer export of the same chat gives the same ids to the same items and adds only the new ones (an item
the citizen wrote more into, or the office answered since, is updated).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from suara.feedback_batch import author_hash

SOURCE = "whatsapp"
DEFAULT_TZ = "Asia/Jakarta"
_HEADER = re.compile(
    r"^\[?(\d{1,4})([./-])(\d{1,2})\2(\d{2,4}),? (\d{1,2})[.:](\d{2})(?:[.:](\d{2}))?"
    r"(?: ?([AaPp])\.? ?[Mm]\.?)?(?:\] | [-\u2013] )(.*)$"
)
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile("[\u00a0\u202f\u2007]")
# Whole-message placeholders (compared case-folded), Indonesian and English, Android and iOS.
_PLACEHOLDERS = {
    "<media tidak disertakan>",
    "<media omitted>",
    "pesan ini telah dihapus",
    "pesan ini dihapus",
    "anda menghapus pesan ini",
    "this message was deleted",
    "you deleted this message",
    "null",
}
_MEDIA = re.compile(
    r"^(?:<(?:attached|lampiran|terlampir): [^>]*>|(?:image|video|audio|sticker|gif|document|contact card)"
    r" omitted|(?:gambar|video|audio|stiker|gif|dokumen|kartu kontak) tidak disertakan)$",
    re.IGNORECASE,
)
_EDITED = re.compile(r"\s*<(?:pesan ini diedit|this message was edited)>\s*$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().-]{8,}$")


class WhatsAppFormatError(ValueError):
    """The file is not a WhatsApp chat export as a whole."""


@functools.lru_cache(maxsize=4096)  # a chat has few senders and many messages
def sender_key(name: str) -> str:
    """One spelling per sender: a phone number as its digits with the country code (0812.. -> 62812..),
    a name case-folded with its spaces collapsed and the bidi marks gone."""
    text = " ".join(_SPACES.sub(" ", _BIDI.sub("", name)).split())
    if _PHONE.match(text) and sum(c.isdigit() for c in text) >= 8:
        digits = "".join(c for c in text if c.isdigit())
        return "62" + digits[1:] if digits.startswith("0") else digits
    return text.casefold()


@dataclass
class _Message:
    line: int
    fields: tuple[str, ...]  # the header's date and time parts, read once the date order is known
    sender: str
    lines: list[str]
    system: bool


@dataclass
class _Item:
    line: int
    author: str
    clock: datetime
    texts: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    replied_at: datetime | None = None


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WhatsAppFormatError(
            f"{path}, line {line}: not valid UTF-8; use the .txt file WhatsApp exported, unchanged"
        ) from None
    return text.splitlines()


def _messages(lines: list[str]) -> tuple[list[_Message], list[tuple[int, str]]]:
    messages: list[_Message] = []
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = _SPACES.sub(" ", raw)
        match = _HEADER.match(line.lstrip("\u200e\u200f\ufeff"))
        if match is None:
            if messages:
                messages[-1].lines.append(raw)
            elif raw.strip():
                errors.append((number, "not a WhatsApp message line (expected a date, a time and a sender)"))
            continue
        rest = match.group(9)
        sender, sep, body = rest.partition(": ")
        system = not sep or body.startswith("\u200e")
        messages.append(_Message(number, match.groups()[:8], sender, [body], system))
    return messages, errors


def _date_order(messages: list[_Message]) -> str:
    """'ymd', 'dmy' or 'mdy' for the whole file (see the module docstring)."""
    if messages and len(messages[0].fields[0]) == 4:
        return "ymd"
    first = max(int(m.fields[0]) for m in messages)
    second = max(int(m.fields[2]) for m in messages)
    if first > 12 and second > 12:
        raise WhatsAppFormatError(
            "the dates mix day-first and month-first forms; export the chat again from one phone"
        )
    if first > 12:
        return "dmy"
    if second > 12:
        return "mdy"
    return "mdy" if any(m.fields[7] for m in messages) else "dmy"


def _clock(fields: tuple[str, ...], order: str) -> datetime:
    a, _sep, b, c, hour, minute, second, half = fields
    year, month, day = {"ymd": (a, b, c), "dmy": (c, b, a), "mdy": (c, a, b)}[order]
    h = int(hour)
    if half:
        if not 1 <= h <= 12:
            raise ValueError(f"the time {hour}:{minute} {half.upper()}M is not a 12-hour time")
        h = h % 12 + (12 if half.lower() == "p" else 0)
    y = int(year)
    try:
        return datetime(y + 2000 if y < 100 else y, int(month), int(day), h, int(minute), int(second or 0))
    except ValueError:
        raise ValueError(
            f"the date {a}{_sep}{b}{_sep}{c} {hour}.{minute} is not a valid date and time"
        ) from None


def _body(message: _Message) -> str | None:
    """The message's text, or None for a placeholder (media, a deleted message)."""
    text = _EDITED.sub("", "\n".join(message.lines)).strip()
    if not text or text.casefold() in _PLACEHOLDERS or _MEDIA.match(_BIDI.sub("", text)):
        return None
    return text


def _items(messages: list[_Message], order: str, office: set[str], errors: list) -> Iterator[_Item]:
    item: _Item | None = None
    for message in messages:
        if message.system:
            continue
        try:
            clock = _clock(message.fields, order)
        except ValueError as exc:
            errors.append((message.line, str(exc)))
            continue
        text = _body(message)
        author = sender_key(message.sender)
        if author in office:
            if item is not None and text is not None:
                item.replies.append(text)
                item.replied_at = item.replied_at or clock
            continue
        if item is not None and (item.author != author or item.replies):
            yield item
            item = None
        if text is None:
            continue
        if item is None:
            item = _Item(message.line, author, clock)
        item.texts.append(text)
    if item is not None:
        yield item


@functools.lru_cache(maxsize=4096)
def _author_hash(author: str, salt: str) -> str:
    return author_hash(author, salt) or ""


def native_id(app_id: str, author: str, clock: datetime, text: str, salt: str) -> str:
    """The item's id: its salted author, its first message's wall-clock time and text."""
    key = "\x1f".join([app_id, _author_hash(author, salt), clock.isoformat(), text])
    return "wa-" + hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def rows(
    path: Path,
    app_id: str,
    salt: str,
    office_senders: Iterable[str],
    office: str | None = None,
    tz: str = DEFAULT_TZ,
) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """The export's feedback items as (line of the first message, record) and its bad lines."""
    office_keys = {sender_key(s) for s in office_senders if s.strip()}
    if not office_keys:
        raise WhatsAppFormatError(
            "--format whatsapp needs --office-sender NAME_OR_NUMBER: the office's own name or number as "
            "the chat shows it, so that its messages count as replies"
        )
    messages, errors = _messages(_lines(path))
    if not messages:
        raise WhatsAppFormatError(
            "no WhatsApp message line found (e.g. '12/01/23 09.15 - Nama: teks'); "
            "export the chat from WhatsApp (Export chat, without media) and import that .txt"
        )
    senders = {sender_key(m.sender) for m in messages if not m.system}
    if len(senders) > 1 and not senders & office_keys:
        # A 1:1 chat the office never wrote in has one sender; more, and none of them the office, means
        # the office's name or number was given in another spelling: its replies would count as complaints.
        raise WhatsAppFormatError(
            f"none of the chat's {len(senders)} senders is the office ({', '.join(sorted(office_senders))}); "
            "give --office-sender as the chat shows the office's name or number"
        )
    order = _date_order(messages)
    zone = ZoneInfo(tz)
    out = []
    for item in _items(messages, order, office_keys, errors):
        raw = {"messages": len(item.texts), "date_order": order}
        if item.replies:
            raw["reply_messages"] = len(item.replies)
        if office:
            raw["office"] = office
        record = {
            "source": SOURCE,
            "native_id": native_id(app_id, item.author, item.clock, item.texts[0], salt),
            "app_id": app_id,
            "text": "\n".join(item.texts),
            "created_at": item.clock.replace(tzinfo=zone).astimezone(UTC),
            "author": item.author,
            "reply_text": "\n".join(item.replies) or None,
            "replied_at": item.replied_at.replace(tzinfo=zone).astimezone(UTC) if item.replied_at else None,
            "raw": raw,
        }
        out.append((item.line, record))
    return out, sorted(errors)

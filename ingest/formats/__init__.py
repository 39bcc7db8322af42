"""The file formats `suara import` reads, one module each: what a format's rows look like and how a row
becomes a normalized record.

- ``canonical``: Suara's own schema as JSON Lines, loaded in one DuckDB pass (the fast path);
- ``mapping``: another tool's columns through a ``--map`` spec, checked before the file is read;
- ``play_dump``: google-play-scraper's review dumps (CSV, JSONL, JSON array), as researchers publish them;
- ``tweet_harvest``: tweet-harvest's CSV, every version's date form;
- ``whatsapp``: WhatsApp chat exports (.txt, Android and iOS, id and en locales): citizens' messages as
  feedback items, the office's messages as their replies.

ingest/files.py reads the file's rows (encodings, line numbers, CSV or JSON) and picks the format.
"""

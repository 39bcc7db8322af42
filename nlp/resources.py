"""Where nlp finds the data people edit: the slang lexicon and the office gazetteer.

nlp imports nothing from suara/, so it locates these files itself. ``DATA_DIR`` is
``$SUARA_NLP_DATA_DIR`` when set, else the repository's data/ next to the nlp package (a checkout or an
editable install). A worker that has nlp without the repository (a wheel on a Spark executor, a process
pool) sets the variable in its environment to a copy of data/, or passes the files to the loaders in
nlp.text and nlp.offices, which read each file once per path.

The variable is read once, when nlp is imported: preprocessing asks for these paths on every text, and
a lookup in os.environ per text would cost more than the rest of the bookkeeping.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SUARA_NLP_DATA_DIR"
DATA_DIR = Path(os.environ.get(ENV_VAR) or Path(__file__).resolve().parent.parent / "data")
SLANG_FILE = DATA_DIR / "lexicon" / "slang.csv"
OFFICES_FILE = DATA_DIR / "offices.csv"

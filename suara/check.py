"""One line of `suara doctor`'s checklist: what was checked, ok / warn / fail, what was found and what to
do. Its own module because the checklist (suara/doctor.py) and the checks of the owner's APIs that it
runs (suara/doctor_api.py, suara/doctor_instagram.py) all make them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Check:
    name: str
    status: str  # ok, warn, fail
    detail: str
    hint: str = ""

"""The audit rows of an import: one `result.add` row per result, as filing it alone writes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.domain.marks import Mark
from bot.domain.models import Athlete
from bot.domain.records import RecordCheck
from bot.services.writes.filing import records_text

if TYPE_CHECKING:
    from bot.services.app import Trackside


class AuditTexts:
    """The `result.add` audit details of an import's rows, as the JSON text the audit log
    stores: what encoding `filing.result_details` of each row's Result gives (with its
    "records", [] when it set none; tests/store/test_import_bulk.py holds them equal),
    without building a Result or a dict per row. A file repeats itself, so each athlete,
    mark, meeting and wind is encoded once per import and a row is a join of fragments.
    One per import; runs in a worker thread."""

    def __init__(self, app: Trackside, at: str):
        self._catalogue = app.catalogue
        # One encoder for all (json.dumps with an option builds one per call); the same
        # text as json.dumps(..., ensure_ascii=False).
        self._encode = json.JSONEncoder(ensure_ascii=False).encode
        self._athletes: dict[int | None, str] = {}
        self._marks: dict[tuple[str, int | None, int, str], str] = {}
        self._meetings: dict[tuple[str, str, str], str] = {}
        self._winds: dict[int | None, str] = {}
        self._mark_texts: dict[tuple[str, int, int], str] = {}
        self._tail = f', "at": {self._encode(at)}, "records": '

    def text(self, row: tuple, athlete: Athlete, check: RecordCheck | None) -> str:
        """A row's details (`csv_import.Staged`, its athlete with their id, and what its
        record check found, if it had one)."""
        (day, _, _, event_key, _, venue, mark, hand, wind, _, competition, _, _, _, _, status,
         _, splits) = row  # fmt: skip
        encode = self._encode
        who = self._athletes.get(athlete.id)
        if who is None:
            who = self._athletes[athlete.id] = (
                f'{{"athlete": {encode(athlete.name)}, "nation": {encode(athlete.nation)}'
            )
        performed = self._marks.get(at := (event_key, mark, hand, status))
        if performed is None:
            shown = self._mark(event_key, mark, hand) if mark is not None else status
            performed = self._marks[at] = f', "event": {encode(event_key)}, "mark": {encode(shown)}'
        meeting = self._meetings.get(where := (venue, day, competition))
        if meeting is None:
            meeting = self._meetings[where] = (
                f', "venue": {encode(venue)}, "date": {encode(day)}, '
                f'"competition": {encode(competition)}, "wind": '
            )
        blown = self._winds.get(wind)
        if blown is None:
            blown = self._winds[wind] = encode(wind)
        split_text = (
            encode({key: self._mark(key, value, split_hand) for key, value, split_hand in splits})
            if splits
            else "{}"
        )
        records = encode(records_text(check)) if check is not None and check.breaks else "[]"
        return f'{who}{performed}{meeting}{blown}, "splits": {split_text}{self._tail}{records}}}'

    def _mark(self, event: str, value: int, hand: int) -> str:
        text = self._mark_texts.get(key := (event, value, hand))
        if text is None:
            text = self._mark_texts[key] = str(
                Mark(value, self._catalogue.get(event).unit, bool(hand))
            )
        return text

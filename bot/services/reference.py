"""The reference tables shipped in data/: the event catalogue, the nations, and what the
shipped record lists are current to."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.domain.answers import ListSource, data_age
from bot.domain.catalogue import EventCatalogue
from bot.domain.nations import NationTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reference:
    """The reference tables shipped in data/: events and nations."""

    catalogue: EventCatalogue
    nations: NationTable
    sources: tuple[ListSource, ...] = ()  # what the shipped record lists are current to

    @classmethod
    def load(cls, data_dir: Path) -> Reference:
        return cls(
            catalogue=EventCatalogue.from_csv_text(
                (data_dir / "events.csv").read_text(encoding="utf-8")
            ),
            nations=NationTable.from_csv_text(
                (data_dir / "nations.csv").read_text(encoding="utf-8")
            ),
            sources=_list_sources(data_dir / "records" / "sources.csv"),
        )

    @property
    def data_age(self) -> str:
        return data_age(self.sources)


def _list_sources(path: Path) -> tuple[ListSource, ...]:
    """data/records/sources.csv (name,as_of,source,notes); () when absent. A row with an
    unreadable date is left out with a warning rather than stopping the bot."""
    if not path.is_file():
        return ()
    sources = []
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
        try:
            as_of = date.fromisoformat((row.get("as_of") or "").strip())
        except ValueError:
            log.warning("%s: bad as_of %r for %r", path, row.get("as_of"), row.get("name"))
            continue
        sources.append(
            ListSource(
                name=(row.get("name") or "").strip() or "record lists",
                as_of=as_of,
                source=(row.get("source") or "").strip(),
                notes=(row.get("notes") or "").strip(),
            )
        )
    return tuple(sources)

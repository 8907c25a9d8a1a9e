"""Exporting every result as CSV, in the columns `import` reads, so a store round-trips.

Free-text cells that a spreadsheet would run as a formula get a leading quote
(`bot.services.spreadsheet`); `import` takes it off again."""

from __future__ import annotations

import csv
import io

from bot.domain.marks import format_wind
from bot.services.app import Trackside
from bot.services.spreadsheet import FREE_TEXT_COLUMNS, spreadsheet_safe
from bot.services.writes import IMPORT_COLUMNS


async def export_csv(app: Trackside) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=IMPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in await app.results.everything():
        row = {
            "athlete": result.athlete.name,
            "nation": result.athlete.nation or "",
            "sex": result.sex.label,
            "event": result.event.key,
            "mark": str(result.mark) if result.mark else result.status.value.upper(),
            "venue": result.venue.value,
            "date": result.date.isoformat(),
            "competition": result.competition,
            "city": result.city or "",
            "country": result.country or "",
            "round": result.round,
            "place": str(result.place or ""),
            "wind": format_wind(result.wind),
            "splits": ", ".join(f"{s.event.key}={s.mark}" for s in result.splits),
            "source": result.source,
        }
        for column in FREE_TEXT_COLUMNS:
            row[column] = spreadsheet_safe(row[column])
        writer.writerow(row)
    return buffer.getvalue()

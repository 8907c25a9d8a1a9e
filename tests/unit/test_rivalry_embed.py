"""/rivalry's embed: a meeting per line, newest first, as many as fit in the field, then
how many more there are; the lines that cannot show are never written out."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.answers import Meeting, Outcome, RivalryAnswer
from bot.domain.events import Sex, Venue
from bot.domain.marks import parse_mark
from bot.domain.models import Athlete, Result, ResultStatus
from bot.render.discord_embeds import FIELD_VALUE_LIMIT, day_text
from bot.render.embeds_athletes import rivalry_embed

KERR = Athlete(1, "Josh Kerr", "GBR", Sex.MEN)
HOSTILE = Athlete(2, "*Jakob* <@123> [x](https://e.x)", "NOR", Sex.MEN)


def _answer(catalogue, count: int) -> RivalryAnswer:
    mile = catalogue.get("mile")
    meetings = []
    for i in range(count):
        day = date(2025, 6, 1) - timedelta(days=7 * i)
        common = dict(
            event=mile,
            sex=Sex.MEN,
            venue=Venue.OUTDOOR,
            date=day,
            competition=f"Meet {i % 3} @everyone **bold**",
            round="final" if i % 2 else "",
        )
        first = Result(athlete=KERR, mark=parse_mark("3:47.00", mile), place=1, **common)
        second = (
            Result(athlete=HOSTILE, mark=None, status=ResultStatus.DNF, **common)
            if i % 5 == 4
            else Result(athlete=HOSTILE, mark=parse_mark("3:48.00", mile), place=2, **common)
        )
        outcome = Outcome.FIRST if i % 7 else Outcome.SECOND
        meetings.append(Meeting(first, second, outcome))
    return RivalryAnswer(
        first=KERR,
        second=HOSTILE,
        first_flag="",
        second_flag="",
        meetings=tuple(meetings),
        wins=(count, 0),
        ties=0,
        bests=(),
        first_records=(),
        second_records=(),
        today=date(2026, 1, 1),
    )


def _meetings_field(answer: RivalryAnswer) -> str:
    embed = rivalry_embed(answer)
    (value,) = [f.value for f in embed.fields if f.name == "Meetings"]
    assert value is not None and len(value) <= FIELD_VALUE_LIMIT
    return value


def test_every_meeting_shows_while_they_fit(catalogue):
    lines = _meetings_field(_answer(catalogue, 3)).split("\n")
    assert len(lines) == 3
    assert lines[0].startswith(f"{day_text(date(2025, 6, 1))} · Mile · Meet 0 @\u200beveryone")
    assert "\\*\\*bold\\*\\*" in lines[0] and "final" not in lines[0]
    assert lines[1].endswith("3:47.00 (1) vs 3:48.00 (2) → Josh Kerr")
    assert " final: " in lines[1]
    assert lines[0].endswith("→ \\*Jakob\\* <\u200b@\u200b123> \\[x\\](https\\://e.x)")


def test_a_long_rivalry_shows_what_fits_and_counts_the_rest(catalogue):
    for count in (10, 11, 12, 40, 200):
        answer = _answer(catalogue, count)
        lines = _meetings_field(answer).split("\n")
        shown = lines[:-1]
        if not lines[-1].startswith("… and "):
            assert len(lines) == count
            continue
        assert lines[-1] == f"… and {count - len(shown)} more"
        assert len(shown) >= 8  # about a hundred characters a line
        for i, line in enumerate(shown):
            assert line.startswith(day_text(answer.meetings[i].first.date))
            assert ("DNF" in line) == (i % 5 == 4)

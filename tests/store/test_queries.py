"""Read services on a real seeded SQLite store."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.answers import Outcome, TopListBy
from bot.domain.events import Sex, Venue
from bot.domain.marks import parse_mark
from bot.domain.models import Result, Split
from bot.domain.records import BreakKind, format_stood, record_breaks_for, record_keys_for
from bot.services.app import Trackside
from bot.services.errors import AmbiguousError, InvalidInputError, NotFoundError
from tests.conftest import TODAY


async def test_record_mile_indoor_answers_men_and_women(app):
    answer = await app.record("mile", Venue.INDOOR)
    men, women = answer.lines
    holder = men.entry
    assert (men.key.sex, str(holder.mark), holder.athlete.name) == (
        Sex.MEN, "3:45.14", "Jakob Ingebrigtsen",
    )  # fmt: skip
    assert holder.athlete.nation == "NOR"
    assert holder.city == "Liévin" and holder.date == date(2025, 2, 13)
    assert format_stood(men.stood) == "1 year 9 months"
    assert (women.key.sex, str(women.entry.mark)) == (Sex.WOMEN, "4:13.31")
    assert women.entry.athlete.name == "Genzebe Dibaba"


async def test_record_accepts_every_way_to_name_the_event(app):
    for text in ("mile", "1 mile", "the mile", "Mile", "MILE"):
        answer = await app.record(text, Venue.INDOOR, Sex.MEN)
        assert str(answer.lines[0].entry.mark) == "3:45.14"
    answer = await app.record("metric mile", Venue.INDOOR, Sex.MEN)
    assert str(answer.lines[0].entry.mark) == "3:29.63"


async def test_record_without_venue_lists_both_lists(app):
    answer = await app.record("pole vault", sex=Sex.MEN)
    assert [(line.key.list, str(line.entry.mark)) for line in answer.lines] == [
        (Venue.OUTDOOR, "6.31"),
        (Venue.INDOOR, "6.31"),
    ]
    assert answer.lines[0].entry.status.value == "pending"


async def test_unknown_event_suggests(app):
    with pytest.raises(NotFoundError, match="did you mean marathon"):
        await app.record("marathonn")


async def test_scope_with_nothing_on_file_says_so(app):
    # The national lists put a Norwegian indoor mile record on file (Ingebrigtsen's
    # 3:45.14); Iceland has none in them.
    with pytest.raises(NotFoundError, match=r"No Icelandic .*record is on file"):
        await app.record("mile", Venue.INDOOR, Sex.MEN, "ISL")
    with pytest.raises(NotFoundError, match="Unknown scope"):
        await app.record("mile", Venue.INDOOR, Sex.MEN, "Atlantis")


async def test_sex_the_event_does_not_have(app):
    with pytest.raises(NotFoundError, match="not a women's event"):
        await app.record("110mh", sex=Sex.WOMEN)


async def test_progression_has_margins_and_how_long_each_stood(app):
    answer = await app.progression("mile", Venue.INDOOR, Sex.MEN)
    rows = answer.rows
    assert len(rows) == 9
    assert rows[0].margin is None
    nuguse, ingebrigtsen = rows[-2], rows[-1]
    assert nuguse.margin == 38 and format_stood(nuguse.stood) == "5 days"
    assert ingebrigtsen.margin == 149 and ingebrigtsen.stood is None and ingebrigtsen.current


async def test_records_list(app):
    answer = await app.records(Venue.INDOOR, Sex.WOMEN)
    events = [line.event.key for line in answer.lines]
    assert "mile" in events and "60m" in events
    assert all(line.key.sex is Sex.WOMEN for line in answer.lines)
    outdoor = await app.records(Venue.OUTDOOR)
    assert len(outdoor.lines) > len(answer.lines)


async def test_athlete_profile(app):
    answer = await app.athlete_profile("ingebrigtsen")
    assert answer.athlete.name == "Jakob Ingebrigtsen"
    assert answer.age == 26 and answer.flag == "🇳🇴"
    pbs = {(r.event.key, r.venue): str(r.mark) for r in answer.personal_bests}
    assert pbs[("mile", Venue.INDOOR)] == "3:45.14"
    # The area lists put his European record (3:26.73, Monaco, 12 Jul 2024) on file: his PB.
    assert pbs[("1500m", Venue.OUTDOOR)] == "3:26.73"
    held = {(h.event.key, h.key.list) for h in answer.records}
    assert ("mile", Venue.INDOOR) in held and ("1500m", Venue.INDOOR) in held
    assert answer.latest[0].date == date(2025, 2, 13)


@pytest.mark.parametrize(
    "text", ["Jakob Ingebrigtsen", "jakob ingebrigtsen", "INGEBRIGTSEN", "Ingebrigtsen (NOR)"]
)
async def test_athlete_search_is_case_and_accent_insensitive(app, text):
    assert (await app.athlete_profile(text)).athlete.name == "Jakob Ingebrigtsen"


async def test_accented_names_are_found_without_accents(app):
    assert app.athlete("narve gilje nordas").name == "Narve Gilje Nordås"


async def test_unknown_and_hostile_athlete_names(app):
    with pytest.raises(NotFoundError, match="did you mean Jakob Ingebrigtsen"):
        await app.athlete_profile("Ingebrigtsenn")
    for hostile in ("@everyone", "**bold** `code`", "x" * 500, "'; DROP TABLE results; --"):
        with pytest.raises(NotFoundError) as err:
            await app.athlete_profile(hostile)
        assert len(str(err.value)) < 200
    assert (await app.db.counts())["results"] > 0


async def test_ambiguous_athlete(app):
    with pytest.raises(AmbiguousError, match="several athletes"):
        app.athlete("Jo")


async def test_rivalry(app):
    answer = await app.rivalry("Ingebrigtsen", "Nuguse")
    # The Eugene 2023 mile set both athletes' area records (Ingebrigtsen's European,
    # Nuguse's North American), so the record lists put that race on file too.
    assert len(answer.meetings) == 2
    meeting = next(m for m in answer.meetings if m.first.competition == "Olympic Games Paris")
    assert meeting.outcome is Outcome.SECOND  # Nuguse 3rd, Ingebrigtsen 4th
    eugene = next(m for m in answer.meetings if m is not meeting)
    assert eugene.first.date == date(2023, 9, 16) and eugene.outcome is Outcome.FIRST
    assert answer.wins == (1, 1)
    shared = {(b.event.key, b.venue) for b in answer.bests}
    assert ("mile", Venue.INDOOR) in shared
    with pytest.raises(InvalidInputError):
        await app.rivalry("Ingebrigtsen", "Jakob Ingebrigtsen")


async def test_toplist_performances_and_performers(app):
    answer = await app.top_list("1500m", Venue.OUTDOOR, Sex.MEN, 2024)
    # Ingebrigtsen's European record (Monaco, 12 Jul 2024) is on file from the area lists.
    assert [str(r.result.mark) for r in answer.rows[:3]] == ["3:26.73", "3:27.65", "3:27.79"]
    assert [r.result.athlete.name for r in answer.rows[:2]] == ["Jakob Ingebrigtsen", "Cole Hocker"]
    mile = await app.top_list("mile", Venue.INDOOR, Sex.MEN, by=TopListBy.PERFORMERS)
    names = [r.result.athlete.name for r in mile.rows]
    assert len(names) == len(set(names))
    assert names[0] == "Jakob Ingebrigtsen"
    empty = await app.top_list("1500m", Venue.OUTDOOR, Sex.MEN, 1990)
    assert empty.rows == ()
    with pytest.raises(InvalidInputError, match="out of range"):
        await app.top_list("1500m", year=3000)


async def test_lievin_against_the_store_as_it_stood_that_morning(tmp_path):
    from bot.config import Settings

    app = await Trackside.open(
        Settings(database_path=tmp_path / "t.db"), as_of=date(2025, 2, 12), today=lambda: TODAY
    )
    try:
        mile, m1500 = app.event("mile"), app.event("1500m")
        athlete = app.athlete("Jakob Ingebrigtsen")
        result = Result(
            athlete=athlete,
            event=mile,
            sex=Sex.MEN,
            venue=Venue.INDOOR,
            mark=parse_mark("3:45.14", mile),
            date=date(2025, 2, 13),
            competition="Meeting Hauts-de-France Pas-de-Calais",
            splits=(Split(m1500, parse_mark("3:29.63", m1500)),),
        )
        area = app.nations.area_of(athlete.nation)
        on_file = app.book.on_file(record_keys_for(result, area))
        check = record_breaks_for(result, on_file, area=area)
        assert [
            (b.key.event_key, b.kind, str(b.previous_entry.mark), b.margin) for b in check.breaks
        ] == [
            ("mile", BreakKind.BREAKS, "3:46.63", 149),
            ("1500m", BreakKind.BREAKS, "3:30.60", 97),
        ]
        assert format_stood(check.breaks[0].stood) == "5 days"
        assert check.breaks[0].previous_entry.athlete.name == "Yared Nuguse"
    finally:
        await app.close()


async def test_suggestions_are_bounded(app):
    assert len(app.suggest_events("")) <= 25
    assert app.suggest_events("mil")[0].key == "mile"
    assert app.suggest_athletes("inge")[0].name == "Jakob Ingebrigtsen"
    assert len(app.suggest_athletes("")) <= 25
    scopes = app.suggest_scopes("nor")
    assert any(s.scope.code == "NOR" for s in scopes)
    assert len(app.suggest_scopes("")) <= 25


async def test_men_and_women_at_one_meeting_never_met(app):
    from bot.services.writes import Actor, ResultDraft, Writes

    # A women's 1500 m final at the same Games, day and round as the men's.
    await Writes(app).add_result(
        ResultDraft(
            athlete="Test Runner",
            nation="KEN",
            sex="women",
            event="1500m",
            mark="3:51.29",
            venue="outdoor",
            date="2024-08-06",
            competition="Olympic Games Paris",
            round="final",
        ),
        Actor(user_id=None),
    )
    answer = await app.rivalry("Jakob Ingebrigtsen", "Test Runner")
    assert answer.meetings == ()
    # Paris 2024 and the Eugene 2023 mile (both athletes' area records, on file).
    assert len((await app.rivalry("Jakob Ingebrigtsen", "Yared Nuguse")).meetings) == 2


async def test_performers_list_keeps_each_athletes_best_line(app):
    performances = await app.top_list("mile", Venue.INDOOR, Sex.MEN)
    performers = await app.top_list("mile", Venue.INDOOR, Sex.MEN, by=TopListBy.PERFORMERS)
    first_lines = {}
    for row in performances.rows:
        first_lines.setdefault(row.result.athlete.id, row.result.id)
    expected = list(first_lines.values())[:25]
    # With the record lists on file the performances page can end before the 25th
    # performer's first line: every performer it reaches must match, in order.
    assert 0 < len(expected) <= len(performers.rows) <= 25
    assert [r.result.id for r in performers.rows][: len(expected)] == expected


async def test_progression_answer_follows_writes(tmp_path):
    from bot.config import Settings
    from bot.services.writes import Actor, ResultDraft, Writes

    app = await Trackside.open(
        Settings(database_path=tmp_path / "t.db"), as_of=date(2025, 2, 7), today=lambda: TODAY
    )
    try:
        before = await app.progression("mile", Venue.INDOOR, Sex.MEN)
        assert before is await app.progression("mile", Venue.INDOOR, Sex.MEN)  # cached
        await Writes(app).add_result(
            ResultDraft(
                athlete="Yared Nuguse",
                event="mile",
                mark="3:46.63",
                venue="indoor",
                date="2025-02-08",
                competition="Millrose Games",
            ),
            Actor(user_id=None),
        )
        after = await app.progression("mile", Venue.INDOOR, Sex.MEN)
        assert len(after.rows) == len(before.rows) + 1
        assert str(after.rows[-1].entry.mark) == "3:46.63"
    finally:
        await app.close()

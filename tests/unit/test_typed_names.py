"""Names as fans type them: athletes (exact surname first, fuzzy without freezing), scopes
(areas and nations by name, adjective or code; meetings; typos), venues in the terminal."""

from __future__ import annotations

import pytest

from bot.domain.events import Sex, Venue
from bot.domain.models import Athlete, RecordScope, ScopeKind
from bot.services.athletes import AthleteIndex
from bot.services.errors import AmbiguousError, InvalidInputError, NotFoundError
from bot.services.scopes import ScopeResolver
from bot.terminal import Terminal, parse_venue, split_command


def _athlete(athlete_id: int, name: str, nation: str = "USA") -> Athlete:
    return Athlete(id=athlete_id, name=name, nation=nation, sex=Sex.MEN)


@pytest.fixture
def index() -> AthleteIndex:
    return AthleteIndex(
        [
            _athlete(1, "Kerron Clement"),
            _athlete(2, "Josh Kerr", "GBR"),
            _athlete(3, "Cole Hocker"),
            _athlete(4, "Jakob Ingebrigtsen", "NOR"),
            _athlete(5, "Henrik Ingebrigtsen", "NOR"),
            _athlete(6, "Filip Ingebrigtsen", "NOR"),
            _athlete(7, "Yared Nuguse"),
        ]
    )


def test_an_exact_surname_beats_names_it_only_starts(index):
    assert index.resolve("kerr").name == "Josh Kerr"
    assert index.resolve("Kerr").name == "Josh Kerr"
    assert index.resolve("kerro").name == "Kerron Clement"  # a prefix of one name only
    assert [a.name for a in index.suggest("kerr")] == ["Josh Kerr", "Kerron Clement"]


def test_several_exact_surnames_stay_ambiguous(index):
    with pytest.raises(AmbiguousError, match="matches several athletes"):
        index.resolve("ingebrigtsen")
    assert index.resolve("jakob ingebrigtsen").id == 4
    assert index.resolve("j ingebrigtsen").id == 4


def test_among_equal_name_matches_the_clear_leader_on_file_is_meant():
    athletes = [
        _athlete(1, "Josh Kerr", "GBR"),
        _athlete(2, "Hamish Kerr", "NZL"),
        _athlete(3, "Stu Foo Kerr", "SGP"),
        _athlete(4, "Jakob Ingebrigtsen", "NOR"),
        _athlete(5, "Henrik Ingebrigtsen", "NOR"),
        _athlete(6, "Filip Ingebrigtsen", "NOR"),
        _athlete(7, "Ann Twin", "USA"),
        _athlete(8, "Bea Twin", "CAN"),
    ]
    # (world, area, national records, results): a world record outranks any number of
    # area records, an area record any number of national ones, records any results.
    prominence = {
        1: (1, 0, 3, 4),
        2: (0, 1, 9, 30),
        3: (0, 0, 1, 1),
        4: (5, 6, 7, 12),
        5: (0, 0, 2, 40),
        6: (0, 0, 1, 3),
        7: (0, 0, 2, 5),
        8: (0, 0, 2, 5),
    }
    index = AthleteIndex(athletes, prominence=prominence)
    assert index.resolve("kerr").name == "Josh Kerr"
    assert index.resolve("ingebrigtsen").name == "Jakob Ingebrigtsen"
    assert index.resolve("filip ingebrigtsen").id == 6  # a full name still names its athlete
    with pytest.raises(AmbiguousError, match=r"Ann Twin .*Bea Twin|Bea Twin .*Ann Twin"):
        index.resolve("twin")  # no clear leader: still ambiguous


def test_typos_get_a_suggestion_and_nonsense_does_not(index):
    with pytest.raises(NotFoundError, match="did you mean Yared Nuguse"):
        index.resolve("Yared Nugsue")
    with pytest.raises(NotFoundError, match="check the spelling"):
        index.resolve("Zzyzx Qwerty")
    assert index.suggest("Yared Nugsue")[0].name == "Yared Nuguse"


def test_the_word_index_follows_renames_and_new_athletes(index):
    index.add(_athlete(3, "Cole Hockerman"))
    index.add(_athlete(8, "Niels Laros", "NED"))
    assert index.resolve("laros").id == 8
    assert index.resolve("hockerman").id == 3
    assert [a.id for a in index.suggest("hocker")] == [3]
    index.add(_athlete(3, "Cole Smith"))
    with pytest.raises(NotFoundError):
        index.resolve("hockerman")  # the old name's words are gone
    assert index.resolve("smith").id == 3


def test_a_new_name_with_a_word_twice_is_indexed_once_per_word(index):
    """(A new athlete's words are not looked for in the word's whole list of ids.)"""
    index.add(_athlete(10, "Lee Lee", "KOR"))
    index.add(_athlete(11, "Lee Park", "KOR"))
    assert [a.id for a in index.suggest("lee")] == [10, 11]
    index.add(_athlete(10, "Kim Ha", "KOR"))  # renamed: each of its words goes, once
    assert index.resolve("lee").id == 11


def test_first_keystrokes_follow_renames_and_new_athletes(index):
    """The one- and two-letter prefixes are kept between keystrokes, and kept right."""
    assert {a.id for a in index.suggest("h")} == {3, 5}
    assert {a.id for a in index.suggest("ho")} == {3}
    index.add(_athlete(3, "Cole Smith"))  # Hocker no more
    index.add(_athlete(8, "Hobbs Holm"))
    index.add(_athlete(9, "Zed Zane"))
    assert {a.id for a in index.suggest("h")} == {5, 8}
    assert {a.id for a in index.suggest("ho")} == {8}
    assert {a.id for a in index.suggest("sm")} == {3}
    assert {a.id for a in index.suggest("z")} == {9}
    index.add(_athlete(8, "Hal Brown"))  # keeps an "h" word, loses its "ho" ones
    assert {a.id for a in index.suggest("h")} == {5, 8}
    assert [a.id for a in index.suggest("ho")] == []


def test_hostile_queries_cost_nothing(index):
    assert index.suggest("a" * 10_000) == []
    assert len(index.suggest("<@123> ||x||")) <= 25
    with pytest.raises(NotFoundError):
        index.resolve("‮" + "x" * 5000)


@pytest.fixture(scope="module")
def scopes(reference) -> ScopeResolver:
    return ScopeResolver(reference.nations)


@pytest.mark.parametrize(
    ("typed", "kind", "code"),
    [
        ("europe", ScopeKind.AREA, "EUR"),
        ("European", ScopeKind.AREA, "EUR"),
        ("EUR", ScopeKind.AREA, "EUR"),
        ("European record", ScopeKind.AREA, "EUR"),
        ("Norway", ScopeKind.NATION, "NOR"),
        ("Norwegian", ScopeKind.NATION, "NOR"),
        ("NOR", ScopeKind.NATION, "NOR"),
        ("nor", ScopeKind.NATION, "NOR"),
        ("world", ScopeKind.WORLD, "world"),
    ],
)
def test_scopes_as_fans_type_them(scopes, typed, kind, code):
    info = scopes.resolve(typed)
    assert (info.scope.kind, info.scope.code) == (kind, code)


def test_a_meeting_on_file_by_its_name_with_or_without_the_year(scopes):
    millrose = RecordScope(ScopeKind.MEETING, "Millrose Games")
    for typed in ("Millrose Games", "millrose games", "Millrose Games 2025"):
        assert scopes.resolve(typed, [millrose]).scope == millrose
    with pytest.raises(NotFoundError, match="did you mean Millrose Games"):
        scopes.resolve("Milrose Games", [millrose])


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("eurpoe", "Europe"),
        ("Norwegain", "Norwegian"),
        ("Nrway", "Norway"),
        ("indor", "indoor"),  # a venue where the scope goes
        ("outdor", "outdoor"),
    ],
)
def test_scope_typos_get_a_suggestion(scopes, typed, meant):
    with pytest.raises(NotFoundError, match=f"did you mean {meant}\\?"):
        scopes.resolve(typed)


def test_a_meeting_named_before_any_of_its_records_is_on_file(scopes):
    for typed, code in [
        ("Millrose Games", "Millrose Games"),
        ("Bislett Games 2025", "Bislett Games"),
        ("  Weltklasse   Zürich ", "Weltklasse Zürich"),
    ]:
        info = scopes.resolve(typed, [])
        assert (info.scope.kind, info.scope.code) == (ScopeKind.MEETING, code)
    with pytest.raises(NotFoundError, match="did you mean indoor"):
        scopes.resolve("Indoor")  # one word is no meeting's name


@pytest.mark.parametrize("kind", ["area", "nation", "meeting"])
def test_a_scope_kind_typed_literally_says_what_to_name(scopes, kind):
    with pytest.raises(NotFoundError, match=f"'{kind}' is a kind of scope — name a"):
        scopes.resolve(kind)


def test_unknown_scope_without_anything_close(scopes):
    with pytest.raises(NotFoundError, match="use world, an area"):
        scopes.resolve("qqqqqq")
    with pytest.raises(NotFoundError):
        scopes.resolve("x" * 5000)


def test_venues_in_the_terminal():
    assert parse_venue("short track") is Venue.INDOOR
    with pytest.raises(InvalidInputError, match="did you mean indoor"):
        parse_venue("indor")
    _, options = split_command("/record mile short track men")
    assert options == {"venue": "short track", "sex": "men", "_words": "mile"}
    _, options = split_command("/record short track mile")
    assert options == {"venue": "short track", "_words": "mile"}


async def test_terminal_answers_as_fans_type(app):
    terminal = Terminal(app)
    answer = await terminal.answer("/record mile short track men")
    assert all(line.key.list is Venue.INDOOR for line in answer.lines)
    rivalry = await terminal.answer("/rivalry kerr hocker")
    assert {rivalry.first.name, rivalry.second.name} == {"Josh Kerr", "Cole Hocker"}
    with pytest.raises(NotFoundError, match="did you mean indoor"):
        await terminal.answer("/record mile indor")


def test_a_one_letter_query_ranks_exactly_among_thousands():
    many = [_athlete(i, f"Kaa{i:04d} Zed") for i in range(1, 1200)]
    index = AthleteIndex([*many, _athlete(5000, "Ko Lee"), _athlete(5001, "Ann K")])
    names = [a.name for a in index.suggest("k", 5)]
    # The whole word first, then the shortest names that start with it.
    assert names == ["Ann K", "Ko Lee", "Kaa0001 Zed", "Kaa0002 Zed", "Kaa0003 Zed"]
    index.add(_athlete(5002, "Kb"))
    index.add(_athlete(5000, "Kaa Lee"))  # renamed: the word and length indexes follow
    assert [a.name for a in index.suggest("k", 3)] == ["Ann K", "Kb", "Kaa Lee"]
    assert [a.name for a in index.suggest("ka", 2)] == ["Kaa Lee", "Kaa0001 Zed"]
    assert len(index.suggest("zed", 25)) == 25

"""/toplist: the best legal marks on file for an event — races and the splits inside
longer ones in one list — all-time or one year, by performance or by performer."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from bot.domain.answers import TopListAnswer, TopListBy, TopListRow
from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark, compare
from bot.domain.models import Result
from bot.services.errors import InvalidInputError
from bot.services.record_lists import SEX_ORDER, sexes_of

if TYPE_CHECKING:
    from bot.services.app import Trackside


async def top_list(
    app: Trackside,
    event_text: str,
    venue: Venue | None = None,
    sex: Sex | None = None,
    year: int | None = None,
    by: TopListBy = TopListBy.PERFORMANCES,
    limit: int = 25,
) -> TopListAnswer:
    """/toplist: best legal marks on file, all-time or one year, performances or performers.
    Kept warm until the next write (`bot.services.warm`)."""
    asked = ("toplist", event_text, venue, sex, year, by, limit, app.today())
    return await app.warm.answer(
        asked, lambda: _read_top_list(app, event_text, venue, sex, year, by, limit)
    )


async def _read_top_list(
    app: Trackside,
    event_text: str,
    venue: Venue | None,
    sex: Sex | None,
    year: int | None,
    by: TopListBy,
    limit: int,
) -> TopListAnswer:
    event = app.event(event_text)
    if sex is None:
        sex = next(s for s in SEX_ORDER if s in event.sexes)
    else:
        sexes_of(event, sex)
    if year is not None and not 1800 <= year <= app.today().year:
        raise InvalidInputError(
            f"Year {year} is out of range — give a year from 1800 to {app.today().year}."
        )
    # Whole races and the splits inside longer ones, from one description of the list.
    wanted = _Wanted(
        lower_is_better=event.lower_is_better,
        venue=venue,
        year=year,
        performers=by is TopListBy.PERFORMERS,
        limit=limit,
    )
    results, splits = await app.results.top_list_with_splits(event.key, sex, **wanted)
    merged = _merge_marks(event, results, splits, performers=by is TopListBy.PERFORMERS)
    merged = merged[:limit]
    ranks = _ranks([r for r, _ in merged], event)
    flags: dict[str | None, str] = {}
    rows = []
    for rank, (r, split_of) in zip(ranks, merged, strict=True):
        nation = r.athlete.nation
        flag = flags.get(nation)
        if flag is None:
            flag = flags[nation] = app.flag(nation)
        rows.append(TopListRow(rank, r, flag, split_of))
    notes: tuple[str, ...] = ("Wind-aided, hand-timed and invalid marks are left out.",)
    if any(split_of for _, split_of in merged):
        notes += ("Splits (times passed inside a longer race) are marked as such.",)
    return TopListAnswer(event, sex, venue, year, by, tuple(rows), app.today(), notes)


class _Wanted(TypedDict):
    """What a top list asks the store for, races and splits alike."""

    lower_is_better: bool
    venue: Venue | None
    year: int | None
    performers: bool
    limit: int


def _mark(result: Result) -> Mark:
    """A top list's result has a mark: the store lists legal, valid marks only."""
    if result.mark is None:
        raise ValueError(f"result {result.id} on a top list has no mark")
    return result.mark


def _merge_marks(
    event: Event,
    results: list[Result],
    splits: list[tuple[Result, Event]],
    *,
    performers: bool,
) -> list[tuple[Result, Event | None]]:
    """Race marks and split marks in one list, best first (earlier first on equal marks);
    with `performers`, each athlete's best of either kind once."""
    merged: list[tuple[Result, Event | None]] = [(r, None) for r in results]
    merged += splits
    merged.sort(
        key=lambda item: (
            _mark(item[0]).value if event.lower_is_better else -_mark(item[0]).value,
            item[0].date,
            item[1] is not None,
        )
    )
    if not performers:
        return merged
    seen: set[int] = set()
    kept = []
    for item in merged:
        if item[0].athlete.id not in seen:
            seen.add(item[0].athlete.id)
            kept.append(item)
    return kept


def _ranks(results: list[Result], event: Event) -> list[int]:
    """Competition ranking of a best-first list, in one pass: equal marks (adjacent in
    it) share a rank (1, 2, 2, 4)."""
    ranks: list[int] = []
    for i, result in enumerate(results):
        same = i > 0 and compare(event, _mark(results[i - 1]), _mark(result)) == 0
        ranks.append(ranks[-1] if same else i + 1)
    return ranks

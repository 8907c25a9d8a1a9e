"""/toplist: the best legal marks on file for an event — races and the splits inside
longer ones in one list — all-time or one year, by performance or by performer.

A list is read a page at a time (`top_list_page`): only the lines on screen are read
whole, the lines before them as keys from the indexes (for their ranks and their order).
`TopListPages` turns the pages of one list for one person, and never shows a page of a
list that changed since the pages before it were read (no line twice, none skipped)."""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from bot.domain.answers import TopListAnswer, TopListBy, TopListPage, TopListRow
from bot.domain.events import Event, Sex, Venue
from bot.services.errors import InvalidInputError
from bot.services.record_lists import SEX_ORDER, sexes_of

if TYPE_CHECKING:
    from bot.services.app import Trackside
    from bot.store.repositories.toplists import LineKey

PER_PAGE = 15  # lines on a page of /toplist
LIST_LENGTH = 100  # lines of /toplist at most, over its pages


async def top_list(
    app: Trackside,
    event_text: str,
    venue: Venue | None = None,
    sex: Sex | None = None,
    year: int | None = None,
    by: TopListBy = TopListBy.PERFORMANCES,
    limit: int = 25,
) -> TopListAnswer:
    """/toplist: best legal marks on file, all-time or one year, performances or performers,
    its first `limit` lines. Kept warm until the next write (`bot.services.warm`)."""
    asked = ("toplist", event_text, venue, sex, year, by, limit, app.today())
    return await app.warm.answer(
        asked, lambda: _read_lines(app, event_text, venue, sex, year, by, 0, limit)
    )


async def top_list_page(
    app: Trackside,
    event_text: str,
    venue: Venue | None = None,
    sex: Sex | None = None,
    year: int | None = None,
    by: TopListBy = TopListBy.PERFORMANCES,
    index: int = 0,
    per_page: int = PER_PAGE,
    limit: int = LIST_LENGTH,
) -> TopListAnswer:
    """Page `index` (from 0) of the list `top_list` gives `limit` lines of, with the ranks
    those lines have in the whole list. Each page kept warm until the next write."""
    if index < 0 or index * per_page >= max(limit, 1):
        raise ValueError(f"page {index} of a {limit}-line list of {per_page} a page")
    asked = ("toplist page", event_text, venue, sex, year, by, index, per_page, limit, app.today())
    start, stop = index * per_page, min((index + 1) * per_page, limit)
    return await app.warm.answer(
        asked,
        lambda: _read_lines(
            app, event_text, venue, sex, year, by, start, stop, index=index, limit=limit
        ),
    )


@dataclass
class TopListPages:
    """One top list paged through by one person: each page is read when turned to
    (`top_list_page`) and shown only if the list, up to where it starts, is still the
    list shown so far. If a write changed it, the list is shown again from its first
    page, said so (`changed`), rather than a page that would repeat or skip a line."""

    app: Trackside
    event_text: str
    venue: Venue | None = None
    sex: Sex | None = None
    year: int | None = None
    by: TopListBy = TopListBy.PERFORMANCES
    per_page: int = PER_PAGE
    limit: int = LIST_LENGTH
    index: int = 0  # the page shown last
    _through: dict[int, bytes] = field(default_factory=dict)  # per page shown: its digest

    async def page(self, index: int) -> tuple[TopListAnswer, bool]:
        """Page `index` (from 0) and whether the list changed since the pages shown (then
        it is the first page instead)."""
        answer = await self._read(index)
        place = answer.page
        assert place is not None
        if index == 0 and not self._through:
            self._through[0] = place.through
            return answer, False
        shown = self._through.get(index)
        same = (
            place.through == shown
            if shown is not None
            else place.before == self._through.get(index - 1)
        )
        if same and (answer.rows or index == 0):  # not a page the list no longer reaches
            self.index = index
            self._through[index] = place.through
            return answer, False
        first = answer if index == 0 else await self._read(0)
        assert first.page is not None
        self.index = 0
        self._through = {0: first.page.through}
        return first, True

    async def _read(self, index: int) -> TopListAnswer:
        return await top_list_page(
            self.app,
            self.event_text,
            self.venue,
            self.sex,
            self.year,
            self.by,
            index,
            self.per_page,
            self.limit,
        )


async def _read_lines(
    app: Trackside,
    event_text: str,
    venue: Venue | None,
    sex: Sex | None,
    year: int | None,
    by: TopListBy,
    start: int,
    stop: int,
    *,
    index: int | None = None,
    limit: int | None = None,
) -> TopListAnswer:
    """Lines `start` to `stop` of a list (from 0, `stop` left out); with `index`, as that
    page of a list of `limit` lines at most."""
    event, sex = _asked_for(app, event_text, sex, year)
    # Whole races and the splits inside longer ones, from one description of the list.
    wanted = _Wanted(
        lower_is_better=event.lower_is_better,
        venue=venue,
        year=year,
        performers=by is TopListBy.PERFORMERS,
        start=start,
        stop=stop,
    )
    keys, lines = await app.results.top_list_lines(event.key, sex, **wanted)
    ranks = _ranks(keys, stop)[start:]
    flags: dict[str | None, str] = {}
    rows = []
    for rank, (r, split_of) in zip(ranks, lines, strict=True):
        nation = r.athlete.nation
        flag = flags.get(nation)
        if flag is None:
            flag = flags[nation] = app.flag(nation)
        rows.append(TopListRow(rank, r, flag, split_of))
    notes: tuple[str, ...] = ("Wind-aided, hand-timed and invalid marks are left out.",)
    if any(split_of for _, split_of in lines):
        notes += ("Splits (times passed inside a longer race) are marked as such.",)
    page = None
    if index is not None:
        page = TopListPage(
            index,
            start + 1,
            more=len(keys) > stop and stop < (limit or stop),
            before=_digest(keys[:start]),
            through=_digest(keys[:stop]),
        )
    return TopListAnswer(event, sex, venue, year, by, tuple(rows), app.today(), notes, page)


def _asked_for(
    app: Trackside, event_text: str, sex: Sex | None, year: int | None
) -> tuple[Event, Sex]:
    """The event and sex a list is asked for (the event's first sex if none is given),
    its year checked."""
    event = app.event(event_text)
    if sex is None:
        sex = next(s for s in SEX_ORDER if s in event.sexes)
    else:
        sexes_of(event, sex)
    if year is not None and not 1800 <= year <= app.today().year:
        raise InvalidInputError(
            f"Year {year} is out of range — give a year from 1800 to {app.today().year}."
        )
    return event, sex


class _Wanted(TypedDict):
    """What a top list asks the store for."""

    lower_is_better: bool
    venue: Venue | None
    year: int | None
    performers: bool
    start: int
    stop: int


def _ranks(keys: list[LineKey], stop: int) -> list[int]:
    """Competition ranking of a best-first list's first `stop` lines, in one pass: equal
    marks (adjacent in it) share a rank (1, 2, 2, 4). A listed mark is never hand-timed
    (the store lists automatic times only), so equal stored values are equal marks."""
    ranks: list[int] = []
    for i, key in enumerate(keys[:stop]):
        same = i > 0 and keys[i - 1].mark == key.mark
        ranks.append(ranks[-1] if same else i + 1)
    return ranks


def _digest(keys: list[LineKey]) -> bytes:
    """What a list's lines were, in order, to tell whether a later read is the same list:
    each line's kind, id and mark (an edit that changes a mark changes it too)."""
    values = array("q")
    for key in keys:
        values.extend((key.line_id * 2 + key.split, key.mark))
    return hashlib.blake2b(values.tobytes(), digest_size=16).digest()

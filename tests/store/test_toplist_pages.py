"""/toplist a page at a time (`top_list_page`, `TopListPages`): each page is the stretch
of the whole list it stands for — same lines, same competition ranks (ties across a page
boundary too), races and splits merged, one line per performer — and turning pages across
a write never shows a line twice or skips one. Both stores."""

from __future__ import annotations

from bot.domain.answers import TopListAnswer, TopListBy, TopListRow
from bot.domain.events import Sex, Venue
from bot.services.app import Trackside
from bot.services.toplists import TopListPages, top_list_page
from bot.services.writes import Actor, ResultDraft, Writes

MOD = Actor(user_id=1001, guild_id=2001)
YEAR = 2026  # the tests' today is in 2026
# The marks added here are far faster than any on file: they are the first lines of a list.


async def _every_page(
    app: Trackside, *spec: object, per_page: int, limit: int
) -> tuple[list[TopListRow], list[TopListAnswer]]:
    rows: list[TopListRow] = []
    pages: list[TopListAnswer] = []
    while True:
        page = await top_list_page(app, *spec, index=len(pages), per_page=per_page, limit=limit)
        assert page.page is not None and page.page.index == len(pages)
        assert page.page.first_line == len(pages) * per_page + 1
        rows += page.rows
        pages.append(page)
        if not page.page.more:
            return rows, pages
        assert len(page.rows) == per_page


async def test_pages_are_the_whole_list_cut_up(app):
    lists_with_splits = 0
    for event, venue in (
        ("1500m", None),
        ("1500m", Venue.OUTDOOR),
        ("mile", None),
        ("mile", Venue.INDOOR),
        ("800m", None),
        ("3000m", None),
        ("lj", None),
    ):
        for by in TopListBy:
            whole = await app.top_list(event, venue, Sex.MEN, by=by, limit=40)
            for per_page in (1, 4, 7, 40, 60):
                spec = (event, venue, Sex.MEN, None, by)
                rows, pages = await _every_page(app, *spec, per_page=per_page, limit=40)
                assert rows == list(whole.rows), (event, venue, by, per_page)
                assert len(pages) == max(1, -(-len(whole.rows) // per_page))
            if by is TopListBy.PERFORMERS:
                athletes = [row.result.athlete.id for row in whole.rows]
                assert len(athletes) == len(set(athletes))
            lists_with_splits += any(row.split_of for row in whole.rows)
    assert lists_with_splits  # splits merged into a list were paged through too


def _mile(athlete: str, mark: str, day: int) -> ResultDraft:
    return ResultDraft(
        athlete=athlete,
        nation="ISL",
        sex="M",
        event="mile",
        mark=mark,
        venue="indoor",
        date=f"{YEAR}-02-{day:02d}",
        competition=f"Paging Meet {day}",
        round="final",
        place="1",
    )


async def _add(app: Trackside, athlete: str, mark: str, day: int) -> None:
    await Writes(app).add_result(_mile(athlete, mark, day), MOD, confirm_implausible=True)


async def test_equal_marks_across_a_page_boundary_share_their_rank(app):
    for day, (athlete, mark) in enumerate(
        [
            ("Tie One", "3:20.00"),
            ("Tie Two", "3:21.00"),
            ("Tie Three", "3:21.00"),
            ("Tie Four", "3:21.00"),
            ("Tie Five", "3:22.00"),
            ("Tie One", "3:21.00"),  # a second line for a performer: not a performers line
        ],
        start=1,
    ):
        await _add(app, athlete, mark, day)
    spec = ("mile", Venue.INDOOR, Sex.MEN, YEAR)
    rows, pages = await _every_page(app, *spec, TopListBy.PERFORMANCES, per_page=2, limit=100)
    assert [[row.rank for row in page.rows] for page in pages[:3]] == [[1, 2], [2, 2], [2, 6]]
    assert [str(row.result.mark) for row in rows][:5] == [
        "3:20.00",
        "3:21.00",
        "3:21.00",
        "3:21.00",
        "3:21.00",
    ]
    rows, pages = await _every_page(app, *spec, TopListBy.PERFORMERS, per_page=2, limit=100)
    assert [[row.rank for row in page.rows] for page in pages[:3]] == [[1, 2], [2, 2], [5, 6]]
    assert [row.result.athlete.name for row in rows[:5]] == [
        "Tie One",
        "Tie Two",
        "Tie Three",
        "Tie Four",
        "Tie Five",
    ]
    # A list shorter than its limit ends on its last line; one cut at the limit there.
    rows, pages = await _every_page(app, *spec, TopListBy.PERFORMANCES, per_page=2, limit=3)
    assert [row.rank for row in rows] == [1, 2, 2] and len(pages) == 2


async def test_each_page_is_kept_warm_until_a_write(app):
    spec = ("mile", Venue.INDOOR, Sex.MEN, None, TopListBy.PERFORMERS)
    top = await top_list_page(app, *spec, index=0, per_page=3, limit=100)
    second = await top_list_page(app, *spec, index=1, per_page=3, limit=100)
    assert await top_list_page(app, *spec, index=1, per_page=3, limit=100) is second
    await _add(app, "Warm Breaker", "3:10.00", 1)
    again = await top_list_page(app, *spec, index=1, per_page=3, limit=100)
    # Read afresh: everyone moved one line down, page 2 starts with page 1's last line.
    assert again is not second
    assert again.rows[0].result == top.rows[2].result and again.rows[0].rank == 4


async def test_a_write_between_page_turns_never_repeats_or_skips_a_line(app):
    for day, mark in enumerate(["3:20.00", "3:21.00", "3:22.00", "3:23.00", "3:24.00"], 1):
        await _add(app, f"Pager {day}", mark, day)
    pages = TopListPages(app, "mile", Venue.INDOOR, Sex.MEN, YEAR, per_page=2)
    first, changed = await pages.page(0)
    assert not changed and [str(r.result.mark) for r in first.rows] == ["3:20.00", "3:21.00"]

    # A write behind the pages shown leaves them as they were: the next page follows on.
    await _add(app, "Pager Slow", "3:29.00", 6)
    second, changed = await pages.page(1)
    assert not changed and second.page is not None and second.page.index == 1
    assert [str(r.result.mark) for r in second.rows] == ["3:22.00", "3:23.00"]

    # A mark that lands on a page already shown: the next page of the new list would show
    # 3:23.00 again (its lines moved one down), so the list starts again from its top.
    await _add(app, "Pager Fast", "3:19.00", 7)
    naive = await top_list_page(app, "mile", Venue.INDOOR, Sex.MEN, YEAR, index=2, per_page=2)
    assert str(naive.rows[0].result.mark) == "3:23.00"  # what a page read alone would repeat
    third, changed = await pages.page(2)
    assert changed and third.page is not None and third.page.index == 0
    assert [str(r.result.mark) for r in third.rows] == ["3:19.00", "3:20.00"]
    assert [r.rank for r in third.rows] == [1, 2]

    # From there it pages on as the new list.
    turned, changed = await pages.page(1)
    assert not changed and [str(r.result.mark) for r in turned.rows] == ["3:21.00", "3:22.00"]

    # Going back after a write that changed what was shown is a change too.
    await _add(app, "Pager Faster", "3:18.00", 8)
    back, changed = await pages.page(0)
    assert changed and str(back.rows[0].result.mark) == "3:18.00"

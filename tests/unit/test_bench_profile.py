"""The discord bench's --discord-profile profiles each row's round trips as the row timed
them: a cold row ("after a write") drops the bot's warm answers before every round trip,
an "after an own write elsewhere" row only what that write can change. Without that, a
cold row's profile showed warm answers (no store read, no rendering) after its first
round trips, and said nothing of where a cold round trip's time goes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import bench.discord_bench as discord_bench
from bench.discord_bench import Command, _profile
from bench.store_bench import WRITE_ELSEWHERE


class _Warm:
    def __init__(self, events: list[tuple[Any, ...]]) -> None:
        self.events = events

    def forget_all(self) -> None:
        self.events.append(("forget_all",))

    def forget(self, dependencies: object) -> None:
        self.events.append(("forget", dependencies))


async def _profiled_events(
    monkeypatch: pytest.MonkeyPatch, *, cold: bool = False, elsewhere: bool = False
) -> tuple[list[tuple[Any, ...]], str]:
    events: list[tuple[Any, ...]] = []
    bot = SimpleNamespace(client=SimpleNamespace(app=SimpleNamespace(warm=_Warm(events))))

    async def round_trip(bot: object, redirect: object, name: str, options: dict) -> None:
        events.append(("round trip", name, options["name"]))

    monkeypatch.setattr(discord_bench, "_round_trip", round_trip)
    command = Command(
        "/athlete", "athlete", [{"name": "A"}, {"name": "B"}], lambda cb: None, cold=cold
    )
    command.elsewhere = elsewhere
    text = await _profile(None, bot, command, 3)  # type: ignore[arg-type]
    return events, text


async def test_a_cold_row_drops_the_warm_answers_before_each_profiled_round_trip(monkeypatch):
    events, text = await _profiled_events(monkeypatch, cold=True)
    assert events == [
        ("forget_all",),
        ("round trip", "athlete", "A"),
        ("forget_all",),
        ("round trip", "athlete", "B"),
        ("forget_all",),
        ("round trip", "athlete", "A"),
    ]
    assert "function calls" in text


async def test_an_elsewhere_row_drops_what_that_write_changes_before_each(monkeypatch):
    events, _ = await _profiled_events(monkeypatch, elsewhere=True)
    forget = ("forget", WRITE_ELSEWHERE.dependencies())
    assert events == [
        forget,
        ("round trip", "athlete", "A"),
        forget,
        ("round trip", "athlete", "B"),
        forget,
        ("round trip", "athlete", "A"),
    ]


async def test_a_warm_row_keeps_its_answers(monkeypatch):
    events, _ = await _profiled_events(monkeypatch)
    assert [e[0] for e in events] == ["round trip"] * 3

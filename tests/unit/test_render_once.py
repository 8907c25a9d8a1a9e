"""bot.render.once: an answer's rendering is kept as long as the answer lives.

It used to be kept for the 64 answers shown last: /athlete over 200 athletes kept warm by
the services rendered every profile again each time (0.1-0.2 ms a round trip)."""

from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass

from bot.render import once
from bot.render.once import rendered


@dataclass(frozen=True)
class _Answer:
    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Slotted:  # no weak references to it
    name: str


class _Embed:
    def __init__(self, text: str) -> None:
        self.text = text


class _Renderer:
    def __init__(self) -> None:
        self.calls: list[object] = []

    def __call__(self, answer: _Answer | _Slotted, suffix: str = "") -> _Embed:
        self.calls.append(answer)
        return _Embed(answer.name + suffix)


def test_an_answer_kept_warm_is_rendered_once_however_many_are_shown_between():
    render = _Renderer()
    answers = [_Answer(f"athlete {i}") for i in range(500)]
    first = [rendered(render, a) for a in answers]
    again = [rendered(render, a) for a in answers]
    assert all(x is y for x, y in zip(first, again, strict=True))
    assert render.calls == answers
    assert [e.text for e in again] == [a.name for a in answers]


def test_an_equal_answer_read_afresh_is_rendered_anew():
    render = _Renderer()
    old, new = _Answer("Jakob"), _Answer("Jakob")
    assert rendered(render, old) is not rendered(render, new)
    assert render.calls == [old, new]


def test_other_arguments_are_part_of_what_was_rendered():
    render = _Renderer()
    answer = _Answer("list")
    plain, changed = rendered(render, answer, ""), rendered(render, answer, " (changed)")
    assert (plain.text, changed.text) == ("list", "list (changed)")
    assert rendered(render, answer, "") is plain
    assert rendered(render, answer, " (changed)") is changed
    assert len(render.calls) == 2


def test_the_rendering_goes_when_its_answer_does():
    render = _Renderer()
    answer = _Answer("gone soon")
    embed = weakref.ref(rendered(render, answer))
    kept = len(once._with_answer)
    render.calls.clear()
    del answer
    gc.collect()
    assert embed() is None
    assert len(once._with_answer) == kept - 1


def test_an_answer_without_weak_references_is_kept_with_the_latest_shown():
    render = _Renderer()
    answers = [_Slotted(f"team {i}") for i in range(once.KEPT + 10)]
    first = [rendered(render, a) for a in answers]
    assert rendered(render, answers[-1]) is first[-1]  # among the latest: kept
    assert rendered(render, answers[0]) is not first[0]  # pushed out: rendered again
    assert len(once._held) <= once.KEPT


def test_an_answer_that_goes_at_interpreter_exit_goes_quietly(monkeypatch):
    """At exit the module's names are cleared (set to None) before the last answers are
    collected: their weak references' callbacks must not look names up (CI printed
    "Exception ignored ... 'NoneType' object has no attribute 'get'")."""
    raised: list[BaseException | None] = []
    monkeypatch.setattr("sys.unraisablehook", lambda hook: raised.append(hook.exc_value))
    answer = _Answer("goes at exit")
    rendered(lambda a: _Embed(a.name), answer)
    kept = once._with_answer
    assert len(kept) >= 1
    before = len(kept)
    monkeypatch.setattr(once, "_with_answer", None)  # as at interpreter exit
    monkeypatch.setattr(once, "_drop", None)
    del answer
    gc.collect()
    assert raised == []
    assert len(kept) == before - 1  # and its rendering went with it

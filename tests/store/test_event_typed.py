"""Trackside.event resolves each text typed once: the catalogue never changes, so the event
a text names is kept (a cold /toplist or /record asked again skips normalising and
looking the name up); what names no event is never kept, and the kept texts are bounded."""

from __future__ import annotations

import pytest

from bot.domain.catalogue import EventCatalogue
from bot.services import app as app_module
from bot.services.errors import InvalidInputError, NotFoundError


async def test_each_text_is_resolved_once_and_gives_the_same_event(app, monkeypatch):
    asked: list[str] = []
    resolve = EventCatalogue.resolve

    def counting(self, text):
        asked.append(text)
        return resolve(self, text)

    monkeypatch.setattr(EventCatalogue, "resolve", counting)
    mile = app.event("mile")
    assert app.event("mile") is mile
    assert app.event("Mile") is mile  # another text: resolved too, the same event
    assert app.event("1500m").key == "1500m"
    assert asked == ["mile", "Mile", "1500m"]


async def test_what_names_no_event_is_refused_every_time(app):
    for _ in range(2):
        with pytest.raises(NotFoundError):
            app.event("underwater basket weaving")
        with pytest.raises(InvalidInputError):
            app.event("   ")
        with pytest.raises(InvalidInputError):
            app.event(None)


async def test_the_texts_kept_are_bounded(app, monkeypatch):
    monkeypatch.setattr(app_module, "_MOST_EVENT_TEXTS", 3)
    for text in ("mile", "1500m", "800m", "5000m", "mile"):
        app.event(text)
        assert len(app._events_named) <= 3
    assert app.event("mile").key == "mile"

"""DELIVERY_LEASE_SECONDS reaches the announcer's delivery log (it was documented and
parsed, but the cog built its log with the default lease)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from bot.cogs.announcer import Announcer
from bot.config import load_settings


def test_the_announcer_claims_with_the_configured_lease():
    settings = load_settings({"DELIVERY_LEASE_SECONDS": "45"}, env_file=None)
    bot = SimpleNamespace(app=object(), settings=settings)
    assert Announcer(bot).log.lease == timedelta(seconds=45)

"""A write by another process (a CLI import on the same store) reaches the running bot:
the store watcher (a discord.ext.tasks loop) reloads its indexes and wakes the announcer,
long before the announcer's 30-second idle poll would have found it."""

from __future__ import annotations

from datetime import date

from bot.cogs.announcer import IDLE_POLL_SECONDS
from bot.services.app import Trackside
from bot.services.writes import Actor, Writes
from tests.conftest import TODAY
from tests.e2e.harness import settings_for, start_trackside
from tests.e2e.test_announce_fanout import announcements
from tests.e2e.test_write_commands import MILE_INDOOR_MEN, answered

AS_OF = date(2025, 2, 7)
CSV = (
    b"athlete,event,mark,venue,date,competition\n"
    b"Yared Nuguse,mile,3:46.63,indoor,2025-02-08,Millrose Games\n"
)


async def test_a_write_from_another_process_reaches_the_bot_and_its_channels(
    fake_discord, running_bot, tmp_path, monkeypatch
):
    monkeypatch.setattr("bot.bot.STORE_WATCH_SECONDS", 0.1)  # read in setup_hook
    fake = fake_discord
    bot = await start_trackside(fake, running_bot, tmp_path, as_of=AS_OF)
    assert bot.watch_store.is_running()
    rec = await fake.slash("alerts set", {"channel": fake.channel}, user=fake.owner)
    assert "Record announcements will go to" in (await answered(rec))["content"]
    assert bot.app.book.current(MILE_INDOOR_MEN)[0].athlete.name != "Yared Nuguse"

    # What `trackside import` does: its own connections to the same file.
    other = await Trackside.open(settings_for(fake, tmp_path), as_of=AS_OF, today=lambda: TODAY)
    try:
        report = await Writes(other).import_csv(CSV, Actor(user_id=fake.owner.id, guild_id=None))
    finally:
        await other.close()
    assert report.imported == 1 and report.announcements

    posted = await fake.wait_for(
        lambda: announcements(fake, fake.channel_id),
        timeout=IDLE_POLL_SECONDS / 3,  # the idle poll cannot be what delivers it
        what="the announcement of the imported record",
    )
    assert "Yared Nuguse" in posted[0]["embeds"][0]["description"]
    assert bot.app.book.current(MILE_INDOOR_MEN)[0].athlete.name == "Yared Nuguse"
    await bot.close()
    assert not bot.watch_store.is_running()

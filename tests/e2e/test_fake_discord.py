"""Prove the fake Discord with a trivial discord.py bot (in-process and as a subprocess)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.e2e.conftest import BotRunner
from tests.e2e.fake_discord import (
    CallbackType,
    FakeDiscord,
    FakeFile,
    InteractionType,
    MessageFlag,
)

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = ROOT / "tests" / "e2e" / "launch.py"

EVENTS = ["100m", "200m", "400m", "800m", "1500m", "5000m", "10000m", "Marathon", "110m hurdles"]
CSV = b"event,mark\n100m,9.58\n200m,19.19\n"
ANNOUNCE_NONCE = "trackside-wr-100m-2009"
SLOW_SECONDS = 0.4


class ConfirmView(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=60)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This is not your vote.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success, custom_id="vote:confirm")
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"Confirmed by {interaction.user.name}", view=None
        )
        self.stop()


class PickView(discord.ui.View):
    @discord.ui.select(
        custom_id="pick:event",
        options=[discord.SelectOption(label=e, value=e) for e in EVENTS[:4]],
        max_values=2,
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.edit_message(content=f"picked {', '.join(select.values)}")


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="Your feedback", custom_id="feedback:text", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


def make_bot() -> commands.Bot:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        guild_ready_timeout=0.05,
    )
    tree = bot.tree

    @tree.command(name="ping", description="Is the bot alive?")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async def event_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        matches = [e for e in EVENTS if current.lower() in e.lower()]
        return [app_commands.Choice(name=e, value=e) for e in matches][:25]

    @tree.command(name="record", description="Show the world record for an event")
    @app_commands.describe(event="The event", year="Up to which year")
    @app_commands.autocomplete(event=event_autocomplete)
    async def record(interaction: discord.Interaction, event: str, year: int | None = None) -> None:
        await interaction.response.send_message(f"record for {event} (year {year})", ephemeral=True)

    @tree.command(name="inspect", description="Echo typed options")
    async def inspect(
        interaction: discord.Interaction,
        athlete: discord.Member,
        channel: discord.TextChannel,
        role: discord.Role,
        sheet: discord.Attachment,
        official: bool,
        mark: float,
    ) -> None:
        data = await sheet.read()
        await interaction.response.send_message(
            f"{athlete.name}|{channel.name}|{role.name}|{sheet.filename}:{len(data)}|"
            f"{official}|{mark}|admin={interaction.permissions.administrator}"
        )

    @tree.command(name="vote", description="Confirm a record with a button")
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "Confirm the record?", view=ConfirmView(interaction.user.id)
        )

    @tree.command(name="report", description="A deferred report with an embed and a file")
    async def report(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        embed = discord.Embed(title="Season report", description="3 records", colour=0x2ECC71)
        embed.add_field(name="Men", value="2").add_field(name="Women", value="1")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(CSV), filename="report.csv")
        )

    @tree.command(name="announce", description="Announce twice with the same nonce")
    async def announce(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("New world record!", nonce=ANNOUNCE_NONCE)
        second = await channel.send("New world record!", nonce=ANNOUNCE_NONCE)
        await interaction.followup.send(f"same message: {first.id == second.id}", ephemeral=True)

    @tree.command(name="progress", description="Edit the response and a followup")
    async def progress(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("working")
        await interaction.edit_original_response(content="done")
        detail = await interaction.followup.send("detail", ephemeral=True, wait=True)
        await detail.edit(content="detail v2")
        original = await interaction.original_response()
        await interaction.followup.send(f"original says {original.content}")

    @tree.command(name="pick", description="A select menu")
    async def pick(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick events", view=PickView())

    @tree.command(name="purge", description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def purge(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("purged", ephemeral=True)

    records = app_commands.Group(name="records", description="Records")
    admin = app_commands.Group(name="admin", description="Admin", parent=records)

    @records.command(name="top", description="Top marks")
    async def top(interaction: discord.Interaction, event: str, limit: int = 3) -> None:
        await interaction.response.send_message(f"top {limit} in {event}")

    @admin.command(name="reset", description="Reset an athlete")
    async def reset(interaction: discord.Interaction, athlete: discord.User) -> None:
        await interaction.response.send_message(f"reset {athlete.name}", ephemeral=True)

    tree.add_command(records)

    @tree.command(name="feedback", description="Open a modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    # Rule breakers, to prove the fake's checks.
    @tree.command(name="long", description="Too long a message")
    async def long(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("x" * 2001)

    @tree.command(name="slow", description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(SLOW_SECONDS)
        await interaction.response.send_message("late")

    async def too_many(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"choice {i}", value=str(i)) for i in range(30)]

    @tree.command(name="many", description="Autocomplete with too many choices")
    @app_commands.autocomplete(pick=too_many)
    async def many(interaction: discord.Interaction, pick: str) -> None:
        await interaction.response.send_message(pick)

    _ = (ping, record, inspect, vote, pick, purge, report, announce, progress, feedback)
    _ = (long, slow, many, top, reset)
    return bot


async def start(running_bot: BotRunner) -> commands.Bot:
    bot = await running_bot(make_bot)
    await bot.tree.sync()
    return bot  # type: ignore[return-value]


# -- slash commands -----------------------------------------------------------------------


async def test_ping(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    bot = await start(running_bot)
    assert "ping" in {c["name"] for c in fake.synced_commands[None]}

    rec = await fake.slash("ping")
    cb = await rec.response()
    assert cb.type == CallbackType.CHANNEL_MESSAGE
    assert cb.content == "pong"
    assert not cb.ephemeral
    assert rec.original is not None
    assert rec.original["content"] == "pong"
    assert rec.original["interaction_metadata"]["name"] == "ping"
    assert rec.sent_at is not None and rec.responded_at is not None
    assert rec.ack_latency is not None and rec.ack_latency >= 0  # the 3 s rule: assert_clean
    # MESSAGE_CREATE reached the bot's cache over the gateway.
    mid = int(rec.original["id"])
    await fake.wait_for(lambda: any(m.id == mid for m in bot.cached_messages), 5, "MESSAGE_CREATE")
    fake.assert_clean()


async def test_guild_synced_command(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    bot = await running_bot(make_bot)
    guild = discord.Object(fake.guild_id)

    @app_commands.command(name="guildping", description="Guild-only ping")
    async def guildping(interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await interaction.response.send_message(f"pong from {interaction.guild.name}")

    bot.tree.add_command(guildping, guild=guild)
    synced = await bot.tree.sync(guild=guild)
    assert [c.name for c in synced] == ["guildping"]
    assert fake.synced_commands[fake.guild_id][0]["guild_id"] == str(fake.guild_id)

    rec = await fake.slash("guildping")
    assert rec.payload["data"]["guild_id"] == str(fake.guild_id)
    assert (await rec.response()).content == "pong from Trackside Test Guild"
    fake.assert_clean()


async def test_autocomplete_then_option(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    await start(running_bot)

    choices = await fake.autocomplete("record", {"event": "00m"})
    assert choices.names == ["100m", "200m", "400m", "800m", "1500m", "5000m", "10000m"]
    assert choices.record.type == InteractionType.AUTOCOMPLETE
    assert choices.record.payload["data"]["options"] == [
        {"type": 3, "name": "event", "value": "00m", "focused": True}
    ]

    rec = await fake.slash("record", {"event": "100m", "year": 2009}, user=fake.owner)
    assert rec.payload["data"]["options"] == [
        {"type": 3, "name": "event", "value": "100m"},
        {"type": 4, "name": "year", "value": 2009},
    ]
    cb = await rec.response()
    assert cb.content == "record for 100m (year 2009)"
    assert cb.ephemeral
    assert rec.original is not None and rec.original["flags"] & MessageFlag.EPHEMERAL
    fake.assert_clean()


async def test_typed_options_resolve(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    await start(running_bot)
    results = fake.add_channel("results")
    coach = fake.add_role("Coach")
    rec = await fake.slash(
        "inspect",
        {
            "athlete": fake.member,
            "channel": results,
            "role": coach,
            "sheet": FakeFile("marks.csv", CSV),
            "official": True,
            "mark": 9.58,
        },
        user=fake.owner,
    )
    types = {o["name"]: o["type"] for o in rec.payload["data"]["options"]}
    assert types == {"athlete": 6, "channel": 7, "role": 8, "sheet": 11, "official": 5, "mark": 10}
    cb = await rec.response()
    assert cb.content == f"member|results|Coach|marks.csv:{len(CSV)}|True|9.58|admin=True"
    fake.assert_clean()


# -- components, defer, followups, modal ---------------------------------------------


async def test_button_click_edits_message(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("vote", user=fake.member)
    await rec.response()
    msg = rec.original
    assert msg is not None
    assert msg["components"][0]["components"][0]["custom_id"] == "vote:confirm"

    other = await fake.click(msg, "vote:confirm", user=fake.owner)
    answer = await other.response()
    assert answer.ephemeral and answer.content == "This is not your vote."
    assert rec.original is not None and rec.original["content"] == "Confirm the record?"

    mine = await fake.click(msg, "vote:confirm", user=fake.member)
    assert (await mine.response()).type == CallbackType.UPDATE_MESSAGE
    final = await rec.wait_original(lambda m: m["content"].startswith("Confirmed"))
    assert final["content"] == "Confirmed by member"
    assert final["components"] == []
    assert final["edited_timestamp"] is not None
    assert mine.original is final
    fake.assert_clean()


async def test_select_menu(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("pick")
    await rec.response()
    assert rec.original is not None
    with pytest.raises(ValueError, match="not options"):
        await fake.select(rec.original, "pick:event", ["Marathon"])
    chosen = await fake.select(rec.original, "pick:event", ["100m", "400m"])
    assert (await chosen.response()).type == CallbackType.UPDATE_MESSAGE
    assert rec.original["content"] == "picked 100m, 400m"
    fake.assert_clean()


async def test_subcommands_and_groups(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("records top", {"event": "100m"})
    assert rec.payload["data"]["options"] == [
        {"type": 1, "name": "top", "options": [{"type": 3, "name": "event", "value": "100m"}]}
    ]
    assert (await rec.response()).content == "top 3 in 100m"
    rec = await fake.slash("records admin reset", {"athlete": fake.member})
    [group] = rec.payload["data"]["options"]
    assert (group["type"], group["options"][0]["type"]) == (2, 1)
    assert (await rec.response()).content == "reset member"
    with pytest.raises(ValueError, match="subcommand"):
        await fake.slash("records")
    fake.assert_clean()


def make_members_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = True
    return commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)


async def test_world_changes_reach_the_bot(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    bot = await running_bot(make_members_bot)
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None and guild.chunked and len(guild.members) == 3
    assert len(await guild.chunk()) == 3  # REQUEST_GUILD_MEMBERS -> GUILD_MEMBERS_CHUNK

    newcomer = fake.add_member("newcomer", roles=["Member"])
    results = fake.add_channel("results")
    other = fake.add_guild("Second Guild")
    await fake.wait_for(
        lambda: (
            guild.get_member(newcomer.id)
            and guild.get_channel(results.id)
            and bot.get_guild(other.id)
        ),
        5,
        "GUILD_MEMBER_ADD, CHANNEL_CREATE and GUILD_CREATE",
    )
    joined = guild.get_member(newcomer.id)
    assert joined is not None and [r.name for r in joined.roles] == ["@everyone", "Member"]
    fake.assert_clean()


async def test_default_member_permissions(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    with pytest.raises(PermissionError, match="would not offer /purge"):
        await fake.slash("purge", user=fake.member)
    rec = await fake.slash("purge", user=fake.owner)
    assert (await rec.response()).content == "purged"
    fake.assert_clean()


async def test_defer_then_followup_with_embed_and_file(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("report")
    cb = await rec.response()
    assert cb.type == CallbackType.DEFERRED_CHANNEL_MESSAGE

    [msg] = await rec.followups(1)
    assert msg is rec.original  # the first followup after a "thinking" defer edits it
    assert not msg["flags"] & (MessageFlag.LOADING | MessageFlag.EPHEMERAL)
    embed = msg["embeds"][0]
    assert embed["title"] == "Season report"
    assert [f["name"] for f in embed["fields"]] == ["Men", "Women"]
    [att] = msg["attachments"]
    assert att["filename"] == "report.csv"
    assert att["content_type"] == "text/csv"
    assert fake.attachment_bytes(att) == CSV
    fake.assert_clean()


async def test_webhook_edits_and_followups(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("progress")
    detail, summary = await rec.followups(2)
    assert rec.original is not None and rec.original["content"] == "done"
    assert detail["content"] == "detail v2" and detail["flags"] & MessageFlag.EPHEMERAL
    assert summary["content"] == "original says done"
    assert not summary["flags"] & MessageFlag.EPHEMERAL
    fake.assert_clean()


async def test_rest_roundtrip(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    bot = await start(running_bot)
    app = await bot.application_info()
    assert app.id == fake.application_id and app.owner.id == fake.owner.id
    assert (await bot.fetch_user(fake.member.id)).name == "member"
    channel = await bot.fetch_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel) and channel.name == "general"
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None and guild.member_count == 3 and guild.owner_id == fake.owner.id
    member = await guild.fetch_member(fake.owner.id)
    assert member.guild_permissions.administrator

    sent = await channel.send("draft")
    edited = await sent.edit(content="final")
    assert edited.content == "final"
    assert (await channel.fetch_message(sent.id)).content == "final"
    assert [m.content async for m in channel.history(limit=5)] == ["final"]
    await sent.delete()
    assert fake.channel_messages[fake.channel_id] == []
    fake.assert_clean()


async def test_modal_submit(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    await start(running_bot)
    opened = await fake.slash("feedback")
    assert (await opened.response()).type == CallbackType.MODAL
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    submitted = await fake.submit_modal(opened, {"feedback:text": "great fake"})
    cb = await submitted.response()
    assert cb.content == "thanks: great fake" and cb.ephemeral
    fake.assert_clean()


# -- channel messages, nonce, fault injection -----------------------------------------


def _channel_posts(fake: FakeDiscord) -> list:
    path = f"/channels/{fake.channel_id}/messages"
    return [r for r in fake.requests if r.method == "POST" and r.path == path]


async def test_nonce_dedupes_channel_send(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("announce")
    [reply] = await rec.followups(1)
    assert reply["content"] == "same message: True"
    assert reply["flags"] & MessageFlag.EPHEMERAL

    assert len(_channel_posts(fake)) == 2
    [announcement] = fake.channel_messages[fake.channel_id]
    assert announcement["content"] == "New world record!"
    assert announcement["nonce"] == ANNOUNCE_NONCE
    assert fake.nonce_hits == 1
    assert await fake.wait_channel_message(predicate=lambda m: "record" in m["content"])
    fake.assert_clean()


async def test_429_then_500_still_one_message(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    bot = await start(running_bot)
    pattern = r"^/channels/\d+/messages$"
    limited = fake.fail_next("POST", pattern, 429, retry_after=0.05)
    broken = fake.fail_next("POST", pattern, 500)

    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("Record alert")

    assert [r.status for r in _channel_posts(fake)] == [429, 500, 200]
    assert limited.remaining == broken.remaining == 0
    [stored] = fake.channel_messages[fake.channel_id]
    assert int(stored["id"]) == sent.id
    fake.assert_clean()


async def test_lost_response_is_deduped_by_nonce(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    bot = await start(running_bot)
    fake.fail_next("POST", r"^/channels/\d+/messages$", 500, apply=True)
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("Record alert", nonce="alert-1")
    assert [r.status for r in _channel_posts(fake)] == [500, 200]
    [stored] = fake.channel_messages[fake.channel_id]
    assert int(stored["id"]) == sent.id
    assert fake.nonce_hits == 1


async def test_503_is_raised_at_once(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    bot = await start(running_bot)
    fake.fail_next("POST", r"^/channels/\d+/messages$", 503)
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("Record alert")
    assert fake.channel_messages[fake.channel_id] == []


# -- what the fake refuses ------------------------------------------------------------


async def test_too_long_content_is_refused(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("long")
    with pytest.raises(AssertionError, match="2000 or fewer"):
        await rec.response()
    assert [v.kind for v in fake.violations] == ["invalid_message"]
    await fake.wait_for(lambda: running_bot.errors, 5, "the bot to log the HTTPException")
    assert "long" in running_bot.error_messages()[0]
    running_bot.errors.clear()


async def test_too_many_autocomplete_choices(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    with pytest.raises(AssertionError, match="25 or fewer"):
        await fake.autocomplete("many", {"pick": ""})
    assert [v.kind for v in fake.violations] == ["invalid_autocomplete"]
    await fake.wait_for(lambda: running_bot.errors, 5, "the bot to log the HTTPException")
    running_bot.errors.clear()


async def test_late_acknowledgement(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    fake.ack_deadline = SLOW_SECONDS / 2
    await start(running_bot)
    rec = await fake.slash("slow")
    with pytest.raises(AssertionError, match="10062"):
        await rec.response()
    assert [v.kind for v in fake.violations] == ["late_ack"]
    with pytest.raises(AssertionError, match="late_ack"):
        fake.assert_clean()
    await fake.wait_for(lambda: running_bot.errors, 5, "the bot to log the NotFound")
    running_bot.errors.clear()


async def test_second_acknowledgement_is_refused(
    fake_discord: FakeDiscord, running_bot: BotRunner
) -> None:
    fake = fake_discord
    await start(running_bot)
    rec = await fake.slash("ping")
    await rec.response()
    url = f"{fake.api_base}/interactions/{rec.id}/{rec.token}/callback?with_response=1"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"type": 4, "data": {"content": "again"}}) as resp,
    ):
        assert resp.status == 400
        assert resp.headers["Content-Type"] == "application/json"
        body = await resp.json()
    assert body == {"message": "Interaction has already been acknowledged.", "code": 40060}
    assert [v.kind for v in fake.violations] == ["double_ack"]
    assert len(rec.callbacks) == 1 and len(rec.attempts) == 2


async def test_unknown_route_is_logged(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with aiohttp.ClientSession() as http, http.get(f"{fake.api_base}/nope/123") as resp:
        assert resp.status == 404
        assert resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["message"] == "404: Not Found"
    assert [u["path"] for u in fake.unhandled] == ["/api/v10/nope/123"]
    with pytest.raises(AssertionError, match="unhandled"):
        fake.assert_clean()


def test_loopback_guard(_loopback_only: list[str]) -> None:
    with pytest.raises(OSError, match="loopback guard"):
        socket.getaddrinfo("discord.com", 443)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(0.1)
    with sock, pytest.raises(OSError, match="loopback guard"):
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1, never routed
    assert len(_loopback_only) == 2
    _loopback_only.clear()


async def test_running_bot_fails_fast(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake_discord.token = "the-right-token"
    # Fails as soon as the bot stops, not when ready_timeout runs out ("not ready within").
    with pytest.raises(AssertionError, match="stopped before it was ready: LoginFailure"):
        await running_bot(make_bot, token="a-wrong-token", ready_timeout=60)
    assert [v.kind for v in fake_discord.violations] == ["unauthorized"]


# -- gateway ------------------------------------------------------------------------------


async def test_resume_after_disconnect(fake_discord: FakeDiscord, running_bot: BotRunner) -> None:
    fake = fake_discord
    await start(running_bot)
    first = fake.connection
    await fake.disconnect(4000)
    await fake.wait_for(lambda: fake.resume_count == 1 and fake.ready.is_set(), 10, "a RESUME")
    assert fake.connection is not first and fake.connection is not None
    assert fake.connection.resumed
    assert fake.identify_count == 1
    rec = await fake.slash("ping")
    assert (await rec.response()).content == "pong"
    fake.assert_clean()


async def _spawn(fake: FakeDiscord, log: Path, *args: str) -> asyncio.subprocess.Process:
    env = {**os.environ, **fake.env(), "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def test_subprocess_bot_survives_sigkill_restart(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    log = tmp_path / "bot.log"
    procs: list[asyncio.subprocess.Process] = []
    try:
        procs.append(await _spawn(fake, log, str(LAUNCH), "tests.e2e.ping_bot"))
        await fake.wait_ready(timeout=30)
        await fake.wait_synced("ping", "whoami")
        assert (await (await fake.slash("ping")).response()).content == "pong"
        assert (await (await fake.slash("whoami")).response()).content == f"pid {procs[0].pid}"

        procs[0].send_signal(signal.SIGKILL)
        assert await procs[0].wait() == -signal.SIGKILL
        await fake.wait_for(lambda: fake.connection is None, 5, "the dead bot's socket to close")

        procs.append(await _spawn(fake, log, "-m", "tests.e2e.ping_bot"))
        await fake.wait_ready(timeout=30, identified=2)
        assert (await (await fake.slash("ping")).response()).content == "pong"
        assert (await (await fake.slash("whoami")).response()).content == f"pid {procs[1].pid}"
        fake.assert_clean()
    except BaseException:
        print(log.read_text(errors="replace"))
        raise
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


@pytest.mark.parametrize(
    ("api", "gateway"),
    [
        ("http://api.example.com/api/v10", "ws://127.0.0.1:9/"),
        ("http://127.0.0.1:9/api/v10", "wss://gateway.example.com/"),
        ("", ""),
    ],
)
async def test_launcher_refuses_non_loopback(api: str, gateway: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKSIDE_FAKE_DISCORD")}
    if api:
        env["TRACKSIDE_FAKE_DISCORD_API"] = api
        env["TRACKSIDE_FAKE_DISCORD_GATEWAY"] = gateway
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LAUNCH),
        "tests.e2e.ping_bot",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode == 2, err
    assert b"launch.py:" in err

"""/athlete and /rivalry."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.bot import Interaction, TracksideBot
from bot.cogs.options import AthleteOption, app_of
from bot.render.embeds_athletes import athlete_embed, rivalry_embed
from bot.render.once import rendered


class Athletes(commands.Cog):
    def __init__(self, bot: TracksideBot):
        self.bot = bot

    @app_commands.command(name="athlete", description="An athlete's profile: PBs, records, results")
    @app_commands.describe(name="The athlete, e.g. Jakob Ingebrigtsen")
    async def athlete(
        self, interaction: Interaction, name: app_commands.Transform[str, AthleteOption]
    ) -> None:
        answer = await app_of(interaction).athlete_profile(name)
        await interaction.response.send_message(embed=rendered(athlete_embed, answer))

    @app_commands.command(name="rivalry", description="Head-to-head of two athletes")
    @app_commands.describe(athlete="The first athlete", opponent="The second athlete")
    async def rivalry(
        self,
        interaction: Interaction,
        athlete: app_commands.Transform[str, AthleteOption],
        opponent: app_commands.Transform[str, AthleteOption],
    ) -> None:
        answer = await app_of(interaction).rivalry(athlete, opponent)
        await interaction.response.send_message(embed=rendered(rivalry_embed, answer))


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(Athletes(bot))

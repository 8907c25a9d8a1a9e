"""Option types shared by the cogs: autocomplete for events, athletes and scopes.

Autocomplete is only a suggestion: users may type anything and press enter, so each
transformer hands the raw text on and the services validate it again.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import discord
from discord import app_commands

from bot.bot import Interaction, TracksideBot
from bot.domain.answers import TopListBy
from bot.domain.events import Sex, Venue
from bot.services.app import Trackside
from bot.services.athletes import athlete_ref

MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_OPTION_LENGTH = 200  # what Discord lets a user type into a string option, and we read

VenueChoice = Literal["indoor", "outdoor"]
SexChoice = Literal["men", "women", "mixed"]
ByChoice = Literal["performances", "performers"]
# What an autocomplete returns (discord.py's Transformer.autocomplete: any option type).
Choices: TypeAlias = list[app_commands.Choice[int | float | str]]


def app_of(interaction: Interaction) -> Trackside:
    return interaction.client.app


def choice_name(text: str) -> str:
    text = " ".join(text.split()) or "?"
    return text if len(text) <= MAX_CHOICE_NAME else text[: MAX_CHOICE_NAME - 1] + "…"


def venue_of(value: str | None) -> Venue | None:
    return Venue(value) if value else None


def sex_of(value: str | None) -> Sex | None:
    return Sex.parse(value) if value else None


def by_of(value: str | None) -> TopListBy:
    return TopListBy(value) if value else TopListBy.PERFORMANCES


class _TextOption(app_commands.Transformer[TracksideBot]):
    """A string option whose value the services resolve; subclasses add autocomplete."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def max_value(self) -> int:
        return MAX_OPTION_LENGTH

    async def transform(self, interaction: Interaction, value: str) -> str:
        return value


class EventOption(_TextOption):
    async def autocomplete(self, interaction: Interaction, value: int | float | str) -> Choices:
        events = app_of(interaction).suggest_events(str(value), MAX_CHOICES)
        return [app_commands.Choice(name=choice_name(e.name), value=e.key) for e in events]


class AthleteOption(_TextOption):
    async def autocomplete(self, interaction: Interaction, value: int | float | str) -> Choices:
        athletes = app_of(interaction).suggest_athletes(str(value), MAX_CHOICES)
        return [
            app_commands.Choice(name=choice_name(a.label), value=athlete_ref(a.id))
            for a in athletes
        ]


class ScopeOption(_TextOption):
    async def autocomplete(self, interaction: Interaction, value: int | float | str) -> Choices:
        app = app_of(interaction)
        scopes = app.suggest_scopes(str(value), MAX_CHOICES)
        return [
            app_commands.Choice(
                name=choice_name(app.scopes.display_name(s)), value=s.scope.code[:100]
            )
            for s in scopes
        ]

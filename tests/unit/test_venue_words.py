"""One venue vocabulary (`Venue.parse`) for the terminal, Discord options and CSV import:
the terminal accepted 'indoors' and 'short track' while a CSV import refused them."""

import pytest

from bot.domain.announcements import AnnouncedRecord, Announcement, RecordNews
from bot.domain.events import Venue
from bot.terminal import parse_venue


@pytest.mark.parametrize(
    "text, venue",
    [
        ("indoor", Venue.INDOOR),
        ("Indoors", Venue.INDOOR),
        ("short  track", Venue.INDOOR),
        ("sh", Venue.INDOOR),
        (" outdoor ", Venue.OUTDOOR),
        ("OUTDOORS", Venue.OUTDOOR),
    ],
)
def test_the_terminal_and_the_domain_read_venues_alike(text, venue):
    assert Venue.parse(text) is venue
    assert parse_venue(text) is venue


@pytest.mark.parametrize("text", ["", None, "inside", "track"])
def test_an_unknown_venue_is_a_clear_error(text):
    with pytest.raises(ValueError, match="indoor or outdoor"):
        Venue.parse(text)


def test_a_record_kind_survives_the_outbox_as_its_enum_member():
    record = AnnouncedRecord(
        scope_kind="world", scope_code="world", record_name="world record", event_key="mile",
        event_name="Mile", record_list="outdoor", kind=RecordNews.CORRECTED, mark="3:43.13",
        is_split=False, previous_holders=[], previous_mark="", previous_date="", margin="",
        stood="", pending=False,
    )  # fmt: skip
    announcement = Announcement(
        kind="correction", headline="CORRECTION", athlete="A", nation="NOR", event_name="Mile",
        mark="3:43.13", wind="", competition="X", where="Oslo", date="2025-06-12",
        result_id=1, records=[record],
    )  # fmt: skip
    back = Announcement.from_json(announcement.to_json())
    assert back == announcement
    assert back.records[0].kind is RecordNews.CORRECTED

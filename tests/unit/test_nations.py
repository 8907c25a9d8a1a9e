"""The nations table (data/nations.csv) and its parser/lookup (bot.domain.nations)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.nations import AREA_ADJECTIVES, AREA_NAMES, Nation, NationError, NationTable

NATIONS_CSV = Path(__file__).parents[2] / "data" / "nations.csv"

HEADER = "code,name,area,adjective,iso2\n"


@pytest.fixture(scope="module")
def table() -> NationTable:
    return NationTable.from_csv_text(NATIONS_CSV.read_text(encoding="utf-8"))


# --- the data file ---------------------------------------------------------------------------


def test_file_is_utf8_without_bom_and_sorted_by_code() -> None:
    raw = NATIONS_CSV.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert text.startswith(HEADER)
    codes = [row["code"] for row in csv.DictReader(text.splitlines())]
    assert codes == sorted(codes)


def test_every_world_athletics_member_is_present_per_area(table: NationTable) -> None:
    # Members have a flag; the historical codes (URS, GDR, ...) and neutral athletes do not.
    members = [n for n in table if n.iso2]
    assert len(members) == 214
    assert Counter(n.area for n in members) == {
        "AFR": 54,
        "ASI": 45,
        "EUR": 51,
        "NAC": 31,
        "OCE": 20,
        "SAM": 13,
    }


def test_iso2_codes_are_unique(table: NationTable) -> None:
    iso2 = [n.iso2 for n in table if n.iso2]
    assert len(iso2) == len(set(iso2))


def test_every_nationality_in_shared_data_is_known(table: NationTable, shared_data: Path) -> None:
    files = sorted(shared_data.glob("*.csv"))
    assert files, f"no CSV files in {shared_data}"
    unknown: set[tuple[str, str]] = set()
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code = (row.get("nationality") or "").strip()
                if code and table.get(code) is None:
                    unknown.add((path.name, code))
    assert not unknown, f"nationalities missing from nations.csv: {sorted(unknown)}"


@pytest.mark.parametrize(
    ("code", "area"),
    [
        ("NOR", "EUR"),
        ("USA", "NAC"),
        ("KEN", "AFR"),
        ("JPN", "ASI"),
        ("AUS", "OCE"),
        ("BRA", "SAM"),
        ("JAM", "NAC"),
        ("MAR", "AFR"),
        ("BUR", "AFR"),
        ("URS", "EUR"),
        ("GDR", "EUR"),
        # Doubtful-looking ones, as World Athletics assigns them.
        ("KAZ", "ASI"),
        ("ISR", "EUR"),
        ("TUR", "EUR"),
        ("CYP", "EUR"),
        ("AZE", "EUR"),
        ("EGY", "AFR"),
        ("GUY", "SAM"),
        ("SUR", "SAM"),
        ("PAN", "SAM"),
        ("BER", "NAC"),
        ("FIJ", "OCE"),
    ],
)
def test_area_of(table: NationTable, code: str, area: str) -> None:
    assert table.area_of(code) == area


def test_area_of_unknown_missing_and_neutral(table: NationTable) -> None:
    assert table.area_of(None) is None
    assert table.area_of("") is None
    assert table.area_of("XXX") is None
    assert table.area_of("AIN") is None
    assert table.area_of("nor") == "EUR"


def test_every_area_has_a_name_and_adjective(table: NationTable) -> None:
    assert set(AREA_NAMES) == set(AREA_ADJECTIVES)
    assert {n.area for n in table if n.area} == set(AREA_NAMES)


@pytest.mark.parametrize(
    ("code", "flag"),
    [("NOR", "🇳🇴"), ("GBR", "🇬🇧"), ("USA", "🇺🇸"), ("KOS", "🇽🇰"), ("URS", ""), ("AIN", "")],
)
def test_flags(table: NationTable, code: str, flag: str) -> None:
    nation = table.get(code)
    assert nation is not None
    assert nation.flag == flag


def test_historical_codes_have_no_flag(table: NationTable) -> None:
    for code in ("GDR", "FRG", "URS", "TCH", "YUG", "EUN"):
        nation = table.get(code)
        assert nation is not None, code
        assert nation.iso2 is None
        assert nation.area == "EUR"


def test_adjectives_for_record_labels(table: NationTable) -> None:
    def adjective(code: str) -> str:
        nation = table.get(code)
        assert nation is not None
        return nation.adjective

    assert adjective("NOR") == "Norwegian"
    assert adjective("USA") == "American"
    assert adjective("GBR") == "British"
    assert adjective("NED") == "Dutch"
    assert adjective("URS") == "Soviet"
    assert adjective("GDR") == "East German"
    gbr = table.get("GBR")
    assert gbr is not None and gbr.name == "Great Britain"


# --- lookup ----------------------------------------------------------------------------------


def test_get_is_case_insensitive(table: NationTable) -> None:
    assert table.get("nor") == table.get("NOR") == table.get(" Nor ")
    assert table.get("XXX") is None
    assert "ken" in table
    assert "XXX" not in table


@pytest.mark.parametrize(
    "text",
    ["NOR", "nor", "Norway", "NORWAY", "norwegian", "  Norwegian  "],
)
def test_resolve_norway(table: NationTable, text: str) -> None:
    assert table.resolve(text).code == "NOR"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("American", "USA"),
        ("United States", "USA"),
        ("British", "GBR"),
        ("United Kingdom", "GBR"),
        ("Great Britain & N.I.", "GBR"),
        ("Dutch", "NED"),
        ("Netherlands", "NED"),
        ("Burkinabe", "BUR"),
        ("cote d'ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("Soviet", "URS"),
        ("east german", "GDR"),
        ("Dominican Republic", "DOM"),
        ("Dominica", "DMA"),
    ],
)
def test_resolve_names_adjectives_and_aliases(table: NationTable, text: str, code: str) -> None:
    assert table.resolve(text).code == code


def test_resolve_unknown_suggests(table: NationTable) -> None:
    with pytest.raises(NationError) as info:
        table.resolve("Norwey")
    assert str(info.value) == "Unknown nation 'Norwey' — did you mean NOR (Norway)?"


def test_resolve_misspelt_adjective_suggests(table: NationTable) -> None:
    with pytest.raises(NationError, match=r"did you mean KEN \(Kenya\)"):
        table.resolve("Kenyen")


def test_resolve_nonsense_has_no_suggestion(table: NationTable) -> None:
    with pytest.raises(NationError, match="Unknown nation 'qqqqqqqq'") as info:
        table.resolve("qqqqqqqq")
    assert "did you mean" not in str(info.value)


def test_resolve_empty(table: NationTable) -> None:
    with pytest.raises(NationError):
        table.resolve("   ")


def test_resolve_shared_adjective_is_ambiguous(table: NationTable) -> None:
    with pytest.raises(NationError, match="ambiguous") as info:
        table.resolve("Dominican")
    assert "DMA" in str(info.value) and "DOM" in str(info.value)


# --- parsing ---------------------------------------------------------------------------------


def test_parse_minimal_table() -> None:
    table = NationTable.from_csv_text(
        HEADER
        + "NOR,Norway,EUR,Norwegian,NO\n"
        + "URS,Soviet Union,EUR,Soviet,\n"
        + "AIN,Neutral,,Neutral,\n"
    )
    assert len(table) == 3
    assert [n.code for n in table] == ["NOR", "URS", "AIN"]
    assert table.get("NOR") == Nation("NOR", "Norway", "EUR", "Norwegian", "NO")
    assert table.get("AIN") == Nation("AIN", "Neutral", None, "Neutral", None)


def test_parse_accepts_bom_and_blank_lines() -> None:
    table = NationTable.from_csv_text("\ufeff" + HEADER + "\nNOR,Norway,EUR,Norwegian,NO\n\n")
    assert len(table) == 1


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("nor,Norway,EUR,Norwegian,NO", "code 'nor'"),
        ("NO,Norway,EUR,Norwegian,NO", "code 'NO'"),
        ("NORW,Norway,EUR,Norwegian,NO", "code 'NORW'"),
        ("NOR,Norway,XXX,Norwegian,NO", "unknown area 'XXX'"),
        ("NOR,Norway,eur,Norwegian,NO", "unknown area 'eur'"),
        ("NOR,Norway,EUR,Norwegian,no", "iso2 'no'"),
        ("NOR,Norway,EUR,Norwegian,NOR", "iso2 'NOR'"),
        ("NOR,,EUR,Norwegian,NO", "no name"),
        ("NOR,Norway,EUR,,NO", "no adjective"),
        ("NOR,Norway,EUR,Norwegian", "expected 5 fields, got 4"),
        ("NOR,Norway,EUR,Norwegian,NO,extra", "expected 5 fields, got 6"),
        ("KEN,Kenya again,AFR,Kenyan,KE", "code KEN already given in row 2"),
    ],
)
def test_bad_rows_name_the_row(bad_row: str, message: str) -> None:
    text = HEADER + "KEN,Kenya,AFR,Kenyan,KE\nUSA,United States,NAC,American,US\n" + bad_row + "\n"
    with pytest.raises(NationError) as info:
        NationTable.from_csv_text(text)
    assert str(info.value).startswith("Row 4: ")
    assert message in str(info.value)


def test_bad_header() -> None:
    with pytest.raises(NationError, match="Row 1"):
        NationTable.from_csv_text("code,name,area,iso2\nNOR,Norway,EUR,NO\n")


def test_empty_text() -> None:
    with pytest.raises(NationError):
        NationTable.from_csv_text("")

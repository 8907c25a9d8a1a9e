"""tools/refresh_records.py on small snapshots: each check, the version fallback, determinism."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from bot.domain.catalogue import EventCatalogue
from tools.refresh_records import build, main, official_mark

DATA = Path(__file__).resolve().parents[2] / "data"
HEADER = (
    "Code;Type;Discipline;Class;Result;Wind;Venue;Venue Country;Environment;Date;"
    "Firstname;Lastname;Nation;YOB;Sex"
)
MAPPING = """tilastopaja_nr,worldathletics_ranking,worldathletics_ranking_type,worldathletics_records,europeanathletics_records,taf,worldathletics
100,100-metres,sprints,100 Metres,100 Metres,100,100
1500,1500-metres,middlelong,1500 Metres,1500 Metres,1K5,1500
,,,1500 Metres Short Track,,1K5,1500
300H,,,,,30H,300H
"""  # noqa: E501
AREAS = "Country,AreaId\nNOR,1\nSWE,1\nGER,1\nUSA,2\nCAN,2\nKEN,4\nMAR,4\n"

NATIONAL = [
    "NR;NOR;1K5;M;3:26.73;;Monaco;MON;Outdoor;2024-07-12;Jakob;Ingebrigtsen;NOR;2000;Male",
    # the same holder again (a re-scrape) and an older, slower row of the same list
    "NR;NOR;1K5;M;3:26.73;;Monaco;MON;Outdoor;2024-07-12;Jakob;Ingebrigtsen;NOR;2000;Male",
    "NR;NOR;1K5;M;3:27.14;;Chorzów;POL;Outdoor;2023-07-16;Jakob;Ingebrigtsen;NOR;2000;Male",
    "NR;NOR;1K5;M;3:31.00;;Oslo;NOR;Indoor;2024-02-01;Narve;Gilje Nordås;NOR;1998;Male",
    # the scrape's collegiate 'record' (Paris 2024 on file: Hocker 3:27.65)
    "NR;USA;1K5;M;3:52.85;;New Haven;USA;Outdoor;2025-04-19;Seb;Sutch;USA;;Male",
    "NR;SWE;100;M;7.10;0.5;Lund;SWE;Outdoor;2020-06-01;Fast;Typo;SWE;1999;Male",
    "NR;GER;100;M;9.99;2.5;Berlin;GER;Outdoor;2020-06-01;Windy;Sprinter;GER;1999;Male",
    "NR;GER;100;W;10.99;0.1;Berlin;GER;Outdoor;2020-06-01;Old;Date;GER;2015;Female",
    "NR;ZZZ;100;M;10.50;0.1;Nowhere;ZZZ;Outdoor;2020-06-01;No;Nation;ZZZ;1999;Male",
    "NR;NOR;30H;M;35.00;;Oslo;NOR;Outdoor;2020-06-01;Short;Hurdler;NOR;1999;Male",
    "NR;NOR;1K5",  # a broken line: too few fields
    "NR;CAN;1K5;M;3:30.00;;MA;USA;Indoor;2024-02-01;Indoor;Runner;CAN;1999;Male",
]
AREA = [
    "AR;1;1K5;M;3:27.14;;Chorzów;POL;Outdoor;2023-07-16;Jakob;Ingebrigtsen;NOR;2000;Male",
    "AR;2;1K5;M;3:29.02;;Oslo;NOR;Outdoor;2023-06-15;Yared;Nuguse;USA;1999;Male",
    "AR;2;1K5;M;3:30.00;;MA;USA;Indoor;2024-02-01;Indoor;Runner;CAN;1999;Male",
]
WORLD = ["WR;;1K5;M;3:26.00;;Roma;ITA;Outdoor;1998-07-14;Hicham;El Guerrouj;MAR;1974;Male"]
U20 = [
    "WRU20;;1K5;MJU20;3:28.81;;Monaco;MON;Outdoor;2019-07-12;Ronald;Kwemoi;KEN;1995;Male",
]


def _write_snapshot(root: Path, national=NATIONAL, area=AREA, world=WORLD, u20=U20) -> Path:
    files = {
        "mapping/disciplines.csv": MAPPING,
        "mapping/areas.csv": AREAS,
        "records/national.csv": "\n".join([HEADER + ";WorldathleticsId", *national]) + "\n",
        "records/area.csv": "\n".join([HEADER, *area]) + "\n",
        "records/world.csv": "\n".join([HEADER, *world]) + "\n",
        "records/world-u20.csv": "\n".join([HEADER, *u20]) + "\n",
        "records/european-u20/men.csv": HEADER + "\n",
        "records/european-u20/women.csv": HEADER + "\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def built(tmp_path: Path) -> dict:
    snapshot = _write_snapshot(tmp_path / "records")
    return build(snapshot, None, DATA, tmp_path / "no-resolutions.csv")


def _rows(built: dict, kind: str, code: str, event: str = "1500m", venue: str = "outdoor"):
    return [
        r
        for r in built["records"]
        if (r.scope_kind, r.scope_code, r.event, r.venue) == (kind, code, event, venue)
    ]


def _checks(built: dict, code: str) -> list[tuple[str, str]]:
    return [(c["check"], c["mark"]) for c in built["conflicts"] if c["scope_code"] == code]


def test_one_row_per_holder_from_the_best_mark(built):
    (row,) = _rows(built, "nation", "NOR")
    assert (row.athlete, row.mark, row.status) == ("Jakob Ingebrigtsen", "3:26.73", "ratified")
    assert "records/national.csv" in row.source
    assert ("duplicate", "3:26.73") in _checks(built, "NOR")
    assert ("superseded", "3:27.14") in _checks(built, "NOR")


def test_a_national_record_behind_a_result_on_file_is_replaced(built):
    (row,) = _rows(built, "nation", "USA")
    assert (row.athlete, row.mark, row.date) == ("Cole Hocker", "3:27.65", "2024-08-06")
    assert row.status == "ratification_unconfirmed"
    assert "data/reference/races.csv" in row.source
    assert ("nation_vs_result", "3:52.85") in _checks(built, "USA")


def test_an_area_record_follows_the_newer_national_records(built):
    (europe,) = _rows(built, "area", "EUR")
    assert (europe.athlete, europe.mark) == ("Jakob Ingebrigtsen", "3:26.73")
    assert ("area_vs_national", "3:27.14") in _checks(built, "EUR")
    # The NAC record follows the corrected USA record, not the scrape's 3:52.85.
    (americas,) = _rows(built, "area", "NAC")
    assert (americas.athlete, americas.mark) == ("Cole Hocker", "3:27.65")


def test_impossible_rows_are_left_out_with_why(built):
    assert ("limit", "7.10") in _checks(built, "SWE")
    assert ("wind", "9.99") in _checks(built, "GER")
    assert ("birth_year", "10.99") in _checks(built, "GER")
    assert ("nation_code", "10.50") in _checks(built, "ZZZ")
    assert not _rows(built, "nation", "SWE", "100m")
    assert not _rows(built, "nation", "GER", "100m")
    for conflict in built["conflicts"]:
        assert conflict["why"] and conflict["resolution"] and conflict["source"]


def test_state_codes_are_not_cities(built):
    (row,) = _rows(built, "nation", "CAN", venue="indoor")
    assert (row.city, row.country) == ("", "USA")  # the scrape kept "MA" of "Boston, MA"
    assert ("city", "3:30.00") in _checks(built, "CAN")


def test_events_the_catalogue_lacks_are_counted(built):
    skipped = {what for (_, what, _, _) in built["skips"]}
    assert any(what.startswith("30H") for what in skipped)


def test_u20_rows_need_an_athlete_under_20(built):
    assert not _rows(built, "u20", "world")
    assert ("u20_age", "3:28.81") in _checks(built, "world")


def test_the_same_snapshot_gives_the_same_files(tmp_path: Path):
    snapshot = _write_snapshot(tmp_path / "records")
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert main(["--repo", str(snapshot), "--out", str(out), "--resolutions", "-"]) == 0
        outputs.append([(out / n).read_bytes() for n in ("records.csv", "conflicts.csv")])
    assert outputs[0] == outputs[1]
    with (tmp_path / "a" / "records.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle))[:3] == ["scope_kind", "scope_code", "event"]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_groups_a_later_scrape_dropped_come_from_the_last_version_with_them(tmp_path: Path):
    repo = _write_snapshot(tmp_path / "records")
    women = "WR;;1K5;W;3:49.11;;Firenze;ITA;Outdoor;2023-06-02;Faith;Kipyegon;KEN;1994;Female"
    _write_snapshot(repo, world=[*WORLD, women])
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "full")
    first = _git(repo, "rev-parse", "--short=7", "HEAD")
    # The next scrape loses the men's lists and has a newer women's record.
    newer = women.replace("3:49.11", "3:48.68").replace("2023-06-02", "2025-07-05")
    _write_snapshot(repo, world=[newer])
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "women only")
    second = _git(repo, "rev-parse", "--short=7", "HEAD")

    latest = build(repo, None, DATA, tmp_path / "none.csv")
    (men,) = [r for r in latest["records"] if r.scope_kind == "world" and r.sex == "M"]
    (wom,) = [r for r in latest["records"] if r.scope_kind == "world" and r.sex == "W"]
    assert men.mark == "3:26.00" and f"@{first}" in men.source
    assert wom.mark == "3:48.68" and f"@{second}" in wom.source

    pinned = build(repo, first, DATA, tmp_path / "none.csv")
    (old,) = [
        r
        for r in pinned["records"]
        if r.scope_kind == "world" and r.sex == "W" and r.event == "1500m"
    ]
    # The older snapshot gives the older record: the 2025 reference row is dated after that
    # snapshot's national list, so it does not count as on file.
    assert old.mark == "3:49.11" and f"@{first}" in old.source


@pytest.mark.parametrize(
    ("text", "event", "day", "official"),
    [
        ("6.6", "lj", "2025-06-27", "6.60"),  # the scrape drops a field mark's last zero
        ("2.1", "hj", "2024-07-07", "2.10"),
        ("7.1", "60m", "2004-01-30", "7.10"),  # and a FAT sprint time's
        ("10.0", "100m", "1968-06-20", "10.0"),  # a hand time before automatic timing
        ("5:50.5", "1500m", "1981-10-20", "5:50.5"),  # a time with ':' is kept as written
        ("1:45.10", "800m", "2020-01-01", "1:45.10"),
        ("9126", "dec", "2018-09-16", "9126"),
    ],
)
def test_marks_are_written_officially(text, event, day, official):
    catalogue = EventCatalogue.from_csv_text((DATA / "events.csv").read_text(encoding="utf-8"))
    assert official_mark(text, catalogue.get(event), day) == official


def test_a_bad_snapshot_is_a_clear_error_and_writes_nothing(tmp_path: Path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as missing:
        main(["--repo", str(tmp_path / "nowhere"), "--out", str(out)])
    assert missing.value.code == 2
    assert "no such directory" in capsys.readouterr().err

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit):
        main(["--repo", str(empty), "--out", str(out)])
    assert "cannot read the snapshot" in capsys.readouterr().err

    repo = _write_snapshot(tmp_path / "records")
    _git(repo, "init", "-q")
    with pytest.raises(SystemExit):
        main(["--repo", str(repo), "--commit", "deadbeef", "--out", str(out)])
    assert "git failed" in capsys.readouterr().err
    assert not out.exists()


def test_hostile_text_in_a_snapshot_stays_data(tmp_path: Path):
    hostile = (
        "NR;NOR;1K5;M;3:40.00;;Oslo\u202e;NOR;Outdoor;2020-06-01;@everyone **x**;"
        "[link](http://x.test)\u200b;NOR;1999;Male"
    )
    snapshot = _write_snapshot(tmp_path / "records", national=[hostile])
    built = build(snapshot, None, DATA, tmp_path / "none.csv")
    (row,) = [r for r in built["records"] if r.scope_kind == "nation"]
    assert row.athlete.startswith("@everyone **x**")  # kept verbatim; rendering escapes it
    out = tmp_path / "out"
    assert main(["--repo", str(snapshot), "--out", str(out), "--resolutions", "-"]) == 0
    with (out / "records.csv").open(encoding="utf-8", newline="") as handle:
        (shipped,) = [r for r in csv.DictReader(handle) if r["scope_kind"] == "nation"]
    assert shipped["athlete"] == row.athlete and shipped["city"] == "Oslo\u202e"

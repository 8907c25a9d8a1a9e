"""SHARD_COUNT and SHARD_IDS: read, checked together, shown the same way everywhere."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from tests.cli.test_cli import trackside


def settings(**env: str):
    return load_settings(env, env_file=None)


def test_unset_means_discords_recommended_count():
    s = settings()
    assert s.shard_count is None and s.shard_ids is None
    assert s.shards_text() == "all shards (Discord's recommended count)"


def test_a_count_alone_runs_every_shard():
    s = settings(SHARD_COUNT="2", SHARD_IDS="")
    assert (s.shard_count, s.shard_ids) == (2, None)
    assert s.shards_text() == "shards 0, 1 of 2"


def test_ids_split_the_shards_between_processes():
    s = settings(SHARD_COUNT="4", SHARD_IDS=" 3, 2,2 ")
    assert (s.shard_count, s.shard_ids) == (4, (2, 3))
    assert s.shards_text() == "shards 2, 3 of 4"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be a whole number of 1 or more, got '0'"),
        ({"SHARD_COUNT": "-1"}, "SHARD_COUNT must be a whole number of 1 or more"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT must be a whole number of 1 or more"),
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS needs SHARD_COUNT too"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,x"}, "SHARD_IDS must be a comma-separated list"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": ",,"}, "SHARD_IDS must be a comma-separated list"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "-1"}, "SHARD_IDS must be a comma-separated list"),
        (
            {"SHARD_COUNT": "2", "SHARD_IDS": "1,2,5"},
            "SHARD_IDS 2, 5 not below SHARD_COUNT=2 (shards are numbered 0 to 1)",
        ),
    ],
)
def test_bad_shard_settings_are_one_clear_line(env, message):
    with pytest.raises(ConfigError) as error:
        settings(**env)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_command_reports_bad_shards_in_one_line(tmp_path):
    run = trackside(tmp_path, "db", "status", env={"SHARD_COUNT": "2", "SHARD_IDS": "2"})
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "trackside: configuration error: SHARD_IDS 2 not below SHARD_COUNT=2 "
        "(shards are numbered 0 to 1)"
    ]


def test_db_status_shows_the_shards_this_process_runs(tmp_path):
    run = trackside(tmp_path, "db", "status", env={"SHARD_COUNT": "4", "SHARD_IDS": "0,1"})
    assert run.returncode == 0, run.stderr
    assert "this process runs shards 0, 1 of 4 (SHARD_COUNT, SHARD_IDS)" in run.stdout
    run = trackside(tmp_path, "db", "status")
    assert "this process runs all shards (Discord's recommended count)" in run.stdout


def test_delivery_lease_setting():
    assert load_settings({}, env_file=None).delivery_lease_seconds == 10.0
    settings = load_settings({"DELIVERY_LEASE_SECONDS": "30"}, env_file=None)
    assert settings.delivery_lease_seconds == 30.0
    for bad in ("0", "2", "601", "ten", "nan", "inf", "-5"):
        with pytest.raises(ConfigError, match="DELIVERY_LEASE_SECONDS"):
            load_settings({"DELIVERY_LEASE_SECONDS": bad}, env_file=None)

"""Tests that need ../shared/data skip outside CI and fail loudly in CI (issue 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.conftest as support


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE"])
def test_a_missing_file_fails_in_ci(monkeypatch, tmp_path: Path, value: str) -> None:
    monkeypatch.setattr(support, "SHARED_DATA", tmp_path / "absent")
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI must provide"):
        support.require_shared_data("world_records.csv")


@pytest.mark.parametrize("value", [None, "", "0", "false"])
def test_a_missing_file_skips_outside_ci(monkeypatch, tmp_path: Path, value: str | None) -> None:
    monkeypatch.setattr(support, "SHARED_DATA", tmp_path)
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match=r"world_records\.csv"):
        support.require_shared_data("world_records.csv")


def test_present_files_are_returned(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "world_records.csv").write_text("event\n", encoding="utf-8")
    monkeypatch.setattr(support, "SHARED_DATA", tmp_path)
    monkeypatch.setenv("CI", "true")
    assert support.require_shared_data("world_records.csv") == tmp_path
    assert support.require_shared_data() == tmp_path

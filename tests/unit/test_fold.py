"""`fold` (bot/domain/text.py): search keys, with a shortcut for ASCII names."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.text import _fold_any, fold


def test_accents_case_and_punctuation_fold_away():
    assert fold("Liévin") == "lievin"
    assert fold("Železný") == "zelezny"
    assert fold("Nordås") == "nordas"
    assert fold("Sæbø Østby") == "saebo ostby"
    assert fold("  O'Brien-SMITH, Jr. ") == "o brien smith jr"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=string.printable, max_size=40))
def test_the_ascii_shortcut_folds_as_the_full_path(text):
    assert fold(text) == _fold_any(text)

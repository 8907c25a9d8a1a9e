"""join_within keeps as many whole lines as fit in a field and says how many were left
out. It counts the joined length as it goes (it used to join every line kept so far again
for each next line): the same text as that, for any lines and limit."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from bot.render.discord_embeds import FIELD_VALUE_LIMIT, join_within


def _joined_again_each_line(lines: Sequence[str], limit: int = FIELD_VALUE_LIMIT) -> str:
    """The way it was written before, as the oracle."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        candidate = "\n".join([*kept, line])
        rest = len(lines) - index - 1
        if len(candidate) > limit - (20 if rest else 0):
            return "\n".join([*kept, f"… and {len(lines) - index} more"])
        kept.append(line)
    return "\n".join(kept)


@given(
    st.lists(st.text(max_size=120), max_size=60),
    st.integers(min_value=0, max_value=FIELD_VALUE_LIMIT + 50),
)
def test_the_same_text_as_joining_every_kept_line_again(lines, limit):
    assert join_within(lines, limit) == _joined_again_each_line(lines, limit)


def test_lines_that_fit_exactly_and_one_over():
    line = "x" * 99
    ten = [line] * 10  # 10 * 99 + 9 line breaks = 999
    assert join_within(ten, 999) == "\n".join(ten)
    assert join_within(ten, 998) == "\n".join([line] * 9 + ["… and 1 more"])
    assert join_within([], 10) == ""
    assert join_within([""] * 3, 0) == "… and 3 more"
    assert join_within(["", "", ""], 22) == "\n\n"

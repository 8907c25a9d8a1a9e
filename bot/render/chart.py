"""A record's progression as a PNG chart: a step line over time, labelled with holders.

matplotlib runs headless (Agg) and is not thread-safe through pyplot, so the chart is
drawn on an explicit Figure, which is safe to build in a worker thread.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.domain.answers import ProgressionAnswer
from bot.domain.marks import Mark
from bot.render.common import list_name, record_noun, sex_title

MAX_LABELS = 12  # label every holder change when few; otherwise the first, last and biggest


def progression_chart(answer: ProgressionAnswer) -> bytes:
    """PNG bytes of the progression: mark on y (better upwards), date on x."""
    event = answer.event
    rows = [row for row in answer.rows if not row.entry.equal]
    dates = [row.entry.date for row in rows]
    values = [row.entry.mark.value for row in rows]
    unit = rows[0].entry.mark.unit

    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.add_subplot()
    x = [date2num(d) for d in [*dates, max(answer.today, dates[-1])]]
    y = [*values, values[-1]]
    axes.step(x, y, where="post", color="#d9480f", linewidth=2)
    axes.plot(x[:-1], values, "o", color="#d9480f", markersize=4)
    if event.lower_is_better:
        axes.invert_yaxis()  # faster is higher on the chart: records climb
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: str(Mark(max(int(v), 0), unit))))
    axes.xaxis_date()
    axes.grid(True, alpha=0.3)

    for order, index in enumerate(_labelled(rows)):
        row = rows[index]
        label = f"{row.entry.athlete.name}\n{row.entry.mark}"
        axes.annotate(
            label,
            (date2num(row.entry.date), row.entry.mark.value),
            textcoords="offset points",
            # Alternate above and below the line so neighbours' labels do not overlap.
            xytext=(4, 6) if order % 2 == 0 else (6, -22),
            fontsize=7,
        )
    key = answer.key
    noun = record_noun(answer.scope, answer.record_type, list_name(key, event))
    axes.set_title(f"{sex_title(key.sex)} {event.name} — {noun} progression", fontsize=11)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _labelled(rows: list) -> list[int]:
    if len(rows) <= MAX_LABELS:
        return list(range(len(rows)))
    # Label where the holder changes, keeping the first and the latest.
    changes = [0] + [
        i for i in range(1, len(rows)) if rows[i].entry.athlete.id != rows[i - 1].entry.athlete.id
    ]
    if len(changes) > MAX_LABELS:
        step = len(changes) / (MAX_LABELS - 1)
        changes = [changes[int(i * step)] for i in range(MAX_LABELS - 1)]
    return sorted({*changes, len(rows) - 1})

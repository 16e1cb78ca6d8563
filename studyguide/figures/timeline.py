"""Timeline 1939-1957: every event in timeline.yaml, one row each.

One row per event means labels can never collide, however close the dates.  Most events
fall in 1941-1942, so that stretch is drawn to a larger scale (shaded and said so) rather
than squeezing two years into a sliver of an eighteen-year axis.  Dates known only to the
month or year get a pale band over that period instead of a falsely exact dot.
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from . import svg

# Piecewise-linear time axis: (year, position).  1941-Jan 1943 gets half the width.
KNOTS = np.array([(1939.0, 0.0), (1941.0, 1.0), (1943.1, 6.0), (1958.0, 10.0)])
STRETCH = (1941.0, 1943.1)
KINDS = {  # colour and marker both differ, so the kinds survive greyscale printing too
    "career": ("Zhukov's career", svg.BLUE, "o"),
    "battle": ("War and battles", svg.VERMILION, "s"),
    "politics": ("Politics", svg.INK, "D"),
}
ROW = 0.55  # cm per event
CHAR = 0.14  # rough width of one label character in axis units, to see if a label fits


def pos(year):
    """Axis position of a decimal year on the stretched scale."""
    return np.interp(year, KNOTS[:, 0], KNOTS[:, 1])


def period(text: str) -> tuple[float, float, str]:
    """'YYYY[-MM[-DD]]' as (start, end) in decimal years, plus its precision."""
    parts = [int(p) for p in text.split("-")]
    y, m, d = parts + [1] * (3 - len(parts))
    if len(parts) == 1:
        return y, y + 1, "year"
    days = 366 if calendar.isleap(y) else 365
    start = y + (date(y, m, d).timetuple().tm_yday - 1) / days
    if len(parts) == 2:
        return start, start + calendar.monthrange(y, m)[1] / days, "month"
    return start, start + 1 / days, "day"


def words(text: str) -> list[str]:
    """'1941-12-05' as ['5', 'Dec', '1941'], so shared trailing parts can be dropped."""
    parts = text.split("-")
    out = [parts[0]]
    if len(parts) > 1:
        out.insert(0, calendar.month_abbr[int(parts[1])])
    if len(parts) > 2:
        out.insert(0, str(int(parts[2])))
    return out


def when(event) -> str:
    """'8 Sep 1941 – 27 Jan 1944', with what start and end share said once: '12–28 May 1942'."""
    a = words(event["date"])
    if "end" not in event:
        return " ".join(a)
    b = words(event["end"])
    if len(a) != len(b) or len(a) == 1 or a[-1] != b[-1]:
        return f"{' '.join(a)} – {' '.join(b)}"
    if len(a) == 3 and a[1] != b[1]:  # same year only
        return f"{' '.join(a[:2])} – {' '.join(b)}"
    return f"{a[0]}–{' '.join(b)}"


def render(data_dir: Path, out: Path) -> None:
    events = svg.load(data_dir / "timeline.yaml")
    rows = len(events)
    for event in events:
        if event.get("kind") not in KINDS:
            raise ValueError(
                f"timeline.yaml: {event.get('label')!r}: kind must be one of "
                f"{', '.join(KINDS)}, not {event.get('kind')!r}"
            )
    height = 3.2 + ROW * rows  # cm: legend and axis take 3.2, each event one row
    fig = svg.figure(16, height)
    ax = fig.add_axes((0.2, 1.2 / height, 0.78, ROW * rows / height))
    ax.set_xlim(-0.1, 10.1)
    ax.set_ylim(rows - 0.4, -0.6)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)

    ax.axvspan(pos(STRETCH[0]), pos(STRETCH[1]), color="#F0F0F0", zorder=0, linewidth=0)
    ax.text(
        pos(sum(STRETCH) / 2),
        -1.0,
        "1941–1942 drawn to a larger scale",
        ha="center",
        va="bottom",
        fontsize=8,
        color=svg.GREY,
    )
    years = [1939, 1941, 1942, 1943, 1945, 1950, 1955]
    ax.set_xticks(pos(years), [str(y) for y in years])
    ax.set_xticks(pos(np.arange(1939, 1959)), minor=True)
    ax.grid(axis="x", which="major", color="#D0D0D0", linewidth=0.5, zorder=0)

    date_column = blended_transform_factory(fig.transFigure, ax.transData)
    for row, event in enumerate(events):
        name, colour, marker = KINDS[event["kind"]]
        start, end, precision = period(event["date"])
        if "end" in event:
            end = period(event["end"])[1]
        x0, x1 = pos(start), pos(end)
        ax.axhline(row, color="#E4E4E4", linewidth=0.4, zorder=0)
        if "end" in event and x1 - x0 > 0.05:
            ax.barh(row, x1 - x0, left=x0, height=0.5, color=colour, zorder=2)
        else:
            if precision != "day":
                ax.barh(row, x1 - x0, left=x0, height=0.6, color=colour, alpha=0.25, linewidth=0, zorder=1)
            ax.plot((x0 + x1) / 2, row, marker=marker, color=colour, markersize=5, zorder=3)
        right = x1 + 0.2 + CHAR * len(event["label"]) < 10.1  # else it goes left
        ax.annotate(
            event["label"],
            (x1 if right else x0, row),
            xytext=(6 if right else -6, 0),
            textcoords="offset points",
            va="center",
            ha="left" if right else "right",
            fontsize=8.5,
            zorder=4,
        )
        ax.text(0.01, row, when(event), transform=date_column, va="center", fontsize=8, color=svg.GREY)

    handles = [
        Line2D([], [], linestyle="", marker=m, color=c, markersize=5, label=n) for n, c, m in KINDS.values()
    ]
    handles.append(Patch(color=svg.INK, alpha=0.25, label="Only month or year known"))
    fig.legend(
        handles=handles,
        loc="upper center",
        ncols=4,
        frameon=False,
        fontsize=8.5,
        bbox_to_anchor=(0.5, 0.995),
        handletextpad=0.4,
        columnspacing=1.5,
    )
    svg.save(fig, out)

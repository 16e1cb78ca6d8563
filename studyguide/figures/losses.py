"""Soviet losses in two 1942 operations: the essay's figure beside Krivosheev's.

The point for students is source comparison, so each pair of bars sits together and
each bar carries its number with the source's own hedge ("over", "about"); the chart
shows that the essay rounds, not that the two sources disagree much.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import svg

SERIES = (  # (key in losses.yaml, legend text, colour, hatch): hatch tells them apart in grey
    ("essay", "The essay", svg.ORANGE, "////"),
    ("krivosheev", "Krivosheev (1997)", svg.BLUE, ""),
)
QUALIFIERS = {"over": "over ", "about": "about ", None: ""}


def render(data_dir: Path, out: Path) -> None:
    data = svg.load(data_dir / "losses.yaml")
    operations = data["operations"]
    fig = svg.figure(16, 7.5)
    ax = fig.add_axes((0.2, 0.32, 0.76, 0.56))
    rows = np.arange(len(operations))
    height = 0.36

    for i, (key, legend, colour, hatch) in enumerate(SERIES):
        y = rows + (i - 0.5) * height
        values = [op[key]["value"] / 1000 for op in operations]
        ax.barh(
            y,
            values,
            height=height * 0.92,
            color=colour,
            hatch=hatch,
            edgecolor=svg.INK,
            linewidth=0.6,
            label=legend,
        )
        for yy, op in zip(y, operations):
            figure = op[key]
            text = f"{QUALIFIERS[figure.get('qualifier')]}{figure['value']:,}"
            ax.text(figure["value"] / 1000 + 8, yy, text, va="center", fontsize=8.5)

    ax.set_yticks(rows, [f"{op['name']}\n{_span(op)}" for op in operations])
    ax.invert_yaxis()
    ax.set_xlim(0, 1000)
    ax.set_xlabel("Soviet losses (thousands)")
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#D9D9D9", linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    fig.text(0.02, 0.075, "Krivosheev counts killed, missing, wounded and sick.", fontsize=8, color=svg.GREY)
    fig.text(0.02, 0.025, "Sources: the seed essay; Krivosheev (1997)", fontsize=8, color=svg.GREY)
    svg.save(fig, out)


def _span(op) -> str:
    """'8 Jan – 20 Apr 1942' from the ISO dates, so the chart and the data cannot drift."""
    (y0, m0, d0), (y1, m1, d1) = ([int(p) for p in op[k].split("-")] for k in ("start", "end"))
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    if (y0, m0) == (y1, m1):
        return f"{d0}–{d1} {months[m1 - 1]} {y1}"
    return f"{d0} {months[m0 - 1]} – {d1} {months[m1 - 1]} {y1}"

"""Locator map: where the places named in the guide lie, for readers who do not know them.

The projection is a Lambert conformal conic done with numpy, so that the build needs no
cartopy or GDAL; conformal keeps the shapes of the Baltic and Black Sea coasts familiar.
Borders are today's, drawn only so readers can find the places on a modern atlas.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from . import svg

ASPECT = 1.5  # width / height: 16 x 10.7 cm
R = 6371.0  # km, so the axes are in km and the scale bar is simple
LON0, LAT0, LAT1, LAT2 = 30.0, 53.0, 47.0, 59.0
SEA, LAND, COAST, BORDER = "#DDEBF5", "#EEEEEA", "#8A8A8A", "#9A9A9A"
SEA_TEXT = "#35607F"
SEAS = (("Baltic Sea", 19.0, 56.0), ("Black Sea", 31.3, 44.75))
HALO = [patheffects.withStroke(linewidth=2.4, foreground="white")]


def project(lon, lat):
    """Spherical Lambert conformal conic, standard parallels 47 and 59 N."""
    lon, lat, p1, p2, p0 = (np.radians(np.asarray(v, float)) for v in (lon, lat, LAT1, LAT2, LAT0))
    t = lambda p: np.tan(np.pi / 4 + p / 2)  # noqa: E731
    n = np.log(np.cos(p1) / np.cos(p2)) / np.log(t(p2) / t(p1))
    f = np.cos(p1) * t(p1) ** n / n
    rho, rho0 = R * f / t(lat) ** n, R * f / t(p0) ** n
    theta = n * (lon - np.radians(LON0))
    return rho * np.sin(theta), rho0 - rho * np.cos(theta)


def _path(rings):
    """One compound path for all rings: holes (the Caspian) stay holes under nonzero fill."""
    verts, codes = [], []
    for ring in rings:
        xy = np.column_stack(project(*np.asarray(ring).T))
        verts.extend(xy)
        codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(np.array(verts), codes)


def render(data_dir: Path, out: Path) -> None:
    base = json.loads((data_dir / "basemap.json").read_text(encoding="utf-8"))
    places = svg.load(data_dir / "places.yaml")

    fig = svg.figure(16, 16 / ASPECT)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])

    rings = [ring for polygon in base["land"] for ring in polygon]
    ax.add_patch(PathPatch(_path(rings), facecolor=LAND, edgecolor=COAST, linewidth=0.5))
    borders = [np.column_stack(project(*np.asarray(line).T)) for line in base["borders"]]
    ax.add_collection(LineCollection(borders, colors=BORDER, linewidths=0.6, joinstyle="round"))

    # Frame the places with a margin, reach south to 43.5 N so the Black Sea shows, then
    # widen to the figure's shape.
    x, y = project([p["lon"] for p in places], [p["lat"] for p in places])
    x0, x1 = x.min() - 150, x.max() + 250
    y0, y1 = min(y.min(), project(LON0, 43.5)[1]), y.max() + 90
    grow = ((x1 - x0) / ASPECT - (y1 - y0)) / 2
    if grow > 0:
        y0, y1 = y0 - grow, y1 + grow
    else:
        x0, x1 = x0 + grow * ASPECT, x1 - grow * ASPECT
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")

    for p, px, py in zip(places, x, y):
        dx, dy = p.get("label_dx", 5), p.get("label_dy", 0)
        ax.plot(px, py, "o", markersize=4.2, color=svg.INK, markeredgecolor="white", markeredgewidth=0.8)
        ax.annotate(
            p["name"],
            (px, py),
            xytext=(dx, dy),
            textcoords="offset points",
            fontsize=9,
            ha="right" if dx < 0 else ("center" if dx == 0 else "left"),
            va="center",
            path_effects=HALO,
        )

    for name, lon, lat in SEAS:
        ax.text(
            *project(lon, lat), name, ha="center", va="center", fontsize=8.5, style="italic", color=SEA_TEXT
        )
    _scale_bar(ax, x0, y0, x1, y1)
    ax.text(
        0.99,
        0.015,
        "Present-day borders for orientation; Natural Earth",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color=svg.GREY,
        path_effects=HALO,
    )
    svg.save(fig, out)


def _scale_bar(ax, x0, y0, x1, y1, km=500):
    """Scale is true along 47 and 59 N and within 1% everywhere on this map."""
    sx, sy = x0 + 0.03 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([sx, sx + km], [sy, sy], color=svg.INK, linewidth=1.6, solid_capstyle="butt")
    for tx in (sx, sx + km):
        ax.plot([tx, tx], [sy - 12, sy + 12], color=svg.INK, linewidth=0.8)
    ax.text(sx + km / 2, sy + 25, f"{km} km", ha="center", va="bottom", fontsize=8, path_effects=HALO)

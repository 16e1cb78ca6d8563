"""Make basemap.json, the offline base map behind the locator map.

The build never runs this script: it reads the small basemap.json it wrote, so that
building the book needs no network, no GIS library and no 1 MB download.  Keep the
script so the data can be checked and remade.

To rerun it::

    npm pack world-atlas@2.0.2          # writes world-atlas-2.0.2.tgz
    tar xzf world-atlas-2.0.2.tgz       # unpacks to ./package
    python tools/make_basemap.py package > book/figures/basemap.json

It decodes the Natural Earth 1:50m TopoJSON (land-50m.json and countries-50m.json)
by hand -- quantised transform plus delta-encoded arcs -- with the standard library
only, clips land to a box a little larger than the map window (Berlin lies just
west of 14 E), keeps land borders shared by two countries (see CRIMEA_NOTE) and rounds
to 0.01 degree.
"""

import json
import sys
from pathlib import Path

# lon 14..52 E, lat 42..62 N asked for; widened so Berlin and the map corners are covered.
WEST, SOUTH, EAST, NORTH = 8.0, 40.0, 58.0, 64.0
SOURCE = "Natural Earth 1:50m via world-atlas 2.0.2, public domain"
# Natural Earth 4.1 draws a Russia-Ukraine line across the Perekop isthmus (its de facto
# view of Crimea).  The guide shows internationally recognised borders, so that arc is left
# out: it is the only Russia-Ukraine arc wholly south of 46.5 N.
CRIMEA_NOTE = "Perekop arc omitted: internationally recognised Russia-Ukraine border shown"


def decode_arcs(topo):
    """Undo delta encoding and quantisation: a list of [[lon, lat], ...] per arc."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append([x * sx + tx, y * sy + ty])
        arcs.append(points)
    return arcs


def ring(arcs, indices):
    """Join arcs into one ring; index ~i means arc i reversed."""
    points = []
    for i in indices:
        part = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(part[1:] if points else part)
    return points


def clip_ring(points):
    """Sutherland-Hodgman against the box: fine for filling, seams fall outside the view."""
    edges = [
        (lambda p: p[0] >= WEST, lambda a, b: _at_x(a, b, WEST)),
        (lambda p: p[0] <= EAST, lambda a, b: _at_x(a, b, EAST)),
        (lambda p: p[1] >= SOUTH, lambda a, b: _at_y(a, b, SOUTH)),
        (lambda p: p[1] <= NORTH, lambda a, b: _at_y(a, b, NORTH)),
    ]
    for inside, cut in edges:
        if not points:
            break
        out, prev = [], points[-1]
        for p in points:
            if inside(p):
                if not inside(prev):
                    out.append(cut(prev, p))
                out.append(p)
            elif inside(prev):
                out.append(cut(prev, p))
            prev = p
        points = out
    return points


def _at_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return [x, a[1] + t * (b[1] - a[1])]


def _at_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return [a[0] + t * (b[0] - a[0]), y]


def clip_line(points):
    """Keep runs of a polyline inside the box, plus one point either side."""
    inside = [WEST <= x <= EAST and SOUTH <= y <= NORTH for x, y in points]
    runs, run = [], []
    for i, p in enumerate(points):
        near = inside[i] or (i > 0 and inside[i - 1]) or (i + 1 < len(points) and inside[i + 1])
        if near:
            run.append(p)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [r for r in runs if len(r) > 1]


def rounded(points):
    """Round to 0.01 degree (about 1 km) and drop the repeats this creates."""
    out = []
    for x, y in points:
        p = [round(x, 2), round(y, 2)]
        if not out or p != out[-1]:
            out.append(p)
    return out


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def land(package):
    topo = json.loads((package / "land-50m.json").read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    result = []
    for geometry in topo["objects"]["land"]["geometries"]:
        for polygon in polygons(geometry):
            rings = [rounded(clip_ring(ring(arcs, r))) for r in polygon]
            if len(rings[0]) >= 4:  # exterior survived; holes (Caspian) keep their winding
                result.append([r for r in rings if len(r) >= 4])
    return result


def borders(package):
    topo = json.loads((package / "countries-50m.json").read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    users = {}
    for geometry in topo["objects"]["countries"]["geometries"]:
        for polygon in polygons(geometry):
            for r in polygon:
                for i in r:
                    arc = i if i >= 0 else ~i
                    users.setdefault(arc, set()).add(geometry["properties"]["name"])
    result = []
    for i in sorted(users):
        if len(users[i]) < 2:  # used by one country only: a coast, not a land border
            continue
        if users[i] == {"Russia", "Ukraine"} and max(y for _, y in arcs[i]) < 46.5:
            continue
        result.extend(rounded(run) for run in clip_line(arcs[i]))
    return [line for line in result if len(line) > 1]


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: make_basemap.py PATH/TO/world-atlas/package > basemap.json")
    package = Path(argv[1])
    data = {
        "source": SOURCE,
        "licence": SOURCE,
        "note": CRIMEA_NOTE,
        "bbox": [WEST, SOUTH, EAST, NORTH],
        "land": land(package),
        "borders": borders(package),
    }
    json.dump(data, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)

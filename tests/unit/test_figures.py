"""Figures are redrawn when their data or code changes, and only then."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

from studyguide.figures.sphinx import draw_figures

from conftest import ROOT


def fake_app(srcdir):
    return SimpleNamespace(srcdir=str(srcdir), config=SimpleNamespace(studyguide_figures_data="figures"))


def test_figures_redraw_only_when_inputs_change(tmp_path):
    shutil.copytree(ROOT / "book" / "figures", tmp_path / "figures")
    app = fake_app(tmp_path)
    draw_figures(app)
    out = tmp_path / "_figures"
    svgs = {p.name: p.stat().st_mtime_ns for p in out.glob("*.svg")}
    assert set(svgs) == {
        f"{stem}{kind}.svg" for stem in ("locator-map", "timeline", "losses") for kind in ("", ".print")
    }
    first = {name: (out / name).read_bytes() for name in svgs}

    draw_figures(app)  # nothing changed: nothing redrawn
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.svg")} == svgs

    losses = tmp_path / "figures" / "losses.yaml"
    losses.write_text(losses.read_text().replace("777000", "777001"))
    draw_figures(app)
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("*.svg")}
    assert after["losses.svg"] != svgs["losses.svg"]
    assert after["timeline.svg"] == svgs["timeline.svg"]
    assert after["locator-map.svg"] == svgs["locator-map.svg"]
    assert (out / "losses.svg").read_bytes() != first["losses.svg"]


def test_figures_are_vector_with_text_as_paths_and_reproducible(tmp_path):
    shutil.copytree(ROOT / "book" / "figures", tmp_path / "a" / "figures")
    shutil.copytree(ROOT / "book" / "figures", tmp_path / "b" / "figures")
    draw_figures(fake_app(tmp_path / "a"))
    draw_figures(fake_app(tmp_path / "b"))
    for name in ("locator-map.svg", "timeline.svg", "losses.svg"):
        a = (tmp_path / "a" / "_figures" / name).read_bytes()
        assert a == (tmp_path / "b" / "_figures" / name).read_bytes()
        assert a.lstrip().startswith(b"<?xml") and b"<image" not in a
        assert b"<text" not in a  # outlines: browsers need not have the font
        printed = (tmp_path / "a" / "_figures" / name.replace(".svg", ".print.svg")).read_bytes()
        assert printed == (tmp_path / "b" / "_figures" / name.replace(".svg", ".print.svg")).read_bytes()
        assert b"<text" in printed and b"Noto Sans" in printed  # real text, for the PDF


def test_the_web_preview_leaves_no_stale_print_figure(tmp_path):
    """Screen files only (``for_print=False``): the print file of the old data goes, and the
    next print build draws it from the new data, with real text (not outlines)."""
    shutil.copytree(ROOT / "book" / "figures", tmp_path / "figures")
    app = fake_app(tmp_path)
    draw_figures(app)
    out = tmp_path / "_figures"
    data = tmp_path / "figures" / "timeline.yaml"
    data.write_text(data.read_text().replace("\n  label: ", "\n  label: Edited ", 1))
    draw_figures(app, for_print=False)
    assert (out / "timeline.svg").is_file() and not (out / "timeline.print.svg").exists()
    assert (out / "losses.print.svg").is_file()  # unchanged data: its print file stays
    draw_figures(app)
    assert "Edited" in (out / "timeline.print.svg").read_text()

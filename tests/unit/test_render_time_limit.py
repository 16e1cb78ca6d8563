"""The PDF renderer gives up on a chunk that takes too long, instead of hanging the build."""

from __future__ import annotations

import time

from studyguide.pdf import render


def nested_use(levels: int = 9, fan: int = 10) -> str:
    groups = ['<g id="g0"><rect width="1" height="1"/></g>']
    groups += [f'<g id="g{i}">' + f'<use href="#g{i - 1}"/>' * fan + "</g>" for i in range(1, levels + 1)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>'
        + "".join(groups)
        + f'</defs><use href="#g{levels}"/></svg>'
    )


def test_a_chunk_that_never_finishes_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "TIME_LIMIT", 3)
    html = tmp_path / "chunk-01.html"
    html.write_text(
        f"<!DOCTYPE html><html lang='en'><head><title>t</title></head><body>{nested_use()}</body></html>",
        encoding="utf-8",
    )
    started = time.monotonic()
    result = render.render_chunk(str(html), str(tmp_path / "chunk-01.pdf"), str(tmp_path))
    assert time.monotonic() - started < 20
    assert "took more than 3 s" in result.get("error", ""), result
    assert not (tmp_path / "chunk-01.pdf").exists()

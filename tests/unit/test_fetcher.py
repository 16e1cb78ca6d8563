"""The PDF renderer's URL fetcher serves the build folder and data: URLs, and nothing else."""

from __future__ import annotations

import pytest

from studyguide.pdf.render import BASE_URL, BuildTreeFetcher, RefusedURL


@pytest.fixture
def fetcher(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "print.css").write_text("body { color: black }")
    return BuildTreeFetcher(tmp_path)


def test_serves_files_of_the_build_with_their_type(fetcher):
    response = fetcher.fetch(BASE_URL + "_static/print.css")
    assert response.read() == b"body { color: black }"
    assert response.headers.get_content_type() == "text/css"


def test_serves_data_urls(fetcher):
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.com/image.png",
        "http://127.0.0.1:8000/x.png",
        BASE_URL + "../../etc/passwd",
        BASE_URL + "_static/%2e%2e/%2e%2e/etc/passwd",
        BASE_URL + "missing.png",
    ],
)
def test_refuses_everything_else(fetcher, url):
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)

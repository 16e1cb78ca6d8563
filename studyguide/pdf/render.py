"""Render the print document with WeasyPrint, in-process, refusing anything outside the build.

The fetcher is the security boundary: the only URLs it serves are ``data:`` and files under
the PDF output folder, reached through a fixed virtual base URL (so absolute checkout
paths never leak into the PDF and change its bytes). Anything else, a remote image or
``file:///etc/passwd``, stops the build with the offending URL named. WeasyPrint reports
some problems (a missing alt text, say) only as log records; those fail the build too.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from sphinx.errors import SphinxError
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

BASE_URL = "file:///studyguide-book/"


class RefusedURL(FatalURLFetchingError):
    pass


class BuildTreeFetcher(URLFetcher):
    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"})
        self.root = root.resolve()

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(BASE_URL):
            path = (self.root / unquote(urlsplit(url).path[len(urlsplit(BASE_URL).path):]))
            path = path.resolve()
            if path.is_relative_to(self.root) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            raise RefusedURL(f"the PDF refers to {url!r}, which is not a file of the build")
        raise RefusedURL(
            f"the PDF may only use files of the book, but the document asks for {url!r}"
        )


class _Progress(logging.Handler):
    """WeasyPrint logs each page it lays out; report every tenth, so long builds show life."""

    def __init__(self, report) -> None:
        super().__init__(logging.INFO)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        match = re.search(r"Creating layout - Page (\d+)$", record.getMessage())
        if match and int(match[1]) % 10 == 0:
            self.report(f"{match[1]} pages laid out")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def write_pdf(html_file: Path, target: Path, root: Path, report=print) -> int:
    """Write ``target`` from ``html_file``; return the number of pages."""
    collector, progress = _Collect(), _Progress(report)
    weasyprint.LOGGER.addHandler(collector)
    weasyprint.PROGRESS_LOGGER.addHandler(progress)
    weasyprint.PROGRESS_LOGGER.setLevel(logging.INFO)
    try:
        document = weasyprint.HTML(
            string=html_file.read_text(encoding="utf-8"),
            base_url=BASE_URL + html_file.relative_to(root).as_posix(),
            url_fetcher=BuildTreeFetcher(root),
        ).render(pdf_variant="pdf/ua-1")
        if collector.messages:
            raise SphinxError("WeasyPrint: " + "; ".join(collector.messages))
        tmp = target.with_suffix(".pdf.tmp")
        document.write_pdf(tmp, pdf_variant="pdf/ua-1")
        if collector.messages:
            raise SphinxError("WeasyPrint: " + "; ".join(collector.messages))
        tmp.replace(target)
        return len(document.pages)
    except FatalURLFetchingError as err:
        raise SphinxError(f"PDF not written: {err}") from None
    finally:
        weasyprint.LOGGER.removeHandler(collector)
        weasyprint.PROGRESS_LOGGER.removeHandler(progress)

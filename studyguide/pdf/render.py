"""Render one print document with WeasyPrint (in a worker, see ``pool.py``), refusing
anything outside the build.

The fetcher is the security boundary: the only URLs it serves are ``data:`` and files under
the PDF output folder, reached through a fixed virtual base URL (so absolute checkout
paths never leak into the PDF and change its bytes). Anything else, a remote image or
``file:///etc/passwd``, stops the build with the offending URL named. WeasyPrint reports
some problems (a missing alt text, say) only as log records; those fail the build too.
"""

from __future__ import annotations

import logging
import mimetypes
import signal
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sphinx.errors import SphinxError

from studyguide.pdf import pagemap
from studyguide.pdf.chunks import BASE_URL
from studyguide.pdf.libraries import by_soname

with by_soname():
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class RefusedURL(FatalURLFetchingError):
    pass


# The last line of defence against input that costs too much to lay out (the sources'
# checks, studyguide.content.images, come first): the book's longest chunk takes seconds.
TIME_LIMIT = 300


class TooLong(BaseException):
    pass


_expired = False


def _too_long(signum, frame):
    """Fires at the limit, then every second: WeasyPrint catches even a BaseException while it
    draws an SVG (and carries on), so the flag says why the chunk failed."""
    global _expired
    _expired = True
    raise TooLong


class BuildTreeFetcher(URLFetcher):
    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"})
        self.root = root.resolve()

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(BASE_URL):
            path = self.root / unquote(urlsplit(url).path[len(urlsplit(BASE_URL).path) :])
            path = path.resolve()
            if path.is_relative_to(self.root) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            raise RefusedURL(f"the PDF refers to {url!r}, which is not a file of the build")
        raise RefusedURL(f"the PDF may only use files of the book, but the document asks for {url!r}")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# The font configuration of this worker's documents, under the digest of their shared
# inputs (``Renderer.shared``): see ``_font_config``.
_fonts: dict[str, FontConfiguration] = {}


def _font_config(inputs: str | None) -> FontConfiguration:
    """One font configuration for every document a worker lays out from the same inputs.

    A new one per document (WeasyPrint's default) loads the system's font configuration
    again and registers the book's six faces again: about 5 % of a chapter's layout, and
    the PDFs come out the same. WeasyPrint knows a registered face by its ``@font-face``
    rule, not by the file's bytes, so a font changed under a long-lived worker (the print
    preview's) needs a new configuration: hence the key."""
    if inputs is None:
        return FontConfiguration()
    if inputs not in _fonts:
        _fonts.clear()
        _fonts[inputs] = FontConfiguration()
    return _fonts[inputs]


def warm_up() -> None:
    """Run in each worker as it starts: the first layout pays for loading fonts and Pango."""
    weasyprint.HTML(string="<p>warm</p>").render()


def render_chunk(html_file: str, target: str, root: str, inputs: str | None = None) -> dict:
    """One chunk of the book, in a worker process: its page count and where its anchors are.

    Errors come back as text, so the parent can report them with the chunk's name (a
    WeasyPrint fetch error is a BaseException and would not cross the process boundary).
    ``inputs`` is the digest of what the documents share (see ``_font_config``).
    """
    started = time.monotonic()
    global _expired
    _expired = False
    previous = signal.signal(signal.SIGALRM, _too_long)  # (a worker runs chunks in its main thread)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT, 1)
    error = None
    try:
        document = _render(Path(html_file), Path(target), Path(root), inputs)
    except (SphinxError, FatalURLFetchingError, TooLong) as err:
        error = str(err)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if _expired:
        Path(target).unlink(missing_ok=True)
        error = f"PDF not written: laying this part out took more than {TIME_LIMIT} s"
    if error is not None:
        return {"error": error}
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
    return {
        "pages": len(document.pages),
        "anchors": anchors,
        "starts": pagemap.page_starts(pagemap.shown_on(document)),
        "seconds": round(time.monotonic() - started, 2),
    }


def complete_tags(path: Path) -> None:
    """What PDF/UA asks that WeasyPrint does not write: /Scope on table headers (merge.py)."""
    import pikepdf

    from studyguide.pdf.merge import scope_header_cells

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if scope_header_cells(pdf):
            pdf.save(path, deterministic_id=True)


def _render(html_file: Path, target: Path, root: Path, inputs: str | None = None):
    collector = _Collect()
    weasyprint.LOGGER.addHandler(collector)
    try:
        document = weasyprint.HTML(
            string=html_file.read_text(encoding="utf-8"),
            base_url=BASE_URL + html_file.relative_to(root).as_posix(),
            url_fetcher=BuildTreeFetcher(root),
        ).render(pdf_variant="pdf/ua-1", font_config=_font_config(inputs))
        if collector.messages:
            raise SphinxError("WeasyPrint: " + "; ".join(collector.messages))
        tmp = target.with_suffix(".pdf.tmp")
        document.write_pdf(tmp, pdf_variant="pdf/ua-1")
        if collector.messages:
            raise SphinxError("WeasyPrint: " + "; ".join(collector.messages))
        complete_tags(tmp)
        tmp.replace(target)
        return document
    except FatalURLFetchingError as err:
        raise SphinxError(f"PDF not written: {err}") from None
    finally:
        weasyprint.LOGGER.removeHandler(collector)

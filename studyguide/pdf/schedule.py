"""When each chunk of the print book is rendered (``pool.py`` does the rendering).

1. The chapters (and runs of back matter) go to the workers as soon as each is written,
   the slowest first (by last build's time, or by length on a first build), so the
   workers start while the rest are still being translated.
2. Once their page counts are known: the folios laid over their pages, the index (which
   knows where it starts) and the front matter (whose contents prints every page number),
   side by side.
3. Then ``merge.py`` joins them, once the workers have given their memory back (the
   builder closes them after it has told the page numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from sphinx.util import logging

from studyguide.pdf import chunks
from studyguide.pdf.pool import Renderer

logger = logging.getLogger(__name__)

Write = Callable[[chunks.Chunk], Path]  # translates a chunk into its HTML file
FOLIO_PIECE = 200  # pages (even: see Schedule.folio_pieces)


class Schedule:
    def __init__(
        self, renderer: Renderer, outdir: Path, book: list[chunks.Chunk], numbers: chunks.PageNumbers
    ) -> None:
        self.renderer = renderer
        self.outdir = outdir
        self.chunks = book
        self.numbers = numbers
        self.jobs: dict[str, Future] = {}

    def html(self, chunk: chunks.Chunk) -> Path:
        return self.outdir / f"{chunk.name}.html"

    def pdf(self, chunk: chunks.Chunk) -> Path:
        return self.outdir / "_chunks" / f"{chunk.name}.pdf"

    def folios_pdf(self, number: int) -> Path:
        return self.outdir / "_chunks" / f"folios-{number:02d}.pdf"

    def start(self, write: Write, read: dict[str, int], only: set[str] | None = None) -> None:
        """Write the chapters' chunks and send each to a worker (only those with one of the
        documents ``only`` names, if given: the print preview).

        Those with a document read (``read``: when, in microseconds, as ``env.all_docs``)
        since the chunk was last laid out or found unchanged go first, as they are likely
        to need laying out again: after an edit, the edited chapter's layout then runs
        while the others are translated, only to be found unchanged. Then the slowest
        first, so that the workers finish together.
        """
        body = [c for c in self.chunks if c.stage == chunks.BODY]
        if only is not None:
            body = [c for c in body if only.intersection(c.docnames)]
        htmls = [self.html(c) for c in body]
        cost = self.renderer.previous_seconds(htmls)
        if None in cost:  # a first build: longer text, longer layout
            cost = [sum(len(d.astext()) for d in c.docs) for c in body]
        laid_out = self.renderer.rendered_at(htmls)
        fresh = [
            when is None or any(read.get(d, 0) > when for d in c.docnames) for c, when in zip(body, laid_out)
        ]
        for *_, chunk in sorted(zip(fresh, cost, body), key=lambda row: (not row[0], -row[1])):
            self.jobs[chunk.name] = self.renderer.submit(write(chunk), self.pdf(chunk))

    def _collect(self, chunk: chunks.Chunk, future: Future) -> None:
        result = future.result()
        if chunk.stage != chunks.FRONT:
            self.numbers.place(chunk, result["pages"], result["anchors"], result.get("starts", []))
        else:
            self.numbers.front_starts = result.get("starts", [None] * result["pages"])
        note = " (unchanged)" if result["cached"] else ""
        logger.info("%s: %d pages%s", chunk.label, result["pages"], note)

    def collect_started(self) -> list[tuple[chunks.Chunk, Path]]:
        """Wait for the chunks ``start`` sent; each with its PDF, in reading order."""
        started = [c for c in self.chunks if c.name in self.jobs]
        for chunk in started:
            self._collect(chunk, self.jobs[chunk.name])
        return [(c, self.pdf(c)) for c in started]

    def render_rest(self, write: Write, write_folios: Callable[[list[str], int], Path]) -> None:
        """Wait for the chapters; then render what needs their page numbers, and wait.

        The front matter goes first: it is the longest of the three (its contents lists
        every section), and the index and the folios, sent after it, share the other
        worker; sent last, it began only when one of them was done (0.2 s of a cold build).
        """
        for chunk in self.chunks:
            if chunk.stage == chunks.BODY:
                self._collect(chunk, self.jobs[chunk.name])
        late = [c for c in self.chunks if c.stage == chunks.LATE]
        for chunk in late:
            self.numbers.start_of(chunk)  # (the front matter's contents prints where they start)
        jobs = [(c, self.renderer.submit(write(c), self.pdf(c))) for c in [self.chunks[0], *late]]
        folios = [
            self.renderer.submit(write_folios(piece, n), self.folios_pdf(n))
            for n, piece in self.folio_pieces()
        ]
        for chunk, job in jobs:
            self._collect(chunk, job)
        for job in folios:
            job.result()

    def folio_pieces(self) -> list[tuple[int, list[str]]]:
        """The folios in pieces of ``FOLIO_PIECE`` pages, each numbered from 1.

        WeasyPrint holds every page of a document until it is written: the folios of the
        20x book (1,656 pages) took 250 MB and 9 s in one worker, beside the front
        matter in the other, the build's peak. In pieces they are laid out side by side
        and unchanged ones are reused. A piece has an even number of pages, so that each
        starts on a right-hand page, as the first does."""
        folios = self.numbers.folios()
        return [
            (n + 1, folios[i : i + FOLIO_PIECE])
            for n, i in enumerate(range(0, len(folios) or 1, FOLIO_PIECE))
        ]

    def join_plan(self, target: Path, date: str) -> dict:
        """What joining the book into ``target``, dated ``date`` (ISO 8601, UTC), takes."""
        front, *rest = self.chunks
        return {
            "front": str(self.pdf(front)),
            "chunks": [[str(self.pdf(c)), self.numbers.blank_before[c.name], c.continued] for c in rest],
            "folios": [str(self.folios_pdf(n)) for n, _ in self.folio_pieces()],
            "blank_folios": sorted(self.numbers.blanks),
            "target": str(target),
            "date": date,
        }

    def join(self, target: Path, date: str) -> int:
        """Write the book to ``target``; its page count."""
        from studyguide.pdf.merge import join

        return join(self.join_plan(target, date))

    @property
    def pages(self) -> int:
        """The joined book's page count, known before it is joined."""
        return len(self.numbers.front_starts) + self.numbers.total

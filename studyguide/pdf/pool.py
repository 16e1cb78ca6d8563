"""Render print documents on every core, and not at all when nothing in them changed.

Each document is laid out by WeasyPrint in a worker process: spawned, unless the Sphinx
process was forked by the warm process with WeasyPrint already loaded (``preload``), when
the workers are forked from it, ready at once (see ``Renderer``). A document
whose HTML, stylesheet, fonts and images are the same as last time is not rendered again:
its PDF and page facts are kept beside it with a digest of those inputs. So after an edit
to one chapter only that chapter, and the chunks whose page numbers moved, are laid out.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from sphinx.errors import SphinxError

from studyguide.children import die_with_parent

CACHE_VERSION = "1"


def _digest_tree(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _start_worker(parent: int) -> None:
    """A worker dies with its Sphinx process (``parent``), and leaves at once when told to:
    tearing down the interpreter with WeasyPrint and Pango loaded took a fifth of a second,
    between the last chunk and the join. Its files are closed by then, and nothing else is
    left to do."""
    import atexit
    import sys

    die_with_parent(parent)

    def leave() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    # Registered before WeasyPrint and the rest are imported, so it runs after their exit
    # handlers (the last registered runs first).
    atexit.register(leave)


def _warm_up() -> None:
    from studyguide.pdf.render import warm_up  # WeasyPrint is loaded in the workers only

    warm_up()


def _ready() -> None:
    """A worker's first task: warm up, then set aside what it has loaded (``gc.freeze``),
    so that the collection after each layout (``_give_back``) walks only that layout."""
    _warm_up()
    gc.collect()
    gc.freeze()


# glibc's, to hand the heap's free pages back to the system (None elsewhere: nothing to do)
_malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None)


def _give_back() -> None:
    """Return a finished layout's memory to the system before the next one.

    A layout's boxes refer to one another in cycles, so they wait for the collector's
    rare full pass, and what is freed stays in the process's heap. Without this, each
    worker grew by about 17 MB a chapter, to 350 MB on the 20x book, where the two workers
    beside the Sphinx process make the build's peak; with it, a worker keeps about 140 MB
    between layouts. It costs about 2 % of a layout (0.02 s for a chapter)."""
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)


_preloaded = [False]  # whether this process has WeasyPrint loaded and warm (``preload``)


def preload() -> None:
    """Load and warm up WeasyPrint in this process, so that the workers of the processes
    forked from it are forked in turn, ready at once (``studyguide.warm`` calls this)."""
    _warm_up()
    _preloaded[0] = True


def _render(html: str, pdf: str, root: str, inputs: str | None = None) -> dict:
    from studyguide.pause import pause
    from studyguide.pdf.render import render_chunk

    pause("render")  # a test hook (studyguide.pause): interrupt the build while it renders

    try:
        return render_chunk(html, pdf, root, inputs)
    finally:
        _give_back()


class Renderer:
    """One worker per core, at most four (each holds a chunk's layout in memory), started
    early: they load WeasyPrint while Sphinx reads the sources."""

    def __init__(self, root: Path, workers: int | None = None) -> None:
        self.root = root
        self.workers = max(1, min(workers or os.cpu_count() or 1, 4))
        self._shared: str | None = None
        # Spawned, unless WeasyPrint was preloaded: a fork of a Sphinx process without it
        # would gain nothing, count the Sphinx process's memory twice and load Pango anyway.
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("fork" if _preloaded[0] else "spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        for _ in range(self.workers):
            self._pool.submit(_ready)

    @property
    def shared(self) -> str:
        """What every document depends on besides its HTML: stylesheet, fonts, images, and
        the renderer itself."""
        if self._shared is None:
            from importlib.metadata import version

            digest = hashlib.sha256(f"{CACHE_VERSION} {version('weasyprint')}".encode())
            digest.update(Path(__file__).with_name("render.py").read_bytes())  # its options
            for folder in ("_static", "_images"):
                if (self.root / folder).is_dir():
                    digest.update(_digest_tree(self.root / folder).encode())
            self._shared = digest.hexdigest()
        return self._shared

    def forget_inputs(self) -> None:
        """A long-lived renderer (the print preview's) digests the shared inputs anew."""
        self._shared = None

    def _key(self, html: Path) -> str:
        return hashlib.sha256(self.shared.encode() + html.read_bytes()).hexdigest()

    @staticmethod
    def _facts(html: Path) -> Path:
        """Where the last rendering of ``html`` left its digest, pages, anchors and time."""
        return html.with_suffix(".render.json")

    def _known(self, html: Path) -> dict:
        facts = self._facts(html)
        return json.loads(facts.read_text(encoding="utf-8")) if facts.is_file() else {}

    def previous_seconds(self, htmls: list[Path]) -> list[float | None]:
        """How long each document took last time it was rendered, if it ever was."""
        return [self._known(html).get("seconds") for html in htmls]

    def rendered_at(self, htmls: list[Path]) -> list[int | None]:
        """When each document was last laid out or found unchanged, in microseconds (as
        ``env.all_docs``)."""
        found = []
        for html in htmls:
            try:
                found.append(self._facts(html).stat().st_mtime_ns // 1000)
            except OSError:
                found.append(None)
        return found

    def submit(self, html: Path, pdf: Path) -> Future:
        """Render ``html`` to ``pdf`` (or reuse it); the future gives pages and anchors."""
        facts = self._facts(html)
        key = self._key(html)
        known = self._known(html)
        if pdf.is_file() and known.get("key") == key:
            os.utime(facts)  # checked now: its documents' last reading is no news (see rendered_at)
            done: Future = Future()
            done.set_result({**known, "cached": True})
            return done
        pdf.parent.mkdir(parents=True, exist_ok=True)
        future = self._pool.submit(_render, str(html), str(pdf), str(self.root), self.shared)
        result: Future = Future()

        def record(f: Future) -> None:
            try:
                value = f.result()
            except BaseException as err:  # a crashed worker
                result.set_exception(SphinxError(f"{html.name}: the PDF renderer failed: {err}"))
                return
            if "error" in value:
                facts.unlink(missing_ok=True)
                result.set_exception(SphinxError(f"{html.name}: {value['error']}"))
                return
            facts.write_text(json.dumps({**value, "key": key}, sort_keys=True), encoding="utf-8")
            result.set_result({**value, "cached": False})

        future.add_done_callback(record)
        return result

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)

"""``make live``: a warm preview that shows a saved edit in the browser in well under a second.

sphinx-autobuild starts a new ``sphinx-build`` for every save, so each edit pays for
importing Sphinx, loading every extension and unpickling the whole parsed book before it
reads the one changed file. This preview creates one Sphinx application and keeps it: a
save runs ``app.build()`` again on the parsed book still in memory, and Sphinx's own
incremental build re-reads only the documents whose sources or noted dependencies
(exercise files, timeline data, figures) changed and writes only the pages that show them.

Sphinx writes into a private folder; the server serves a copy that is brought up to date
only after a build without warnings or errors, so a bad edit never replaces a good page.
Its file:line messages go to every open page over one Server-Sent Events stream, which
also tells the pages about a good build: a page then fetches itself and puts the rebuilt
content in place of the shown one (a reload only when a stylesheet or script changed).
The garbage collector and the index and search pages wait until the page is shown. The
small script that listens to it
is added with ``app.add_js_file`` in this application only: the published HTML never
carries it. The server binds 127.0.0.1 and answers only requests addressed to it, so no
other machine (and no web page's rebound DNS name) can read the book in progress.

With ``--pdf`` (``make live PDF=1``) a second warm application, the PDF builder in its
preview mode, runs in a child process and lays out the edited chapter's chunk of the print
book (see ``PrintPreview``); the server serves it under /_live/pdf/ and the page links it.
"""

from __future__ import annotations

import argparse
import gc
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit

from studyguide.bytecode import compile_package
from studyguide.figures import FIGURES

ROOT = Path(__file__).resolve().parent.parent
CODE = Path(__file__).resolve().parent  # the extensions: a change there starts a fresh preview
HOST = "127.0.0.1"
LOCAL_NAMES = {"127.0.0.1", "localhost"}
EVENTS = "/_live/events"
PDF_PREFIX = "/_live/pdf/"

# The page side: reload after a newer good build, show the problems of a bad one in a
# banner. A page compares the build time with the moment it was loaded, so a build that
# ends while the page is still connecting reloads it as well. With the print preview, a
# corner link opens this page's chunk of the PDF and says when it was laid out anew; its
# problems show in the same banner, and it never reloads the page.
CLIENT = r"""
window.addEventListener("load", () => {
  // (Opened once the page has loaded: the server then writes what it deferred.)
  let loaded = performance.timeOrigin, updating = null;
  const events = new EventSource("/_live/events");
  const assets = (doc) => [...doc.querySelectorAll('link[rel="stylesheet"], script[src]')]
    .map((node) => node.getAttribute("href") || node.getAttribute("src"));
  const base = (url) => url.split("?")[0];
  const isData = (url) => /-data\.js$/.test(base(url));
  // A rebuilt page is put in place of the shown one when only its content and data files
  // changed (the data files are loaded first): no reload, so the edit shows at once and
  // the reader keeps their place. Anything else (a stylesheet, a script) reloads the page.
  async function update(builtAt) {
    const response = await fetch(location.href, {cache: "no-store"});
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const before = assets(document), after = assets(fresh);
    const region = ".bd-container", shown = document.querySelector(region), next = fresh.querySelector(region);
    const same = before.length === after.length &&
      before.every((url, i) => url === after[i] || (isData(url) && base(url) === base(after[i])));
    if (!response.ok || !same || !shown || !next) { location.reload(); return; }
    for (const [i, url] of after.entries()) {
      if (url === before[i]) continue;
      const old = [...document.scripts].find((node) => node.getAttribute("src") === before[i]);
      const script = document.createElement("script");
      script.src = url;
      await new Promise((done, failed) => { script.onload = done; script.onerror = failed; old.replaceWith(script); });
    }
    // A figure keeps its address when redrawn, and a page reuses an image it has shown:
    // each one is asked for again.
    for (const image of next.querySelectorAll("img[src]")) {
      image.setAttribute("src", image.getAttribute("src").split("?")[0] + "?built=" + builtAt);
    }
    shown.replaceWith(document.adoptNode(next));
    document.title = fresh.title;
    loaded = builtAt;
    document.dispatchEvent(new Event("studyguide:page-updated"));
  }
  let newest = 0;  // a build that ends while the page is being updated is shown next
  function refresh(builtAt) {
    newest = Math.max(newest, builtAt);
    if (updating) return;
    updating = update(newest).catch(() => location.reload()).finally(() => {
      updating = null;
      if (newest > loaded) refresh(newest);
    });
  }
  const page = decodeURIComponent(location.pathname).replace(/^\/+/, "").replace(/(^|\/)$/, "$1index.html")
    .replace(/\.html$/, "");
  function pinned(id, tag, attributes, css) {  // the preview's own element over the page
    let node = document.getElementById(id);
    if (!node) {
      node = document.createElement(tag);
      node.id = id;
      for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
      node.style.cssText = "position:fixed;z-index:10000;" + css;
      document.body.appendChild(node);
    }
    return node;
  }
  function banner() {
    return pinned("studyguide-live-problems", "div", {role: "alert"},
      "left:0;right:0;top:0;max-height:50vh;overflow:auto;margin:0;padding:1em;background:#7a0000;" +
      "color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;box-shadow:0 2px 8px #0008");
  }
  function printLink(pdf) {
    if (!pdf || !pdf.docs.includes(page)) {
      document.getElementById("studyguide-live-print")?.remove();
      return;
    }
    const link = pinned("studyguide-live-print", "a", {target: "_blank", "aria-live": "polite"},
      "right:1em;bottom:1em;padding:.4em .8em;background:#fff;color:#00507a;" +
      "border:1px solid #00507a;border-radius:4px;font:14px/1.4 sans-serif;box-shadow:0 1px 4px #0004");
    link.href = "/_live/pdf/" + page + ".pdf?v=" + pdf.built_at;
    const fresh = pdf.built_at > loaded && pdf.refreshed.includes(page);
    link.textContent = pdf.status === "building" ? "Print preview (laying out...)" :
      fresh ? "Print preview (updated)" : "Print preview";
  }
  events.onmessage = (event) => {
    const state = JSON.parse(event.data);
    const pdf = state.pdf;
    if (state.status === "error") {
      banner().textContent = "The preview is showing the last good build. " +
        "Fix this and save:\n\n" + state.problems.join("\n");
    } else if (state.status === "ok") {
      if (state.built_at > loaded) refresh(state.built_at);  // (the banner goes as well)
      const box = document.getElementById("studyguide-live-problems");
      if (pdf && pdf.status === "error") {
        banner().textContent = "The print preview is showing the last good pages. " +
          "Fix this and save:\n\n" + pdf.problems.join("\n");
      } else if (box) box.remove();
    }
    printLink(pdf);
  };
});
"""


class State:
    """What the last build left, shared by the builder thread and every event stream."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.version = 0
        self.status, self.problems, self.built_at = "building", [], 0.0
        self.readers = 0  # event streams opened so far: a reloaded page opens a new one
        self.pdf: dict | None = None  # the print preview's own state (PrintChild), if any

    def publish(self, status: str, problems: list[str] | None = None, built: bool = False) -> None:
        with self.changed:
            self.version += 1
            self.status, self.problems = status, problems or []
            if built:
                self.built_at = time.time() * 1000  # the pages' clock: ms since the epoch
            self.changed.notify_all()

    def publish_pdf(self, pdf: dict) -> None:
        with self.changed:
            self.version += 1
            self.pdf = pdf
            self.changed.notify_all()

    def snapshot(self) -> tuple[int, str]:
        return self.version, json.dumps(
            {
                "status": self.status,
                "problems": self.problems,
                "built_at": self.built_at,
                "version": self.version,
                "pdf": self.pdf,
            }
        )

    def reader_came(self) -> None:
        with self.changed:
            self.readers += 1
            self.changed.notify_all()

    def wait_for_reader(self, seen: int, timeout: float) -> None:
        """Until a page opens an event stream after ``seen`` had (it has loaded), or timeout."""
        with self.changed:
            self.changed.wait_for(lambda: self.readers != seen, timeout)

    def wait(self, seen: int, timeout: float) -> tuple[int, str] | None:
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen, timeout)
            return self.snapshot() if self.version != seen else None


class Warnings(io.StringIO):
    """Sphinx's warning stream for one build: each warning arrives as 'file:line: WARNING: ...'."""

    def problems(self) -> list[str]:
        return [line for line in self.getvalue().splitlines() if line.strip()]


class KeptDoctrees:
    """Keep the parsed doctrees while Sphinx numbers the figures.

    With ``numfig`` Sphinx walks every document of the book after each edit to number
    its figures, unpickling each doctree anew: most of a one-chapter rebuild, and 20
    times more on the 20x book. The walk only reads, so in this long-lived process a
    doctree is unpickled once and kept until Sphinx's pickled copy changes.
    """

    def __init__(self) -> None:
        self.kept: dict[str, tuple[bytes | None, object]] = {}

    def keep(self, app, *_args) -> list[str]:
        env = app.env
        original = type(env).get_doctree.__get__(env)
        cache = self.kept

        def get_doctree(docname: str):
            pickled = env._pickled_doctree_cache.get(docname)
            kept = cache.get(docname)
            if kept is not None and pickled is not None and kept[0] is pickled:
                return kept[1]
            doctree = original(docname)
            cache[docname] = (env._pickled_doctree_cache.get(docname), doctree)
            return doctree

        env.get_doctree = get_doctree
        return []

    def forget(self, app, *_args) -> list[str]:
        app.env.__dict__.pop("get_doctree", None)  # every other caller may change what it gets
        return []


class Session:
    """One Sphinx application kept for the whole session, and what it must undo to last."""

    def __init__(self, root: Path, source: Path) -> None:
        self.root, self.source = root, source
        self.app = None
        self.redo: set[str] = set()  # documents read in a failed build: read them again
        self.reading: list[str] = []
        self.warnings = Warnings()
        self.doctrees = KeptDoctrees()
        self.lent: list[tuple[dict, dict]] = []  # citation nodes lent to a build (lend_citations)

    def connect(self, app) -> None:
        app.connect("env-before-read-docs", self.before_reading)
        app.connect("env-get-updated", self.doctrees.keep, priority=100)
        app.connect("env-get-updated", self.doctrees.forget, priority=900)  # before the pickling
        app.connect("env-get-outdated", lambda app, env, added, changed, removed: sorted(self.redo))
        app.connect("write-started", self.lend_citations)
        app.connect("build-finished", self.return_citations)

    def lend_citations(self, app, builder) -> None:
        """Each build writes copies of sphinxcontrib-bibtex's citation nodes.

        The extension keeps them in its domain data and fills them in (label, text) as it
        writes a bibliography, which in a one-shot build happens once; here a page written
        again without being read again would list every entry twice.
        """
        domain = app.env.domains.get("cite")  # sphinxcontrib-bibtex's, if the book cites
        self.lent = []
        for bibliography in getattr(domain, "bibliographies", {}).values():
            nodes = bibliography.citation_nodes
            self.lent.append((nodes, dict(nodes)))
            nodes.update({key: node.deepcopy() for key, node in nodes.items()})

    def return_citations(self, app, _exception) -> None:
        for nodes, originals in self.lent:
            nodes.clear()
            nodes.update(originals)
        self.lent = []

    def before_reading(self, app, env, docnames: list[str]) -> None:
        """Note what this build reads, and undo what a one-shot build may leave in memory.

        studyguide.html.rewrites empties ``env.files_to_rebuild`` for the pages a build
        writes, after the environment is pickled: harmless when the process ends there, but
        this environment lives on, and Sphinx would then think the edited chapter is in no
        toctree. Sphinx's own ``toctree_includes`` still says who lists whom. Likewise
        Sphinx keeps each doctree's pickle in memory once read, and nothing but a new
        process forgets it: the documents read now must be unpickled from their new files.
        """
        self.reading.extend(docnames)
        for parent, children in env.toctree_includes.items():
            for child in children:
                env.files_to_rebuild.setdefault(child, set()).add(parent)
        for docname in docnames:
            env._pickled_doctree_cache.pop(docname, None)


class Preview(Session):
    """The web preview's application, and the folder the server shows."""

    def __init__(self, root: Path, source: Path, build_dir: Path, printer: PrintChild | None = None) -> None:
        super().__init__(root, source)
        self.printer = printer
        self.work = build_dir / ".work" / "live"
        self.served = build_dir / "live" / "html"
        self.problems: list[str] = []
        self.deferred: list = []
        self.drawing = None  # the figures being redrawn meanwhile (figures.forked), if any

    # -- Sphinx --------------------------------------------------------------------------
    def _create(self, warnings: Warnings):
        from sphinx.application import Sphinx

        from studyguide.numbering import keep_numbers

        app = Sphinx(
            self.source,
            self.root,
            self.work / "html",
            self.work / "doctrees",
            "html",
            status=None,
            warning=warnings,
            freshenv=False,
        )
        app.add_js_file(None, body=CLIENT, priority=900)
        self.connect(app)
        self.keep_stems(app.builder)
        self.defer_whole_book_pages(app.builder)
        copy_images = app.builder.copy_image_files
        app.builder.copy_image_files = lambda: (self.wait_for_figures(), copy_images())
        keep_numbers(app)
        return app

    def defer_whole_book_pages(self, builder) -> None:
        """Write the general index, the search page and the search index after the reload.

        Sphinx writes them again in every build, whatever changed, and they grow with the
        book (a third of a one-chapter rebuild): the edited page is shown first, and they
        follow while the author reads it.
        """
        for name in ("gen_indices", "gen_additional_pages", "dump_search_index"):
            original = getattr(builder, name)
            setattr(builder, name, lambda original=original: self.deferred.append(original))

    def finish_deferred(self, ok: bool) -> None:
        """After a good build's reload: the deferred pages, then serve them too."""
        jobs, self.deferred = self.deferred, []
        try:
            if not ok:
                return  # the next good build writes them again
            for job in jobs:
                job()
            self.sync()
        except BaseException as err:  # shown in the log; the pages just shown stay served
            print(f"[live] the index or search pages could not be written: {describe(err)}", flush=True)
        finally:
            gc.collect()  # what the rebuild left, while the author reads (see build)
            gc.enable()

    @staticmethod
    def keep_stems(builder) -> None:
        """Stem each word once per session, not once per page and build.

        The search index is rebuilt for the edited page, and Snowball's pure-Python stemmer
        is a fifth of that rebuild; Sphinx caches the stems only while it indexes one page.
        The words of a book hardly change between saves.
        """
        load_indexer, stems = builder.load_indexer, {}

        def load_and_keep(docnames) -> None:
            load_indexer(docnames)
            stem = builder.indexer.lang.stem

            def kept(word: str) -> str:
                found = stems.get(word)
                if found is None:
                    found = stems[word] = stem(word)
                return found

            builder.indexer.lang.stem = kept

        builder.load_indexer = load_and_keep

    def watched(self) -> list[Path]:
        """The book, its exercise files and figure data (wherever conf.py puts them)."""
        paths = [self.source, self.root / "conf.py", CODE]
        if self.app is not None:
            paths.append((self.source / self.app.config.studyguide_exercises_dir).resolve())
            paths.append((self.source / self.app.config.studyguide_figures_data).resolve())
        else:
            paths.append(self.source.parent / "exercises")
        return sorted({p for p in paths if p.exists()})

    def build(self) -> bool:
        """Bring the pages up to date; report problems instead of raising, whatever happens."""
        started = time.perf_counter()
        from sphinx.util.console import nocolor

        nocolor()  # the messages go to a web page and a log, not a terminal
        warnings = self.warnings
        warnings.seek(0)
        warnings.truncate()  # Sphinx's log handlers keep this stream: empty it for each build
        self.reading = []
        first = self.app is None
        if not first:
            # A full collection walks the whole parsed book kept in memory: a quarter of a
            # second, at a moment Python picks. Not during an edit's rebuild, then, but
            # after it, once the page is shown (finish_deferred).
            gc.disable()
        try:
            if first:
                self.app = self._create(warnings)
            from studyguide.figures.forked import Drawing
            from studyguide.figures.sphinx import draw_figures

            # (Drawn at builder-inited only: redraw what data changed, on the other core
            # while the pages are rebuilt; the print files only for the print preview.)
            for_print = self.printer is not None
            if not first:
                self.drawing = Drawing.start(self.app, for_print)
            if self.drawing is None:  # (the first build, or not Linux: draw here)
                draw_figures(self.app, for_print=for_print)
            if self.printer is not None and not first and self.drawing is None:
                # The print preview reads the same sources on the other core meanwhile; it
                # starts once the first pages are shown, and once the figures are drawn.
                self.printer.request()
            self.app.build(force_all=False)
            if not warnings.problems():
                # Theme and extension assets change only with the code, and a change there
                # restarts the preview: copying them again (a third of an edit's rebuild) is
                # skipped.
                self.app.builder.copy_static_files = lambda: None
            problems = warnings.problems()
        except BaseException as err:  # a SystemExit from Sphinx must not stop the preview either
            problems = warnings.problems() + [describe(err)]
        try:
            self.wait_for_figures()  # (a build that failed before copying the images)
        except BaseException as err:
            problems.append(describe(err))
        took = time.perf_counter() - started
        self.problems = problems
        if problems:
            self.redo |= set(self.reading) | self.located(problems)
            print(
                f"[live] {len(problems)} problem(s) after {took:.2f}s; still showing the last "
                "good build:\n  " + "\n  ".join(problems),
                flush=True,
            )
            return False
        self.redo = set()
        copied = self.sync()
        print(
            f"[live] rebuilt in {took:.2f}s ({len(self.reading)} read, {copied} file(s) updated)", flush=True
        )
        if self.printer is not None and first:
            self.printer.request()
        return True

    def wait_for_figures(self) -> None:
        """Before the images are copied: until the figures being redrawn are, and then the
        print preview's turn (it lays out the new figures)."""
        drawing, self.drawing = self.drawing, None
        if drawing is None:
            return
        try:
            drawing.wait()
        finally:
            if self.printer is not None:
                self.printer.request()

    def located(self, problems: list[str]) -> set[str]:
        """Documents named by the problems' locations: a warning-only build reads nothing."""
        env = getattr(self.app, "env", None)
        found = set()
        for problem in problems:
            path = problem.split(":", 1)[0]
            if env is not None and path:
                doc = env.path2doc(path)
                if doc:
                    found.add(doc)
                found |= {d for d, deps in env.dependencies.items() if any(str(x) == path for x in deps)}
        return found

    def sync(self) -> int:
        """Copy every page Sphinx wrote since the last good build into the served folder."""
        work, copied = self.work / "html", 0
        for folder, _dirs, files in os.walk(work):
            rel = Path(folder).relative_to(work)
            if rel.parts and rel.parts[0] in (".doctrees",):
                continue
            for name in files:
                src, dest = Path(folder) / name, self.served / rel / name
                s = src.stat()
                try:
                    d = dest.stat()
                    if d.st_size == s.st_size and d.st_mtime_ns == s.st_mtime_ns:
                        continue
                except FileNotFoundError:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(f".{name}.live-tmp")
                shutil.copy2(src, tmp)
                os.replace(tmp, dest)  # a reader gets the old page or the new one, never half
                copied += 1
        return copied


# -- The print preview -----------------------------------------------------------------------
class PrintPreview(Session):
    """The print preview's process: one PDF Sphinx application kept for the session.

    It lives in a process of its own, so that its docutils and Sphinx global state stays
    apart from the web preview's, and WeasyPrint's layouts never hold up a page reload.
    ``studyguide_print_preview`` makes the PDF builder write and lay out only the chunks
    of the documents a build read, with WeasyPrint's workers kept warm between edits.
    """

    def __init__(self, root: Path, source: Path, build_dir: Path) -> None:
        super().__init__(root, source)
        self.work = build_dir / ".work" / "live-print"

    def _create(self):
        from sphinx.application import Sphinx

        from studyguide.numbering import keep_numbers

        app = Sphinx(
            self.source,
            self.root,
            self.work / "pdf",
            self.work / "doctrees",
            "pdf",
            status=None,
            warning=self.warnings,
            freshenv=False,
            confoverrides={"studyguide_print_preview": True},
        )
        self.connect(app)
        keep_numbers(app)
        return app

    def build(self) -> dict:
        """One incremental build; what it laid out, or its problems (never an exception)."""
        started = time.perf_counter()
        from sphinx.util.console import nocolor

        nocolor()
        self.warnings.seek(0)
        self.warnings.truncate()
        self.reading = []
        chunks = []
        try:
            if self.app is None:
                self.app = self._create()
            self.app.build(force_all=False)
            chunks = [
                {"docs": chunk.docnames, "label": chunk.label, "pdf": str(pdf)}
                for chunk, pdf in self.app.builder.previewed
            ]
            problems = self.warnings.problems()
        except BaseException as err:
            problems = self.warnings.problems() + [describe(err)]
        if problems:
            self.redo |= set(self.reading)
        else:
            self.redo = set()
        return {
            "ok": not problems,
            "problems": problems,
            "chunks": chunks,
            "seconds": round(time.perf_counter() - started, 2),
        }


def print_child(root: Path, source: Path, build_dir: Path) -> int:
    """The print preview's side of the line protocol: a ``build`` line in, one JSON line
    out (``PrintPreview.build``'s answer). Everything else this process and its workers
    print goes to stderr, which is the server's log."""
    replies = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    preview = PrintPreview(root, source, build_dir)
    for line in sys.stdin:
        if line.strip() == "build":
            replies.write(json.dumps(preview.build()) + "\n")
    return 0


class PrintChild:
    """The server's side: starts the print preview's process, asks it for a build whenever
    the web preview builds, once the first pages are shown (one at a time; a save during a
    build asks for one more), and serves each chunk it lays out under
    /_live/pdf/<docname>.pdf, one copy per document of the chunk. A failed build replaces
    nothing: the last good chunk stays served."""

    def __init__(self, root: Path, source: Path, build_dir: Path, state: State) -> None:
        self.command = [
            sys.executable,
            "-m",
            "studyguide.live",
            "--print-child",
            "--root",
            str(root),
            "--source",
            str(source),
            "--build-dir",
            str(build_dir),
        ]
        self.served = build_dir / "live" / "pdf"
        self.state = state
        self.lock, self.wanted = threading.Lock(), False
        self.thread: threading.Thread | None = None
        self.docs: set[str] = set()  # documents with a chunk served
        state.pdf = {"status": "building", "problems": [], "docs": [], "refreshed": [], "built_at": 0}
        self.proc = self._start()  # now, from the main thread: PDEATHSIG follows this thread

    def _start(self) -> subprocess.Popen:
        from studyguide.children import dying_with_me

        return subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            process_group=0,  # a Ctrl-C in the terminal stops the server, which stops this
            preexec_fn=dying_with_me(),
        )

    def request(self) -> None:
        with self.lock:
            self.wanted = True
            if self.thread is not None and self.thread.is_alive():
                return
            self.thread = threading.Thread(target=self._run, daemon=True, name="live-print")
            self.thread.start()

    def _run(self) -> None:
        while True:
            with self.lock:
                if not self.wanted:
                    return
                self.wanted = False
            self.state.publish_pdf({**self.state.pdf, "status": "building"})
            started = time.perf_counter()
            try:
                self.proc.stdin.write("build\n")
                self.proc.stdin.flush()
                reply = json.loads(self.proc.stdout.readline())
            except (OSError, ValueError):  # the process died (its log says why)
                reply = {"ok": False, "problems": ["the print preview stopped: restart make live PDF=1"]}
            took = time.perf_counter() - started
            if not reply["ok"]:
                print(
                    f"[live] print preview: {len(reply['problems'])} problem(s) after {took:.2f}s; "
                    "the last good chunks are still served:\n  " + "\n  ".join(reply["problems"]),
                    flush=True,
                )
                self.state.publish_pdf({**self.state.pdf, "status": "error", "problems": reply["problems"]})
                continue
            refreshed = []
            for chunk in reply["chunks"]:
                for doc in chunk["docs"]:
                    dest = self.served / f"{doc}.pdf"
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    tmp = dest.with_name(f".{dest.name}.live-tmp")
                    shutil.copyfile(chunk["pdf"], tmp)
                    os.replace(tmp, dest)
                    refreshed.append(doc)
            self.docs.update(refreshed)
            labels = ", ".join(c["label"] for c in reply["chunks"]) or "nothing changed"
            print(f"[live] print preview refreshed in {took:.2f}s: {labels}", flush=True)
            self.state.publish_pdf(
                {
                    "status": "ok",
                    "problems": [],
                    "docs": sorted(self.docs),
                    "refreshed": refreshed,
                    "built_at": time.time() * 1000,
                }
            )

    def stop(self) -> None:
        """End of input ends the process once its build is done (its workers shut down
        cleanly); one that does not is killed."""
        try:
            self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def describe(err: BaseException) -> str:
    """An exception as the author needs it: the message, and where it was raised."""
    frames = traceback.extract_tb(err.__traceback__)
    where = next((f"{f.filename}:{f.lineno}" for f in reversed(frames)), "")
    message = str(err) or type(err).__name__
    return f"{type(err).__name__}: {message}" + (f" (raised at {where})" if where else "")


# -- Serving ---------------------------------------------------------------------------------
def handler_for(preview: Preview, state: State):
    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: with Nagle's algorithm, the body (and
        # an event after a keep-alive) waits for the browser's delayed acknowledgement.
        disable_nagle_algorithm = True

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(preview.served), **kwargs)

        def log_message(self, *args) -> None:
            pass

        def end_headers(self) -> None:
            # Pages and figures change between reloads, within the second that
            # If-Modified-Since can tell apart: always send them. An asset whose address
            # carries its checksum (Sphinx's ?v=, the theme's ?digest=) is another address
            # when it changes: the browser keeps it and a reload does not ask again.
            # The theme's and Sphinx's own files in _static/ change only with the code,
            # which restarts the preview: kept for ten minutes, they cost a reload nothing
            # (three of them block the page while it is read).
            address = urlsplit(self.path)
            if self.changing():
                cache = "no-store"
            elif address.query.startswith(("v=", "digest=")):
                cache = "max-age=86400, immutable"
            elif address.path.startswith("/_static/"):
                cache = "max-age=600"
            else:
                cache = "no-cache"
            self.send_header("Cache-Control", cache)
            super().end_headers()

        def changing(self) -> bool:
            path = urlsplit(self.path).path
            changing = path.startswith(("/_images/", PDF_PREFIX))
            return changing or path.endswith((".html", "/", "searchindex.js"))

        def local(self) -> bool:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
            if host in LOCAL_NAMES:
                return True
            self.send_error(403, "the preview answers only requests to 127.0.0.1")
            return False

        def do_HEAD(self) -> None:
            if self.local():
                super().do_HEAD()

        def do_GET(self) -> None:
            if not self.local():
                return
            path = urlsplit(self.path).path
            if path == EVENTS:
                return self.events()
            if path.startswith(PDF_PREFIX):
                return self.pdf(path[len(PDF_PREFIX) :])
            if self.changing():
                del self.headers["If-Modified-Since"]
            super().do_GET()

        def pdf(self, name: str) -> None:
            """A document's chunk of the print preview, as its last good build laid it out."""
            folder = preview.served.parent / "pdf"
            target = (folder / name).resolve()
            if not (name.endswith(".pdf") and target.is_relative_to(folder) and target.is_file()):
                return self.send_error(404, "no print preview of this page (make live PDF=1)")
            body = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            seen, data = state.snapshot()
            state.reader_came()
            try:
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()
                while not stopping.is_set():
                    news = state.wait(seen, 15)
                    if news is None:
                        self.wfile.write(b": still here\n\n")  # notices a closed page
                    else:
                        seen, data = news
                        self.wfile.write(f"data: {data}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


stopping = threading.Event()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not keep the process alive


def serve(preview: Preview, state: State, port: int) -> Server:
    server = Server((HOST, port), handler_for(preview, state))
    threading.Thread(target=server.serve_forever, daemon=True, name="live-server").start()
    return server


# -- Watching --------------------------------------------------------------------------------
def relevant(path: str, watched: list[Path]) -> bool:
    """A saved source, not an editor's backup or the figures this preview draws itself."""
    p = Path(path)
    base = next((w for w in watched if p.is_relative_to(w)), None)
    parts = p.relative_to(base).parts if base is not None and base != p else (p.name,)
    if any(part in (FIGURES, "__pycache__") or part.startswith(".") for part in parts):
        return False
    return not p.name.endswith(("~", ".tmp", ".swp", ".swx"))


def watch(preview: Preview, state: State) -> None:
    import logging

    from watchfiles import watch as watch_files

    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # we say what changed

    watched = preview.watched()
    for changes in watch_files(
        *watched,
        watch_filter=lambda _change, p: relevant(p, watched),
        step=20,
        stop_event=stopping,
        debug=False,
    ):
        names = sorted({Path(p).name for _c, p in changes})
        if any(Path(p) == preview.root / "conf.py" or Path(p).is_relative_to(CODE) for _c, p in changes):
            print(
                f"[live] {', '.join(names)} changed: the configuration or the extensions; "
                "starting a fresh preview",
                flush=True,
            )
            if preview.printer is not None:
                preview.printer.stop()
            os.execv(sys.executable, [sys.executable, "-m", "studyguide.live", *sys.argv[1:]])
        print(f"[live] changed: {', '.join(names)}", flush=True)
        state.publish("building", state.problems)
        ok = preview.build()
        readers = state.readers
        state.publish("ok" if ok else "error", [] if ok else preview.problems, built=ok)
        if ok:
            # The index and search pages are written once the reloaded page has come back
            # (or after a second): written meanwhile, they would hold the server's threads
            # back while the page and its files are asked for.
            state.wait_for_reader(readers, timeout=1.0)
        preview.finish_deferred(ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None, help="the guide's folder (its conf.py)")
    parser.add_argument("--source", type=Path, default=None, help="default: ROOT/book")
    parser.add_argument("--build-dir", type=Path, default=None, help="default: ROOT/_build")
    parser.add_argument("--port", type=int, default=8000, help="on 127.0.0.1 (0: any free port)")
    parser.add_argument(
        "--pdf", action="store_true", help="also lay out the edited chapter's print preview (PDF)"
    )
    parser.add_argument("--print-child", action="store_true", help=argparse.SUPPRESS)  # PrintChild's
    args = parser.parse_args(argv)
    root = (args.root or (Path.cwd() if (Path.cwd() / "conf.py").is_file() else ROOT)).resolve()
    source = (args.source or root / "book").resolve()
    build_dir = (args.build_dir or root / "_build").resolve()
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))
    sys.path.insert(0, str(root))
    if not args.print_child:
        compile_package()  # (before the print preview's process imports the package)
    if args.print_child:
        return print_child(root, source, build_dir)
    state = State()
    printer = PrintChild(root, source, build_dir, state) if args.pdf else None
    preview = Preview(root, source, build_dir, printer)
    preview.served.mkdir(parents=True, exist_ok=True)
    server = serve(preview, state, args.port)
    url = f"http://{HOST}:{server.server_address[1]}/"
    print(f"[live] serving {url} (building {source} ...)", flush=True)
    if printer is not None:
        print(f"[live] print preview: {url}{PDF_PREFIX[1:]}<document>.pdf, its chapter's pages", flush=True)
    builder = threading.Thread(
        target=first_then_watch, args=(preview, state), daemon=True, name="live-builder"
    )
    builder.start()
    try:
        while builder.is_alive():
            builder.join(0.5)
    except KeyboardInterrupt:
        print("\n[live] stopped", flush=True)
    stopping.set()
    server.shutdown()
    if printer is not None:
        printer.stop()
    return 0


def first_then_watch(preview: Preview, state: State) -> None:
    ok = preview.build()
    preview.finish_deferred(ok)  # the first time, every page before the first look
    state.publish("ok" if ok else "error", [] if ok else preview.problems, built=ok)
    threading.Thread(target=warm_figures, daemon=True, name="live-figures").start()
    watch(preview, state)


def warm_figures() -> None:
    """Import matplotlib and the figure code while the author reads, not after the first
    figure-data edit (the import alone is seconds)."""
    import importlib

    from studyguide.figures.sphinx import INPUTS

    try:
        importlib.import_module("studyguide.figures.svg")
        for module, _data in INPUTS.values():
            importlib.import_module(f"studyguide.figures.{module}")
    except Exception:  # an import error shows when a figure is drawn, with its message
        pass


if __name__ == "__main__":
    sys.exit(main())

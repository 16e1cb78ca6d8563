"""``make bench``: time the pipeline against a by-hand build, sphinx-simplepdf and the tools an
author would otherwise pick, and time the warm preview, in one run.

A benchmark, not a test: every contender runs on this machine in the same session, so the
ratios mean something even when the absolute seconds do not (on a machine shared with other
work, read the ratios, not the seconds). Each contender works in its own copy of the project
under a temporary directory, runs ``make`` there exactly as a user would (the copy links to
this project's .venv), and never touches the user's ``_build/``, except for the report,
``_build/bench.json``.

- naive: ``sphinx-build`` for html, epub and singlehtml from clean, each with its own
  doctrees, then the ``weasyprint`` command on the single page (the web theme, as a user gets
  it). WeasyPrint takes very long on that page, so the step is capped (--limit, 60 s); a run
  that hits it counts as "at least the limit", and ratios to it become upper bounds ("<=").
  --quick leaves the step out.
- peer: ``sphinx-build -b simplepdf`` (sphinx-simplepdf) on the same sources (not in --quick).
- rivals, on the same book converted to one Pandoc Markdown file by studyguide.bench_sources
  (untimed), as an author moving to Pandoc would have it: front matter, chapters with every
  exercise, and the back matter (timeline figure and table, who's who, glossary as a
  definition list, further reading with Pandoc's citeproc bibliography, answer key,
  revision history), with the same figures (drawn from the book's data by the book's code,
  timed as each rival's first step, as a cold ``make`` draws them), numbered chapters and
  links. It lacks the index
  (Pandoc has none), the title page's edition line and the copyright page. Pandoc 3
  (pypandoc-binary) writing Typst and the typst compiler (PyPI ``typst``), as Quarto's Typst
  format does; and Pandoc's HTML laid out by Paged.js (``pagedjs-cli``, pinned in
  tools/pagedjs, on Debian's Chromium), both on A4 with each document on a new page. Each
  PDF is inspected with pikepdf/pypdf: pages, contents with page numbers, bookmarks,
  internal links that lead somewhere; the report prints every PDF's pages and seconds per
  page beside its ratio, so a reader sees whether the books compared are the same size.
- ours: ``make`` from clean, again with nothing changed, after editing one chapter, ``make
  html`` after editing one chapter, and cold ``make html`` / ``make pdf`` for their ratios
  (the 20x book: the cold ``make`` only, for its time and memory).
- preview: ``python -m studyguide.live`` on the same tree, with headless Chromium on a
  chapter: seconds from writing an edit to its text on the reloaded page, median of several
  chapter edits, exercise-file edits and figure-data edits (the last: until the redrawn
  picture is served). On the 1x book, then with ``--pdf``: seconds from writing a chapter edit
  to its chunk of the print preview being served anew.

Wall time is time.perf_counter around the command. Peak memory is the largest memory the
machine gives the command's processes at once: the sum of their proportional set sizes (PSS),
with the warm process that forks them, sampled from /proc every 0.2 s. The parallel EPUB and
PDF builds count together, as they do for the machine (``/usr/bin/time``'s %M would give only
the largest single process), and a page that forked processes share counts once between
them. The largest sum of their RSS, sampled every 50 ms, is shown beside: it counts a shared
page once for every process that maps it, so it says less the more the build forks (each
process the warm process forks starts with all of its 0.1 GB mapped). Pages come from pypdf.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from studyguide import warm
from studyguide.publish import published_file

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PROJECT = ("book", "exercises", "studyguide", "tools", "conf.py", "Makefile", "pyproject.toml")
EDITED = "book/chapters/2-defences.md"
PEER_EXTENSIONS = "myst_parser,sphinxcontrib.bibtex,studyguide,sphinx_simplepdf"
GB = 1024**3
# (name, numerator, denominator, limit): every target of the issue, as a ratio in this run.
TARGETS = [
    ("cold make / naive (time)", "ours.make-cold", "naive.total", 0.5),
    ("cold make pdf / peer (time)", "ours.make-pdf-cold", "peer.simplepdf", 0.7),
    ("make, nothing changed / cold make", "ours.make-noop", "ours.make-cold", 0.05),
    ("make html, 1 edit / cold make html", "ours.make-html-edit", "ours.make-html-cold", 0.3),
    ("make, 1 edit / cold make", "ours.make-edit", "ours.make-cold", 0.3),
    ("cold make pdf / Paged.js (time)", "ours.make-pdf-cold", "rival.pagedjs", 1.0),
    ("cold make pdf / Pandoc+Typst (time)", "ours.make-pdf-cold", "rival.typst", None),
]
# (name, measurement, limit in seconds by book size): the warm preview, absolute.
PREVIEW_LIMIT = {"1x": 0.5, "20x": 1.0}
PREVIEW_TARGETS = [
    ("preview: chapter edit to visible, s", "preview.chapter", PREVIEW_LIMIT),
    ("preview: exercise edit to visible, s", "preview.exercise", PREVIEW_LIMIT),
    ("preview: figure-data edit to visible, s", "preview.figure-data", PREVIEW_LIMIT),
    ("preview: print chunk after a chapter edit, s", "preview.print-chunk", {"1x": 3.0}),
]
INSPECTED = ("bookmarks", "links", "links_working", "contents_page_numbers")


# -- Running and measuring -----------------------------------------------------------------
class PeakRSS(threading.Thread):
    """The largest memory one session's processes take at once (``footprint``), and the
    largest sum of their RSS (``peak``).

    The processes a build's warm process forks for it (``studyguide.warm``: a session of
    its own, named in ``warm_pid``) count as the build's. The footprint counts the warm
    process too, since the pages it shares with them are theirs as much as its own; its
    RSS is also measured apart (``warm``), as it stays between builds."""

    PSS_EVERY = 0.2  # seconds: the kernel walks every page of a process to tell its PSS

    def __init__(self, sid: int, warm_pid: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.sid, self.peak, self.footprint, self.warm = sid, 0, 0, 0
        self.done = threading.Event()
        self.warm_pid = warm_pid
        self.page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        pss_at = 0.0
        while not self.done.is_set():
            try:
                warm = int(self.warm_pid.read_text()) if self.warm_pid else -1
            except (OSError, ValueError):
                warm = -1
            total, counted = 0, []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) "
                rss = int(fields[21]) * self.page
                if int(pid) == warm:
                    self.warm = max(self.warm, rss)
                    counted.append(pid)
                elif int(fields[3]) in (self.sid, warm):
                    total += rss
                    counted.append(pid)
            self.peak = max(self.peak, total)
            if time.monotonic() - pss_at >= self.PSS_EVERY:
                pss_at = time.monotonic()
                self.footprint = max(self.footprint, self.proportional(counted))
            self.done.wait(0.05)

    @staticmethod
    def proportional(pids: list[str]) -> int:
        """The processes' proportional set sizes, summed: each page counted once, shared
        out between the processes that map it (as a forked child shares its parent's)."""
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            except OSError:
                pass
        return total


def run(cmd: list[str], cwd: Path, env: dict, timeout: float | None = None) -> dict:
    """Run one command in its own session; return seconds, peak bytes, exit code, output tail."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        sampler = PeakRSS(proc.pid, cwd / "_build/.work" / warm.PID)
        sampler.start()
        try:
            code, timed_out = proc.wait(timeout=timeout), False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the session we started, nothing else
            code, timed_out = proc.wait(), True
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        log.seek(0)
        output = log.read()
    return {
        "cmd": " ".join(cmd),
        "seconds": seconds,
        "peak_bytes": sampler.peak,
        "footprint_bytes": sampler.footprint,
        "warm_bytes": sampler.warm,
        "code": code,
        "timed_out": timed_out,
        "output": clip(output),
    }


def clip(text: str, keep: int = 3000) -> str:
    """The start and end of a long log: what ran and how it ended (page progress is long)."""
    return text if len(text) <= 2 * keep else f"{text[:keep]}\n[...]\n{text[-keep:]}"


def limited(cmd: list[str], cwd: Path, env: dict, limit: float, hit: set) -> dict:
    """``run`` with a time limit; once a command has hit it, later runs skip it and record the
    limit again (a lower bound), rather than spend the limit once more to learn nothing."""
    key = (str(cwd), tuple(cmd))
    if key in hit:
        return {
            "cmd": " ".join(cmd),
            "seconds": limit,
            "peak_bytes": None,
            "code": 0,
            "timed_out": True,
            "output": "skipped: hit the time limit in an earlier run",
        }
    result = run(cmd, cwd, env, limit)
    if result["timed_out"]:
        hit.add(key)
    return result


def pdf_pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader  # comes with the [test] extra, not [bench]: pages are then "-"
    except ImportError:
        return None
    return len(PdfReader(path).pages) if path.is_file() else None


# -- The trees the contenders build --------------------------------------------------------
def copy_project(dest: Path) -> Path:
    """A user's checkout in ``dest``: the tracked files, and a link to this project's .venv
    whose install stamp is newer than the copied pyproject.toml, so make does not reinstall."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "_figures")
    for name in PROJECT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=skip)
        elif src.exists():
            shutil.copy2(src, dest / name)
    (dest / ".venv").symlink_to(VENV)
    stamp = (VENV / ".installed").stat().st_mtime
    os.utime(dest / "pyproject.toml", (stamp - 60, stamp - 60))
    return dest


def scale_book(tree: Path, copies: int) -> None:
    """Make the book ``copies`` times its size: every chapter and its exercise file repeated,
    front and back matter once. Copy 1 keeps the real names (the back matter links to them);
    copy k suffixes every label, figure name, exercise id and chapter name with ``-k``."""
    index = tree / "book/index.md"
    listed = [line for line in index.read_text().splitlines() if line.startswith("chapters/")]
    chapters = [tree / "book" / f"{entry}.md" for entry in listed]  # in the toctree's order
    labels: set[str] = set()
    for path in chapters:
        labels |= {
            a or b for a, b in re.findall(r"^\(([\w-]+)\)=$|^:name: ([\w-]+)$", path.read_text(), re.M)
        }
    labels.discard("")
    label_re = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(labels))) + r")(?![\w-])")
    toc = []
    for k in range(1, copies + 1):
        for path in chapters:
            stem = path.stem if k == 1 else f"{path.stem}-{k}"
            toc.append(f"chapters/{stem}")
            if k == 1:
                continue
            text = label_re.sub(rf"\1-{k}", path.read_text())
            text = text.replace(f"{{exercises}} {path.stem}", f"{{exercises}} {stem}")
            (path.parent / f"{stem}.md").write_text(text)
            yaml = label_re.sub(rf"\1-{k}", (tree / f"exercises/{path.stem}.yaml").read_text())
            yaml = re.sub(r"^(\s*- id: )([\w-]+)$", rf"\1\2-{k}", yaml, flags=re.M)
            yaml = yaml.replace(f"chapter: chapters/{path.stem}", f"chapter: chapters/{stem}")
            (tree / f"exercises/{stem}.yaml").write_text(yaml)
    index.write_text(index.read_text().replace("\n".join(listed), "\n".join(toc)))


# -- The contenders ------------------------------------------------------------------------
def naive(tree: Path, env: dict, limit: float, hit: set, weasyprint: bool = True) -> dict:
    """What a user does by hand: three clean sphinx-builds, then weasyprint on the one page
    (capped at ``limit``; left out with --quick, where it alone would take the whole budget)."""
    shutil.rmtree(tree / "out", ignore_errors=True)
    shutil.rmtree(tree / "book/_figures", ignore_errors=True)
    bin_ = VENV / "bin"
    steps = {
        b: run(
            [
                str(bin_ / "sphinx-build"),
                "-q",
                "-b",
                b,
                "-c",
                ".",
                "-d",
                f"out/doctrees-{b}",
                "book",
                f"out/{b}",
            ],
            tree,
            env,
        )
        for b in ("html", "epub", "singlehtml")
    }
    if weasyprint:
        steps["weasyprint"] = limited(
            [str(bin_ / "weasyprint"), "out/singlehtml/index.html", "out/naive.pdf"], tree, env, limit, hit
        )
    total = combine(steps.values())
    total["pages"] = pdf_pages(tree / "out/naive.pdf")
    return {"naive.total": total, **{f"naive.{k}": v for k, v in steps.items()}}


def peer(tree: Path, env: dict, limit: float, hit: set) -> dict:
    """sphinx-simplepdf, which logs a WeasyPrint failure and still exits 0: no PDF is a failure."""
    shutil.rmtree(tree / "out", ignore_errors=True)
    shutil.rmtree(tree / "book/_figures", ignore_errors=True)
    result = limited(
        [
            str(VENV / "bin/sphinx-build"),
            "-q",
            "-b",
            "simplepdf",
            "-c",
            ".",
            "-d",
            "out/doctrees-simplepdf",
            "-D",
            f"extensions={PEER_EXTENSIONS}",
            "book",
            "out/simplepdf",
        ],
        tree,
        env,
        limit,
        hit,
    )
    pdfs = sorted((tree / "out/simplepdf").glob("*.pdf"))
    result.update(inspect_pdf(pdfs[0], tree) if pdfs else {"pages": None})
    if not pdfs and result["code"] == 0 and not result["timed_out"]:
        result["code"] = "no PDF"
    return {"peer.simplepdf": result}


def ours(tree: Path, env: dict, cold_only: bool = False) -> dict:
    """``make`` as a user runs it: cold, unchanged, after an edit; and the cold single formats
    (``cold_only``: the cold ``make`` alone, for the 20x book's time and memory)."""

    def make(*args: str) -> dict:
        return run(["make", *args], tree, env)

    def edit(n: int) -> None:
        with open(tree / EDITED, "a") as f:
            f.write(f"\nA sentence added by the benchmark ({n}, {time.time_ns()}).\n")

    out = {}
    make("clean")
    out["ours.make-cold"] = make()
    out["ours.make-cold"]["pages"] = pdf_pages(published_file(tree / "_build", "pdf"))
    if cold_only:
        return out
    out["ours.make-noop"] = make()
    out["ours.make-noop"]["sphinx_started"] = "Up to date" not in out["ours.make-noop"]["output"]
    edit(1)
    out["ours.make-edit"] = make()
    edit(2)
    out["ours.make-html-edit"] = make("html")
    make("clean")
    out["ours.make-html-cold"] = make("html")
    make("clean")
    out["ours.make-pdf-cold"] = make("pdf")
    out["ours.make-pdf-cold"].update(inspect_pdf(published_file(tree / "_build", "pdf"), tree))
    return out


def combine(results) -> dict:
    results = list(results)
    return {
        "seconds": sum(r["seconds"] for r in results),
        "peak_bytes": max((r["peak_bytes"] for r in results if r["peak_bytes"]), default=None),
        "footprint_bytes": max(
            (r["footprint_bytes"] for r in results if r.get("footprint_bytes")), default=None
        ),
        "code": next((r["code"] for r in results if r["code"] != 0), 0),
        "timed_out": any(r["timed_out"] for r in results),
    }


# -- Rivals: the tools an author would otherwise pick ---------------------------------------
PRINT_CSS = """@page { size: A4; margin: 20mm 18mm; @bottom-center { content: counter(page); } }
body { font-family: serif; font-size: 11pt; line-height: 1.4; }
h1 { break-before: page; }
img { max-width: 100%; }
figure { break-inside: avoid; counter-increment: figure; }
figcaption::before { content: "Figure " counter(figure) ": "; }
table { border-collapse: collapse; width: 100%; }
th, td { vertical-align: top; text-align: left; padding: 2pt 4pt; border-bottom: 0.5pt solid #999; }
dt { font-weight: bold; break-after: avoid; }
#TOC a::after { content: " " target-counter(attr(href), page); }
"""

# The same page for Typst, as a --metadata-file (Pandoc's template variables): each document
# on a new page, as h1 in PRINT_CSS, and tables that may break across pages (Pandoc puts
# each in a figure, which Typst keeps whole, else a long table runs off its page).
TYPST_LOOK = """papersize: a4
margin: {x: 18mm, y: 20mm}
fontsize: 11pt
header-includes: |
  ```{=typst}
  #show heading.where(level: 1): it => pagebreak(weak: true) + it
  #show figure.where(kind: table): set block(breakable: true)
  ```
"""

# What a Pandoc author runs: contents to depth 2, numbered chapters, citeproc's bibliography.
PANDOC = ("book.md", "-s", "--toc", "--toc-depth=2", "--number-sections", "--citeproc")
PANDOC += ("--bibliography", "../book/references.bib")


def rival_sources(tree: Path) -> Path:
    """The whole book (front matter, chapters with their exercises, back matter but the
    index) as one Pandoc Markdown file, written by studyguide.bench_sources, and the print
    stylesheet Paged.js lays it out with. Its figures are a timed step (``figures``)."""
    from studyguide.bench_sources import markdown

    out = tree / "rivals"
    shutil.rmtree(out, ignore_errors=True)
    (out / "figures").mkdir(parents=True)
    (out / "book.md").write_text(markdown(tree), encoding="utf-8")
    (out / "print.css").write_text(PRINT_CSS)
    (out / "typst.yaml").write_text(TYPST_LOOK)
    return out


def figures(tree: Path, src: Path, env: dict) -> dict:
    """The figures, drawn from the book's data by the book's code, timed: the same book has
    them, and a cold ``make`` draws them too, so each rival pays for them as we do."""
    code = (
        "import sys; from pathlib import Path; from studyguide.bench import draw_rival_figures; "
        "draw_rival_figures(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    return run([sys.executable, "-c", code, str(tree), str(src / "figures")], tree, env)


def draw_rival_figures(tree: Path, dest: Path) -> None:
    import importlib

    from studyguide.figures.sphinx import INPUTS
    from studyguide.figures.svg import drawing

    for stem, (module, _data) in INPUTS.items():
        with drawing():
            importlib.import_module(f"studyguide.figures.{module}").render(
                tree / "book/figures", dest / f"{stem}.svg"
            )


def pandoc() -> str | None:
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return None


def rival_typst(tree: Path, env: dict) -> dict:
    """Pandoc 3 writes Typst (as Quarto's Typst format does), then the typst compiler."""
    src = rival_sources(tree)
    if not pandoc():
        return {"rival.typst": skipped("pypandoc-binary is not installed (make bench installs it)")}
    steps = [
        figures(tree, src, env),
        run([pandoc(), *PANDOC, "--metadata-file", "typst.yaml", "-t", "typst", "-o", "book.typ"], src, env),
        run(
            [sys.executable, "-c", "import sys, typst; typst.compile('book.typ', output='book.pdf')"],
            src,
            env,
        ),
    ]
    return {"rival.typst": rival_result(steps, src, tree)}


def rival_result(steps: list[dict], src: Path, tree: Path) -> dict:
    """A rival's run as one measurement, with what its PDF has (pages, contents, links)."""
    result = combine(steps)
    result.update(
        cmd=" && ".join(s["cmd"] for s in steps),
        output=steps[-1]["output"],
        **inspect_pdf(src / "book.pdf", tree),
    )
    return result


def rival_pagedjs(tree: Path, env: dict) -> dict:
    """Pandoc writes one HTML page, Paged.js (pagedjs-cli, pinned in tools/pagedjs) lays it out
    in Debian's Chromium: CSS paged media, the engine of Quarto's and many books' print."""
    src = rival_sources(tree)
    cli = VENV / "pagedjs/node_modules/.bin/pagedjs-cli"
    chromium = shutil.which("chromium")
    if not pandoc() or not cli.exists() or not chromium:
        return {"rival.pagedjs": skipped("needs pypandoc-binary, Chromium and `make bench`'s npm ci")}
    env = {**env, "PUPPETEER_EXECUTABLE_PATH": chromium, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    steps = [
        figures(tree, src, env),
        run(
            [pandoc(), *PANDOC, "-t", "html5", "--css", "print.css", "-o", "book.html"],
            src,
            env,
        ),
        run(
            [
                str(cli),
                "book.html",
                "-o",
                "book.pdf",
                "--outline-tags",
                "h1,h2",
                "--browserArgs",
                "--no-sandbox,--disable-gpu",
                "-t",
                "600000",
            ],
            src,
            env,
        ),
    ]
    return {"rival.pagedjs": rival_result(steps, src, tree)}


def skipped(why: str) -> dict:
    return {
        "cmd": "",
        "seconds": 0.0,
        "peak_bytes": None,
        "code": f"skipped: {why}",
        "timed_out": False,
        "output": why,
    }


def inspect_pdf(path: Path, tree: Path) -> dict:
    """What a reader gets: pages, contents with page numbers, bookmarks, internal links that
    lead somewhere (a page, or a named destination that exists)."""
    if not path.is_file():
        return {"pages": None}
    import pikepdf

    with pikepdf.open(path) as pdf:
        pages = {p.obj.objgen for p in pdf.pages}
        names: set[str] = set()
        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            names |= {str(k) for k, _v in pikepdf.NameTree(pdf.Root.Names.Dests).items()}
        if "/Dests" in pdf.Root:
            names |= {str(k).lstrip("/") for k in pdf.Root.Dests.keys()}
        with pdf.open_outline() as outline:

            def count(items) -> int:
                return sum(1 + count(i.children) for i in items)

            bookmarks = count(outline.root)
        links = working = 0
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", None) or []:
                if annot.get("/Subtype") != "/Link":
                    continue
                dest, action = annot.get("/Dest"), annot.get("/A")
                if dest is None and action is not None and action.get("/S") == "/GoTo":
                    dest = action.get("/D")
                if dest is None:
                    continue  # a web link
                links += 1
                if isinstance(dest, pikepdf.Array):
                    working += len(dest) > 0 and dest[0].objgen in pages
                else:
                    working += str(dest).lstrip("/") in names
        count_pages = len(pdf.pages)
    titles = [
        re.search(r"^# (.+)$", p.read_text(), re.M)[1]
        for p in sorted((tree / "book/chapters").glob("*.md"))[:4]
    ]
    contents_numbers = False
    try:
        from pypdf import PdfReader

        text = "\n".join((p.extract_text() or "") for p in PdfReader(path).pages[:10])
        contents_numbers = (
            sum(bool(re.search(rf"{re.escape(t)}[ .\u2026]*\d+\s*$", text, re.M)) for t in titles)
            >= len(titles) - 1
        )
    except ImportError:
        pass
    return {
        "pages": count_pages,
        "bookmarks": bookmarks,
        "links": links,
        "links_working": working,
        "contents_page_numbers": contents_numbers,
    }


# -- The warm preview: edit to visible in a browser ------------------------------------------
def start_preview(tree: Path, env: dict, *options: str) -> subprocess.Popen:
    """``make live``'s server on ``tree``, any free port, in its own session (to stop it whole)."""
    return subprocess.Popen(
        [str(VENV / "bin/python"), "-m", "studyguide.live", "--port", "0", *options],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def preview(tree: Path, env: dict, edits: int, print_chunk: bool = False) -> dict:
    """``make live``'s server on this tree, watched in headless Chromium (Playwright on Debian's
    Chromium): the time from writing a file to its text being on the open page. Median of
    ``edits`` chapter edits, then exercise-file and figure-data edits (their medians too).
    With ``print_chunk``, then ``make live PDF=1``'s print preview (``print_preview``)."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if not chromium:
        return {"preview.chapter": skipped("needs Chromium and playwright (the [test] extra)")}
    shutil.rmtree(tree / "_build", ignore_errors=True)
    log = tempfile.TemporaryFile("w+")
    proc = start_preview(tree, env)
    lines: list[str] = []
    seen: list[tuple[float, str]] = []  # when each line of the preview's log arrived

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            seen.append((time.perf_counter(), line))

    threading.Thread(target=read, daemon=True).start()
    rebuilds: dict[str, list[float]] = {}

    def wait_log(pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(lines):
                m = re.search(pattern, line)
                if m:
                    return m
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"preview: no {pattern!r}:\n{''.join(lines)[-3000:]}")

    out: dict = {}
    try:
        url = wait_log(r"serving (http://\S+)", 120)[1]
        started = time.perf_counter()
        wait_log(r"\[live\] rebuilt", 1800)
        out["preview.first-build"] = {
            "seconds": time.perf_counter() - started,
            "peak_bytes": None,
            "code": 0,
            "timed_out": False,
            "cmd": "python -m studyguide.live",
        }
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            page = browser.new_page()

            def visible(path: str, write, check: str, token: str) -> float:
                """Seconds from the write to ``check`` holding on the page, once the preview
                has put the rebuilt page in place (or reloaded it). The page itself waits for
                it (Playwright's wait_for_function, every 10 ms in the page), so the measuring
                costs the two cores the server builds on next to nothing."""
                page.goto(url + path)
                page.evaluate("document.querySelector('.bd-container').dataset.benchOld = '1'")
                # As an author reads the page before saving again: the server finishes what
                # it does after a reload (the index, search, garbage) before the next edit.
                time.sleep(1.5)
                began = time.perf_counter()
                write()
                condition = f"(t) => !document.querySelector('.bd-container[data-bench-old]') && ({check})"
                while True:
                    try:
                        page.wait_for_function(condition, arg=token, polling=10, timeout=120_000)
                        break
                    except Exception as err:  # a reload replaced the page while it waited
                        if time.perf_counter() - began > 120 or "Timeout" in type(err).__name__:
                            raise RuntimeError(
                                f"preview: {token[:80]} never appeared on {path} ({err}):\n"
                                f"{''.join(lines)[-2000:]}"
                            ) from None
                took = time.perf_counter() - began
                done = [t - began for t, line in seen if t > began and "[live] rebuilt" in line]
                rebuilds.setdefault(path, []).append(done[0] if done else float("nan"))
                return took

            def append(rel: str, old: str, new: str):
                def write():
                    f = tree / rel
                    f.write_text(f.read_text().replace(old, new, 1))

                return write

            in_body = "document.body.innerText.includes(t)"
            # (wait_for_function needs a plain value: the figures are fetched in the
            # background, and the check holds once one of them is a different picture.)
            in_image = (
                "(window.__benchFetch = window.__benchFetch || Promise.all([...document.images]"
                ".filter(i => new URL(i.src).pathname.endsWith('.svg'))"
                ".map(i => fetch(i.src, {cache: 'no-store'}).then(r => r.text())))"
                ".then(s => { window.__benchSeen = s.some(x => x.length > 0 && x !== t); })"
                ".finally(() => { window.__benchFetch = null; }), window.__benchSeen === true)"
            )
            kinds = {"preview.chapter": [], "preview.exercise": [], "preview.figure-data": []}
            for n in range(edits):
                token = f"Benchmark sentence {n} {time.time_ns()}."
                kinds["preview.chapter"].append(
                    visible(
                        "chapters/2-defences.html",
                        append(EDITED, "\n```{exercises}", f"\n{token}\n\n```{{exercises}}"),
                        in_body,
                        token,
                    )
                )
                token = f"Benchmark{n}x{time.time_ns() % 10**6}"
                kinds["preview.exercise"].append(
                    visible(
                        "chapters/2-defences.html",
                        append(
                            "exercises/2-defences.yaml",
                            "    prompt: |\n      ",
                            f"    prompt: |\n      {token} ",
                        ),
                        in_body,
                        token,
                    )
                )
                if n < max(1, edits // 2):  # each redraws a figure with matplotlib
                    # The labels are drawn as outlines: wait for a different picture.
                    before = (tree / "_build/live/html/_images/timeline.svg").read_text()
                    kinds["preview.figure-data"].append(
                        visible(
                            "back/timeline.html",
                            append("book/figures/timeline.yaml", "\n  label: ", f"\n  label: Edit {n} "),
                            in_image,
                            before,
                        )
                    )
            browser.close()
        # Which share of each wait was the rebuild (until the preview logged it) and which
        # the page's reload: the visits alternate chapter, exercise, figure in that order.
        chapter_page = rebuilds.get("chapters/2-defences.html", [])
        rebuild_times = {
            "preview.chapter": chapter_page[0::2],
            "preview.exercise": chapter_page[1::2],
            "preview.figure-data": rebuilds.get("back/timeline.html", []),
        }
        for key, times in kinds.items():
            out[key] = {
                "seconds": statistics.median(times),
                "all": times,
                "peak_bytes": None,
                "rebuilt_after": rebuild_times.get(key, []),
                "code": 0,
                "timed_out": False,
                "cmd": f"{len(times)} edit(s)",
            }
    except Exception as err:  # a benchmark reports a broken contender, it does not stop
        out.setdefault("preview.chapter", {**skipped(str(err)), "code": "failed"})
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the preview's session, which we started
        proc.wait()
        log.close()
    if print_chunk:
        out.update(print_preview(tree, env, edits))
    return out


def print_preview(tree: Path, env: dict, edits: int) -> dict:
    """``python -m studyguide.live --pdf``: seconds from writing a chapter edit to its chunk of
    the print preview being served anew (/_live/pdf/<docname>.pdf, written only once laid
    out), median of ``edits`` edits, each checked for its text when pypdf is there."""
    proc = start_preview(tree, env, "--pdf")
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    served = tree / "_build/live/pdf" / Path(EDITED).relative_to("book").with_suffix(".pdf")
    chapter = tree / EDITED
    times: list[float] = []
    try:
        deadline = time.monotonic() + 1800
        while not any("print preview refreshed" in line for line in lines):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"print preview: never laid out:\n{''.join(lines)[-3000:]}")
            time.sleep(0.1)
        for n in range(edits):
            time.sleep(1)  # the web preview's deferred pages, as an author reads
            token = f"Print benchmark sentence {n} {time.time_ns()}."
            before = served.stat().st_mtime_ns
            began = time.perf_counter()
            chapter.write_text(
                chapter.read_text().replace("\n```{exercises}", f"\n{token}\n\n```{{exercises}}", 1)
            )
            while served.stat().st_mtime_ns == before:
                if time.perf_counter() - began > 120:
                    raise RuntimeError(f"print preview: {token} never laid out:\n{''.join(lines)[-2000:]}")
                time.sleep(0.005)
            times.append(time.perf_counter() - began)
            try:
                from pypdf import PdfReader  # the [test] extra
            except ImportError:
                continue
            text = " ".join("".join(p.extract_text() or "" for p in PdfReader(served).pages).split())
            if token not in text:
                raise RuntimeError(f"print preview: {token} is not in {served.name}")
        return {
            "preview.print-chunk": {
                "seconds": statistics.median(times),
                "all": times,
                "peak_bytes": None,
                "code": 0,
                "timed_out": False,
                "cmd": f"{len(times)} edit(s)",
            }
        }
    except Exception as err:  # reported as a failed measurement, as above
        return {"preview.print-chunk": {**skipped(str(err)), "code": "failed"}}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


# -- Report --------------------------------------------------------------------------------
def summarise(runs: list[dict]) -> dict:
    """Median of every measurement over the runs; 'timed_out' marks a lower bound."""
    summary = {}
    for key in runs[0]:
        rs = [r[key] for r in runs if key in r]  # the preview runs once, after the last
        summary[key] = {
            "seconds": statistics.median(r["seconds"] for r in rs),
            "peak_gb": statistics.median(
                [r["footprint_bytes"] for r in rs if r.get("footprint_bytes")] or [0]
            )
            / GB,
            "rss_gb": statistics.median([r["peak_bytes"] for r in rs if r["peak_bytes"]] or [0]) / GB,
            "warm_gb": max((r.get("warm_bytes") or 0 for r in rs), default=0) / GB,
            "pages": rs[0].get("pages"),
            "runs": len(rs),
            "failed": [str(r["code"]) for r in rs if r["code"] != 0 and not r["timed_out"]],
            "timed_out": any(r["timed_out"] for r in rs),
            "sphinx_started": any(r.get("sphinx_started") for r in rs),
            **{k: rs[0][k] for k in INSPECTED if k in rs[0]},
            **{k: rs[0][k] for k in ("all", "rebuilt_after") if k in rs[0]},
        }
    return summary


def verdicts(size: str, s: dict, one_x: dict | None) -> list[dict]:
    """One row per target. A ratio to a run stopped at the time limit is an upper bound: it
    passes if even the bound is within the limit, and is undecided ('?') otherwise."""
    rows = []

    def row(name: str, ratio: float, limit: float, bound: bool = False, failed: bool = False) -> None:
        verdict = (
            "FAIL"
            if failed
            else "-"
            if limit is None
            else "PASS"
            if ratio <= limit
            else "?"
            if bound
            else "MISS"
        )
        rows.append(
            {
                "book": size,
                "target": name,
                "ratio": ratio,
                "upper_bound": bound,
                "limit": limit,
                "verdict": verdict,
            }
        )

    for name, num, den, limit in TARGETS:
        if den == "naive.total" and "naive.weasyprint" not in s:
            continue  # --quick: the naive build made no PDF, so it is no yardstick for make
        if num in s and den in s and s[den]["seconds"] > 0:
            sphinx = num == "ours.make-noop" and s[num]["sphinx_started"]
            row(
                name + (" (Sphinx started!)" if sphinx else ""),
                s[num]["seconds"] / s[den]["seconds"],
                limit,
                s[den]["timed_out"],
                bool(s[num]["failed"] or s[den]["failed"]) or sphinx,
            )
    cold = s.get("ours.make-cold")
    if cold and one_x and size != "1x":
        row(
            f"cold make {size} / cold make 1x (time)",
            cold["seconds"] / one_x["ours.make-cold"]["seconds"],
            20.0,
            failed=bool(cold["failed"]),
        )
    if cold and size != "1x":
        row(f"cold make {size}: peak memory (PSS), GB", cold["peak_gb"], 0.8, failed=bool(cold["failed"]))
        row(f"cold make {size}: largest RSS sum, GB", cold["rss_gb"], None, failed=bool(cold["failed"]))
    for name, key, limits in PREVIEW_TARGETS:
        if key in s:
            row(name, s[key]["seconds"], limits.get(size), failed=bool(s[key]["failed"]))
    return rows


def print_report(results: dict, rows: list[dict]) -> None:
    """Medians with their ratios to naive (time, memory, pages) and, for our PDFs, to the peer."""
    for size, s in results.items():
        naive_, peer_ = s.get("naive.total"), s.get("peer.simplepdf")

        def ratio(m: dict, base: dict | None, key: str) -> str:
            if not base or not base[key] or not m[key]:
                return f"{'-':>7}"
            return (
                f"{'<=' if base.get('timed_out') and key == 'seconds' else ''}{m[key] / base[key]:.2f}".rjust(
                    7
                )
            )

        print(f"\n{size} book: median of {max(m['runs'] for m in s.values())} run(s)")
        print(
            f"  {'measurement':<22}{'wall s':>9}{'/naive':>7}{'/peer':>7}{'peak GB':>9}{'/naive':>7}"
            f"{'pages':>7}{'/naive':>7}{'/peer':>7}  note"
        )
        for key, m in s.items():
            pdf = key in ("ours.make-cold", "ours.make-pdf-cold")
            note = "; ".join(
                filter(
                    None,
                    [
                        "FAILED: " + ", ".join(m["failed"]) if m["failed"] else "",
                        "stopped at the time limit" if m["timed_out"] else "",
                        "Sphinx started" if m["sphinx_started"] else "",
                        f"RSS sum {m['rss_gb']:.2f} GB" if m.get("rss_gb") else "",
                        f"warm process {m['warm_gb']:.2f} GB apart" if m.get("warm_gb") else "",
                    ],
                )
            )
            print(
                f"  {key:<22}{'>=' if m['timed_out'] else '  '}{m['seconds']:7.1f}"
                f"{ratio(m, naive_, 'seconds')}{ratio(m, peer_ if pdf else None, 'seconds')}"
                f"{m['peak_gb']:9.2f}{ratio(m, naive_, 'peak_gb')}{m['pages'] or '-':>7}"
                f"{ratio(m, naive_, 'pages')}{ratio(m, peer_ if pdf else None, 'pages')}  {note}"
            )
    for size, s in results.items():
        pdfs = {k: m for k, m in s.items() if "bookmarks" in m}
        ours_pdf = s.get("ours.make-pdf-cold")
        if pdfs:
            print(
                f"\n{size} book, the PDFs side by side (the rivals: the same book from one Pandoc "
                "Markdown file, without the index; see studyguide/bench_sources.py):"
            )
            print(
                f"  {'PDF':<22}{'wall s':>9}{'ours/it':>9}{'pages':>7}{'s/page':>8}{'contents p.':>13}"
                f"{'bookmarks':>11}{'links ok/all':>14}"
            )
            for key, m in pdfs.items():
                mine = f"{ours_pdf['seconds'] / m['seconds']:.2f}" if ours_pdf and m["seconds"] else "-"
                per_page = f"{m['seconds'] / m['pages']:.2f}" if m["pages"] else "-"
                print(
                    f"  {key:<22}{m['seconds']:9.1f}{mine:>9}{m['pages'] or '-':>7}{per_page:>8}"
                    f"{'yes' if m.get('contents_page_numbers') else 'no':>13}{m.get('bookmarks', 0):>11}"
                    f"{str(m.get('links_working', 0)) + '/' + str(m.get('links', 0)):>14}"
                )
        previews = {k: m for k, m in s.items() if k.startswith("preview.") and "all" in m}
        if previews:
            print(
                f"\n{size} book, the warm preview: seconds from saving a file to its text on the "
                "open page (Chromium)"
            )
            for key, m in previews.items():
                print(
                    f"  {key:<22} median {m['seconds']:.2f}  all: "
                    + ", ".join(f"{t:.2f}" for t in m["all"])
                    + (
                        "  (rebuilt after: " + ", ".join(f"{t:.2f}" for t in m["rebuilt_after"]) + ")"
                        if m.get("rebuilt_after")
                        else ""
                    )
                )
    print(f"\n  {'book':<5}{'target':<46}{'ratio':>9}{'limit':>7}  verdict")
    pairs = {name: (num, den) for name, num, den, _limit in TARGETS}
    for r in rows:
        print(
            f"  {r['book']:<5}{r['target']:<46}{'<=' if r['upper_bound'] else '':>2}{r['ratio']:7.3f}"
            f"{'' if r['limit'] is None else format(r['limit'], '7.2f'):>7}  {r['verdict']}"
            + sizes(results[r["book"]], *pairs.get(r["target"], ("", "")))
        )


def sizes(s: dict, num: str, den: str) -> str:
    """Beside a PDF-to-PDF ratio, the pages and seconds per page of both books, so a reader
    sees whether the two made the same book."""
    a, b = s.get(num), s.get(den)
    if not (a and b and a.get("pages") and b.get("pages")):
        return ""
    return (
        f"  (pages {a['pages']} vs {b['pages']}; s/page "
        f"{a['seconds'] / a['pages']:.3f} vs {b['seconds'] / b['pages']:.3f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of the 1x book (median shown)")
    parser.add_argument("--runs-20x", type=int, default=1, help="runs of the 20x book")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 run of the 1x book only, without the naive WeasyPrint step and "
        "sphinx-simplepdf (about 3 minutes on an idle machine)",
    )
    parser.add_argument("--only", choices=("1x", "20x"))
    parser.add_argument(
        "--limit",
        type=float,
        default=60,
        help="seconds after which the naive weasyprint step or the peer is stopped "
        "and counted as 'at least' this long",
    )
    parser.add_argument(
        "--preview-edits",
        type=int,
        default=None,
        help="edits timed in the warm preview, per kind (default 5; 3 with --quick)",
    )
    parser.add_argument(
        "--no-20x-build", action="store_true", help="20x book: time the preview only, not the cold make"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    sizes = {"1x": (1, 1 if args.quick else args.runs), "20x": (20, args.runs_20x)}
    if args.quick:
        sizes.pop("20x")
    if args.only:
        sizes = {k: v for k, v in sizes.items() if k == args.only}
    edits = args.preview_edits or (3 if args.quick else 5)

    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(
        PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}",
        EDITION="student",
        PAPER="a4",
        SOURCE_DATE_EPOCH=env.get("SOURCE_DATE_EPOCH") or str(int((ROOT / "conf.py").stat().st_mtime)),
    )
    tmp = Path(tempfile.mkdtemp(prefix="studyguide-bench-"))
    results, raw, rows = {}, {}, []
    started = time.perf_counter()
    try:
        for size, (copies, runs) in sizes.items():
            who = ("naive", "peer", "rivals", "ours") if size == "1x" else ("ours",)
            if args.quick:
                who = ("naive", "rivals", "ours")
            trees = {}
            for name in who:
                trees[name] = copy_project(tmp / size / name)
                if copies > 1:
                    scale_book(trees[name], copies)
            raw[size], hit = [], set()
            for n in range(runs):
                print(f"[{size} run {n + 1}/{runs}] {', '.join(who)} ...", flush=True)
                one: dict = {}
                if "naive" in trees:
                    one.update(naive(trees["naive"], env, args.limit, hit, weasyprint=not args.quick))
                if "peer" in trees:
                    one.update(peer(trees["peer"], env, args.limit, hit))
                if "rivals" in trees:
                    one.update(rival_typst(trees["rivals"], env))
                    one.update(rival_pagedjs(trees["rivals"], env))
                if not (size == "20x" and args.no_20x_build):
                    one.update(ours(trees["ours"], env, cold_only=size != "1x"))
                raw[size].append(one)
            print(f"[{size}] the warm preview, {edits} edit(s) of each kind ...", flush=True)
            raw[size][-1].update(preview(trees["ours"], env, edits, print_chunk=size == "1x"))
            results[size] = summarise(raw[size])
            rows += verdicts(size, results[size], results.get("1x"))
            for key, r in raw[size][-1].items():
                if r["code"] != 0 and not r["timed_out"]:
                    print(f"\n{size} {key} failed ({r['code']}): {r['cmd']}\n{r.get('output', '')[-2000:]}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"\nThe benchmark took {time.perf_counter() - started:.0f}s (load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)."
    )
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_at_end": os.getloadavg(),
            "platform": platform.platform(),
        },
        "source_date_epoch": env["SOURCE_DATE_EPOCH"],
        "summary": results,
        "targets": rows,
        "runs": raw,
    }
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build/bench.json").write_text(json.dumps(report, indent=1, default=str))
    print_report(results, rows)  # (after the raw numbers are saved)
    print(f"\nRaw runs: {ROOT / '_build/bench.json'}" + (f"; trees kept in {tmp}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One Sphinx application, as the build driver runs it: one format, the first of which
also parses.

The driver never reads what Sphinx prints. This process hands it three things through
files: Sphinx's own warning stream (``--warnings``, the same channel as ``sphinx-build
-w``), a crash reduced to one line naming its cause in that same file, and a manifest
(``--manifest``) saying what the builder produced (its ``produced`` attribute, or the
whole output folder) and, for the web edition, which other formats' files it links to.

The first format's process (``--parsed-fd``) is the parse: it reads the sources into the
shared doctree folder and, at Sphinx's ``write-started`` (the environment is saved by
then), tells the driver on that pipe whether the sources read cleanly, so the other
formats start writing from the saved parse while this one writes too. They find nothing
left to read. Before a format writes, its output folder is cleared of everything the
current sources do not produce (pages of removed documents, images and downloads that are
copied anew anyway, files an interrupted build left half-written), so stale output can
neither be published nor packed into an EPUB.

Collecting garbage less often makes a build about 10% faster for 5% more memory, and the
process leaves with ``os._exit`` once its files are closed instead of freeing every
doctree object by object. (The PDF's workers import this module again under their own
name; the guard keeps them from starting a build.)
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import json
import os
import re
import shutil
import sys
import traceback
from pathlib import Path

# What was imported before this process warmed up (``warm_imports``): the modules noted for
# the next build, once this one has succeeded, are all those imported since, whether
# warming up, making the application or building imported them (the join's pikepdf, the
# bibliography's formatting: the warm process loads them all beforehand). (Counting only
# the application's would note nothing after a warm start, and every other build would
# start cold.)
AT_START = frozenset(sys.modules)

PROGRESS = re.compile(
    r"^(reading sources|writing output)\.\.\. \[\s*\d+%\] (\S+)|pages laid out|: \d+ pages|drawing figure|rendering"
)


class Progress(io.TextIOBase):
    """Sphinx's status stream, passed on to the terminal as one prefixed line per step."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if PROGRESS.search(line):
                sys.stdout.write(f"  [{self.label}] {line.strip()}\n")
                sys.stdout.flush()
        return len(text)


def cause(exc: BaseException) -> str:
    """One line an author can act on: the innermost error Sphinx wrapped, without its
    traceback."""
    from sphinx.errors import ExtensionError

    while isinstance(exc, ExtensionError) and exc.orig_exc is not None:
        exc = exc.orig_exc
    name = type(exc).__name__
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0]}" if text else name


def navigation(env) -> str:
    """What every page's sidebar shows: the documents, their titles and sections, and the
    toctrees (section numbers follow from these; they are assigned only after reading)."""
    digest = hashlib.sha256()
    for docname in sorted(env.all_docs):
        title, toc = env.titles.get(docname), env.tocs.get(docname)
        digest.update(
            repr(
                (
                    docname,
                    title.astext() if title else "",
                    toc.astext() if toc else "",
                    env.toctree_includes.get(docname, []),
                )
            ).encode()
        )
    return digest.hexdigest()


def produced(builder) -> Path:
    return Path(getattr(builder, "produced", None) or builder.outdir)


def clear_stale(app, *_args) -> list[str]:
    """Leave in the output folder only what the current sources will keep or rewrite;
    the documents whose pages must be written again (as an ``env-updated`` handler)."""
    builder, env = app.builder, app.env
    out = Path(builder.outdir)
    if not out.is_dir():
        return []
    for path in list(out.rglob("*.tmp")):
        path.unlink(missing_ok=True) if not path.is_dir() else shutil.rmtree(path)
    if produced(builder) == out and isinstance(builder.get_outdated_docs(), str):
        # It rewrites everything every time (the question banks): start from nothing.
        for path in out.iterdir():
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        return []
    shutil.rmtree(out / "_downloads", ignore_errors=True)  # all copied again on every write
    # Images are copied only for the pages written now: keep those the sources still use.
    images = out / getattr(builder, "imagedir", "_images")
    used = {name for _docs, name in env.images.values()}
    if images.is_dir():
        for path in images.iterdir():
            if path.name not in used:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    suffix = getattr(builder, "out_suffix", None)
    if not suffix:
        return []
    # A page is rewritten when it is older than its source, or, here, when every page's
    # navigation changed (a title, a section, the toctree) since this folder was last
    # written completely; a removed document's page goes.
    seen = navigation_file(builder)
    nav = navigation(env)
    pages = {}
    for page in out.rglob(f"*{suffix}"):
        rel = page.relative_to(out)
        if not rel.parts[0].startswith(("_", ".")):
            pages[rel.as_posix()[: -len(suffix)]] = page
    rewrite_all = not seen.is_file() or seen.read_text() != nav  # (a removed document counts)
    seen.unlink(missing_ok=True)  # written again once this build has succeeded
    for docname, page in pages.items():
        if rewrite_all or docname not in env.all_docs:
            page.unlink()
    if rewrite_all:
        # Sphinx prunes a removed document from the search index but keeps its words, with
        # no page: when every page is written again, the index is made anew too.
        (out / "searchindex.js").unlink(missing_ok=True)
    return sorted(env.found_docs) if rewrite_all else []


def navigation_file(builder) -> Path:
    out = Path(builder.outdir)
    return out.with_name(out.name + ".navigation")


def reread_changed(changed_list: str):
    """An ``env-get-outdated`` handler: the documents whose source, or a file they depend
    on, changed content since the last good build (the driver's list), even when the
    file's mtime is no newer than their last reading (an edit in the same clock tick, a
    file restored from a copy). A change to the package's Python code rereads everything
    (its directives and transforms made the saved doctrees)."""
    changed = {Path(p) for p in json.loads(Path(changed_list).read_text(encoding="utf-8"))}
    package = Path(__file__).resolve().parent

    def outdated(app, env, added, changed_docs, removed) -> list[str]:
        if any(package in path.parents and path.suffix == ".py" for path in changed):
            return sorted(env.found_docs)
        src = Path(app.srcdir)
        docs = {env.path2doc(str(p)) for p in changed if src in p.parents} - {None}
        for docname, deps in env.dependencies.items():
            if any((src / dep).resolve() in changed for dep in deps):
                docs.add(docname)
        return sorted(docs & env.found_docs)

    return outdated


def inputs(app) -> list[str]:
    """Files the parse read besides the source folder's (bibliographies, included files);
    not the drawn figures, which the build itself makes from files it reads (a digest of
    them, taken before the build redrew them, made the next build look changed)."""
    from studyguide.figures import figures_folder

    drawn = figures_folder(app.srcdir).resolve()
    found = set()
    for deps in app.env.dependencies.values():
        for dep in deps:
            path = (Path(app.srcdir) / dep).resolve()
            if drawn not in path.parents:
                found.add(str(path))
    for bib in getattr(app.config, "bibtex_bibfiles", None) or ():
        found.add(str((Path(app.confdir) / bib).resolve()))
    return sorted(found)


def manifest(app) -> dict:
    builder = app.builder
    out = Path(builder.outdir)
    product = produced(builder)
    return {
        "builder": builder.name,
        "inputs": inputs(app),
        "produced": product.relative_to(out).as_posix() if product != out else ".",
        # Files of other formats the pages link to: {path inside the output: format}.
        "wants": dict(getattr(builder, "studyguide_wants", {}) or {}),
    }


def tell(fd: int, app) -> None:
    """The parse is saved: the other formats may start, unless reading it already failed."""
    os.write(fd, b"ok\n" if app._warncount == 0 else b"failed\n")
    os.close(fd)


def say_when_page_map_is_written(app, fd: int) -> None:
    """The PDF's process tells the EPUB's, started beside it, that every page number is known
    (an end of the pipe without "ok" means the PDF failed: its process stopped)."""
    from studyguide.pdf import pagemap

    def ready(_app) -> None:
        try:
            os.write(fd, b"ok\n")
            os.close(fd)
        except OSError:  # the EPUB has stopped already: nobody is waiting
            pass

    app.connect(pagemap.WRITTEN, ready)


def warm_imports(confdir: str, seen: Path) -> None:
    """Import what creating the application will, while the parse this process waits for is
    still running: half a second of each writer's start, off the build's critical path."""
    for _name in warming(confdir, seen):
        pass


def warming(confdir: str, seen: Path):
    """Import, one module per step, what the application will: the configuration's
    extensions, the ones an extension names in its ``EXTENSIONS`` (the studyguide package's
    setup loads those), the theme's, and those the last good build of this format imported
    (``seen``, written by ``note_imports``: Sphinx's built-in extensions, what each
    extension's ``setup`` imports, such as MyST's parser and markdown-it's rules, and what
    building imported). (``studyguide.warm`` takes these steps between its builds.)"""
    import importlib

    from sphinx.config import Config
    from sphinx.util.tags import Tags

    config = Config.read(confdir, overrides={}, tags=Tags())
    names = list(config.extensions)
    for name in names[:]:
        names += getattr(importlib.import_module(name), "EXTENSIONS", ())
        yield name
    theme = config._raw_config.get("html_theme")
    try:
        last = json.loads(seen.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = []
    for name in [*names, *([theme] if isinstance(theme, str) else [])]:
        try:
            importlib.import_module(name)
        except ImportError:  # (a theme of files, not a module): Sphinx says so itself
            pass
        yield name
    for name in last:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # gone since, or not importable by name: the application decides
            pass
        yield name


def note_imports(before: set[str] | frozenset[str], seen: Path) -> None:
    """Which modules this process imported to make its application and build, for the
    next ``warm_imports`` (and the warm process's)."""
    found = sorted(name for name in set(sys.modules) - before if not name.startswith("__"))
    tmp = seen.with_name(seen.name + ".tmp")
    tmp.write_text(json.dumps(found), encoding="utf-8")
    tmp.replace(seen)


def told_ok(fd: int) -> bool:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.readline().strip() == b"ok"


def ready_to_write(args) -> bool:
    """A writer started beside the parse warms up, then waits for the driver's word that the
    parse is saved."""
    if args.start_fd is not None:
        try:
            warm_imports(args.confdir, imports_file(args))
        except Exception:  # (a broken conf.py): creating the application reports it
            pass
        if args.parsed_fd is not None:  # the parse: the other formats may start loading theirs
            os.write(args.parsed_fd, b"warm\n")
        if not told_ok(args.start_fd):
            return False
    return True


def imports_file(args) -> Path:
    return Path(args.out + ".imports.json")


def has_page_map(args) -> bool:
    """The EPUB beside the PDF writes its pages with the print page numbers: once its
    application is made (the saved environment loaded, a few megabytes even for the 20x
    book; the doctrees are loaded as pages are written), it waits for the PDF's page map."""
    return args.page_map_wait_fd is None or told_ok(args.page_map_wait_fd)


def run(args) -> int:
    from sphinx.application import Sphinx
    from sphinx.util.console import nocolor
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from studyguide.numbering import keep_numbers
    from studyguide.pause import pause

    nocolor()
    try:
        if not ready_to_write(args):
            return 0  # the parse or the PDF failed: it says why; the driver stops this one
    except KeyboardInterrupt:
        return 130
    # (Only now: a writer stopped while it waits, the sources being unchanged, leaves the
    # last build's report as it was.)
    Path(args.warnings + ".traceback").unlink(missing_ok=True)
    status = Progress(args.label) if args.label else None
    with open(args.warnings, "w", encoding="utf-8") as warnings:
        try:
            with patch_docutils(args.confdir), docutils_namespace():
                app = Sphinx(
                    args.source,
                    args.confdir,
                    args.out,
                    args.doctrees,
                    args.builder,
                    status=status,
                    warning=warnings,
                    warningiserror=True,
                )
                keep_numbers(app)
                if args.parsed_fd is not None:
                    if args.changed:
                        app.connect("env-get-outdated", reread_changed(args.changed))
                    app.connect("env-updated", clear_stale)  # once the parse knows the documents
                    app.connect("write-started", lambda _app, _builder: tell(args.parsed_fd, app))
                    pause("parse")
                else:
                    clear_stale(app)
                if args.page_map_ready_fd is not None:
                    say_when_page_map_is_written(app, args.page_map_ready_fd)
                if not has_page_map(args):
                    return 0  # the PDF failed: it says why; the driver stops this one
                app.build()
                if app.statuscode == 0:
                    note_imports(AT_START, imports_file(args))
                    navigation_file(app.builder).write_text(navigation(app.env))
                    tmp = Path(args.manifest + ".tmp")
                    tmp.write_text(json.dumps(manifest(app), indent=1), encoding="utf-8")
                    tmp.replace(args.manifest)
                return app.statuscode
        except KeyboardInterrupt:
            return 130
        except Exception as exc:  # Sphinx's own crash report is pages long: one line
            warnings.write(f"error: {cause(exc)}\n")
            Path(args.warnings + ".traceback").write_text(traceback.format_exc(), encoding="utf-8")
            return 2


def main() -> None:
    gc.set_threshold(50_000, 20, 100)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builder", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--confdir", required=True)
    parser.add_argument("--doctrees", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--warnings", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--label", default="", help="show progress lines with this prefix")
    parser.add_argument("--parsed-fd", type=int, help="this process parses; say so on this pipe")
    parser.add_argument("--changed", help="a JSON list of files whose content changed")
    parser.add_argument("--start-fd", type=int, help="start to write when this pipe says ok")
    parser.add_argument("--page-map-ready-fd", type=int, help="the PDF's page map is written: say so here")
    parser.add_argument("--page-map-wait-fd", type=int, help="wait for the PDF's page map on this pipe")
    args = parser.parse_args()
    if args.parsed_fd is not None:  # the parse: its figures are drawn while Sphinx is imported
        from studyguide.figures.early import draw_early

        draw_early(args.source, args.confdir)
    profile = os.environ.get("STUDYGUIDE_PROFILE")  # a folder: where each format's profile goes
    if profile:  # (os._exit below would lose what cProfile's own exit handling writes)
        import cProfile

        profiler = cProfile.Profile()
        code = profiler.runcall(run, args)
        Path(profile).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(Path(profile) / f"{args.builder}.prof")
    else:
        code = run(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()

"""One Sphinx application, as the build driver runs it: either the parse, or one format
written from the parse.

The driver never reads what Sphinx prints. This process hands it three things through
files: Sphinx's own warning stream (``--warnings``, the same channel as ``sphinx-build
-w``), a crash reduced to one line naming its cause in that same file, and a manifest
(``--manifest``) saying what the builder produced (its ``produced`` attribute, or the
whole output folder) and, for the web edition, which other formats' files it links to.

``--parse`` reads the sources and saves the environment and doctrees, then writes
nothing: the formats are written side by side afterwards by processes that find nothing
left to read. The parse uses the HTML builder, the reader every format has always
shared. Before a format writes, its output folder is cleared of everything the current
sources do not produce (pages of removed documents, images and downloads that are copied
anew anyway, files an interrupted build left half-written), so stale output can neither
be published nor packed into an EPUB.

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

PROGRESS = re.compile(r"^(reading sources|writing output)\.\.\. \[\s*\d+%\] (\S+)|pages laid out|: \d+ pages|drawing figure|rendering")


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
    """What every page's sidebar shows: titles, sections, the toctrees and the numbering."""
    digest = hashlib.sha256()
    for docname in sorted(env.all_docs):
        title, toc = env.titles.get(docname), env.tocs.get(docname)
        digest.update(repr((docname, title.astext() if title else "", toc.astext() if toc else "",
                            sorted(env.toctree_includes.get(docname, ())),
                            sorted(env.toc_secnumbers.get(docname, {}).items()),
                            sorted((k, sorted(v.items())) for k, v in env.toc_fignumbers.get(docname, {}).items()),
                            )).encode())
    return digest.hexdigest()


def produced(builder) -> Path:
    return Path(getattr(builder, "produced", None) or builder.outdir)


def clear_stale(app) -> None:
    """Leave in the output folder only what the current sources will keep or rewrite."""
    builder, env = app.builder, app.env
    out = Path(builder.outdir)
    if not out.is_dir():
        return
    for path in list(out.rglob("*.tmp")):
        path.unlink(missing_ok=True) if not path.is_dir() else shutil.rmtree(path)
    if produced(builder) == out and isinstance(builder.get_outdated_docs(), str):
        # It rewrites everything every time (the question banks): start from nothing.
        for path in out.iterdir():
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        return
    for folder in ("_images", "_downloads", "_sources"):  # copied again on every write
        shutil.rmtree(out / folder, ignore_errors=True)
    suffix = getattr(builder, "out_suffix", None)
    if not suffix:
        return
    # A page is rewritten when it is older than its source, or, here, when every page's
    # navigation changed (a title, a section, the toctree); a removed document's page goes.
    seen = out.with_name(out.name + ".navigation")
    nav = navigation(env)
    rewrite_all = not seen.is_file() or seen.read_text() != nav
    for page in out.rglob(f"*{suffix}"):
        rel = page.relative_to(out)
        if rel.parts[0].startswith(("_", ".")):
            continue
        docname = rel.as_posix()[: -len(suffix)]
        if rewrite_all or docname not in env.all_docs:
            page.unlink()
    seen.write_text(nav)


def inputs(app) -> list[str]:
    """Files the parse read besides the source folder's (bibliographies, included files)."""
    found = set()
    for docname, deps in app.env.dependencies.items():
        for dep in deps:
            found.add(str((Path(app.srcdir) / dep).resolve()))
    for bib in getattr(app.config, "bibtex_bibfiles", None) or ():
        found.add(str((Path(app.confdir) / bib).resolve()))
    return sorted(found)


def manifest(app, parse: bool) -> dict:
    builder = app.builder
    out = Path(builder.outdir)
    if parse:
        return {"builder": "parse", "inputs": inputs(app)}
    product = produced(builder)
    return {
        "builder": builder.name,
        "produced": product.relative_to(out).as_posix() if product != out else ".",
        # Files of other formats the pages link to: {path inside the output: format}.
        "wants": dict(getattr(builder, "studyguide_wants", {}) or {}),
    }


def run(args) -> int:
    from sphinx.application import Sphinx
    from sphinx.util.console import nocolor
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from studyguide.pause import pause

    nocolor()
    status = Progress(args.label) if args.label else None
    with open(args.warnings, "w", encoding="utf-8") as warnings:
        try:
            with patch_docutils(args.confdir), docutils_namespace():
                app = Sphinx(args.source, args.confdir, args.out, args.doctrees, args.builder,
                             status=status, warning=warnings, warningiserror=True)
                if args.parse:
                    pause("parse")
                    # Read and save the parse; the formats are written by other processes.
                    app.builder.write = lambda *_args, **_kwargs: None
                    app.builder.finish = lambda: None
                else:
                    clear_stale(app)
                app.build()
                if app.statuscode == 0:
                    tmp = Path(args.manifest + ".tmp")
                    tmp.write_text(json.dumps(manifest(app, args.parse), indent=1), encoding="utf-8")
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
    parser.add_argument("--parse", action="store_true")
    code = run(parser.parse_args())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()

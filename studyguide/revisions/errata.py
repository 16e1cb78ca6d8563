"""``make errata FROM=edition-1.0``: an errata sheet for owners of that printed edition.

Two steps. This module's ``main`` builds the old edition's PDF from its tag, in a git
worktree (nothing is fetched), with the old tree's own code, and reads the page of every
anchor from that PDF: its named destinations (one per id, ``<document>--<label>``) and
its page labels (the printed numbers). Then it runs the driver with the ``errata``
builder on the current sources, which finds what changed since the tag (``history.py``,
sections matched by label, exercises by id), renders each changed passage from the book's
own doctree and lays the sheet out with WeasyPrint in the book's fonts, tagged (PDF/UA),
as the book is. The old PDF is kept per tag and commit, so a second run is quick.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.builders import Builder

from studyguide.revisions import history as hist

PAGES_ENV = "ERRATA_PAGES"  # the old PDF's anchors and their printed page numbers (JSON)
FROM_ENV = "ERRATA_FROM"


# -- the old edition ----------------------------------------------------------------------


def page_map(pdf_path: Path) -> dict[str, str]:
    """Every named destination of a PDF and the printed label of its page."""
    import pikepdf
    from pikepdf import NameTree

    with pikepdf.open(pdf_path) as pdf:
        labels = {page.obj.objgen: page.label for page in pdf.pages}
        found = {}
        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            for name, dest in NameTree(pdf.Root.Names.Dests).items():
                target = dest.D if isinstance(dest, pikepdf.Dictionary) else dest
                found[str(name)] = labels.get(target[0].objgen, "")
    return found


def build_old(repo: Path, tag: str, source: Path, cache: Path, paper: str) -> Path:
    """The old edition's PDF, built from its tag by its own driver; cached per commit."""
    done = sorted((cache / "build" / f"pdf{'' if paper == 'a4' else '-' + paper}").glob("*.pdf"))
    if done:
        return done[0]
    tree = cache / "src"
    shutil.rmtree(tree, ignore_errors=True)
    hist.git(repo, "worktree", "prune")
    hist.git(repo, "worktree", "add", "--detach", "--force", str(tree), f"refs/tags/{tag}")
    try:
        epoch = hist.git(repo, "log", "-1", "--format=%ct", f"refs/tags/{tag}").strip()
        env = {k: v for k, v in os.environ.items() if k not in ("STUDYGUIDE_SOURCE", FROM_ENV, PAGES_ENV)}
        env.update(SOURCE_DATE_EPOCH=epoch, EDITION="student", PAPER=paper)
        old_source = tree / source.resolve().relative_to(repo)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "studyguide.build",
                "pdf",
                "--root",
                str(tree),
                "--source",
                str(old_source),
                "--build-dir",
                str(cache / "build"),
                "--paper",
                paper,
                "--quiet",
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise hist.HistoryError(f"the PDF of {tag} did not build:\n{proc.stdout}{proc.stderr}")
    finally:
        hist.git(repo, "worktree", "remove", "--force", str(tree), check=False)
        shutil.rmtree(tree, ignore_errors=True)
    return build_old(repo, tag, source, cache, paper)


def main(argv: list[str] | None = None) -> int:
    from studyguide import build

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the printed edition's tag, e.g. edition-1.0")
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--paper", default=os.environ.get("PAPER", "a4"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    root = (args.root or build.default_root()).resolve()
    source = (args.source or root / "book").resolve()
    build_dir = (args.build_dir or root / "_build").resolve()
    repo = hist.toplevel(source)
    try:
        if repo is None:
            raise hist.HistoryError(f"{source} is not in a git repository: no edition to compare with")
        commit = hist.git(
            repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{args.tag}^{{commit}}", check=False
        ).strip()
        if not commit:
            raise hist.HistoryError(
                f"no tag {args.tag!r} in {repo} (editions are tagged "
                f"{hist.TAG_PREFIX}<version>; `git tag -l '{hist.TAG_PREFIX}*'` lists them)"
            )
        cache = build_dir / ".work" / "errata" / f"{args.tag}-{commit[:12]}"
        if not args.quiet:
            print(f"Building {args.tag} ({commit[:12]}) from its tag, for its page numbers")
        old_pdf = build_old(repo, args.tag, source, cache, args.paper)
    except hist.HistoryError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    pages = cache / f"pages-{args.paper}.json"
    pages.write_text(json.dumps(page_map(old_pdf), sort_keys=True, indent=0), encoding="utf-8")
    os.environ[FROM_ENV], os.environ[PAGES_ENV] = args.tag, str(pages)
    argv = [
        "errata",
        "--root",
        str(root),
        "--source",
        str(source),
        "--build-dir",
        str(build_dir),
        "--paper",
        args.paper,
    ] + (["--quiet"] if args.quiet else [])
    return build.main(argv)


# -- the sheet ----------------------------------------------------------------------------


class ErrataBuilder(Builder):
    """``-b errata``: the sheet itself, from the parsed book and the old edition's page map."""

    name = "errata"
    format = "errata"
    epilog = "The errata sheet is in %(outdir)s."

    def get_outdated_docs(self):
        return "the errata sheet"

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def prepare_writing(self, docnames) -> None:
        pass

    def write_documents(self, docnames) -> None:
        pass  # one sheet for the whole book, written by finish()

    def write_doc(self, docname, doctree) -> None:
        pass

    def finish(self) -> None:
        from sphinx.errors import SphinxError

        from studyguide.identity import of
        from studyguide.pdf.render import _render

        tag = self.config.studyguide_errata_from
        if not tag:
            raise SphinxError("the errata builder needs ERRATA_FROM=edition-<version> (make errata FROM=...)")
        pages_file = os.environ.get(PAGES_ENV)
        pages = json.loads(Path(pages_file).read_text(encoding="utf-8")) if pages_file else {}
        srcdir = Path(self.srcdir)
        exdir = (srcdir / self.config.studyguide_exercises_dir).resolve()
        try:
            old, sections, exercises = hist.changes_since(srcdir, exdir, tag)
        except hist.HistoryError as err:
            raise SphinxError(str(err)) from None
        entries = [self._section(old, c, pages) for c in sections]
        entries += [self._exercise(c, pages) for c in exercises]
        work = Path(self.outdir).with_name("errata-src")
        shutil.rmtree(work, ignore_errors=True)
        from studyguide.fonts import copy_fonts

        copy_fonts(work / "_static" / "fonts", licence=False)
        html = work / "errata.html"
        html.write_text(self._page(tag, of(self.config, srcdir).line, entries), encoding="utf-8")
        out = Path(self.outdir)
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{self.config.studyguide_basename}-errata-{tag}.pdf"
        _render(html, target, work)

    # Each entry: (old page or "", heading, what happened, new text as HTML)

    def _old_page(self, pages: dict, docname: str, anchor: str) -> str:
        from studyguide.pdf.links import doc_anchor, scoped

        if not anchor:  # a document known by its name: where it starts
            return pages.get(doc_anchor(docname), "")
        if scoped(docname, anchor) in pages:
            return pages[scoped(docname, anchor)]
        return next((p for name, p in sorted(pages.items()) if name.endswith(f"--{anchor}")), "")

    def _section(self, old: hist.Snapshot, change: hist.Change, pages: dict):
        before = old.sections.get(change.key)
        label = change.key if not change.key.startswith(hist.DOC_KEY) else ""
        page = self._old_page(pages, before.docname, label) if before else ""
        heading = change.title
        document = (before or change).docname
        if label and document in self.env.titles:  # "Start (Chapter one)"
            within = self.env.titles[document].astext()
            heading += f" ({within})" if within != change.title else ""
        if change.kind == "removed":
            return page, heading, "This section has been removed.", ""
        if change.kind == "added":
            return page, heading, "A new section, not in the printed edition:", self._text(change)
        return page, heading, "Now reads:", self._text(change)

    def _exercise(self, change: hist.Change, pages: dict):
        page = self._old_page(pages, change.title, f"ex-{change.key}") if change.kind != "added" else ""
        what = {
            "removed": "This exercise has been removed.",
            "added": "A new exercise:",
            "changed": "Now reads:",
        }[change.kind]
        return (
            page,
            f"Exercise {change.key}",
            what,
            self._exercise_text(change) if change.kind != "removed" else "",
        )

    def _doctree(self, docname: str):
        return self.env.get_and_resolve_doctree(docname, self)

    def _text(self, change: hist.Change) -> str:
        from studyguide.lms.text import html_fragment

        if change.docname not in self.env.all_docs:
            return ""
        tree = self._doctree(change.docname)
        labels = self.env.domains["std"].labels
        if change.key.startswith(hist.DOC_KEY):
            section = next(tree.findall(nodes.section), None)
        else:
            labelid = labels.get(change.key, ("", change.key))[1]
            section = next((s for s in tree.findall(nodes.section) if labelid in s["ids"]), None)
        if section is None:
            return ""
        own = {labels[k][1] for k in labels if labels[k][0] == change.docname}
        parts = [
            child
            for child in section.children[1:]
            if not (isinstance(child, nodes.section) and own & set(child["ids"]))
        ]
        return html_fragment(parts)

    def _exercise_text(self, change: hist.Change) -> str:
        from studyguide.exercises import nodes as ex
        from studyguide.lms.text import html_fragment

        if change.title not in self.env.all_docs:
            return ""
        node = next(
            (n for n in self._doctree(change.title).findall(ex.exercise) if n["exercise_id"] == change.key),
            None,
        )
        return html_fragment(node.children) if node is not None else ""

    def _page(self, tag: str, stamp: str, entries) -> str:
        from studyguide.fonts import FONT_FILES
        from studyguide.settings import PAPERS

        cfg = self.config
        faces = []
        for name in FONT_FILES:
            family = "Noto Sans" if name.startswith("NotoSans") else "Noto Serif"
            weight = "bold" if "Bold" in name else "normal"
            style = "italic" if "Italic" in name else "normal"
            faces.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                f'font-style: {style}; src: url("_static/fonts/{name}"); }}'
            )
        version = tag.removeprefix(hist.TAG_PREFIX)
        title = f"Errata: {cfg.project}, edition {version}"
        rows = []
        for page, heading, what, text in entries:
            where = f"Page {escape(page)}" if page else "Not in the printed edition"
            rows.append(
                f'<section class="erratum"><h2>{escape(heading)}</h2>'
                f'<p class="where">{where} of edition {escape(version)}. {escape(what)}</p>'
                f'<div class="new">{text}</div></section>'
            )
        if not rows:
            rows.append(f"<p>Nothing has changed since edition {escape(version)}.</p>")
        return f"""<!DOCTYPE html>
<html lang="{escape(cfg.language or "en")}">
<head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="author" content="{escape(cfg.author)}">
<style>
{chr(10).join(faces)}
@page {{ size: {PAPERS[cfg.studyguide_paper]}; margin: 20mm 22mm;
  @bottom-center {{ content: counter(page); font: 9pt "Noto Sans"; }} }}
body {{ font: 10.5pt/1.4 "Noto Serif"; }}
h1, h2, .where {{ font-family: "Noto Sans"; }}
h1 {{ font-size: 16pt; }} h2 {{ font-size: 12pt; margin: 1.2em 0 0.2em; break-after: avoid; }}
.where {{ font-size: 9pt; margin: 0 0 0.4em; break-after: avoid; }}
.new {{ border-left: 2pt solid #666; padding-left: 8pt; }}
</style></head>
<body>
<h1>{escape(title)}</h1>
<p>For owners of the printed edition {escape(version)}: each passage changed since, with its page in
that edition and the text as it now reads. This sheet: {escape(stamp)}</p>
{chr(10).join(rows)}
</body></html>
"""


if __name__ == "__main__":
    sys.exit(main())

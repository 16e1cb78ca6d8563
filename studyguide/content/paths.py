"""Refuse every file outside the repository, whichever directive or role asks for it.

An ``{include}`` of ``../../../etc/passwd``, a ``{download}`` of a file in the author's home
folder, a chapter or image that is a symbolic link to somewhere else: each would copy a file
from the builder's machine into the published book. Rather than teach each directive,
this relies on the rule every Sphinx directive and role that reads a file already follows
so that incremental builds work: it records the file as a dependency of the document
(``env.note_dependency`` or docutils' ``record_dependencies``), and images and downloads
also land in ``env.images`` and ``env.dlfiles``. After a document is read, every one of
those paths is resolved (symbolic links included) and anything outside the repository is
reported at the line that asked for it and taken out of the document, so no format
copies it. The content of an outside ``{include}`` is dropped before it is parsed.

"The repository" is the folder holding ``conf.py`` (``app.confdir``) and everything
below it; when the sources live elsewhere (the tests build copies of small books), the
folder holding the source folder counts too, and ``studyguide_repository`` can name the
copy's own root (a test book that shares files with the unit tests' data).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst.directives import misc, tables
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.directives import code
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)
TOKEN = re.compile(r"[^\s`<>()\[\]{}'\"]+")  # a path as an author may write it in a line


def roots(app: Sphinx) -> tuple[Path, ...]:
    folders = {app.confdir, Path(app.srcdir).parent, app.config.studyguide_repository or app.confdir}
    return tuple(sorted({Path(os.path.realpath(folder)) for folder in folders}))


def outside(app: Sphinx, path: str | os.PathLike[str]) -> Path | None:
    """The real path of ``path`` (relative paths are relative to the source folder) when it
    lies outside the repository, else None."""
    real = Path(os.path.realpath(Path(app.srcdir) / path))
    return None if any(real.is_relative_to(root) for root in roots(app)) else real


def refuse(app: Sphinx, real: Path, location, what: str = "this") -> None:
    where = " or ".join(str(root) for root in roots(app))
    logger.warning(
        "%s reads %s, which is outside the repository; a book may only use files inside %s",
        what,
        real,
        where,
        location=location,
        type="studyguide",
        subtype="outside",
    )


def drop_outside_document(app: Sphinx, docname: str, source: list[str]) -> None:
    """A chapter that is a symbolic link to a file elsewhere is reported and replaced by a
    bare title (its name)."""
    path = app.env.doc2path(docname)
    real = outside(app, path)
    if real is not None:
        refuse(app, real, f"{path}:1", "this document is a link that")
        source[0] = f"# {Path(docname).name}\n"  # a title, so the toctree adds no warnings


def drop_outside_include(app: Sphinx, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """Parse nothing of an outside file; ``check_document`` reports it with its line."""
    if outside(app, relative_path) is not None:
        content[0] = ""


def lines_naming(env: BuildEnvironment, docname: str, real: Path) -> list[int]:
    """The lines of the document that name a path leading to ``real``, else [1].

    Only for reads that leave no node behind (an include whose content was dropped): a
    directive's own line is not kept anywhere else."""
    try:
        lines = env.doc2path(docname).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return [1]
    found = []
    for number, line in enumerate(lines, 1):
        for token in TOKEN.findall(line):
            try:
                _, absolute = env.relfn2path(token, docname)
            except (OSError, ValueError):
                continue
            if os.path.realpath(absolute) == str(real):
                found.append(number)
                break
    return found or [1]


def forget(files, docname: str, key: str) -> None:
    """Take one document's use of a file out of ``env.images`` (keyed by text) or
    ``env.dlfiles`` (keyed by path), so no builder copies it."""
    for k in (key, Path(key)):
        if k in files:
            files[k][0].discard(docname)
            if not files[k][0]:
                del files[k]


def check_document(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    reported: set[tuple[Path, int]] = set()
    for image in list(doctree.findall(nodes.image)):
        for key, candidate in image.get("candidates", {}).items():
            real = None if key == "?" else outside(app, candidate)
            if real is not None:
                refuse(app, real, image, "this image")
                reported.add((real, image.line))
                forget(env.images, docname, candidate)
                image.parent.remove(image)
                break
    for ref in list(doctree.findall(addnodes.download_reference)):
        target = ref.get("reftarget", "")
        if "://" in target:
            continue
        relative, absolute = env.relfn2path(target, docname)
        real = outside(app, absolute)
        if real is not None:
            refuse(app, real, ref, "this download")
            reported.add((real, ref.line))
            forget(env.dlfiles, docname, relative)
            ref.replace_self(ref.children)
    for element in list(doctree.findall(nodes.Element, include_self=False)):
        # what a literalinclude or a raw :file: made keeps the file it read as its "source"
        real = outside(app, element["source"]) if element.get("source") else None
        if real is not None:
            refuse(app, real, element)
            reported.add((real, element.line))
            element.parent.remove(element)
    for dependency in sorted(map(str, env.dependencies.get(docname, ()))):
        real = outside(app, dependency)
        if real is None:
            continue
        lines = lines_naming(env, docname, real)
        if lines == [1] and any(seen == real for seen, _ in reported):
            continue  # no line names it, but a node that did was reported
        for line in lines:
            if (real, line) not in reported:
                reported.add((real, line))
                refuse(app, real, (docname, line))


class LiteralInclude(code.LiteralInclude):
    """Sphinx records every file it reads as a dependency, except the one ``:diff:`` names."""

    def run(self) -> list[nodes.Node]:
        if "diff" in self.options:
            _, path = self.env.relfn2path(self.options["diff"])
            self.env.note_dependency(path)
            if outside(self.env.app, path) is not None:
                del self.options["diff"]  # (reported with the other dependencies)
        return super().run()


class _NoFetch:
    """docutils' ``{csv-table}`` and ``{raw}`` read a ``:file:`` (recorded, but the table keeps
    no trace of it) or fetch a ``:url:`` from the network: an outside file is not read, and
    a URL is refused, at the directive's line."""

    def run(self) -> list[nodes.Node]:
        if "url" in self.options:
            raise self.error(
                f"{self.name}: :url: would fetch from the network during the build; "
                "put the file in the repository and use :file:"
            )
        if "file" in self.options:
            document = self.state.document
            folder = Path(document.current_source or document["source"]).parent
            path = folder / self.options["file"]
            if outside(document.settings.env.app, path) is not None:
                document.settings.env.note_dependency(path)  # (reported with the others)
                return []
        return super().run()


class CSVTable(_NoFetch, tables.CSVTable):
    pass


class Raw(_NoFetch, misc.Raw):
    pass


def setup(app: Sphinx) -> dict:
    app.add_config_value("studyguide_repository", "", "env", str)
    app.add_directive("literalinclude", LiteralInclude, override=True)
    app.add_directive("csv-table", CSVTable, override=True)
    app.add_directive("raw", Raw, override=True)
    app.connect("source-read", drop_outside_document, priority=400)  # before other checks
    app.connect("include-read", drop_outside_include)
    app.connect("doctree-read", check_document, priority=550)  # after Sphinx's collectors
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

"""Number sections and figures again only when what was read can have moved the numbers.

After every read, Sphinx numbers the sections and whatever ``numfig`` numbers, and for
the figures it walks every doctree of the book, loading each from disk: a tenth of a
second on the 1x book after a one-chapter edit, in every format's process, and most of a
rebuild in the preview of the 20x book. The figure numbers can move only if a document
was added or removed, a toctree changed, the configuration changed, or a document read
again gained, lost or reordered an element with an id. Otherwise the numbers of the last
walk stand: those of the documents not read are still in the environment, and those of
the documents read again (which Sphinx drops when it reads them) are put back. When
nothing at all was read (a writer beside the parse, which loads its saved environment)
the section numbers stand too.

Used by every build process (``studyguide.run_sphinx``) and by the preview's long-lived
application (``studyguide.live``).
"""

from __future__ import annotations

import pickle
from pathlib import Path

from docutils import nodes
from sphinx.environment import CONFIG_OK
from sphinx.environment.collectors.toctree import TocTreeCollector

from studyguide.doctrees import release


def _with_ids(env, docname: str) -> list[tuple[str, tuple[str, ...]]]:
    """A document's elements that have ids, in order: what figure numbers hang on. (From
    its saved doctree on disk, not ``env.get_doctree``, whose cache of pickles would keep
    the doctree from before the reading for the rest of the build.)"""
    tree = pickle.loads((Path(env.doctreedir) / f"{docname}.doctree").read_bytes())
    found = [(type(node).__name__, tuple(node["ids"])) for node in tree.findall(nodes.Element) if node["ids"]]
    release(tree)
    return found


def _toctrees(env) -> dict[str, list[str]]:
    return {doc: list(kids) for doc, kids in env.toctree_includes.items()}


def keep_numbers(app) -> None:
    collector = next(
        (
            listener.handler.__self__
            for listener in app.events.listeners["env-get-updated"]
            if isinstance(getattr(listener.handler, "__self__", None), TocTreeCollector)
        ),
        None,
    )
    if collector is None:
        return
    sections, figures = collector.assign_section_numbers, collector.assign_figure_numbers
    build: dict = {}  # this read: what changed, and the state before it

    def outdated(_app, env, added, changed, removed) -> list[str]:
        build.clear()
        build.update(shape_changed=bool(added or removed) or env.config_status != CONFIG_OK, read=[])
        return []

    def before_reading(_app, env, docnames) -> None:
        again = [doc for doc in docnames if doc in env.all_docs]
        build["read"] = list(docnames)  # (a new document among them is in ``added``)
        build.setdefault("shape_changed", True)
        if docnames and not build["shape_changed"]:
            build["toctrees"] = _toctrees(env)
            build["ids"] = {doc: _with_ids(env, doc) for doc in again}
            build["numbers"] = {doc: env.toc_fignumbers[doc] for doc in again if doc in env.toc_fignumbers}

    def assign_sections(env) -> list[str]:
        if build.get("shape_changed", True) or build["read"]:
            return sections(env)
        return []

    def assign_figures(env) -> list[str]:
        if build.get("shape_changed", True):
            return figures(env)
        if build["read"]:
            if build["toctrees"] != _toctrees(env) or any(
                _with_ids(env, doc) != found for doc, found in build["ids"].items()
            ):
                return figures(env)
            for doc, numbers in build["numbers"].items():
                env.toc_fignumbers[doc] = numbers
        return []

    # Connected first, so that they see Sphinx's own lists before any extension adds to them.
    app.connect("env-get-outdated", outdated, priority=0)
    app.connect("env-before-read-docs", before_reading, priority=0)
    collector.assign_section_numbers = assign_sections
    collector.assign_figure_numbers = assign_figures

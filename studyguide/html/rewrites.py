"""Which pages an edit rewrites.

Sphinx rewrites the edited page and every page whose toctree lists it (here the root
page), because a new title or section would change that toctree. But with
sphinx-book-theme every page shows the book's navigation, so that rule is both too much
(an edit to a paragraph still rewrites the root page, a quarter of ``make html`` after an
edit) and too little (a renamed section leaves every other page's sidebar stale).
Here: when an edited document's title and sections are unchanged, only it is rewritten;
when they changed, every page is.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def _navigation(env: BuildEnvironment, docname: str) -> tuple[str, str]:
    """What the navigation shows of a document: its title and its sections."""
    title, toc = env.titles.get(docname), env.tocs.get(docname)
    return (title.astext() if title else "", toc.astext() if toc else "")


class NavigationWatch:
    """The navigation of the documents one build reads, as it was before they were read.

    One per application (made in ``setup``), so two applications in one process, such as
    the tests' in-process builds, never compare one book's pages with another's.
    """

    def __init__(self) -> None:
        self.before: dict[str, tuple[str, str]] = {}

    def remember(self, app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        self.before = {d: _navigation(env, d) for d in docnames if d in env.titles}

    def changed(self, env: BuildEnvironment) -> list[str]:
        return [d for d, seen in self.before.items() if _navigation(env, d) != seen]

    def rewrite_all_if_navigation_changed(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        return sorted(env.found_docs) if self.changed(env) else []

    def spare_toctree_parents(self, app: Sphinx, env: BuildEnvironment) -> None:
        """Runs after the environment is saved, so this only affects the pages written now."""
        if self.before and not self.changed(env):
            for docname in self.before:
                env.files_to_rebuild[docname] = set()


def setup(app: Sphinx) -> dict:
    watch = NavigationWatch()
    app.connect("env-before-read-docs", watch.remember)
    app.connect("env-updated", watch.rewrite_all_if_navigation_changed)
    app.connect("env-check-consistency", watch.spare_toctree_parents)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

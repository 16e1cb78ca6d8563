"""What an author's sources may bring into the book, checked where the sources are read.

Hostile input is normal input: a contributor's chapter or exercise file must not make any
format read a file from outside the repository, run code in a reader's browser, load from
another origin, or cost the build unbounded time or memory. Each check has one job and
its own module; each reports the source file and line at read time, for every format
(the PDF renderer's URL fetcher is the last line of defence, not the first):

- ``paths``: files read from outside the repository (includes, downloads, images, links);
- ``rawhtml``: raw HTML beyond a few harmless inline elements;
- ``urls``: ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links;
- ``images``: remote images, files that are not images, images that cost too much.

(Exercise files get the same care where they are loaded: ``studyguide.exercises.model``.)
"""

from __future__ import annotations

from sphinx.application import Sphinx

CHECKS = ("paths", "rawhtml", "urls", "images")


def setup(app: Sphinx) -> dict:
    for name in CHECKS:
        app.setup_extension(f"studyguide.content.{name}")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

"""Refuse images that live outside the book.

A remote image would make the build depend on the network and let the web edition load
from another origin; an absolute ``file://`` path would print a file from the builder's
machine. Both are reported where the author wrote them, at read time, for every format.
(The PDF renderer's URL fetcher is the second line of defence.)
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def check_images(app: Sphinx, doctree: nodes.document) -> None:
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if "://" in uri or uri.startswith("data:"):
            logger.warning(
                "image %r is outside the book: use a file in the repository instead", uri,
                location=image, type="studyguide", subtype="image",
            )


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", check_images)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

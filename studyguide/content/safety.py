"""Refuse images that live outside the book, or that are not images at all.

A remote image would make the build depend on the network and let the web edition load
from another origin; an absolute ``file://`` path would print a file from the builder's
machine. Both are reported where the author wrote them, at read time, for every format.
(The PDF renderer's URL fetcher is the second line of defence.)
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}


def not_an_image(path: Path) -> bool:
    """True when the file's bytes do not match what its name promises."""
    head = path.read_bytes()[:512]
    if path.suffix.lower() == ".svg":
        return b"<svg" not in head and b"<?xml" not in head
    expected = SIGNATURES.get(path.suffix.lower())
    return expected is not None and not head.startswith(expected)


def check_images(app: Sphinx, doctree: nodes.document) -> None:
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if "://" in uri or uri.startswith("data:"):
            logger.warning(
                "image %r is outside the book: use a file in the repository instead", uri,
                location=image, type="studyguide", subtype="image",
            )
            continue
        path = Path(app.srcdir) / uri
        if path.is_file() and not_an_image(path):
            logger.warning("%s is not an image (its content does not match its name)", uri,
                           location=image, type="studyguide", subtype="image")


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.content.paths")
    app.setup_extension("studyguide.content.rawhtml")
    app.setup_extension("studyguide.content.urls")
    app.connect("doctree-read", check_images, priority=600)  # after Sphinx resolves image paths
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

"""Images: files of the book, that are what their name says, at a bounded cost.

A remote image would make the build depend on the network and let the web edition load
from another origin; a ``data:`` URI hides any content from review. A file whose bytes do
not match its name breaks the EPUB and the PDF. And an image may cost more than it shows:
a 20000 x 20000 PNG is a few KB on disk and 1.6 GB once decoded; an SVG of a few KB whose
``<use>`` elements each repeat the group before ten times draws a billion shapes, and the
PDF renderer never finishes. So every image is measured before any format uses it: the
file size, a raster's pixel count (from its header, with Pillow, without decoding), and for
an SVG (parsed with lxml, entities unresolved and no network) its elements counted with
every ``<use>`` expanded, with no entity declarations, no scripts and no reference to
anything outside the file. Each refusal names the file and line of the figure or image.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from docutils import nodes
from lxml import etree
from PIL import Image
from sphinx.application import Sphinx
from sphinx.util import logging

from studyguide.content.paths import forget

logger = logging.getLogger(__name__)

MAX_BYTES = 5_000_000  # the book's largest figure (the map) is about 340 KB
MAX_PIXELS = 40_000_000  # 40 megapixels: a full-page photograph at 600 dpi is 35
MAX_ELEMENTS = 50_000  # SVG elements once every <use> is expanded; the timeline has 3 000
MAX_DEPTH = 100  # nested SVG elements, <use> targets included; matplotlib's reach 10
SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
XLINK = "{http://www.w3.org/1999/xlink}href"
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)


def not_an_image(path: Path, head: bytes) -> bool:
    """True when the file's bytes do not match what its name promises."""
    if path.suffix.lower() == ".svg":
        return b"<svg" not in head and b"<?xml" not in head
    expected = SIGNATURES.get(path.suffix.lower())
    return expected is not None and not head.startswith(expected)


@lru_cache(maxsize=256)
def cost_problem(path: Path, size: int, mtime_ns: int) -> str | None:
    """Why the image at ``path`` costs too much to use, or None (cached per file version)."""
    if size > MAX_BYTES:
        return f"the image file is {size / 1e6:.1f} MB; at most {MAX_BYTES / 1e6:.0f} MB"
    if path.suffix.lower() == ".svg":
        return svg_problem(path)
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # measured below, in words
    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
    except OSError as err:
        return f"the image cannot be read ({err})"
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    if width * height > MAX_PIXELS:
        return (
            f"the image is {width} x {height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"at most {MAX_PIXELS / 1e6:.0f} megapixels"
        )
    return None


def svg_problem(path: Path) -> str | None:
    parser = etree.XMLParser(
        resolve_entities=False,
        huge_tree=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as err:
        return f"the SVG is not well-formed XML ({err})"
    dtd = tree.docinfo.internalDTD  # (matplotlib's bare public <!DOCTYPE> declares nothing)
    if dtd is not None and (any(dtd.iterentities()) or any(dtd.iterelements())):
        return "the SVG declares entities or a DTD of its own; remove its <!DOCTYPE [...]> part"
    by_id = {}
    for element in tree.iter():
        if not isinstance(element.tag, str):
            return "the SVG uses an entity reference; write the text out"
        name = etree.QName(element).localname
        if name in ("script", "foreignObject"):
            return f"the SVG contains a <{name}> element"
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname
            if local.startswith("on"):
                return f"the SVG has an event handler ({local}=...)"
            targets = [value] if local == "href" else CSS_URL.findall(value)
            if any(not t.startswith("#") for t in targets):
                return f"the SVG refers to {targets[0]!r} outside the file; embed it or draw it"
        if name == "style" and any(not t.startswith("#") for t in CSS_URL.findall(element.text or "")):
            return "the SVG's <style> refers to a file outside it"
        if element.get("id"):
            by_id[element.get("id")] = element
    drawn = _expanded(tree.getroot(), by_id, {}, set(), 0)
    if drawn == CYCLE:
        return "the SVG has a <use> that refers, directly or not, to itself"
    if drawn == TOO_DEEP:
        return f"the SVG nests groups and <use> references more than {MAX_DEPTH} deep"
    if drawn > MAX_ELEMENTS:
        return f"the SVG draws more than {MAX_ELEMENTS:,} elements once its <use> references are expanded"
    return None


CYCLE, TOO_DEEP = -1, -2


def _expanded(element, by_id: dict, memo: dict, active: set, depth: int) -> int:
    """Elements drawn for ``element``, its <use> targets included (or CYCLE, TOO_DEEP).

    Memoised per element and cut off once over the limit, so a file whose expansion is a
    billion elements is measured in time linear in its size."""
    key = element  # (not id(): lxml makes a new proxy per access and ids get reused)
    if key in memo:
        return memo[key]
    if key in active:
        return CYCLE
    if depth > MAX_DEPTH:
        return TOO_DEEP
    active.add(key)
    total = 1
    children = list(element)
    if etree.QName(element).localname == "use":
        href = element.get("href") or element.get(XLINK) or ""
        target = by_id.get(href[1:]) if href.startswith("#") else None
        if target is not None:
            children.append(target)
    for child in children:
        if not isinstance(child.tag, str):
            continue
        count = _expanded(child, by_id, memo, active, depth + 1)
        if count < 0:
            return count
        total += count
        if total > MAX_ELEMENTS:
            break  # enough to refuse; no need to count a billion
    active.discard(key)
    memo[key] = total
    return total


def report(image: nodes.image, message: str, uri: str) -> None:
    logger.warning("%s: %s", uri, message, location=image, type="studyguide", subtype="image")


def check_images(app: Sphinx, doctree: nodes.document) -> None:
    for image in list(doctree.findall(nodes.image)):
        uri = image.get("uri", "")
        if "://" in uri or uri.startswith("data:"):
            report(image, "the image is outside the book: use a file in the repository instead", uri)
            continue
        for candidate in image.get("candidates", {}).values():
            path = Path(app.srcdir) / candidate
            if not path.is_file():
                continue  # Sphinx reports a missing image itself
            with path.open("rb") as f:
                head = f.read(512)
            if not_an_image(path, head):
                report(image, "not an image (its content does not match its name)", candidate)
                continue
            stat = path.stat()
            problem = cost_problem(path.resolve(), stat.st_size, stat.st_mtime_ns)
            if problem:
                report(image, problem, candidate)
                forget(app.env.images, app.env.docname, candidate)  # no format copies or draws it
                image.parent.remove(image)
                break


def setup(app: Sphinx) -> dict:
    # after Sphinx resolves image paths, and after studyguide.content.paths drops outside files
    app.connect("doctree-read", check_images, priority=600)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

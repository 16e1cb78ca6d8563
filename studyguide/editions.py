"""Where the editions and the formats differ: one table of each, and the questions asked of them.

A *format* is what a builder can do (looked up by the builder's name, since Sphinx's own
HTML and EPUB builders cannot carry attributes of ours); an *edition* is what its readers
are shown. Every module that places or draws something asks a :class:`Policy` ("are
solutions inline in this build?", "is it interactive?") instead of comparing builder or
edition names, so a new edition (large print, a teacher's copy) or a new builder is one
entry below and nothing else.

Material that only some editions show is marked where it is made with
``node['material']`` (one of the ``MATERIAL`` names); :class:`EditionFilter` drops it at
write time. Because the edition is a write-time config value (rebuild ''), every edition
shares one parsed environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

TEACHING_NOTES = "teaching-notes"
MARKING_GUIDANCE = "marking-guidance"
OBJECTIVES_MAP = "objectives-map"
MATERIAL = (TEACHING_NOTES, MARKING_GUIDANCE, OBJECTIVES_MAP)


@dataclass(frozen=True)
class Format:
    """What a builder's output can do; the defaults describe a printed page."""

    interactive: bool = False  # readers act on it: self-checks, solutions opened on request
    reflowable: bool = False  # text reflows to the screen (web, e-reader), not fixed pages
    answer_key: bool = True  # it has an answer key to send solutions to (a worksheet does not)
    answer_space: bool = False  # ruled space to write answers in
    downloads: bool = False  # it offers the book's other files for download
    marks_revisions: bool = False  # sections changed in this edition say so ("revised in 1.1")
    reader_aids: bool = False  # pages that run script: saved progress, previews, exercise links
    # A print look laid over the book's stylesheet (a file in studyguide/pdf/theme/static)
    # and what its file names add, so it never overwrites the standard print book.
    stylesheet: str | None = None
    file_suffix: str = ""


@dataclass(frozen=True)
class Edition:
    name: str
    title: str  # as a sentence names it: "the instructor edition"
    solutions_inline: bool = False  # open after each exercise in every format
    shows: frozenset[str] = field(default_factory=frozenset)  # MATERIAL it prints
    downloads: tuple[str, ...] = ("pdf",)  # files its web edition offers, in menu order


WEB = Format(interactive=True, reflowable=True, downloads=True, marks_revisions=True, reader_aids=True)
PAPER = Format()  # also any builder not listed (text, LaTeX...), as exercises draw nothing there
FORMATS: dict[str, Format] = {
    "html": WEB,
    "dirhtml": WEB,
    "epub": Format(reflowable=True),
    "pdf": PAPER,
    # Large print (UKAAF G003, "Creating clear print and large print documents"): the same
    # book, pages and structure as "pdf", set at 18 pt in a sans-serif face by one layer.
    "largeprint": Format(stylesheet="large-print.css", file_suffix="-large-print"),
    "worksheets": Format(answer_key=False, answer_space=True),
    "quiz": Format(answer_key=False, answer_space=True),  # a test paper: its key is apart
    # A learning platform marks the answer, then shows the solution as feedback.
    "lms": Format(interactive=True, reflowable=True, answer_key=False),
}

EDITIONS: dict[str, Edition] = {
    "student": Edition(
        "student",
        "the student edition",
        shows=frozenset({MARKING_GUIDANCE}),
        downloads=("pdf", "epub"),  # the EPUB is the student's book
    ),
    "instructor": Edition(
        "instructor",
        "the instructor edition",
        solutions_inline=True,
        shows=frozenset({TEACHING_NOTES, MARKING_GUIDANCE, OBJECTIVES_MAP}),
    ),
}


@dataclass(frozen=True)
class Policy:
    """The rules of one build: its builder's format under its edition."""

    format: Format
    edition: Edition

    @property
    def interactive(self) -> bool:
        return self.format.interactive

    @property
    def answer_space(self) -> bool:
        return self.format.answer_space

    @property
    def solutions_inline(self) -> bool:
        """Each solution shown open after its exercise."""
        return self.edition.solutions_inline

    @property
    def solutions_on_request(self) -> bool:
        """Each solution beside its exercise, closed until the reader opens it."""
        return not self.edition.solutions_inline and self.format.interactive

    @property
    def solutions_apart(self) -> bool:
        """Solutions leave the chapters (for the answer key, where the format has one)."""
        return not self.edition.solutions_inline and not self.format.interactive

    @property
    def links_to_key(self) -> bool:
        """Each exercise whose solution left points at it in the answer key."""
        return self.solutions_apart and self.format.answer_key

    @property
    def fills_answer_key(self) -> bool:
        """The answer-key page gathers the solutions (else it says where they are)."""
        return not self.edition.solutions_inline

    @property
    def keeps_progress(self) -> bool:
        """Self-check answers are saved in the reader's browser and counted per chapter."""
        return self.format.reader_aids

    @property
    def previews(self) -> bool:
        """Terms, people and cross-references show a short preview in place."""
        return self.format.reader_aids

    @property
    def exercise_links(self) -> bool:
        """Each exercise offers a link to itself (its anchor exists in every format)."""
        return self.format.reader_aids

    @property
    def downloads(self) -> tuple[str, ...]:
        """The book files this build offers for download, in menu order."""
        return self.edition.downloads if self.format.downloads else ()

    @property
    def marks_revisions(self) -> bool:
        return self.format.marks_revisions

    @property
    def stylesheet(self) -> str | None:
        """The print layer over the book's stylesheet, if this build has one."""
        return self.format.stylesheet

    @property
    def file_suffix(self) -> str:
        return self.format.file_suffix

    def shows(self, material: str) -> bool:
        return material in self.edition.shows


def edition(config) -> Edition:
    return EDITIONS[config.studyguide_edition]


def policy(builder) -> Policy:
    return Policy(FORMATS.get(builder.name, PAPER), edition(builder.config))


def drop_unshown(tree: nodes.Node, rules: Policy) -> None:
    """Remove from ``tree`` the material this edition does not show."""
    for node in list(tree.findall(nodes.Element)):
        material = node.get("material")
        if material and not rules.shows(material) and node.parent is not None:
            node.parent.remove(node)


class EditionFilter(SphinxPostTransform):
    default_priority = 5  # before anything renders or numbers what it would drop

    def run(self) -> None:
        drop_unshown(self.document, policy(self.app.builder))


def setup(app: Sphinx) -> dict:
    app.setup_extension("studyguide.settings")
    app.add_post_transform(EditionFilter)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

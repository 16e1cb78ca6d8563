"""The content itself: the real chapters, glossary, references, figures and exercises, and
what the real build makes of them.

These tests read the book as Sphinx parses it (the ``parsed_book`` fixture: an in-process
read of book/ with the repository's conf.py, exercises and bibliography included) and walk
its doctrees: term and reference roles are ``pending_xref`` nodes, citations the cite
domain's, index roles and directives ``index`` nodes, and the guide's own directives their
nodes (``objectives``, ``debate``, exercises). They also read the seed essay and source notes
kept beside the repository in shared/, and the HTML, EPUB and PDF of the session build. Each
one names the file and line and the offending text when it fails, so a writer can fix the
content rather than the test.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from docutils import nodes
from lxml import html as lxml_html
from sphinx import addnodes

from studyguide.exercises import nodes as ex

from conftest import IN_CI, ROOT, ROOTS, Parsed, parsed_from

BOOK = ROOT / "book"
EXERCISES = ROOT / "exercises"
CHAPTERS = sorted((BOOK / "chapters").glob("*.md"))
GLOSSARY = BOOK / "back" / "glossary.md"
WHOS_WHO = BOOK / "back" / "whos-who.md"
BIB = BOOK / "references.bib"
TIMELINE = BOOK / "figures" / "timeline.yaml"
SHARED = Path(os.environ.get("STUDYGUIDE_SHARED", ROOT.parent / "shared"))
ESSAY_NAME = "000_22fc7ae5aae438c9.txt"

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
CYRILLIC_WORD = re.compile(r"[\u0400-\u04FF]+")
WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")

# Each person gets one index entry, "Surname, Forename" (forenames as in the source notes).
PEOPLE = {
    "Stalin": "Stalin, Joseph",
    "Zhukov": "Zhukov, Georgy",
    "Khrushchev": "Khrushchev, Nikita",
    "Voroshilov": "Voroshilov, Kliment",
    "Timoshenko": "Timoshenko, Semyon",
    "Vasilevsky": "Vasilevsky, Aleksandr",
    "Hitler": "Hitler, Adolf",
    "Krivosheev": "Krivosheev, Grigory",
}
RUSSIAN_PEOPLE = ["Khrushchev", "Stalin", "Timoshenko", "Vasilevsky", "Voroshilov", "Zhukov", "Krivosheev"]

# Source-notes contested claims, each with keywords that a debate box about it must contain
# (all of them, case-insensitive, in the box's title or body).
CONTESTED = {
    '"Not a step back!"': ["not a step back", "order no. 227", "1942"],
    '"during the Berlin Crisis"': ["berlin crisis", "1948", "1952"],
    "Kharkov warnings / against Zhukov's advice": ["kharkov", "zhukov's advice", "khrushchev", "warned"],
    "90,000 men left to defend Moscow": ["90,000", "memoirs", "moscow"],
    "600,000 captured at Vyazma and Bryansk": ["600,000", "660,000", "vyazma", "bryansk"],
    '"saved Leningrad"': ["saved", "leningrad", "hitler", "starve"],
}

INDEX_MUST_LIST = [
    "Zhukov, Georgy",
    "Stalin, Joseph",
    "Leningrad",
    "Moscow",
    "Rzhev",
    "Kharkov",
    "Vyazma",
    "Stavka",
]


# --------------------------------------------------------------------------- reading doctrees

# Roles whose text a reader never sees as prose: citations become "(Roberts 2012)", cross-
# references the target's title. They are left out of word counts and essay comparisons.
SILENT_XREFS = {"ref", "numref", "doc", "eq", "keyword"}


def silent(node: nodes.Node) -> bool:
    return isinstance(node, addnodes.pending_xref) and (
        node.get("refdomain") == "cite" or node.get("reftype") in SILENT_XREFS
    )


def ancestors(node: nodes.Node):
    while node is not None:
        yield node
        node = node.parent


def where(node: nodes.Node, root: Path = ROOT) -> str:
    """``file:line`` of a node. For what an exercise file wrote, the file and the line where
    the exercise starts, with its id (the lines docutils records inside an exercise are
    offset by the {exercises} directive's own line, so they are not the YAML's)."""
    exercise = next((n for n in ancestors(node) if isinstance(n, ex.exercise)), None)
    if exercise is not None:
        source, line = exercise.source, f"{exercise.line} ({exercise['exercise_id']})"
    else:
        source = list(ancestors(node))[-1]["source"]
        line = next((n.line for n in ancestors(node) if getattr(n, "line", None)), None)
    path = Path(source)
    try:
        path = path.resolve().relative_to(root.resolve())
    except ValueError:
        pass
    return f"{path}:{line}" if line else str(path)


def reader_text(node: nodes.Node, exercises: bool = True) -> str:
    """The text a reader reads in ``node``: no comments, citations or cross-reference labels;
    blocks end with a line break so words never run together."""
    parts: list[str] = []

    def walk(n: nodes.Node) -> None:
        if isinstance(n, nodes.Text):
            parts.append(n.astext())
        elif silent(n):
            parts.append(" ")
        elif isinstance(n, (nodes.comment, nodes.system_message, nodes.raw)):
            return
        elif not exercises and isinstance(n, ex.exercise):
            return
        else:
            for child in n.children:
                walk(child)
            if not isinstance(n, nodes.Inline):
                parts.append("\n")

    walk(node)
    return "".join(parts)


def marked(node: nodes.Node) -> str:
    """A paragraph's text with its emphasis shown as ``*...*``, as the author wrote it."""
    if isinstance(node, nodes.Text):
        return node.astext()
    inner = "".join(marked(child) for child in node.children)
    return f"*{inner}*" if isinstance(node, nodes.emphasis) else inner


def findall(parsed: Parsed, kind, docs=None):
    """(docname, node) for every node of a kind in the book (or in ``docs``)."""
    for docname in docs if docs is not None else parsed.doctrees:
        for node in parsed[docname].findall(kind):
            yield docname, node


def term_xrefs(node: nodes.Node):
    return [
        x
        for x in node.findall(addnodes.pending_xref)
        if x.get("refdomain") == "std" and x.get("reftype") == "term"
    ]


def chapter_docs(parsed: Parsed) -> list[str]:
    return [parsed.docname(path) for path in CHAPTERS]


def section_title(section: nodes.section) -> str:
    return section[0].astext() if len(section) and isinstance(section[0], nodes.title) else ""


def subsections(section: nodes.section) -> list[nodes.section]:
    return [child for child in section.children if isinstance(child, nodes.section)]


def md_files() -> list[Path]:
    return sorted(BOOK.rglob("*.md"))


def yaml_files() -> list[Path]:
    return sorted(EXERCISES.glob("*.yaml"))


def source_files() -> list[Path]:
    return md_files() + yaml_files()


def glossary_terms(parsed: Parsed, path: Path = GLOSSARY) -> dict[str, str]:
    """Glossary term -> its definition (as written: emphasis marked), from the {glossary}."""
    tree = parsed.page(path)
    (glossary,) = tree.findall(addnodes.glossary)
    terms: dict[str, str] = {}
    for item in glossary.findall(nodes.definition_list_item):
        definition = next(iter(item.findall(nodes.definition)), None)
        for term in item.findall(nodes.term):
            name = term.astext().strip()
            assert name not in terms, f"{where(term)}: term defined twice: {name}"
            text = " ".join(marked(p) for p in definition.findall(nodes.paragraph)) if definition else ""
            terms[name] = re.sub(r"\s+", " ", text).strip()
    return terms


def bib_entries() -> dict[str, dict[str, str]]:
    """Key -> fields of references.bib, as BibTeX reads them (pybtex, as the build does)."""
    from pybtex.database import parse_file

    return {
        key: {name.lower(): re.sub(r"[{}]", "", value).strip() for name, value in entry.fields.items()}
        for key, entry in parse_file(str(BIB)).entries.items()
    }


def normalise_title(title: str) -> str:
    title = title.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^\w' ]", " ", title)).strip().lower()


def shared_file(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        message = f"{path} is missing (set STUDYGUIDE_SHARED to the shared/ folder)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def prose_words(tree: nodes.Node) -> list[str]:
    """The words a reader reads of a page's own prose: what the exercise files add, the
    objectives' fixed heading and the cross-reference and citation labels left out."""
    tree = tree.deepcopy()
    for box in [n for n in tree.findall(nodes.container) if "objectives" in n["classes"]]:
        box.children = [c for c in box.children if isinstance(c, nodes.bullet_list)]
    return WORD.findall(reader_text(tree, exercises=False))


@pytest.fixture
def sample_book(tmp_path, make_app):
    """Read sample pages (name -> MyST, or exercises/name.yaml -> YAML) in a copy of the
    small book in tests/roots/test-content-checks, to check the readers above on them."""

    def read(pages: dict[str, str]) -> Parsed:
        srcdir = tmp_path / "content-checks"
        shutil.copytree(ROOTS / "test-content-checks", srcdir)
        for name, text in pages.items():
            (srcdir / name).parent.mkdir(parents=True, exist_ok=True)
            (srcdir / name).write_text(text, encoding="utf-8")
        app = make_app("dummy", srcdir=srcdir, freshenv=True)
        app.build()
        return parsed_from(app)

    return read


# --------------------------------------------------------------------------- build helpers


def html_pages(book) -> list[Path]:
    return sorted(p for p in book.html.rglob("*.html") if "_static" not in p.parts)


def parse_html(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def classes(element) -> set[str]:
    return set((element.get("class") or "").split())


# =========================================================================== 1. chapters


def check_chapter(parsed: Parsed, chapter: Path, exercises_dir: Path) -> None:
    """Label and title first; 3-5 objectives; Summary, Key terms (only {term} roles) and
    Review exercises, in that order; one {exercises} block there, naming a file that
    names this chapter back."""
    tree = parsed.page(chapter)
    docname = parsed.docname(chapter)
    before = []
    for child in tree.children:
        if isinstance(child, nodes.section):
            break
        before.append(child)
    sections = [c for c in tree.children if isinstance(c, nodes.section)]
    assert sections and all(isinstance(c, nodes.target) for c in before), (
        f"{chapter.name}: something comes before the chapter's label and title"
    )
    top = sections[0]
    labels = [n for n in top["names"] if re.fullmatch(r"ch-[a-z0-9-]+", n)]
    assert labels and [t["refid"] for t in before if t.get("refid")] == labels[:1], (
        f"{chapter.name}: no (ch-...)= label first"
    )
    assert len(sections) == 1 and section_title(top).strip(), f"{chapter.name}: no '# Title' after the label"

    objectives = [n for n in tree.findall(nodes.container) if "objectives" in n["classes"]]
    assert len(objectives) == 1, f"{chapter.name}: expected one {{objectives}} block"
    entries = list(objectives[0].findall(nodes.list_item))
    assert 3 <= len(entries) <= 5, f"{chapter.name}: {len(entries)} objectives, want 3-5"
    keys = []
    prefix = f"objective-{chapter.stem}-"
    for entry in entries:
        key = next((i.removeprefix(prefix) for i in entry["ids"] if i.startswith(prefix)), "")
        text = entry.astext().strip()
        assert re.fullmatch(r"[a-z][a-z0-9-]*", key) and re.fullmatch(r"\S.{9,}", text, re.S), (
            f"{chapter.name}: objective line is not 'key: text': {key}: {text!r}"
        )
        keys.append(key)
    assert len(set(keys)) == len(keys), f"{chapter.name}: duplicate objective keys {keys}"

    headings = [section_title(s) for s in subsections(top)]
    for heading in ("Summary", "Key terms", "Review exercises"):
        assert heading in headings, f"{chapter.name}: no '## {heading}' section"
    assert headings.index("Summary") < headings.index("Key terms") < headings.index("Review exercises"), (
        f"{chapter.name}: the chapter must end Summary, Key terms, Review exercises"
    )

    key_terms = subsections(top)[headings.index("Key terms")]
    body = [c for c in key_terms.children[1:] if not isinstance(c, nodes.target)]
    items = [item for lst in body if isinstance(lst, nodes.bullet_list) for item in lst.children]
    assert items, f"{chapter.name}: 'Key terms' has no items"
    for block in body:
        assert isinstance(block, (nodes.bullet_list, nodes.section)), (
            f"{where(block)}: Key terms holds something other than a list: {block.astext()[:60]!r}"
        )
    for item in items:
        shown = [c for c in item.children]
        inner = shown[0].children if len(shown) == 1 and isinstance(shown[0], nodes.paragraph) else []
        inner = [c for c in inner if not (isinstance(c, nodes.Text) and not c.strip())]
        assert len(inner) == 1 and term_xrefs(item) == inner, (
            f"{where(item)}: Key terms item is not a single {{term}} role: {item.astext()!r}"
        )

    blocks = [n for n in tree.findall(nodes.container) if "exercises" in n["classes"]]
    assert len(blocks) == 1, f"{chapter.name}: expected one {{exercises}} directive"
    review = subsections(top)[headings.index("Review exercises")]
    assert review in ancestors(blocks[0]), (
        f"{chapter.name}: the {{exercises}} directive is not in 'Review exercises'"
    )
    files = {Path(n.source) for n in blocks[0].findall(ex.exercise)}
    assert len(files) == 1, f"{chapter.name}: {{exercises}} read {sorted(files) or 'no exercise file'}"
    (target,) = files
    assert target.parent == exercises_dir.resolve() and target.is_file(), (
        f"{chapter.name}: {{exercises}} names {target.stem!r}, but {exercises_dir / target.name} does not exist"
    )
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["chapter"] == docname, (
        f"{target.name}: 'chapter: {data['chapter']}' does not match {chapter.name}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_structure(parsed_book, chapter):
    check_chapter(parsed_book, chapter, EXERCISES)


GOOD_CHAPTER = """(ch-c)=
# C

```{objectives}
one: Explain the first thing in a sentence.
two: Explain the second thing in a sentence.
three: Explain the third thing in a sentence.
```

(sec-c)=
## Body

Text.

## Summary

Text.

## Key terms

- {term}`Front`
- {term}`armies <Army>`

## Review exercises

```{exercises} c
```
"""
GOOD_EXERCISES = "chapter: c\nexercises:\n" + "".join(
    f"  - id: c-{key}\n    type: true-false\n    objective: {key}\n    section: sec-c\n"
    f"    prompt: Is it so?\n    answer: true\n    solution: It is.\n"
    for key in ("one", "two", "three")
)


@pytest.mark.parametrize(
    "change, message",
    [
        (None, None),
        (("(ch-c)=\n", "Before.\n\n(ch-c)=\n"), "something comes before"),
        (("(ch-c)=\n", "(chapter-c)=\n"), "no \\(ch-...\\)= label first"),
        (("three: Explain the third thing in a sentence.\n", ""), "2 objectives, want 3-5"),
        (("## Summary", "## In short"), "no '## Summary' section"),
        (("## Key terms\n\n- {term}`Front`\n- {term}`armies <Army>`\n\n", ""), "no '## Key terms'"),
        (("- {term}`Front`", "- the {term}`Front`"), "not a single {term} role"),
        (("- {term}`Front`", "- {term}`Front`\n\nAnd a paragraph."), "something other than a list"),
        (
            ("## Review exercises\n\n", "## Review exercises\n\nLater.\n\n## Afterword\n\n"),
            "not in 'Review exercises'",
        ),
    ],
    ids=[
        "good",
        "text-first",
        "label",
        "objectives",
        "summary",
        "key-terms",
        "term-item",
        "key-terms-prose",
        "exercises-place",
    ],
)
def test_chapter_check_fails_on_each_broken_rule(sample_book, change, message):
    text = GOOD_CHAPTER if change is None else GOOD_CHAPTER.replace(*change)
    assert text != GOOD_CHAPTER or change is None
    parsed = sample_book({"c.md": text, "exercises/c.yaml": GOOD_EXERCISES})
    if message is None:
        check_chapter(parsed, parsed.srcdir / "c.md", parsed.srcdir / "exercises")
    else:
        with pytest.raises(AssertionError, match=message):
            check_chapter(parsed, parsed.srcdir / "c.md", parsed.srcdir / "exercises")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_length(parsed_book, chapter):
    words = len(prose_words(parsed_book.page(chapter)))
    assert 2500 <= words <= 4000, f"{chapter.name}: {words} words of prose, want 2,500-4,000"


def test_prose_word_count_ignores_markup(sample_book):
    parsed = sample_book(
        {
            "sample.md": "(ch-x)=\n# Title here\n\n```{figure} /img.png\n:name: fig-a\n:alt: Alt\n\n"
            "Caption words.\n```\n\nSee {term}`the front <Front>` {cite:p}`roberts2012`"
            " and {ref}`sec-x`.\n\n% a comment\n\n(sec-x)=\n## Next\n",
        }
    )
    assert prose_words(parsed["sample"]) == [
        "Title",
        "here",
        "Caption",
        "words",
        "See",
        "the",
        "front",
        "and",
        "Next",
    ]


# =========================================================================== 2. glossary


def test_every_term_role_names_a_glossary_term(parsed_book):
    defined = {term.lower() for term in glossary_terms(parsed_book)}
    assert len(defined) >= 20
    problems, used = [], 0
    for tree in parsed_book.doctrees.values():
        for xref in term_xrefs(tree):
            used += 1
            if xref["reftarget"].lower() not in defined:
                problems.append(f"{where(xref)}: {{term}}`{xref.astext()} <{xref['reftarget']}>`")
    assert used > 100
    assert not problems, "terms missing from the glossary:\n" + "\n".join(problems)


def test_term_check_reads_pages_and_exercise_files(sample_book):
    parsed = sample_book(
        {
            "page.md": "# Page\n\nA {term}`front`, a {term}`group <Army>` and a {term}`Corps`.\n",
            "ch.md": "(ch-c)=\n# C\n\n```{objectives}\nknow: Know the word for the thing.\n```\n\n"
            "(sec-c)=\n## S\n\n```{exercises} c\n```\n",
            "exercises/c.yaml": "chapter: ch\nexercises:\n  - id: c-one\n    type: true-false\n"
            "    objective: know\n    section: sec-c\n    prompt: |\n"
            "      A {term}`Division` is small.\n    answer: true\n"
            "    solution: True.\n",
        }
    )
    defined = {t.lower() for t in glossary_terms(parsed, parsed.srcdir / "glossary.md")}
    assert defined == {"front", "army"}
    found = {
        (x["reftarget"], where(x, parsed.srcdir))
        for tree in parsed.doctrees.values()
        for x in term_xrefs(tree)
    }
    assert found == {
        ("front", "page.md:3"),
        ("Army", "page.md:3"),
        ("Corps", "page.md:3"),
        ("Division", "exercises/c.yaml:3 (c-one)"),
    }


def test_glossary_links_in_html_land_on_glossary_entries(book, parsed_book):
    glossary_page = book.html / "back" / "glossary.html"
    ids = set(parse_html(glossary_page).xpath("//@id"))
    term_ids = {i for i in ids if i.startswith("term-")}
    assert len(term_ids) == len(glossary_terms(parsed_book))
    links, problems = 0, []
    for page in html_pages(book):
        tree = parse_html(page)
        for anchor in tree.iter("a"):
            if "reference" not in classes(anchor):
                continue
            if "std-term" not in classes(anchor) and not any(
                "std-term" in classes(child) for child in anchor.iter()
            ):
                continue
            links += 1
            href = urlparse(anchor.get("href") or "")
            target = (page.parent / unquote(href.path)).resolve() if href.path else page.resolve()
            if target != glossary_page.resolve() or unquote(href.fragment) not in term_ids:
                problems.append(f"{page.relative_to(book.html)}: {anchor.get('href')}")
    assert links > 100
    assert not problems, "glossary links that go nowhere:\n" + "\n".join(problems)


# =========================================================================== 3. references


def citations(parsed: Parsed):
    """(xref, role, keys) for every {cite:...} role in the book."""
    for _docname, xref in findall(parsed, addnodes.pending_xref):
        if xref.get("refdomain") == "cite":
            yield xref, xref["reftype"], [k.strip() for k in xref["reftarget"].split(",")]


def test_every_citation_key_is_in_the_bibliography(parsed_book):
    keys = set(bib_entries())
    problems, used = [], set()
    for xref, role, cited in citations(parsed_book):
        assert role in ("p", "t"), f"{where(xref)}: use {{cite:p}} or {{cite:t}}, not {{cite:{role}}}"
        for key in cited:
            used.add(key)
            if key not in keys:
                problems.append(f"{where(xref)}: {key}")
    assert not problems, "citation keys missing from references.bib:\n" + "\n".join(problems)
    assert used == keys, f"works in references.bib never cited: {sorted(keys - used)}"


def test_citation_check_sees_every_key_of_every_role(sample_book):
    parsed = sample_book(
        {"page.md": "# Page\n\nAs {cite:t}`roberts2012` and {cite:ps}`roberts2012,nobody1999` say.\n"}
    )
    found = [(role, keys, where(xref, parsed.srcdir)) for xref, role, keys in citations(parsed)]
    assert found == [("t", ["roberts2012"], "page.md:3"), ("ps", ["roberts2012", "nobody1999"], "page.md:3")]


def test_bibliography_holds_exactly_the_works_of_the_source_notes():
    notes = shared_file("source-notes.md").read_text(encoding="utf-8")
    reading = notes.split("## Further reading", 1)[1]
    items = re.split(r"\n- ", reading)[1:]
    assert len(items) == 9, "the source notes should list nine works"
    allowed = []
    for item in items:
        match = re.search(r"\*([^*]+)\*", item) or re.search(r'"([^"]+)"', item)
        allowed.append(normalise_title(match[1]))
    entries = bib_entries()
    assert len(entries) == 9, f"references.bib has {len(entries)} entries, want the nine works"
    titles = {key: normalise_title(fields["title"]) for key, fields in entries.items()}
    strays = {key: title for key, title in titles.items() if title not in allowed}
    assert not strays, f"works not in the source notes: {strays}"
    assert sorted(titles.values()) == sorted(allowed)


def test_further_reading_bibliography_lists_nine_entries(book):
    tree = parse_html(book.html / "back" / "further-reading.html")
    (section,) = tree.xpath("//section[@id='bibliography']")
    entries = section.xpath(".//div[contains(concat(' ', @class, ' '), ' citation ')]")
    assert len(entries) == 9, [e.text_content() for e in entries]
    text = " ".join(normalise_title(e.text_content()) for e in entries)
    for fields in bib_entries().values():
        assert normalise_title(fields["title"]) in text


# =========================================================================== 4. figures


def test_every_figure_has_alt_text_and_a_name(parsed_book):
    figures = [figure for _doc, figure in findall(parsed_book, nodes.figure)]
    assert len(figures) >= 3
    for figure in figures:
        here = where(figure)
        image = next(iter(figure.findall(nodes.image)), None)
        alt = (image.get("alt", "") if image is not None else "").strip()
        assert alt, f"{here}: figure without :alt:"
        assert len(alt.split()) >= 10, f"{here}: :alt: is too short to help"
        assert any(re.fullmatch(r"fig-[a-z0-9-]+", name) for name in figure["names"]), (
            f"{here}: figure without a :name: fig-..."
        )
        captions = [c for c in figure.children if isinstance(c, nodes.caption)]
        assert captions and captions[0].astext().strip(), f"{here}: figure without a caption"


def test_every_html_image_has_alt_text(book):
    images = 0
    for page in html_pages(book):
        for img in parse_html(page).iter("img"):
            images += 1
            assert (img.get("alt") or "").strip(), f"{page.relative_to(book.html)}: {img.get('src')}"
    assert images >= 3


def test_generated_figures_are_in_the_html(book):
    for name in ("locator-map.svg", "timeline.svg", "losses.svg"):
        image = book.html / "_images" / name
        assert image.exists() and image.stat().st_size > 1000, f"missing {image}"
        assert b"<svg" in image.read_bytes()[:4000]


# =========================================================================== 5. essay reuse

WINDOW = 80


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for a, b in (
        ("“", '"'),
        ("”", '"'),
        ("„", '"'),
        ("‘", "'"),
        ("’", "'"),
        ("—", "-"),
        ("–", "-"),
        ("\u00a0", " "),
        ("…", "..."),
    ):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip().lower()


def essay_windows() -> set[str]:
    essay = normalise(shared_file(f"seed/{ESSAY_NAME}").read_text(encoding="utf-8"))
    assert len(essay) > 5000
    return {essay[i : i + WINDOW] for i in range(len(essay) - WINDOW + 1)}


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of "..." quotations (typographic quotes are already straightened)."""
    return [m.span() for m in re.finditer(r'"[^"]*"', text)]


def shared_runs(text: str, windows: set[str]) -> list[tuple[int, int]]:
    """Maximal runs of `text` made of windows that also occur in the essay."""
    runs: list[tuple[int, int]] = []
    for i in range(len(text) - WINDOW + 1):
        if text[i : i + WINDOW] in windows:
            if runs and i <= runs[-1][1] - WINDOW + 1:
                runs[-1] = (runs[-1][0], i + WINDOW)
            else:
                runs.append((i, i + WINDOW))
    return runs


def reused_passages(passages, windows) -> list[str]:
    """passages: (where, text, quoted). Unquoted runs shared with the essay."""
    problems = []
    for where_, raw, quoted in passages:
        if quoted:
            continue
        text = normalise(raw)
        masked = text
        for start, end in quoted_spans(text):  # quotations may repeat the essay
            masked = masked[:start] + "\0" * (end - start) + masked[end:]
        for start, end in shared_runs(masked, windows):
            problems.append(f"{where_}: {text[start:end]!r}")
    return problems


BLOCKS = (
    nodes.paragraph,
    nodes.title,
    nodes.caption,
    nodes.term,
    nodes.rubric,
    nodes.attribution,
    nodes.line,
)


def passages(parsed: Parsed, root: Path = ROOT):
    """(where, text, quoted) for every block of text a reader reads, the exercise files'
    included; a block quote (``>``, ``{epigraph}``, an exercise's source) is a quotation,
    its attribution is not."""
    for tree in parsed.doctrees.values():
        for block in tree.findall(lambda n: isinstance(n, BLOCKS)):
            if any(isinstance(a, BLOCKS) for a in ancestors(block.parent)):
                continue  # read with the block it sits in
            quoted = not isinstance(block, nodes.attribution) and any(
                isinstance(a, nodes.block_quote) for a in ancestors(block)
            )
            yield where(block, root), reader_text(block), quoted
        for node in tree.findall(
            lambda n: isinstance(n, (ex.exercise_choices, ex.exercise_ordering, ex.exercise_matching))
        ):
            answers = [
                *node.get("choices", []),
                *node.get("shown", []),
                *node.get("left", []),
                *(node.get("correct", {}).values() if isinstance(node.get("correct"), dict) else []),
            ]
            for text in answers:
                yield where(node, root), str(text), False


def test_no_run_of_the_essay_outside_a_quotation(parsed_book):
    windows = essay_windows()
    found = list(passages(parsed_book))
    assert len(found) > 300
    assert any(where_.startswith("exercises/") for where_, _, _ in found)
    problems = reused_passages(found, windows)
    assert not problems, (
        "80+ characters copied from the essay outside a quotation; "
        "rewrite in your own words:\n" + "\n".join(problems)
    )


def test_essay_reuse_check_catches_copying_and_spares_quotations(sample_book):
    essay = (
        "Arriving under fire, Zhukov imposed draconian discipline: any soldier retreating "
        "without orders faced execution. He organized desperate counterattacks."
    )
    windows = {normalise(essay)[i : i + WINDOW] for i in range(len(essay) - WINDOW + 1)}
    copied = (
        "He came. Arriving  under fire, Zhukov imposed draconian discipline: any soldier "
        "retreating without orders faced execution. And so on."
    )
    quoted = f"The essay says “{copied[9:-8]}” here."
    half = (
        "ARRIVING under fire, *Zhukov* imposed draconian discipline: any {term}`soldier "
        '<Army>` retreating without orders "faced execution".'
    )
    assert reused_passages([("a", copied, False)], windows)
    assert not reused_passages([("c", quoted, False)], windows)
    assert not reused_passages([("d", copied, True)], windows)
    assert not reused_passages([("e", "Zhukov arrived while the city was under attack.", False)], windows)
    prompt = "    prompt: |\n      " + copied + "\n"
    parsed = sample_book(
        {
            "x.md": f"# X\n\n> {copied}\n> more\n\n{copied}\n\n{half}\n\n{quoted}\n\n"
            f"```{{epigraph}}\n{copied}\n```\n",
            "ch.md": "(ch-c)=\n# C\n\n```{objectives}\nknow: Know the word for the thing.\n```\n\n"
            "(sec-c)=\n## S\n\n```{exercises} c\n```\n",
            "exercises/c.yaml": "chapter: ch\nexercises:\n  - id: c-one\n    type: source-analysis\n"
            "    objective: know\n    section: sec-c\n    source: |\n"
            f"      {copied}\n    attribution: A test\n{prompt}"
            "    answer: An answer.\n    solution: A solution.\n",
        }
    )
    found = reused_passages(list(passages(parsed, parsed.srcdir)), windows)
    assert sorted(p.split(":")[:2] for p in found) == [
        ["exercises/c.yaml", "3 (c-one)"],
        ["x.md", "6"],
        ["x.md", "8"],
    ], found


# =========================================================================== 6. debates


def debate_boxes(parsed: Parsed) -> list[nodes.admonition]:
    return [
        box
        for _doc, box in findall(parsed, nodes.admonition, chapter_docs(parsed))
        if "debate" in box["classes"]
    ]


@pytest.mark.parametrize("claim", CONTESTED, ids=list(CONTESTED))
def test_contested_claim_has_a_debate_box(parsed_book, claim):
    keywords = CONTESTED[claim]
    boxes = debate_boxes(parsed_book)
    assert boxes, "no {debate} boxes in the chapters"
    texts = [normalise(reader_text(box)) for box in boxes]
    assert any(all(k in text for k in keywords) for text in texts), (
        f"no {{debate}} box sets out the contested claim {claim} (looked for {keywords})"
    )


def test_every_debate_box_has_a_question_and_mentions_historians(parsed_book):
    for box in debate_boxes(parsed_book):
        here = where(box)
        title = box[0].astext().strip() if isinstance(box[0], nodes.title) else ""
        assert title.endswith("?"), f"{here}: the debate title should be a question"
        body = " ".join(reader_text(child) for child in box.children[1:])
        assert "historian" in body.lower(), f"{here}: say where historians stand"


# =========================================================================== 7. Cyrillic


def test_every_glossary_definition_opens_with_cyrillic(parsed_book):
    for term, definition in glossary_terms(parsed_book).items():
        assert re.match(r"[\u0400-\u04FF][^()]*\(\*[^*]+\*\)", definition), (
            f"glossary: {term!r} does not open with the Cyrillic and its transliteration"
        )


def whos_who_rows(parsed: Parsed) -> dict[str, str]:
    """First cell -> whole row, for each table row that indexes a person in its first cell."""
    rows = {}
    for row in parsed.page(WHOS_WHO).findall(nodes.row):
        cells = [c for c in row.children if isinstance(c, nodes.entry)]
        if cells and next(iter(cells[0].findall(addnodes.index)), None) is not None:
            first = re.sub(r"\s+", " ", reader_text(cells[0])).strip()
            rows[first] = " | ".join(re.sub(r"\s+", " ", reader_text(c)).strip() for c in cells)
    return rows


@pytest.mark.parametrize("surname", RUSSIAN_PEOPLE)
def test_whos_who_gives_cyrillic_for_russian_people(parsed_book, surname):
    cells = [cell for cell in whos_who_rows(parsed_book) if surname in cell]
    assert len(cells) == 1, f"who's who: {len(cells)} rows for {surname}"
    assert re.search(r"\([\u0400-\u04FF][\u0400-\u04FF ]+\)", cells[0]), (
        f"who's who: no Cyrillic for {surname}: {cells[0]!r}"
    )


def test_cyrillic_only_in_glossary_and_whos_who():
    """Read as files, not doctrees: Cyrillic in a comment or a YAML key is misplaced too."""
    for path in source_files():
        if path in (GLOSSARY, WHOS_WHO):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not CYRILLIC.search(line), (
                f"{path.relative_to(ROOT)}:{number}: Cyrillic belongs in the glossary or who's who"
            )


def cyrillic_words(parsed: Parsed, path: Path) -> set[str]:
    return set(CYRILLIC_WORD.findall(reader_text(parsed.page(path))))


def source_cyrillic_words(parsed: Parsed) -> set[str]:
    return cyrillic_words(parsed, GLOSSARY) | cyrillic_words(parsed, WHOS_WHO)


def test_cyrillic_words_are_text_in_the_pdf(parsed_book, pdf_pages_text):
    text = "\n".join(pdf_pages_text)
    words = source_cyrillic_words(parsed_book)
    assert len(words) > 40
    missing = sorted(w for w in words if w not in text)
    assert not missing, f"Cyrillic missing from the PDF text: {missing}"


def test_pdf_cyrillic_is_set_in_embedded_noto_subsets(book, pdf_pages_text):
    import pikepdf

    with pikepdf.open(book.pdf) as pdf:
        pages = [n for n, text in enumerate(pdf_pages_text) if CYRILLIC.search(text)]
        assert pages, "no Cyrillic in the PDF"
        for n in pages:
            with_cyrillic = []
            for font in pdf.pages[n].Resources.get("/Font", {}).values():
                name = str(font.BaseFont)
                assert re.match(r"/[A-Z]{6}\+Noto-", name), f"page {n + 1}: font {name} is not Noto"
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                    f"page {n + 1}: {name} is not embedded"
                )
                cmap = font.get("/ToUnicode")
                if cmap is not None and re.search(rb"<04[0-4][0-9A-Fa-f]>", cmap.read_bytes()):
                    with_cyrillic.append(name)
            assert with_cyrillic, f"page {n + 1}: no font maps glyphs to Cyrillic"


def test_epub_glossary_has_cyrillic_and_css_declares_noto(book, parsed_book):
    with zipfile.ZipFile(book.epub) as epub:
        names = epub.namelist()
        glossary = epub.read("back/glossary.xhtml").decode()
        whos_who = epub.read("back/whos-who.xhtml").decode()
        css = epub.read("_static/book-epub.css").decode()
        for word in sorted(cyrillic_words(parsed_book, GLOSSARY)):
            assert word in glossary, f"EPUB glossary lacks {word}"
        for word in sorted(cyrillic_words(parsed_book, WHOS_WHO)):
            assert word in whos_who, f"EPUB who's who lacks {word}"
        faces = re.findall(r"@font-face\s*\{([^}]*)\}", css)
        families = {re.search(r'font-family:\s*"([^"]+)"', f)[1] for f in faces}
        assert {"Noto Serif", "Noto Sans"} <= families, families
        for face in faces:
            src = re.search(r"url\(([^)]+)\)", face)[1].strip("'\"")
            assert f"_static/{src}" in names, f"EPUB CSS points at missing font {src}"
        assert re.search(r'body\s*\{[^}]*font-family:\s*"Noto Serif"', css)


# =========================================================================== 8. index


def index_entries(book) -> dict[str, list[str]]:
    """Top-level genindex entries -> their links."""
    tree = parse_html(book.html / "genindex.html")
    entries: dict[str, list[str]] = {}
    for li in tree.xpath("//table[contains(@class, 'genindextable')]/tr/td/ul/li"):
        first = li.xpath("./a[1]")
        label = (first[0].text_content() if first else (li.text or "")).strip()
        hrefs = li.xpath("./a/@href") + li.xpath("./ul//a/@href")
        entries.setdefault(label, []).extend(hrefs)
    return entries


@pytest.mark.parametrize("entry", INDEX_MUST_LIST)
def test_index_lists_key_people_places_and_terms(book, entry):
    entries = index_entries(book)
    assert entry in entries, f"no index entry {entry!r}"
    assert entries[entry], f"index entry {entry!r} has no links"


@pytest.mark.parametrize("surname", PEOPLE)
def test_each_person_has_one_index_entry(book, surname):
    entries = index_entries(book)
    found = sorted(e for e in entries if re.match(rf"{surname}\b(?!')", e))
    assert found == [PEOPLE[surname]], f"index entries for {surname}: {found}"


def index_targets(parsed: Parsed):
    """(node, entry as written, each top-level heading it puts in the index)."""
    for _doc, node in findall(parsed, addnodes.index):
        for kind, value, *_ in node["entries"]:
            parts = value.split(";")
            heads = parts if kind in ("pair", "triple") else parts[:1]
            yield node, f"{kind}: {value}", [h.strip() for h in heads]


def misindexed_people(parsed: Parsed, root: Path = ROOT) -> list[str]:
    problems = []
    for node, entry, heads in index_targets(parsed):
        for head in heads:
            for surname, canonical in PEOPLE.items():
                if re.match(rf"{surname}\b(?!')", head) and head != canonical:
                    problems.append(f"{where(node, root)}: {entry!r} (want {canonical!r})")
    return problems


def test_people_are_indexed_as_surname_forename(parsed_book):
    assert sum(1 for _ in index_targets(parsed_book)) > 50
    problems = misindexed_people(parsed_book)
    assert not problems, "index entries for people must read 'Surname, Forename':\n" + "\n".join(problems)


def test_index_check_reads_roles_and_directives(sample_book):
    parsed = sample_book(
        {
            "page.md": "# Page\n\n{index}`Stalin <single: Stalin, Joseph>` met "
            "{index}`Zhukov`.\n\n```{index} pair: Moscow; Zhukov\n```\n"
        }
    )
    assert sorted(misindexed_people(parsed, parsed.srcdir)) == [
        "page.md:3: 'single: Zhukov' (want 'Zhukov, Georgy')",
        "page.md:5: 'pair: Moscow; Zhukov' (want 'Zhukov, Georgy')",
    ]


# =========================================================================== 9. timeline


def test_timeline_table_has_a_row_for_every_event(book):
    events = yaml.safe_load(TIMELINE.read_text(encoding="utf-8"))
    tree = parse_html(book.html / "back" / "timeline.html")
    (table,) = tree.xpath("//table[contains(@class, 'timeline-table')]")
    rows = table.xpath("./tbody/tr")
    assert len(rows) == len(events), f"{len(rows)} rows for {len(events)} events"
    cells = [[normalise(td.text_content()) for td in row.xpath("./td")] for row in rows]
    for event in events:
        detail = normalise(event["detail"])
        matches = [c for c in cells if c[-1] == detail]
        assert len(matches) == 1, f"timeline table: no row for {event['label']!r} ({event['date']})"
        assert matches[0][0], f"timeline table: no date for {event['label']!r}"
        year = str(event["date"])[:4]
        assert year in matches[0][0], f"timeline table: {event['label']!r} is not dated {year}"

"""Hostile input: nothing from outside the repository, no active HTML, no costly images.

Each case is one mistake (or one attack) applied to a copy of the minimal book, built in
every format into a copy of a good build, exactly like tests/test_bad_input.py: a short
error naming the source file and line, no traceback, a non-zero exit, and the previous
outputs untouched. Cases that try to read a file from outside also check that its content
reached no file of the build, not even the private work folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_bad_input import (  # noqa: F401 (fixtures)
    CH1, YAML1, add_to_chapter, assert_refused, at, chapter, exercises, good_build, previous,
    published, rebuild, replace,
)

SECRET = "SECRET-FROM-OUTSIDE-THE-REPOSITORY"


# -- files from outside the repository ------------------------------------------------------


def outside(root: Path) -> Path:
    """A folder beside the copied book (so outside its repository) with a text and an image."""
    folder = root.parent / "outside"
    folder.mkdir(exist_ok=True)
    for name in ("secret.md", "secret.txt"):
        (folder / name).write_text(f"{SECRET}\n", encoding="utf-8")
    png = (root / "book" / "img.png").read_bytes()
    (folder / "img.png").write_bytes(png + SECRET.encode())  # still a valid PNG
    return folder


def include_climbing_out(root):
    outside(root)
    add_to_chapter(root, "```{include} ../../outside/secret.md\n```")


def literalinclude_climbing_out(root):
    outside(root)
    add_to_chapter(root, "```{literalinclude} ../../outside/secret.md\n```")


def include_of_a_link(root):
    os.symlink(outside(root) / "secret.md", root / "book" / "part.txt")
    add_to_chapter(root, "```{include} part.txt\n```")


def chapter_is_a_link(root):
    target = outside(root) / "ch1.md"
    chapter(root).rename(target)
    os.symlink(target, chapter(root))


def image_is_a_link(root):
    folder = outside(root)
    image = root / "book" / "img.png"
    image.unlink()
    os.symlink(folder / "img.png", image)


def download_climbing_out(root):
    outside(root)
    add_to_chapter(root, "Take {download}`this file <../../outside/secret.md>` home.")


def markdown_link_to_an_outside_file(root):
    outside(root)
    add_to_chapter(root, "Read [the notes](../../outside/secret.txt) first.")


def figure_climbing_out(root):
    outside(root)
    add_to_chapter(root, "```{figure} ../../outside/img.png\n:alt: A leak.\n\nA leak.\n```")


OUTSIDE = [
    pytest.param(include_climbing_out, [at(CH1, "{include}")], id="include-climbing-out"),
    pytest.param(literalinclude_climbing_out, [at(CH1, "{literalinclude}")],
                 id="literalinclude-climbing-out"),
    pytest.param(include_of_a_link, [at(CH1, "{include} part.txt")], id="include-of-a-symlink"),
    pytest.param(chapter_is_a_link, [at(CH1)], id="chapter-is-a-symlink"),
    pytest.param(image_is_a_link, [at(CH1, "{figure} img.png")], id="image-is-a-symlink"),
    pytest.param(download_climbing_out, [at(CH1, "{download}")], id="download-climbing-out"),
    pytest.param(markdown_link_to_an_outside_file, [at(CH1, "[the notes]")],
                 id="markdown-link-to-an-outside-file"),
    pytest.param(figure_climbing_out, [at(CH1, "{figure} ../../outside")], id="figure-climbing-out"),
]


def leaks(build_dir: Path) -> list[str]:
    """Files of the build, the work folder included, holding the outside file's content."""
    found = []
    for path in build_dir.rglob("*"):
        if path.is_file() and not path.is_symlink() and SECRET.encode() in path.read_bytes():
            found.append(str(path.relative_to(build_dir)))
    return found


@pytest.mark.parametrize(("mutate", "places"), OUTSIDE)
def test_no_file_from_outside(mutate, places, previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    mutate(book)
    build = rebuild(previous, book)
    assert_refused(build, before, book, places)
    assert "outside the repository" in build.output, build.output
    assert not leaks(previous), leaks(previous)


# -- raw HTML -------------------------------------------------------------------------------


def in_chapter(markdown: str):
    def mutate(root):
        add_to_chapter(root, markdown)
    return mutate


def in_exercise_prompt(html: str):
    def mutate(root):
        replace(exercises(root), "      The test book exists to be built.\n",
                f"      The test book exists to be built.\n      See {html} here.\n")
    return mutate


RAW_HTML = [
    pytest.param(in_chapter("<script>alert(1)</script>"), [at(CH1, "<script>")], id="script"),
    pytest.param(in_chapter('<iframe src="https://example.com/"></iframe>'), [at(CH1, "<iframe")],
                 id="iframe"),
    pytest.param(in_chapter('A picture <img src="https://example.com/x.png" alt="x"> here.'),
                 [at(CH1, "<img")], id="remote-img"),
    pytest.param(in_chapter('<link rel="stylesheet" href="https://example.com/x.css">'),
                 [at(CH1, "<link")], id="remote-stylesheet"),
    pytest.param(in_chapter("<style>p { background: url(file:///etc/passwd) }</style>"),
                 [at(CH1, "<style>")], id="css-url-to-local-file"),
    pytest.param(in_chapter('A <span style="background: url(/etc/passwd)">styled</span> word.'),
                 [at(CH1, "<span style")], id="style-attribute-url"),
    pytest.param(in_chapter('A <sub onmouseover="alert(1)">2</sub> here.'),
                 [at(CH1, "onmouseover")], id="event-handler-on-allowed-element"),
    pytest.param(in_chapter("```{raw} html\n<script>alert(1)</script>\n```"), [at(CH1, "{raw} html")],
                 id="raw-directive"),
    pytest.param(in_chapter("An <sub>unclosed subscript."), [at(CH1, "<sub>unclosed")],
                 id="unclosed-element"),
    pytest.param(in_exercise_prompt('<img src="x.png" onerror="alert(1)">'), [at(YAML1, "onerror")],
                 id="in-an-exercise"),
]


@pytest.mark.parametrize(("mutate", "places"), RAW_HTML)
def test_raw_html_outside_the_allowlist(mutate, places, previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    mutate(book)
    build = rebuild(previous, book)
    assert_refused(build, before, book, places)
    assert "raw HTML may only use" in build.output, build.output


def test_allowed_raw_html_is_published(previous, fixture_book):
    """The allowlist is usable: each allowed element reaches the web page and the EPUB."""
    book = fixture_book("minimal")
    allowed = ('H<sub>2</sub>O, x<sup>2</sup>, <kbd>Ctrl</kbd>, <abbr title="Stavka of the '
               'Supreme High Command">Stavka</abbr>,<br>and <span lang="ru">Ставка</span>.')
    add_to_chapter(book, allowed)
    build = rebuild(previous, book)
    assert build.returncode == 0, build.output
    page = (build.html / "ch1.html").read_text(encoding="utf-8")
    for fragment in ("<sub>2</sub>", "<sup>2</sup>", "<kbd>Ctrl</kbd>", '<span lang="ru">',
                     '<abbr title="Stavka of the Supreme High Command">'):
        assert fragment in page, fragment
    import zipfile
    with zipfile.ZipFile(build.epub) as epub:
        text = epub.read("EPUB/ch1.xhtml" if "EPUB/ch1.xhtml" in epub.namelist() else
                         next(n for n in epub.namelist() if n.endswith("ch1.xhtml"))).decode()
    assert '<span lang="ru">' in text and "<sub>2</sub>" in text


# -- links with schemes that run code or read files -------------------------------------------


URLS = [
    pytest.param(in_chapter("A [link](javascript:alert(1)) here."), [at(CH1, "javascript:")],
                 id="javascript-link"),
    pytest.param(in_chapter("An image ![x](file:///etc/passwd) here."), [at(CH1, "file:///")],
                 id="file-image"),
    pytest.param(in_chapter("A [link](file:///etc/passwd) here."), [at(CH1, "file:///")], id="file-link"),
    pytest.param(in_chapter("A [page](data:text/html,hi) here."), [at(CH1, "data:text")], id="data-link"),
    pytest.param(in_chapter("A [link](VBScript:msgbox) here."), [at(CH1, "VBScript")],
                 id="vbscript-link"),
    pytest.param(in_chapter("An autolink <javascript:alert(1)> here."), [at(CH1, "<javascript")],
                 id="javascript-autolink"),
    pytest.param(in_chapter("A [reference][bad] here.\n\n[bad]: javascript:alert(1)"),
                 [at(CH1, "[bad]: javascript")], id="javascript-definition"),
    pytest.param(in_chapter("A long paragraph\nover two lines, with a [link](javascript:x)."),
                 [at(CH1, "[link](javascript")], id="second-line-of-a-paragraph"),
    pytest.param(in_exercise_prompt("[this](javascript:alert(1))"), [at(YAML1, "javascript")],
                 id="in-an-exercise"),
]


@pytest.mark.parametrize(("mutate", "places"), URLS)
def test_links_that_run_code_or_read_files(mutate, places, previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    mutate(book)
    build = rebuild(previous, book)
    assert_refused(build, before, book, places)
    assert "link or image is not allowed" in build.output, build.output


def test_such_a_url_in_code_is_only_text(previous, fixture_book):
    book = fixture_book("minimal")
    add_to_chapter(book, "Write `[x](javascript:alert(1))` to see the refusal.")
    build = rebuild(previous, book)
    assert build.returncode == 0, build.output

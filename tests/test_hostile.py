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
    CH1,
    YAML1,
    add_to_chapter,
    assert_refused,
    at,
    chapter,
    exercises,
    good_build,
    previous,
    published,
    rebuild,
    replace,
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


def literalinclude_diff_climbing_out(root):
    outside(root)
    (root / "book" / "code.txt").write_text("inside\n", encoding="utf-8")
    add_to_chapter(root, "```{literalinclude} code.txt\n:diff: ../../outside/secret.md\n```")


def raw_file_climbing_out(root):
    outside(root)
    add_to_chapter(root, "```{raw} html\n:file: ../../outside/secret.md\n```")


def csv_table_file_climbing_out(root):
    folder = outside(root)
    (folder / "table.csv").write_text(f"a,b\n{SECRET},2\n", encoding="utf-8")
    add_to_chapter(root, "```{csv-table} A table\n:file: ../../outside/table.csv\n```")


def rst_include_climbing_out(root):
    outside(root)
    add_to_chapter(root, "```{eval-rst}\n.. include:: ../../outside/secret.md\n```")


def csv_table_url(root):
    add_to_chapter(root, "```{csv-table} A table\n:url: https://example.com/table.csv\n```")


def raw_url(root):
    add_to_chapter(root, "```{raw} html\n:url: https://example.com/page.html\n```")


OUTSIDE = [
    pytest.param(include_climbing_out, [at(CH1, "{include}")], id="include-climbing-out"),
    pytest.param(
        literalinclude_climbing_out, [at(CH1, "{literalinclude}")], id="literalinclude-climbing-out"
    ),
    pytest.param(include_of_a_link, [at(CH1, "{include} part.txt")], id="include-of-a-symlink"),
    pytest.param(chapter_is_a_link, [at(CH1)], id="chapter-is-a-symlink"),
    pytest.param(image_is_a_link, [at(CH1, "{figure} img.png")], id="image-is-a-symlink"),
    pytest.param(download_climbing_out, [at(CH1, "{download}")], id="download-climbing-out"),
    pytest.param(
        markdown_link_to_an_outside_file, [at(CH1, "[the notes]")], id="markdown-link-to-an-outside-file"
    ),
    pytest.param(figure_climbing_out, [at(CH1, "{figure} ../../outside")], id="figure-climbing-out"),
    pytest.param(
        literalinclude_diff_climbing_out, [at(CH1, ":diff:")], id="literalinclude-diff-climbing-out"
    ),
    pytest.param(
        raw_file_climbing_out, [at(CH1, "{raw} html"), at(CH1, ":file:")], id="raw-file-climbing-out"
    ),
    pytest.param(
        csv_table_file_climbing_out,
        [at(CH1, "{csv-table}"), at(CH1, ":file:")],
        id="csv-table-file-climbing-out",
    ),
    pytest.param(rst_include_climbing_out, [at(CH1, ".. include::")], id="rst-include-climbing-out"),
]
NETWORK = [
    pytest.param(csv_table_url, [at(CH1, "{csv-table}")], id="csv-table-url"),
    pytest.param(raw_url, [at(CH1, "{raw} html")], id="raw-url"),
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


@pytest.mark.parametrize(("mutate", "places"), NETWORK)
def test_no_fetch_from_the_network(mutate, places, previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    mutate(book)
    build = rebuild(previous, book)
    assert_refused(build, before, book, places)
    assert "would fetch from the network" in build.output, build.output


# -- raw HTML -------------------------------------------------------------------------------


def in_chapter(markdown: str):
    def mutate(root):
        add_to_chapter(root, markdown)

    return mutate


def in_exercise_prompt(html: str):
    def mutate(root):
        replace(
            exercises(root),
            "      The test book exists to be built.\n",
            f"      The test book exists to be built.\n      See {html} here.\n",
        )

    return mutate


RAW_HTML = [
    pytest.param(in_chapter("<script>alert(1)</script>"), [at(CH1, "<script>")], id="script"),
    pytest.param(
        in_chapter('<iframe src="https://example.com/"></iframe>'), [at(CH1, "<iframe")], id="iframe"
    ),
    pytest.param(
        in_chapter('A picture <img src="https://example.com/x.png" alt="x"> here.'),
        [at(CH1, "<img")],
        id="remote-img",
    ),
    pytest.param(
        in_chapter('<link rel="stylesheet" href="https://example.com/x.css">'),
        [at(CH1, "<link")],
        id="remote-stylesheet",
    ),
    pytest.param(
        in_chapter("<style>p { background: url(file:///etc/passwd) }</style>"),
        [at(CH1, "<style>")],
        id="css-url-to-local-file",
    ),
    pytest.param(
        in_chapter('A <span style="background: url(/etc/passwd)">styled</span> word.'),
        [at(CH1, "<span style")],
        id="style-attribute-url",
    ),
    pytest.param(
        in_chapter('A <sub onmouseover="alert(1)">2</sub> here.'),
        [at(CH1, "onmouseover")],
        id="event-handler-on-allowed-element",
    ),
    pytest.param(
        in_chapter("```{raw} html\n<script>alert(1)</script>\n```"),
        [at(CH1, "{raw} html")],
        id="raw-directive",
    ),
    pytest.param(
        in_chapter("An <sub>unclosed subscript."), [at(CH1, "<sub>unclosed")], id="unclosed-element"
    ),
    pytest.param(
        in_exercise_prompt('<img src="x.png" onerror="alert(1)">'),
        [at(YAML1, "onerror")],
        id="in-an-exercise",
    ),
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
    allowed = (
        'H<sub>2</sub>O, x<sup>2</sup>, <kbd>Ctrl</kbd>, <abbr title="Stavka of the '
        'Supreme High Command">Stavka</abbr>,<br>and <span lang="ru">Ставка</span>.'
    )
    add_to_chapter(book, allowed)
    build = rebuild(previous, book)
    assert build.returncode == 0, build.output
    page = (build.html / "ch1.html").read_text(encoding="utf-8")
    for fragment in (
        "<sub>2</sub>",
        "<sup>2</sup>",
        "<kbd>Ctrl</kbd>",
        '<span lang="ru">',
        '<abbr title="Stavka of the Supreme High Command">',
    ):
        assert fragment in page, fragment
    import zipfile

    with zipfile.ZipFile(build.epub) as epub:
        text = epub.read(
            "EPUB/ch1.xhtml"
            if "EPUB/ch1.xhtml" in epub.namelist()
            else next(n for n in epub.namelist() if n.endswith("ch1.xhtml"))
        ).decode()
    assert '<span lang="ru">' in text and "<sub>2</sub>" in text


# -- links with schemes that run code or read files -------------------------------------------


URLS = [
    pytest.param(
        in_chapter("A [link](javascript:alert(1)) here."), [at(CH1, "javascript:")], id="javascript-link"
    ),
    pytest.param(
        in_chapter("An image ![x](file:///etc/passwd) here."), [at(CH1, "file:///")], id="file-image"
    ),
    pytest.param(in_chapter("A [link](file:///etc/passwd) here."), [at(CH1, "file:///")], id="file-link"),
    pytest.param(in_chapter("A [page](data:text/html,hi) here."), [at(CH1, "data:text")], id="data-link"),
    pytest.param(in_chapter("A [link](VBScript:msgbox) here."), [at(CH1, "VBScript")], id="vbscript-link"),
    pytest.param(
        in_chapter("An autolink <javascript:alert(1)> here."),
        [at(CH1, "<javascript")],
        id="javascript-autolink",
    ),
    pytest.param(
        in_chapter("A [reference][bad] here.\n\n[bad]: javascript:alert(1)"),
        [at(CH1, "[bad]: javascript")],
        id="javascript-definition",
    ),
    pytest.param(
        in_chapter("A long paragraph\nover two lines, with a [link](javascript:x)."),
        [at(CH1, "[link](javascript")],
        id="second-line-of-a-paragraph",
    ),
    pytest.param(
        in_exercise_prompt("[this](javascript:alert(1))"), [at(YAML1, "javascript")], id="in-an-exercise"
    ),
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


# -- images that cost more than they show ---------------------------------------------------


def png(width: int, height: int) -> bytes:
    """A valid black-and-white PNG, compressed row by row (a 20000 x 20000 image is ~50 KB)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\0" + b"\0" * ((width + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="100" height="100" viewBox="0 0 100 100">{}</svg>\n'
)


def nested_use(levels: int = 9, fan: int = 10) -> str:
    """Each group draws the one before ten times: a few KB, a billion rectangles."""
    groups = ['<g id="g0"><rect width="1" height="1"/></g>']
    groups += [
        f'<g id="g{i}">' + f'<use xlink:href="#g{i - 1}"/>' * fan + "</g>" for i in range(1, levels + 1)
    ]
    return SVG.format("<defs>" + "".join(groups) + f'</defs><use xlink:href="#g{levels}"/>')


def with_image(name: str, content):
    def mutate(root):
        data = content() if callable(content) else content
        path = root / "book" / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        add_to_chapter(root, f"```{{figure}} {name}\n:alt: A hostile image.\n\nA hostile image.\n```")

    return mutate


ENTITY_SVG = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n' + SVG.format("<text>&b;</text>")
)
IMAGES = [
    pytest.param(
        with_image("huge.png", lambda: png(20000, 20000)),
        [at(CH1, "{figure} huge.png")],
        "megapixels",
        id="png-20000x20000",
    ),
    pytest.param(
        with_image("bomb.svg", nested_use),
        [at(CH1, "{figure} bomb.svg")],
        "<use> references",
        id="svg-nested-use",
    ),
    pytest.param(
        with_image("loop.svg", SVG.format('<g id="a"><use xlink:href="#a"/></g>')),
        [at(CH1, "{figure} loop.svg")],
        "to itself",
        id="svg-use-cycle",
    ),
    pytest.param(
        with_image("entities.svg", ENTITY_SVG),
        [at(CH1, "{figure} entities.svg")],
        "entities",
        id="svg-entities",
    ),
    pytest.param(
        with_image(
            "remote.svg", SVG.format('<image href="https://example.com/x.png" width="9" height="9"/>')
        ),
        [at(CH1, "{figure} remote.svg")],
        "outside the file",
        id="svg-remote-image",
    ),
    pytest.param(
        with_image("local.svg", SVG.format('<image xlink:href="file:///etc/passwd" width="9" height="9"/>')),
        [at(CH1, "{figure} local.svg")],
        "outside the file",
        id="svg-local-file",
    ),
    pytest.param(
        with_image(
            "css.svg",
            SVG.format('<rect width="9" height="9" style="fill: url(https://example.com/p.svg#p)"/>'),
        ),
        [at(CH1, "{figure} css.svg")],
        "outside the file",
        id="svg-css-url",
    ),
    pytest.param(
        with_image("script.svg", SVG.format("<script>alert(1)</script>")),
        [at(CH1, "{figure} script.svg")],
        "<script>",
        id="svg-script",
    ),
    pytest.param(
        with_image("big.png", lambda: png(64, 64) + b"\0" * 6_000_000),
        [at(CH1, "{figure} big.png")],
        "MB",
        id="file-too-large",
    ),
]


def rebuild_within(build_dir: Path, book: Path, seconds: int):
    """``rebuild``, stopped (with every process it started) if it is still running after
    ``seconds``: before the fix, the PDF of the nested <use> never finishes."""
    import signal
    import subprocess
    import sys

    from conftest import EPOCH, ROOT, Build

    cmd = [
        sys.executable,
        "-m",
        "studyguide.build",
        "html",
        "epub",
        "pdf",
        "--build-dir",
        str(build_dir),
        "--edition",
        "student",
        "--paper",
        "a4",
        "--quiet",
        "--source",
        str(book / "book"),
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the build was still running after {seconds} s")
    return Build(build_dir, proc.returncode, output)


@pytest.mark.parametrize(("mutate", "places", "reason"), IMAGES)
def test_images_that_cost_too_much(mutate, places, reason, previous, fixture_book):
    book = fixture_book("minimal")
    before = published(previous)
    mutate(book)
    build = rebuild_within(previous, book, 90)
    assert_refused(build, before, book, places)
    assert reason in build.output, build.output

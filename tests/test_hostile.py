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
    CH1, add_to_chapter, assert_refused, at, chapter, good_build, previous, published, rebuild,
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

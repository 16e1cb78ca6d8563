"""``python -m studyguide new DIR``: start a new guide that this package builds.

The guide is written from the files in ``template/`` (package data, not modules: each ends
in ``.tmpl`` so nothing imports or collects them; ``dot-name`` is written as ``.name``,
since packaging leaves hidden files out). A ``{{key}}`` in a template is replaced
by the guide's facts, which then live in one place, the new guide's ``conf.py``; every
other file (the Makefile, the smoke test) reads them from there or from what is built.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"
SUFFIX = ".tmpl"


def slug(text: str) -> str:
    """A file-name stem from a title: ``My First Guide`` -> ``my-first-guide``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "guide"


def facts(target: Path, title: str | None, author: str, language: str) -> dict[str, str]:
    title = title or target.name.replace("-", " ").replace("_", " ").strip().title() or "Study Guide"
    basename = slug(target.name if target.name else title)
    for name, value in (("title", title), ("author", author), ("language", language)):
        if '"' in value or "\\" in value or "\n" in value or "{{" in value:
            raise ValueError(f"the {name} may not contain quotes, backslashes or line breaks: {value!r}")
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language):
        raise ValueError(f"the language must be a code such as en, de or pt_BR, not {language!r}")
    return {"title": title, "author": author, "language": language, "basename": basename}


def render(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], text)


def new(
    target: Path, title: str | None = None, author: str = "The Authors", language: str = "en"
) -> list[Path]:
    """Write a new guide into ``target`` (created, or empty); return the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} is not an empty folder; a new guide is never written over files")
    values = facts(target.resolve(), title, author, language)
    written = []
    for source in sorted(TEMPLATE.rglob(f"*{SUFFIX}")):
        relative = source.relative_to(TEMPLATE).as_posix().removesuffix(SUFFIX)
        relative = re.sub(r"(^|/)dot-", r"\1.", relative)  # dot-gitignore -> .gitignore
        path = target / render(relative, values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(source.read_text(encoding="utf-8"), values), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m studyguide new", description="Start a new study guide in DIR (new or empty)."
    )
    parser.add_argument("dir", type=Path, metavar="DIR")
    parser.add_argument("--title", help="the guide's title (default: from DIR's name)")
    parser.add_argument("--author", default="The Authors")
    parser.add_argument("--language", default="en", help="a language code (default: en)")
    args = parser.parse_args(argv)
    try:
        written = new(args.dir, args.title, args.author, args.language)
    except (FileExistsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(
        f"Wrote a new guide in {args.dir} ({len(written)} files). Next:\n"
        f"  cd {args.dir} && make        # HTML, EPUB and PDF into _build/\n"
        f"  make test                    # its smoke test"
    )
    return 0

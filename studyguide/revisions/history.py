"""What changed between editions, read from git: no Sphinx here, so the errata sheet and the
tests use the same answers as the book's "Revision history" page.

An edition is an annotated tag ``edition-<version>``. A *snapshot* of the book at a tag (or
in the working tree) is every labelled section's text and every exercise, by id; two
snapshots compared give the sections whose text changed and the exercises added, removed
or changed. Sections are found with MyST's own Markdown parser, so a heading inside a code
fence or a directive is not taken for one. A section's text runs from its heading to the
next labelled heading or the next heading of its level or above: an unlabelled subsection
belongs to the section around it, a labelled one only to itself. A document whose title
has no label is known by its document name. Whitespace is not text: rewrapping a
paragraph changes nothing, and neither does a toctree (structure, not text).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath

import yaml

from studyguide.yamlread import safe_load

TAG_PREFIX = "edition-"
DOC_KEY = "doc:"  # the key of a document whose title has no label: "doc:" + docname


class HistoryError(Exception):
    """A problem a maintainer must fix (a bad revisions.yaml, a missing tag)."""


@dataclass(frozen=True)
class Section:
    key: str  # the MyST label, or "doc:<docname>"
    docname: str
    title: str
    text: str  # normalised: whitespace collapsed

    @property
    def label(self) -> str | None:
        return None if self.key.startswith(DOC_KEY) else self.key


@dataclass(frozen=True)
class ExerciseState:
    id: str
    chapter: str
    data: str  # the exercise's YAML mapping as canonical JSON


@dataclass
class Snapshot:
    sections: dict[str, Section] = field(default_factory=dict)
    exercises: dict[str, ExerciseState] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    key: str  # a section key or an exercise id
    title: str  # a section's title; an exercise's chapter
    docname: str = ""
    kind: str = "changed"  # changed, added, removed


@dataclass(frozen=True)
class Entry:
    """One edition, or the unreleased changes since the last one (``tag`` None)."""

    tag: str | None
    version: str
    date: str  # "1 December 2026", or "" when not released
    summary: str
    sections: tuple[Change, ...] = ()
    exercises: tuple[Change, ...] = ()
    since: str = ""  # unreleased: the last edition's version

    @property
    def next_release(self) -> bool:
        """Unreleased work that conf.py already numbers as the next edition."""
        return self.tag is None and self.version != self.since

    @property
    def anchor(self) -> str:
        return (
            "edition-"
            + re.sub(r"[^A-Za-z0-9]+", "-", self.version).strip("-")
            + ("" if self.tag else "-unreleased")
        )

    @property
    def heading(self) -> str:
        if self.tag is None:
            return (
                f"Edition {self.version}: not yet released"
                if self.next_release
                else f"Changes since edition {self.version}, not yet released"
            )
        return f"Edition {self.version}, {self.date}"

    @property
    def first(self) -> bool:
        return not self.sections and not self.exercises


# -- git ----------------------------------------------------------------------------------


def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise HistoryError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout if proc.returncode == 0 else ""


def toplevel(path: Path) -> Path | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, text=True
        )
    except OSError:
        return None
    return Path(proc.stdout.strip()).resolve() if proc.returncode == 0 else None


def version_key(version: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.-]", version))


def editions(repo: Path) -> list[tuple[str, str]]:
    """(tag, date) of every edition tag reachable from HEAD, oldest first.

    An old edition rebuilt from its tag (the errata sheet does) knows no later edition.
    """
    out = git(
        repo,
        "for-each-ref",
        "--merged",
        "HEAD",
        "--format",
        "%(refname:short)\t%(taggerdate:unix)\t%(creatordate:unix)",
        f"refs/tags/{TAG_PREFIX}*",
        check=False,
    )  # (a repository without a commit has no editions)
    found = []
    for line in out.splitlines():
        tag, tagged, created = line.split("\t")
        moment = time.gmtime(int(tagged or created or 0))
        found.append((tag, f"{moment.tm_mday} {time.strftime('%B %Y', moment)}"))
    return sorted(found, key=lambda item: version_key(item[0][len(TAG_PREFIX) :]))


# -- reading sources ----------------------------------------------------------------------


@cache
def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions={"colon_fence", "deflist"}), RendererHTML)


TARGET_LINE = re.compile(r"^\s*\([^)]+\)=\s*$")


def sections_of(text: str, docname: str) -> list[Section]:
    tokens = _parser().parse(text)
    lines = text.splitlines()
    heads: list[tuple[int, int, str | None, str]] = []  # (line, level, label, title)
    skip: list[tuple[int, int]] = []  # toctree fences
    pending = None
    for i, tok in enumerate(tokens):
        if tok.level != 0:
            continue
        if tok.type == "myst_target":
            pending = tok.content
            continue
        if tok.type == "heading_open":
            heads.append((tok.map[0], int(tok.tag[1:]), pending, tokens[i + 1].content.strip()))
        elif tok.type in ("fence", "colon_fence") and tok.info.strip().startswith("{toctree}") and tok.map:
            skip.append(tuple(tok.map))
        if tok.nesting != -1:
            pending = None
    found = []
    for k, (line, level, label, title) in enumerate(heads):
        if label is None and not (k == 0 and level == 1):
            continue
        end = next((h[0] for h in heads[k + 1 :] if h[2] is not None or h[1] <= level), len(lines))
        body = [
            text
            for n, text in enumerate(lines[line:end], line)
            if not TARGET_LINE.match(text) and not any(a <= n < b for a, b in skip)
        ]
        found.append(Section(label or DOC_KEY + docname, docname, title, " ".join(" ".join(body).split())))
    return found


def _exercises_of(text: str, name: str) -> list[ExerciseState]:
    try:
        data = safe_load(text)
    except yaml.YAMLError:
        return []  # the build reports a broken exercise file where it reads it
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list):
        return []
    chapter = str(data.get("chapter", name))
    return [
        ExerciseState(str(e["id"]), chapter, json.dumps(e, sort_keys=True, default=str))
        for e in data["exercises"]
        if isinstance(e, dict) and "id" in e
    ]


def _add(snapshot: Snapshot, files: dict[str, str], exfiles: dict[str, str]) -> Snapshot:
    for docname, text in sorted(files.items()):
        for section in sections_of(text, docname):
            snapshot.sections.setdefault(section.key, section)
    for name, text in sorted(exfiles.items()):
        for exercise in _exercises_of(text, name):
            snapshot.exercises.setdefault(exercise.id, exercise)
    return snapshot


def worktree_snapshot(srcdir: Path, exdir: Path) -> Snapshot:
    files = {
        p.relative_to(srcdir).with_suffix("").as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(srcdir.rglob("*.md"))
        if not _ignored(p.relative_to(srcdir))
    }
    exfiles = {p.stem: p.read_text(encoding="utf-8") for p in sorted(exdir.glob("*.yaml"))}
    return _add(Snapshot(), files, exfiles)


def _ignored(relative: PurePosixPath | Path) -> bool:
    return any(part.startswith(("_", ".")) for part in relative.parts)


def tag_snapshot(repo: Path, rev: str, srcdir: Path, exdir: Path) -> Snapshot:
    """The book as it was at ``rev``, read with ``git show`` (nothing is checked out)."""
    src = srcdir.resolve().relative_to(repo).as_posix()
    exs = exdir.resolve()
    exs = exs.relative_to(repo).as_posix() if exs.is_relative_to(repo) else None  # (not versioned)
    names = git(repo, "ls-tree", "-r", "--name-only", "-z", rev, "--", src, *([exs] if exs else [])).split(
        "\0"
    )
    files, exfiles = {}, {}
    for name in filter(None, names):
        path = PurePosixPath(name)
        if path.suffix == ".md" and path.is_relative_to(src) and not _ignored(path.relative_to(src)):
            files[path.relative_to(src).with_suffix("").as_posix()] = git(repo, "show", f"{rev}:{name}")
        elif exs and path.suffix == ".yaml" and path.parent == PurePosixPath(exs):
            exfiles[path.stem] = git(repo, "show", f"{rev}:{name}")
    return _add(Snapshot(), files, exfiles)


def compare(old: Snapshot, new: Snapshot) -> tuple[tuple[Change, ...], tuple[Change, ...]]:
    """(sections, exercises) that differ, in the new book's order (removed ones last)."""
    sections = []
    for key, section in new.sections.items():
        before = old.sections.get(key)
        if before is None:
            sections.append(Change(key, section.title, section.docname, "added"))
        elif before.text != section.text:
            sections.append(Change(key, section.title, section.docname))
    sections += [
        Change(k, s.title, s.docname, "removed") for k, s in old.sections.items() if k not in new.sections
    ]
    exercises = []
    for key, exercise in new.exercises.items():
        before = old.exercises.get(key)
        if before is None:
            exercises.append(Change(key, exercise.chapter, kind="added"))
        elif before.data != exercise.data:
            exercises.append(Change(key, exercise.chapter))
    exercises += [
        Change(k, e.chapter, kind="removed") for k, e in old.exercises.items() if k not in new.exercises
    ]
    return tuple(sections), tuple(exercises)


# -- the maintainer's summaries -----------------------------------------------------------


def summaries(path: Path) -> dict[str, str]:
    """``edition-1.1: "Second edition: ..."`` lines; a missing file means no summaries."""
    if not path.is_file():
        return {}
    try:
        data = safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise HistoryError(f"{where}: not valid YAML ({getattr(err, 'problem', err)})") from None
    if not isinstance(data, dict):
        raise HistoryError(f"{path}:1: expected lines 'edition-<version>: summary'")
    for key, value in data.items():
        if not str(key).startswith(TAG_PREFIX) or not isinstance(value, str):
            line = _line_of(path, str(key))
            raise HistoryError(f"{path}:{line}: {key!r} must be 'edition-<version>: \"a one-line summary\"'")
    return {str(k): " ".join(v.split()) for k, v in data.items()}


def _line_of(path: Path, key: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith(key):
            return n
    return 1


# -- the history --------------------------------------------------------------------------


def history(srcdir: Path, exdir: Path, release: str, notes: dict[str, str]) -> list[Entry]:
    """Every edition reachable from HEAD, newest first; unreleased changes on top.

    Empty for a tree without git: an unversioned tree has no history to tell.
    """
    repo = toplevel(srcdir)
    if repo is None:
        return []
    tags = editions(repo)
    entries: list[Entry] = []
    previous: Snapshot | None = None
    for tag, date in tags:
        snap = tag_snapshot(repo, tag, srcdir, exdir)
        changed = compare(previous, snap) if previous is not None else ((), ())
        entries.append(Entry(tag, tag[len(TAG_PREFIX) :], date, notes.get(tag, ""), *changed))
        previous = snap
    if previous is None:
        return []  # nothing released yet: the first tag starts the history
    current = worktree_snapshot(srcdir, exdir)
    sections, exercises = compare(previous, current)
    if sections or exercises:
        last = tags[-1][0][len(TAG_PREFIX) :]
        version = release if version_key(release) > version_key(last) else last
        entries.append(
            Entry(
                None,
                version,
                "",
                notes.get(TAG_PREFIX + version, "") if version != last else "",
                sections,
                exercises,
                since=last,
            )
        )
    return entries[::-1]


def changes_since(srcdir: Path, exdir: Path, tag: str) -> tuple[Snapshot, tuple, tuple]:
    """The old snapshot and what changed from ``tag`` to the working tree (for the errata)."""
    repo = toplevel(srcdir)
    if repo is None:
        raise HistoryError(f"{srcdir} is not in a git repository: there is no {tag} to compare with")
    if not git(repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", check=False).strip():
        raise HistoryError(f"no tag {tag!r} in {repo} (editions are tagged {TAG_PREFIX}<version>)")
    old = tag_snapshot(repo, tag, srcdir, exdir)
    return (old, *compare(old, worktree_snapshot(srcdir, exdir)))

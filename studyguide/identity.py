"""Which edition a build is: the release (conf.py's ``release``), its date and the source commit.

Every output prints the same stamp, so a reader, a teacher holding last year's copies or a
learning platform can tell two editions apart. The commit is asked of git once per build:
the driver (``studyguide.build``) puts it in ``STUDYGUIDE_SOURCE`` for the Sphinx runs it
starts, so formats written side by side cannot disagree; a Sphinx run on its own asks git
itself. A source tree without git (an unpacked tarball) still builds, and says so.

The stamp depends only on the sources and the commit: the date is SOURCE_DATE_EPOCH's
(the Makefile takes the last commit's), never the clock when that is set.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ENV = "STUDYGUIDE_SOURCE"  # "<short hash>", "<short hash>+modified" or "unversioned"
UNVERSIONED = "unversioned"


def _git(path: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None  # no git on this machine
    return proc.stdout.strip() if proc.returncode == 0 else None


def read_source(path: Path) -> str:
    """The commit of the tree holding ``path``, as ``STUDYGUIDE_SOURCE`` spells it.

    "modified" means ``git status`` lists something: a tracked file changed or a file
    not ignored added (``_build/`` and ``.venv/`` are in .gitignore, so builds do not count).
    """
    commit = _git(path, "rev-parse", "--short", "HEAD")
    if not commit:
        return UNVERSIONED
    status = _git(path, "status", "--porcelain")
    return commit + ("+modified" if status else "")


def edition_tags(path: Path) -> str:
    """The edition tags and what they point at: the revision history is built from them."""
    return _git(path, "for-each-ref", "--format=%(refname) %(objectname)", "refs/tags/edition-*") or ""


@cache
def source(path: str) -> str:
    """Once per process: the driver's answer when it gave one, else git's."""
    return os.environ.get(ENV) or read_source(Path(path))


@dataclass(frozen=True)
class Identity:
    version: str
    date: str  # as printed: "25 November 2026"
    commit: str | None  # short hash; None for an unversioned tree
    modified: bool = False

    @classmethod
    def parse(cls, version: str, date: str, spelled: str) -> Identity:
        if spelled == UNVERSIONED:
            return cls(version, date, None)
        commit, _, flag = spelled.partition("+")
        return cls(version, date, commit, flag == "modified")

    @property
    def origin(self) -> str:
        if self.commit is None:
            return "built from an unversioned source tree"
        return f"built from commit {self.commit}" + (" (modified)" if self.modified else "")

    @property
    def line(self) -> str:
        """The sentence every format prints."""
        return f"Edition {self.version}, {self.date}, {self.origin}."

    @property
    def token(self) -> str:
        """A compact form for metadata fields: ``1.0+abc1234``, ``1.0+abc1234.modified``."""
        if self.commit is None:
            return f"{self.version}+{UNVERSIONED}"
        return f"{self.version}+{self.commit}" + (".modified" if self.modified else "")


def printed_date(moment: time.struct_time) -> str:
    return f"{moment.tm_mday} {time.strftime('%B %Y', moment)}"


def of(config, srcdir) -> Identity:
    """The identity of the build configured by ``config`` reading sources in ``srcdir``."""
    from studyguide.settings import build_date

    return Identity.parse(config.release, printed_date(build_date(config)), source(str(srcdir)))

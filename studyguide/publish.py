"""Publishing: every format of a build appears in ``_build/`` at once, or none does.

Each successful build is assembled in a generation folder of its own, ``_build/.gen/<n>/``:
the formats it built, copied from the work folders, beside hard links to everything the
previous generation held that this build did not rebuild (another edition, the US Letter
PDF, the worksheets). ``_build/current`` is a symbolic link to the generation in force, and
``_build/html``, ``_build/epub``, ``_build/pdf``, ``_build/instructor``... are fixed relative
links through it. Publishing is one ``rename(2)`` of a new ``current`` link over the old
one: whatever moment a build is stopped at, readers see the whole old generation or the
whole new one. A generation never changes once published; the next run removes the ones
no longer current and any that an interrupted build left half-made.

``.published.json`` in each generation names the file or folder of each published target
and the digest of the sources it was built from, which is how the driver knows a target is
up to date and where a format's file is, without knowing the book's name.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

MANIFEST = ".published.json"


def published_file(build_dir: Path, target: str) -> Path:
    """Where a published target is ("epub", "pdf-letter", "instructor/pdf"), for the tests
    and the benchmark, which thus never spell the book's file names (conf.py's business)."""
    manifest = json.loads((build_dir / "current" / MANIFEST).read_text(encoding="utf-8"))
    return build_dir / manifest["targets"][target]["file"]


class Generations:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.gens = root / ".gen"
        self.current = root / "current"

    def current_dir(self) -> Path | None:
        if not self.current.is_symlink():
            return None
        target = self.root / os.readlink(self.current)
        return target if target.is_dir() else None

    def manifest(self) -> dict:
        current = self.current_dir()
        path = current / MANIFEST if current else None
        if path is None or not path.is_file():
            return {"targets": {}}
        return json.loads(path.read_text(encoding="utf-8"))

    def target_path(self, target: str) -> Path | None:
        """The published file or folder of ``target`` (e.g. "epub", "instructor/pdf")."""
        entry = self.manifest()["targets"].get(target)
        current = self.current_dir()
        if not entry or current is None:
            return None
        path = current / entry["file"]
        return path if path.exists() else None

    def clean(self) -> None:
        """Remove generations that are not current: old ones, and any half-made one."""
        keep = self.current_dir()
        if self.gens.is_dir():
            for path in self.gens.iterdir():
                if keep is None or path.resolve() != keep.resolve():
                    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        (self.root / "current.tmp").unlink(missing_ok=True)

    def link_entries(self) -> None:
        """``_build/<name>`` -> ``current/<name>`` for every top-level entry of the current
        generation (the first time; they never change afterwards)."""
        current = self.current_dir()
        if current is None:
            return
        for entry in current.iterdir():
            if entry.name.startswith("."):
                continue
            link = self.root / entry.name
            want = f"current/{entry.name}"
            if link.is_symlink() and os.readlink(link) == want:
                continue
            if link.is_dir() and not link.is_symlink():  # a folder from before generations
                shutil.rmtree(link)
            tmp = self.root / f".{entry.name}.link.tmp"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(want)
            os.replace(tmp, link)


class NewGeneration:
    """A generation being assembled; nothing is visible until ``switch``."""

    def __init__(self, gens: Generations) -> None:
        self.gens = gens
        gens.gens.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name.split(".")[0]) for p in gens.gens.iterdir() if p.name.split(".")[0].isdigit()]
        self.number = max(numbers, default=0) + 1
        self.dir = gens.gens / f"{self.number}.tmp"
        self.dir.mkdir()
        old = gens.manifest()
        self.targets: dict[str, dict] = {}
        self.inputs: list[str] = old.get("inputs", [])
        self.files: dict[str, str] = old.get("files", {})
        self._old = old["targets"]

    def keep_others(self, replaced: set[str]) -> None:
        """Hard links to the current generation's targets that this build does not replace."""
        current = self.gens.current_dir()
        for target, entry in self._old.items():
            if target in replaced or current is None or not (current / entry["file"]).exists():
                continue
            self._place(current / entry["file"], target, entry, os.link)

    def _place(self, source: Path, target: str, entry: dict, copy) -> None:
        dest = self.dir / entry["file"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, copy_function=copy, dirs_exist_ok=True)
        else:
            copy(source, dest)
        self.targets[target] = entry

    def add(self, target: str, source: Path, digest: str) -> None:
        """Copy a new build's output: never link a work file, as Sphinx rewrites its work
        files in place. A file the build did not touch is the published copy of last time,
        though: that copy is linked instead (most of a web edition after one edit).

        A work file is untouched when its inode, size and times, the change time included
        (which no program can set), are what they were when it was last published; the
        published copy, when its size and modification time are still the work file's."""
        folder = source.is_dir()
        name = target if folder else f"{target}/{source.name}"
        old, current = self._old.get(target, {}), self.gens.current_dir()
        last = old.get("copied", {}) if current is not None and old.get("file") == name else {}
        copied: dict[str, list[int]] = {}

        def copy(src: str, dst: str) -> str:
            rel = Path(src).relative_to(source).as_posix() if folder else source.name
            stat = os.stat(src)
            copied[rel] = [stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
            if last.get(rel) == copied[rel]:
                published = current / name / rel if folder else current / name
                try:
                    kept = published.stat()
                    if (kept.st_size, kept.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                        os.link(published, dst)
                        return dst
                except OSError:  # gone, or on another file system: copy it
                    pass
            return shutil.copy2(src, dst)

        self._place(source, target, {"file": name, "digest": digest, "copied": copied}, copy)

    def file_of(self, target: str) -> Path | None:
        entry = self.targets.get(target)
        return self.dir / entry["file"] if entry else None

    def switch(self) -> Path:
        """Make this generation the published one: one rename of the ``current`` link."""
        (self.dir / MANIFEST).write_text(
            json.dumps(
                {"targets": self.targets, "inputs": self.inputs, "files": self.files},
                indent=1,
                sort_keys=True,
            ),
            encoding="utf-8",
        )
        final = self.gens.gens / str(self.number)
        self.dir.rename(final)
        tmp = self.gens.root / "current.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(f".gen/{self.number}")
        # No signal handler may run between the rename and the caller learning it happened.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            os.replace(tmp, self.gens.current)
            self.switched = True
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return final

    switched = False

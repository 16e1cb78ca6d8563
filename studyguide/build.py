"""The one build command behind ``make``: ``python -m studyguide.build html epub pdf``.

A build, in order:

1. **One at a time**: it takes the build folder's lock (``studyguide.lock``); a second build
   in the same tree waits for the first, saying so.
2. **Up to date?** It digests the sources (paths and contents, not mtimes: a deleted,
   renamed or just-edited file always counts) and returns at once, without building,
   when every requested target was published from the same digest. (The first
   format's process has started meanwhile, to import its code, and is stopped.)
3. **Parse**: the first format's Sphinx process reads the sources into the shared doctree
   folder (``.work/doctrees``, kept between builds, so an edit rereads one file) and says
   on a pipe when the parse is saved (at Sphinx's ``write-started``).
4. **Write**: then the other formats write, one process each, side by side with the first,
   from that parse (their processes start while it reads, to load their code meanwhile).
   Each reports through files, never through its console: Sphinx's warning stream, and a
   manifest of what it produced (``studyguide.run_sphinx``). A long print book's chunks
   are joined by one more process, once its Sphinx process has gone and the other formats
   are written (``studyguide.pdf``).
5. **Publish**, only when every format succeeded: a new generation and one atomic switch
   (``studyguide.publish``). A failed build publishes nothing and drops the saved parse, so
   the next run reports every problem again.

Each Sphinx process is forked by the build folder's warm process when it can serve (it
has imported Sphinx, the extensions and WeasyPrint once, between builds: ``studyguide.warm``),
and started here otherwise; the driver handles both alike.

Ctrl-C (SIGINT) or SIGTERM stops every child (each runs in its own process group, with the
PDF's workers, and dies with the driver even if the driver is killed outright), prints one
line and exits 130 (SIGINT) or 143 (SIGTERM), with the previous build still published.
Problems print once each, as Sphinx's ``file:line: message``; a crash as one line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from studyguide import identity, warm
from studyguide.bytecode import compile_package
from studyguide.children import dying_with_me
from studyguide.figures import FIGURES
from studyguide.lock import BuildLock
from studyguide.pause import pause
from studyguide.pdf import JOIN_APART, JOIN_APART_PAGES, JOIN_PLAN
from studyguide.publish import Generations, NewGeneration

ROOT = Path(__file__).resolve().parent.parent  # this repository: the guide built by default
FORMATS = ("html", "epub", "pdf", "largeprint", "worksheets", "lms", "flashcards", "quiz", "errata")
SKIP = {"__pycache__", FIGURES, ".git"}  # caches and drawn figures, not sources
# Write-time choices passed to Sphinx in the environment (the quiz file, the errata's old
# edition and its page map): a build for another choice is not "up to date".
CHOICES = ("QUIZ", "ERRATA_FROM", "ERRATA_PAGES")
# The print books: laid out by WeasyPrint in chunks, one file per paper size. (The driver
# does not import Sphinx, so not studyguide.editions either.)
PRINT = ("pdf", "largeprint")


def default_root() -> Path:
    """The guide in the working directory (any folder with a conf.py), else this repository's."""
    return Path.cwd() if (Path.cwd() / "conf.py").is_file() else ROOT


class Failure(Exception):
    """A build that cannot go on, for a reason given in one line."""


class Interrupted(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum, _frame) -> None:
    raise Interrupted(signum)


def source_date_epoch() -> str:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return str(int(time.time()))
    if not value.strip().isdigit():
        raise Failure(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {value!r}")
    return value.strip()


def scan(paths: list[Path], extra: list[str]) -> dict[str, str]:
    """The content digest of every file the build reads, by path."""
    files: set[Path] = {Path(p) for p in extra}
    for path in paths:
        if path.is_file():
            files.add(path)
        elif path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = [d for d in dirs if d not in SKIP]
                files.update(Path(folder) / n for n in names if not n.endswith(".pyc"))
    found = {}
    for path in sorted(files):
        try:
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            found[str(path)] = "missing"
    return found


def digest(files: dict[str, str], key: str) -> str:
    """One digest of the sources and of what the build is asked for."""
    return hashlib.sha256(json.dumps([key, sorted(files.items())]).encode()).hexdigest()


class Driver:
    def __init__(self, args) -> None:
        self.args = args
        self.root: Path = args.build_dir
        self.work = self.root / ".work"
        self.doctrees = self.work / "doctrees"
        suffix = "" if args.paper == "a4" else f"-{args.paper}"
        self.variant = self.work / f"{args.edition}{suffix}"
        self.prefix = "" if args.edition == "student" else f"{args.edition}/"
        self.suffix = suffix
        self.children: list[subprocess.Popen | warm.Child] = []
        self.gens = Generations(self.root)
        self.switched = False

    def target(self, fmt: str) -> str:
        """Where a format is published, relative to the build folder."""
        if fmt == "quiz":
            from studyguide.quiz.spec import quiz_name

            return f"quiz/{quiz_name(self.args.quiz)}"
        return self.prefix + (f"{fmt}{self.suffix}" if fmt in PRINT else fmt)

    def say(self, text: str) -> None:
        if not self.args.quiet:
            print(text, flush=True)

    # -- children --------------------------------------------------------------------------

    def start(
        self,
        builder: str,
        parsed_fd: int | None = None,
        start_fd: int | None = None,
        page_map: tuple[str, int] | None = None,
    ) -> tuple[subprocess.Popen, Path, Path]:
        base = self.variant / builder
        warnings, manifest = base.with_suffix(".warnings"), base.with_suffix(".json")
        manifest.unlink(missing_ok=True)
        self.join_plan(builder).unlink(missing_ok=True)  # (an interrupted build's)
        argv = [
            "--builder",
            builder,
            "--source",
            str(self.args.source),
            "--confdir",
            str(self.args.root),
            "--doctrees",
            str(self.doctrees),
            "--out",
            str(base),
            "--warnings",
            str(warnings),
            "--manifest",
            str(manifest),
        ]
        if parsed_fd is not None:
            argv += ["--parsed-fd", str(parsed_fd), "--changed", str(self.work / "changed.json")]
        fds = () if parsed_fd is None else (parsed_fd,)
        if start_fd is not None:
            argv += ["--start-fd", str(start_fd)]
            fds += (start_fd,)
        if page_map is not None:  # ("ready" or "wait", its end of the pipe): see run()
            argv += [f"--page-map-{page_map[0]}-fd", str(page_map[1])]
            fds += (page_map[1],)
        if not self.args.quiet:
            argv += ["--label", builder]
        env = {**os.environ, "EDITION": self.args.edition, "PAPER": self.args.paper}
        if builder in PRINT:
            env.setdefault(JOIN_APART, str(JOIN_APART_PAGES))  # the driver joins a long book (join)
        # Forked by the build folder's warm process, which has imported the code already
        # (studyguide.warm), else started here.
        proc = (
            warm.start(self.work, self.args.root, argv, env, fds, parsed_fd is not None)
            if warm.enabled()
            else None
        )
        if proc is None:
            proc = subprocess.Popen(
                [sys.executable, "-m", "studyguide.run_sphinx", *argv],
                env=env,
                stdin=subprocess.DEVNULL,
                process_group=0,
                preexec_fn=dying_with_me(),
                pass_fds=fds,
            )
        self.children.append(proc)
        return proc, warnings, manifest

    def join_plan(self, fmt: str) -> Path:
        """Where a print book's builder leaves its join to the driver (see ``join``)."""
        return self.variant / fmt / JOIN_PLAN

    def join(self, fmt: str, warnings: Path) -> subprocess.Popen:
        """Join a print book's chunks as its builder left them to (``studyguide.pdf.merge``)."""
        cmd = [sys.executable, "-m", "studyguide.pdf.merge", str(self.join_plan(fmt)), str(warnings)]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, process_group=0, preexec_fn=dying_with_me())
        self.children.append(proc)
        return proc

    @staticmethod
    def yield_to_pdf(proc: subprocess.Popen) -> None:
        """Lower a format's priority: the PDF is the longest way to the end of a build, and
        on a machine short of cores the EPUB, which waits for its page map anyway, gives it
        way. (Not the web pages: written at a low priority, they kept the parse's memory,
        0.4 GB on the 20x book, for as long as the PDF took.)"""
        try:
            os.setpriority(os.PRIO_PROCESS, proc.pid, 10)
        except OSError:  # (gone already: its exit code tells)
            pass

    @staticmethod
    def go(fd: int) -> None:
        """Tell a waiting format to start, on its pipe."""
        try:
            os.write(fd, b"ok\n")
        except BrokenPipeError:  # it died: its exit code says so
            pass
        os.close(fd)

    def stop(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()

    def stop_children(self) -> None:
        """SIGKILL to each child's process group: Sphinx, its PDF workers and multiprocessing's
        resource tracker (which ignores SIGTERM) all stop at once, with nothing to say. Their
        half-written work files are never published, and the next run clears them. (Only
        children not yet reaped: a reaped child's group number may belong to someone else.)"""
        for proc in [p for p in self.children if p.returncode is None]:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for proc in self.children:
            proc.wait()

    def report(self, warning_files: list[Path], failed: bool) -> None:
        shown: set[str] = set()  # formats written from one parse report its problems once
        for path in warning_files:
            text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
            lines = [line for line in text.splitlines() if line.strip() and line not in shown]
            shown.update(lines)
            if lines and (failed or not self.args.quiet):
                print("\n".join(lines), file=sys.stderr if failed else sys.stdout, flush=True)

    def fail(self, formats: list[str], warning_files: list[Path]) -> int:
        self.report(warning_files, failed=True)
        # The saved parse of bad sources would hide their problems from the next run.
        (self.doctrees / "environment.pickle").unlink(missing_ok=True)
        print(
            f"\nBuild failed ({', '.join(formats)}); the previous outputs in {self.root} are unchanged.",
            file=sys.stderr,
        )
        return 1

    # -- the build -------------------------------------------------------------------------

    def inputs(self) -> list[Path]:
        source = self.args.source
        root = self.args.root
        chosen = [Path(os.environ[name]) for name in ("QUIZ", "ERRATA_PAGES") if os.environ.get(name)]
        return [
            root / "conf.py",
            ROOT / "pyproject.toml",
            ROOT / "studyguide",
            source,
            source.parent / "exercises",
            *chosen,
        ]

    def run(self) -> int:
        args = self.args
        self.variant.mkdir(parents=True, exist_ok=True)
        formats = list(args.formats)
        if "pdf" in formats and "epub" in formats:  # the EPUB does not parse (see below)
            formats = [f for f in formats if f != "epub"] + ["epub"]
        first, *rest = formats
        # The first format's process starts now and imports its code (half a second of
        # Python, Sphinx and the extensions) while this one digests the sources, then waits
        # on a pipe; told to, it parses. The others start once it has its code, load theirs
        # while it reads, and wait until the parse is saved. (Started all at once, three
        # imports share two cores, and the parse, which all wait for, is ready last.)
        # The EPUB carries the print edition's page numbers: with the PDF it also waits, to
        # write, for the PDF's page map (told on a pipe from the PDF's process).
        with_map = "pdf" in formats and "epub" in formats
        map_read, map_write = os.pipe() if with_map else (None, None)
        ends = {"pdf": ("ready", map_write), "epub": ("wait", map_read)} if with_map else {}
        read_end, write_end = os.pipe()
        starts: dict[str, int] = {}
        writers = {}

        def spawn(fmt: str) -> None:
            wait_end, starts[fmt] = os.pipe()
            try:
                parsed_fd = write_end if fmt == first else None
                writers[fmt] = self.start(fmt, parsed_fd, start_fd=wait_end, page_map=ends.get(fmt))
            finally:
                os.close(wait_end)
            if with_map and fmt == "epub":  # it waits for the PDF's page map anyway
                self.yield_to_pdf(writers[fmt][0])

        try:
            spawn(first)
        finally:
            os.close(write_end)

        # The commit and the edition tags are sources too: the edition stamp and the revision
        # history print them.
        key = json.dumps(
            [
                str(args.source.resolve()),
                args.edition,
                args.paper,
                os.environ["SOURCE_DATE_EPOCH"],
                os.environ[identity.ENV],
                identity.edition_tags(args.source),
                {name: os.environ.get(name, "") for name in CHOICES},
            ]
        )
        manifest = self.gens.manifest()
        files = scan(self.inputs(), manifest.get("inputs", []))
        sources = digest(files, key)
        targets = {fmt: self.target(fmt) for fmt in args.formats}
        published = manifest["targets"]
        if all(
            published.get(t, {}).get("digest") == sources and self.gens.target_path(t)
            for t in targets.values()
        ):
            for fd in (read_end, starts[first], map_read, map_write):
                if fd is not None:
                    os.close(fd)
            self.stop(writers[first][0])  # never told to start: it stops unheard
            self.gens.link_entries()
            self.say(f"Up to date: {', '.join(targets.values())} (the sources have not changed).")
            return 0

        self.say(
            f"Building {', '.join(args.formats)} ({args.edition} edition, {args.paper}) from {args.source}"
        )
        # Sphinx rereads a file when its mtime is newer than its last reading; tell it also
        # which files changed content since the last good build, whatever their mtime says.
        known = manifest.get("files", {})
        changed = sorted(set(files) ^ set(known) | {p for p in files if known.get(p) != files[p]})
        (self.work / "changed.json").write_text(json.dumps(changed), encoding="utf-8")
        self.go(starts.pop(first))
        with os.fdopen(read_end, "rb") as parsed:
            verdict = parsed.readline()  # "warm" once the parse's code is loaded
            try:
                if verdict.strip() == b"warm":  # the others load theirs while it reads
                    for fmt in rest:
                        spawn(fmt)
                    verdict = parsed.readline()  # "ok" once the parse is saved; nothing if it died
            finally:
                for fd in (map_read, map_write):
                    if fd is not None:
                        os.close(fd)
        for fd in starts.values():
            self.go(fd) if verdict.strip() == b"ok" else os.close(fd)
        if verdict.strip() != b"ok":  # the parse reports why; the others never started
            for fmt in rest:
                if fmt in writers:
                    self.stop(writers.pop(fmt)[0])
        if with_map and "epub" in writers and writers["pdf"][0].wait() != 0:
            # The failure is the PDF's: the EPUB, left without page numbers, says nothing.
            self.stop(writers.pop("epub")[0])
        # A long print book's chunks are joined by a process of its own once its Sphinx
        # process has gone (on the 20x book the join needed 0.6 GB more, on top of the
        # 0.6 GB Sphinx still held), and once the other formats are written: the join holds
        # every page of the book (0.55 GB on the 20x book), and beside the EPUB, which
        # writes once it has the PDF's page map, it made the build's peak. (A shorter book
        # joins in its Sphinx process, beside the others, as before.)
        for fmt, (proc, _, _) in writers.items():
            if fmt not in PRINT:
                proc.wait()
        joins = {
            fmt: self.join(fmt, warnings)
            for fmt, (proc, warnings, _) in writers.items()
            if fmt in PRINT and proc.wait() == 0 and self.join_plan(fmt).is_file()
        }
        codes = {fmt: proc.wait() for fmt, (proc, _, _) in writers.items()}
        codes.update({fmt: join.wait() or codes[fmt] for fmt, join in joins.items()})
        failed = [fmt for fmt, code in codes.items() if code != 0] or [
            fmt for fmt in args.formats if fmt not in writers
        ]
        warning_files = [w for _, w, _ in writers.values()]
        if failed:
            return self.fail(failed, warning_files)
        self.report(warning_files, failed=False)

        produced = {}
        for fmt, (_, _, path) in writers.items():
            facts = json.loads(path.read_text(encoding="utf-8"))
            produced[fmt] = (self.variant / fmt / facts["produced"]).resolve(), facts["wants"]
        gen = NewGeneration(self.gens)
        gen.inputs = json.loads(writers[first][2].read_text(encoding="utf-8"))["inputs"]
        # As the sources were when this build started (an edit during the build is seen by
        # the next), with the files this parse read that the first look did not know of.
        gen.files = {**scan([], [p for p in gen.inputs if p not in files]), **files}
        sources = digest(gen.files, key)
        try:
            gen.keep_others(set(targets.values()))
            for fmt, (source, _) in produced.items():
                gen.add(targets[fmt], source, sources)
                pause("publish")
            for fmt, (_, wants) in produced.items():  # the web edition's copies of the others
                for rel, other in wants.items():
                    found = gen.file_of(self.target(other))
                    if found and found.is_file():
                        dest = gen.file_of(targets[fmt]) / rel
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        os.link(found, dest)
            pause("switch")
            gen.switch()
        finally:
            self.switched = gen.switched
            if gen.switched:
                self.finish()
        pause("switched")
        self.say(f"Done: {', '.join(str(self.root / t) for t in targets.values())}")
        return 0

    def finish(self) -> None:
        self.gens.link_entries()
        self.gens.clean()


def prepare(root: Path) -> None:
    """The build folder must be writable: say so in one line if it is not."""
    try:
        (root / ".work").mkdir(parents=True, exist_ok=True)
        probe = root / ".work" / f".probe-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        (root / ".probe").mkdir()
        (root / ".probe").rmdir()
    except OSError as err:
        raise Failure(f"cannot write to the build folder {root}: {err.strerror}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("formats", nargs="+", choices=FORMATS)
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="the guide's folder, holding its conf.py (default: the working "
        "directory if it has one, else this repository)",
    )
    parser.add_argument("--source", type=Path, default=None, help="default: ROOT/book")
    parser.add_argument("--build-dir", type=Path, default=None, help="default: ROOT/_build")
    parser.add_argument("--edition", default=os.environ.get("EDITION", "student"))
    parser.add_argument("--paper", default=os.environ.get("PAPER", "a4"))
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--quiz",
        type=Path,
        default=os.environ.get("QUIZ") or None,
        help="the quiz file the quiz format writes (default: $QUIZ)",
    )
    args = parser.parse_args(argv)
    if "quiz" in args.formats and not args.quiz:
        parser.error("the quiz format needs a quiz file: --quiz quizzes/<name>.yaml (make quiz QUIZ=...)")
    args.root = (args.root or default_root()).resolve()
    args.source = (args.source or args.root / "book").resolve()
    args.build_dir = (args.build_dir or args.root / "_build").absolute()

    compile_package()  # (before any build process imports the package)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    driver = None
    try:
        os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch()
        if args.quiz:  # which quiz is a write-time choice: every quiz shares the book's parse
            os.environ["QUIZ"] = str(args.quiz.resolve())
        # The source commit, asked of git once, so formats built side by side print the same one.
        os.environ.setdefault(identity.ENV, identity.read_source(args.source))
        prepare(args.build_dir)
        with BuildLock(args.build_dir / ".work" / "lock"):
            driver = Driver(args)
            driver.gens.clean()  # what an interrupted build left
            code = driver.run()
            warm.leave(driver.work, args.root)  # (the next build is most likely an edit away)
            return code
    except Failure as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # the disk filled up, a folder became read-only mid-build
        where = f" ({err.filename})" if err.filename else ""
        print(f"error: {err.strerror or err}{where}", file=sys.stderr)
        return 1
    except Interrupted as stop:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if driver:
            driver.stop_children()
        name = signal.Signals(stop.signum).name
        published = driver is not None and driver.switched
        print(
            f"Interrupted ({name}); the previous build in {args.build_dir} is unchanged."
            if not published
            else f"Interrupted ({name}) after publishing the new build.",
            file=sys.stderr,
            flush=True,
        )
        return 128 + stop.signum
    finally:
        if driver:
            driver.stop_children()


if __name__ == "__main__":
    sys.exit(main())

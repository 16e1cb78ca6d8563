"""The one build command behind ``make``: ``python -m studyguide.build html epub pdf``.

It runs ``sphinx-build`` once per format in a private work folder that keeps its parsed
doctrees between runs (so an edit rebuilds in seconds), runs the formats that can share
one parse side by side, and only when every requested format succeeded moves the results
into ``_build/`` in one step each. A failed build therefore never touches the last good
outputs, and its parse cache is dropped so the next run reports every problem again.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # this repository: the guide built by default
FORMATS = ("html", "epub", "pdf", "largeprint", "worksheets", "lms", "flashcards")


def default_root() -> Path:
    """The guide in the working directory (any folder with a conf.py), else this repository's."""
    return Path.cwd() if (Path.cwd() / "conf.py").is_file() else ROOT


def produced(folder: Path, suffix: str) -> Path | None:
    """The book file a builder wrote (the newest): its name comes from the guide's conf.py."""
    found = sorted(folder.glob(f"*{suffix}"), key=lambda p: p.stat().st_mtime_ns)
    return found[-1] if found else None


PROGRESS = re.compile(r"^(reading sources|writing output)\.\.\. \[\s*\d+%\] (\S+)|pages laid out|: \d+ pages|drawing figure|rendering")


def sphinx(builder: str, source: Path, doctrees: Path, out: Path, edition: str, paper: str,
           quiet: bool, on_parsed=None, root: Path = ROOT) -> tuple[int, str]:
    """Run one sphinx-build; stream its progress (format, document, pages) unless quiet.

    ``on_parsed`` is called as soon as the parsed sources are saved (Sphinx moves on to
    "preparing documents"), so other formats can start while this one is still writing.
    """
    cmd = [
        sys.executable, "-m", "studyguide.run_sphinx", "-b", builder, "-c", str(root), "-d", str(doctrees),
        "-W", "--keep-going", "-n", str(source), str(out / builder),
    ]
    env = {**os.environ, "EDITION": edition, "PAPER": paper}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True)
    reader.start()
    for line in proc.stdout:
        if on_parsed and line.startswith("preparing documents") and not errors:
            on_parsed()  # (a source with problems stops here: no point writing other formats)
        if not quiet and PROGRESS.search(line):
            print(f"  [{builder}] {line.strip()}", flush=True)
    proc.wait()
    reader.join()
    took = time.monotonic() - started
    output = summarise("".join(errors).strip())
    if not quiet:
        print(f"  [{builder}] {'done' if proc.returncode == 0 else 'FAILED'} in {took:.1f}s", flush=True)
    return proc.returncode, output


def summarise(output: str) -> str:
    """Sphinx 9 wraps an exception in pages of diagnostics; keep what an author can act on."""
    if "\nTraceback\n=========" not in output:
        return output
    head = re.split(r"(?:^|\n)(?:[A-Za-z ]+ error!|Versions\n=+)", output, maxsplit=1)[0].rstrip()
    tail = output.split("\nTraceback\n=========", 1)[1]
    tail = tail.split("The full traceback has been saved", 1)[0]
    lines = [line.strip() for line in tail.strip().splitlines() if line.strip()]
    message = re.sub(r"^[\w.]+\.(\w+(Error|Exception)):", r"\1:", lines[-1]) if lines else "unknown error"
    return f"{head}\nError: {message}".strip()


def publish(staged: Path, target: Path) -> None:
    """Replace ``target`` with a copy of ``staged`` in one rename."""
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for path in (fresh, old):
        shutil.rmtree(path, ignore_errors=True)
    if staged.is_dir():
        shutil.copytree(staged, fresh)
    else:
        fresh.mkdir(parents=True)
        shutil.copy2(staged, fresh / staged.name)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("formats", nargs="+", choices=FORMATS)
    parser.add_argument("--root", type=Path, default=None,
                        help="the guide's folder, holding its conf.py (default: the working "
                             "directory if it has one, else this repository)")
    parser.add_argument("--source", type=Path, default=None, help="default: ROOT/book")
    parser.add_argument("--build-dir", type=Path, default=None, help="default: ROOT/_build")
    parser.add_argument("--edition", default=os.environ.get("EDITION", "student"))
    parser.add_argument("--paper", default=os.environ.get("PAPER", "a4"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.root = (args.root or default_root()).resolve()
    args.source = args.source or args.root / "book"
    args.build_dir = args.build_dir or args.root / "_build"

    out = args.build_dir if args.edition == "student" else args.build_dir / args.edition
    suffix = "" if args.paper == "a4" else f"-{args.paper}"
    # One parse serves every format, edition and paper size (they differ only at write time).
    doctrees = args.build_dir / ".work" / "doctrees"
    work = args.build_dir / ".work" / f"{args.edition}{suffix}"
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))
    if not args.quiet:
        print(f"Building {', '.join(args.formats)} ({args.edition} edition, {args.paper}) from {args.source}")

    # The first format parses the sources; the others start as soon as the parse is saved
    # and share it, so on two cores the PDF renders while the web pages are written.
    def run(fmt: str, on_parsed=None) -> tuple[int, str]:
        return sphinx(fmt, args.source, doctrees, work, args.edition, args.paper, args.quiet, on_parsed,
                      args.root)

    # The EPUB carries the PDF's page numbers (the page map the PDF build writes), so
    # with both it is packed after the PDF, from the same parse.
    after_pdf = [f for f in args.formats if f == "epub" and "pdf" in args.formats]
    first, *rest = [f for f in args.formats if f not in after_pdf]
    pool = ThreadPoolExecutor(max_workers=max(1, len(rest)))
    futures: dict = {}
    lock = threading.Lock()

    def start_rest() -> None:
        with lock:
            if not futures:
                futures.update({f: pool.submit(run, f) for f in rest})

    results = {first: run(first, start_rest if rest else None)}
    if results[first][0] == 0:
        start_rest()  # nothing to parse, or the first format wrote no documents
    results.update({f: fut.result() for f, fut in futures.items()})
    pool.shutdown()
    if results.get("pdf", (1,))[0] == 0:
        results.update({f: run(f) for f in after_pdf})

    failed = [f for f, (code, _) in results.items() if code != 0]
    shown: set[str] = set()  # formats that share a parse report the same problem once
    for code, output in results.values():
        if not output or (code == 0 and args.quiet):
            continue
        lines = [line for line in output.splitlines() if line not in shown or not line.strip()]
        shown.update(lines)
        print("\n".join(lines).strip(), file=sys.stderr if code else sys.stdout)
    if failed or len(results) < len(args.formats):
        (doctrees / "environment.pickle").unlink(missing_ok=True)
        print(f"\nBuild failed ({', '.join(failed)}); the previous outputs in {out} are unchanged.",
              file=sys.stderr)
        return 1

    for fmt in args.formats:
        staged = work / fmt
        if fmt == "epub":
            publish(produced(staged, ".epub"), out / "epub")
        elif fmt in ("pdf", "largeprint"):
            publish(produced(staged, ".pdf"), out / (fmt + suffix))
        elif fmt == "worksheets":
            publish(staged / "pdf", out / "worksheets")
        else:
            publish(staged, out / fmt)
    html = out / "html"
    if "html" in args.formats:
        downloads = html / "downloads"
        downloads.mkdir(exist_ok=True)
        for path in (produced(work / "pdf", ".pdf"), produced(work / "epub", ".epub")):
            if path is not None:
                shutil.copy2(path, downloads / path.name)
    if not args.quiet:
        print(f"Done: {', '.join(str(out / f) for f in args.formats)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

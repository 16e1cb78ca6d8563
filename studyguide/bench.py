"""``make bench``: time the pipeline against a by-hand build and sphinx-simplepdf, in one run.

A benchmark, not a test: every contender runs on this machine in the same session, so the
ratios mean something even when the absolute seconds do not. Each contender works in its own
copy of the project under a temporary directory, runs ``make`` there exactly as a user would
(the copy links to this project's .venv), and never touches the user's ``_build/``, except
for the report, ``_build/bench.json``.

- naive: ``sphinx-build`` for html, epub and singlehtml from clean, each with its own
  doctrees, then the ``weasyprint`` command on the single page (the web theme, as a user gets
  it). WeasyPrint can take very long on that page, so the step has a time limit; a run that
  hits it counts as "at least the limit", and ratios to it become upper bounds ("<=").
- peer: ``sphinx-build -b simplepdf`` (sphinx-simplepdf) on the same sources.
- ours: ``make`` from clean, again with nothing changed, after editing one chapter, ``make
  html`` after editing one chapter, and cold ``make html`` / ``make pdf`` for their ratios.

Wall time is time.perf_counter around the command. Peak memory is the largest sum of the RSS
of every process in the command's session, sampled from /proc every 50 ms: the parallel EPUB
and PDF builds count together, as they do for the machine (``/usr/bin/time``'s %M would give
only the largest single process). Pages come from pypdf.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from studyguide.publish import published_file

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PROJECT = ("book", "exercises", "studyguide", "tools", "conf.py", "Makefile", "pyproject.toml")
EDITED = "book/chapters/2-defences.md"
PEER_EXTENSIONS = "myst_parser,sphinxcontrib.bibtex,studyguide,sphinx_simplepdf"
GB = 1024 ** 3
# (name, numerator, denominator, limit): every target of the issue, as a ratio in this run.
TARGETS = [
    ("cold make / naive (time)", "ours.make-cold", "naive.total", 0.5),
    ("cold make pdf / peer (time)", "ours.make-pdf-cold", "peer.simplepdf", 0.7),
    ("make, nothing changed / cold make", "ours.make-noop", "ours.make-cold", 0.05),
    ("make html, 1 edit / cold make html", "ours.make-html-edit", "ours.make-html-cold", 0.3),
    ("make, 1 edit / cold make", "ours.make-edit", "ours.make-cold", 0.5),
]


# -- Running and measuring -----------------------------------------------------------------
class PeakRSS(threading.Thread):
    """Sum the RSS of every process in one session, every 50 ms; keep the largest sum."""

    def __init__(self, sid: int) -> None:
        super().__init__(daemon=True)
        self.sid, self.peak, self.done = sid, 0, threading.Event()
        self.page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        while not self.done.is_set():
            total = 0
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
                if int(fields[3]) == self.sid:
                    total += int(fields[21]) * self.page
            self.peak = max(self.peak, total)
            self.done.wait(0.05)


def run(cmd: list[str], cwd: Path, env: dict, timeout: float | None = None) -> dict:
    """Run one command in its own session; return seconds, peak bytes, exit code, output tail."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        sampler = PeakRSS(proc.pid)
        sampler.start()
        try:
            code, timed_out = proc.wait(timeout=timeout), False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the session we started, nothing else
            code, timed_out = proc.wait(), True
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        log.seek(0)
        output = log.read()
    return {"cmd": " ".join(cmd), "seconds": seconds, "peak_bytes": sampler.peak, "code": code,
            "timed_out": timed_out, "output": clip(output)}


def clip(text: str, keep: int = 3000) -> str:
    """The start and end of a long log: what ran and how it ended (page progress is long)."""
    return text if len(text) <= 2 * keep else f"{text[:keep]}\n[...]\n{text[-keep:]}"


def limited(cmd: list[str], cwd: Path, env: dict, limit: float, hit: set) -> dict:
    """``run`` with a time limit; once a command has hit it, later runs skip it and record the
    limit again (a lower bound), rather than spend the limit once more to learn nothing."""
    key = (str(cwd), tuple(cmd))
    if key in hit:
        return {"cmd": " ".join(cmd), "seconds": limit, "peak_bytes": None, "code": 0,
                "timed_out": True, "output": "skipped: hit the time limit in an earlier run"}
    result = run(cmd, cwd, env, limit)
    if result["timed_out"]:
        hit.add(key)
    return result


def pdf_pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader  # comes with the [test] extra, not [bench]: pages are then "-"
    except ImportError:
        return None
    return len(PdfReader(path).pages) if path.is_file() else None


# -- The trees the contenders build --------------------------------------------------------
def copy_project(dest: Path) -> Path:
    """A user's checkout in ``dest``: the tracked files, and a link to this project's .venv
    whose install stamp is newer than the copied pyproject.toml, so make does not reinstall."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "_figures")
    for name in PROJECT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=skip)
        elif src.exists():
            shutil.copy2(src, dest / name)
    (dest / ".venv").symlink_to(VENV)
    stamp = (VENV / ".installed").stat().st_mtime
    os.utime(dest / "pyproject.toml", (stamp - 60, stamp - 60))
    return dest


def scale_book(tree: Path, copies: int) -> None:
    """Make the book ``copies`` times its size: every chapter and its exercise file repeated,
    front and back matter once. Copy 1 keeps the real names (the back matter links to them);
    copy k suffixes every label, figure name, exercise id and chapter name with ``-k``."""
    index = tree / "book/index.md"
    listed = [line for line in index.read_text().splitlines() if line.startswith("chapters/")]
    chapters = [tree / "book" / f"{entry}.md" for entry in listed]  # in the toctree's order
    labels: set[str] = set()
    for path in chapters:
        labels |= {a or b for a, b in re.findall(r"^\(([\w-]+)\)=$|^:name: ([\w-]+)$",
                                                  path.read_text(), re.M)}
    labels.discard("")
    label_re = re.compile(r"(?<![\w-])(%s)(?![\w-])" % "|".join(map(re.escape, sorted(labels))))
    toc = []
    for k in range(1, copies + 1):
        for path in chapters:
            stem = path.stem if k == 1 else f"{path.stem}-{k}"
            toc.append(f"chapters/{stem}")
            if k == 1:
                continue
            text = label_re.sub(rf"\1-{k}", path.read_text())
            text = text.replace(f"{{exercises}} {path.stem}", f"{{exercises}} {stem}")
            (path.parent / f"{stem}.md").write_text(text)
            yaml = label_re.sub(rf"\1-{k}", (tree / f"exercises/{path.stem}.yaml").read_text())
            yaml = re.sub(r"^(\s*- id: )([\w-]+)$", rf"\1\2-{k}", yaml, flags=re.M)
            yaml = yaml.replace(f"chapter: chapters/{path.stem}", f"chapter: chapters/{stem}")
            (tree / f"exercises/{stem}.yaml").write_text(yaml)
    index.write_text(index.read_text().replace("\n".join(listed), "\n".join(toc)))


# -- The contenders ------------------------------------------------------------------------
def naive(tree: Path, env: dict, limit: float, hit: set) -> dict:
    """What a user does by hand: three clean sphinx-builds, then weasyprint on the one page."""
    shutil.rmtree(tree / "out", ignore_errors=True)
    shutil.rmtree(tree / "book/_figures", ignore_errors=True)
    bin_ = VENV / "bin"
    steps = {b: run([str(bin_ / "sphinx-build"), "-q", "-b", b, "-c", ".", "-d", f"out/doctrees-{b}",
                     "book", f"out/{b}"], tree, env) for b in ("html", "epub", "singlehtml")}
    steps["weasyprint"] = limited([str(bin_ / "weasyprint"), "out/singlehtml/index.html",
                                   "out/naive.pdf"], tree, env, limit, hit)
    total = combine(steps.values())
    total["pages"] = pdf_pages(tree / "out/naive.pdf")
    return {"naive.total": total, **{f"naive.{k}": v for k, v in steps.items()}}


def peer(tree: Path, env: dict, limit: float, hit: set) -> dict:
    """sphinx-simplepdf, which logs a WeasyPrint failure and still exits 0: no PDF is a failure."""
    shutil.rmtree(tree / "out", ignore_errors=True)
    shutil.rmtree(tree / "book/_figures", ignore_errors=True)
    result = limited([str(VENV / "bin/sphinx-build"), "-q", "-b", "simplepdf", "-c", ".", "-d",
                      "out/doctrees-simplepdf", "-D", f"extensions={PEER_EXTENSIONS}", "book",
                      "out/simplepdf"], tree, env, limit, hit)
    pdfs = sorted((tree / "out/simplepdf").glob("*.pdf"))
    result["pages"] = pdf_pages(pdfs[0]) if pdfs else None
    if not pdfs and result["code"] == 0 and not result["timed_out"]:
        result["code"] = "no PDF"
    return {"peer.simplepdf": result}


def ours(tree: Path, env: dict) -> dict:
    """``make`` as a user runs it: cold, unchanged, after an edit; and the cold single formats."""
    def make(*args: str) -> dict:
        return run(["make", *args], tree, env)

    def edit(n: int) -> None:
        with open(tree / EDITED, "a") as f:
            f.write(f"\nA sentence added by the benchmark ({n}, {time.time_ns()}).\n")

    out = {}
    make("clean")
    out["ours.make-cold"] = make()
    out["ours.make-cold"]["pages"] = pdf_pages(published_file(tree / "_build", "pdf"))
    out["ours.make-noop"] = make()
    out["ours.make-noop"]["sphinx_started"] = "Up to date" not in out["ours.make-noop"]["output"]
    edit(1)
    out["ours.make-edit"] = make()
    edit(2)
    out["ours.make-html-edit"] = make("html")
    make("clean")
    out["ours.make-html-cold"] = make("html")
    make("clean")
    out["ours.make-pdf-cold"] = make("pdf")
    out["ours.make-pdf-cold"]["pages"] = pdf_pages(published_file(tree / "_build", "pdf"))
    return out


def combine(results) -> dict:
    results = list(results)
    return {"seconds": sum(r["seconds"] for r in results),
            "peak_bytes": max((r["peak_bytes"] for r in results if r["peak_bytes"]), default=None),
            "code": next((r["code"] for r in results if r["code"] != 0), 0),
            "timed_out": any(r["timed_out"] for r in results)}


# -- Report --------------------------------------------------------------------------------
def summarise(runs: list[dict]) -> dict:
    """Median of every measurement over the runs; 'timed_out' marks a lower bound."""
    summary = {}
    for key in runs[0]:
        rs = [r[key] for r in runs]
        summary[key] = {
            "seconds": statistics.median(r["seconds"] for r in rs),
            "peak_gb": statistics.median([r["peak_bytes"] for r in rs if r["peak_bytes"]] or [0]) / GB,
            "pages": rs[0].get("pages"), "runs": len(rs),
            "failed": [str(r["code"]) for r in rs if r["code"] != 0 and not r["timed_out"]],
            "timed_out": any(r["timed_out"] for r in rs),
            "sphinx_started": any(r.get("sphinx_started") for r in rs),
        }
    return summary


def verdicts(size: str, s: dict, one_x: dict | None) -> list[dict]:
    """One row per target. A ratio to a run stopped at the time limit is an upper bound: it
    passes if even the bound is within the limit, and is undecided ('?') otherwise."""
    rows = []

    def row(name: str, ratio: float, limit: float, bound: bool = False, failed: bool = False) -> None:
        verdict = "FAIL" if failed else "PASS" if ratio <= limit else "?" if bound else "MISS"
        rows.append({"book": size, "target": name, "ratio": ratio, "upper_bound": bound,
                     "limit": limit, "verdict": verdict})

    for name, num, den, limit in TARGETS:
        if num in s and den in s:
            sphinx = num == "ours.make-noop" and s[num]["sphinx_started"]
            row(name + (" (Sphinx started!)" if sphinx else ""), s[num]["seconds"] / s[den]["seconds"],
                limit, s[den]["timed_out"], bool(s[num]["failed"] or s[den]["failed"]) or sphinx)
    cold = s.get("ours.make-cold")
    if cold and one_x and size != "1x":
        row(f"cold make {size} / cold make 1x (time)",
            cold["seconds"] / one_x["ours.make-cold"]["seconds"], 20.0, failed=bool(cold["failed"]))
    if cold and size != "1x":
        row(f"cold make {size}: peak memory, GB", cold["peak_gb"], 1.5, failed=bool(cold["failed"]))
    return rows


def print_report(results: dict, rows: list[dict]) -> None:
    """Medians with their ratios to naive (time, memory, pages) and, for our PDFs, to the peer."""
    for size, s in results.items():
        naive_, peer_ = s.get("naive.total"), s.get("peer.simplepdf")

        def ratio(m: dict, base: dict | None, key: str) -> str:
            if not base or not base[key] or not m[key]:
                return f"{'-':>7}"
            return f"{'<=' if base.get('timed_out') and key == 'seconds' else ''}{m[key] / base[key]:.2f}".rjust(7)

        print(f"\n{size} book: median of {max(m['runs'] for m in s.values())} run(s)")
        print(f"  {'measurement':<22}{'wall s':>9}{'/naive':>7}{'/peer':>7}{'peak GB':>9}{'/naive':>7}"
              f"{'pages':>7}{'/naive':>7}{'/peer':>7}  note")
        for key, m in s.items():
            pdf = key in ("ours.make-cold", "ours.make-pdf-cold")
            note = "; ".join(filter(None, ["FAILED: " + ", ".join(m["failed"]) if m["failed"] else "",
                                           "stopped at the time limit" if m["timed_out"] else "",
                                           "Sphinx started" if m["sphinx_started"] else ""]))
            print(f"  {key:<22}{'>=' if m['timed_out'] else '  '}{m['seconds']:7.1f}"
                  f"{ratio(m, naive_, 'seconds')}{ratio(m, peer_ if pdf else None, 'seconds')}"
                  f"{m['peak_gb']:9.2f}{ratio(m, naive_, 'peak_gb')}{m['pages'] or '-':>7}"
                  f"{ratio(m, naive_, 'pages')}{ratio(m, peer_ if pdf else None, 'pages')}  {note}")
    print(f"\n  {'book':<5}{'target':<46}{'ratio':>9}{'limit':>7}  verdict")
    for r in rows:
        print(f"  {r['book']:<5}{r['target']:<46}{'<=' if r['upper_bound'] else '':>2}{r['ratio']:7.3f}"
              f"{r['limit']:7.2f}  {r['verdict']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of the 1x book (median shown)")
    parser.add_argument("--runs-20x", type=int, default=1, help="runs of the 20x book")
    parser.add_argument("--quick", action="store_true", help="1 run, 1x book only")
    parser.add_argument("--only", choices=("1x", "20x"))
    parser.add_argument("--limit", type=float, default=300,
                        help="seconds after which the naive weasyprint step or the peer is stopped "
                             "and counted as 'at least' this long")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    sizes = {"1x": (1, 1 if args.quick else args.runs), "20x": (20, args.runs_20x)}
    if args.quick:
        sizes.pop("20x")
    if args.only:
        sizes = {k: v for k, v in sizes.items() if k == args.only}

    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}", EDITION="student", PAPER="a4",
               SOURCE_DATE_EPOCH=env.get("SOURCE_DATE_EPOCH") or str(int((ROOT / "conf.py").stat().st_mtime)))
    tmp = Path(tempfile.mkdtemp(prefix="studyguide-bench-"))
    results, raw, rows = {}, {}, []
    try:
        for size, (copies, runs) in sizes.items():
            trees = {}
            for who in ("naive", "peer", "ours"):
                trees[who] = copy_project(tmp / size / who)
                if copies > 1:
                    scale_book(trees[who], copies)
            raw[size], hit = [], set()
            for n in range(runs):
                print(f"[{size} run {n + 1}/{runs}] naive, peer, ours ...", flush=True)
                raw[size].append({**naive(trees["naive"], env, args.limit, hit),
                                  **peer(trees["peer"], env, args.limit, hit),
                                  **ours(trees["ours"], env)})
            results[size] = summarise(raw[size])
            rows += verdicts(size, results[size], results.get("1x"))
            for key, r in raw[size][-1].items():
                if r["code"] != 0 and not r["timed_out"]:
                    print(f"\n{size} {key} failed ({r['code']}): {r['cmd']}\n{r['output'][-2000:]}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print_report(results, rows)
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "platform": platform.platform()},
              "source_date_epoch": env["SOURCE_DATE_EPOCH"], "summary": results, "targets": rows,
              "runs": raw}
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build/bench.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\nRaw runs: {ROOT / '_build/bench.json'}" + (f"; trees kept in {tmp}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

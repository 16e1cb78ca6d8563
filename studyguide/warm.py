"""A warm start for the next build: one process, left behind by a build, that has imported
Sphinx, the theme and the extensions, and forks the next build's Sphinx processes.

Importing that code is about 0.4 s of every Sphinx process's start, three per ``make``,
and as much again for each of the PDF's WeasyPrint workers; after a one-chapter edit it
is the largest single part of ``make html``. So the driver asks this process for each
format's Sphinx process (``start``), and leaves one behind when the build folder has none
(``leave``); it imports once, and stays for the next build. The PDF's workers, forked in
turn from a process that has WeasyPrint loaded (``pdf.pool.preload``), start ready too.
When no warm process can serve, the driver starts its processes itself, as it always did.

What keeps a warm process from building with the wrong code or settings:

- It serves only builds whose code (``fingerprint``: the package's Python files, the
  installed distributions, the interpreter) and environment (but for the per-build
  choices in ``PER_BUILD``, which are read only at run time) are the ones it started with.
  Any other request is answered "stale", and it leaves at once.
- It only imports; it never makes a Sphinx application, so each child it forks starts
  from what a freshly started process would have once it had imported the same modules.
- Each child runs in a process group of its own, as a spawned one does. It is killed when
  the driver's connection closes before it has ended (the driver was killed outright),
  and when this process dies.
- It leaves when its socket is removed or replaced (``make clean``), after ``IDLE`` seconds
  without a build, and on SIGTERM. The socket, ``.work/warm.sock`` in the build folder, is
  its owner's only.

``STUDYGUIDE_WARM=0`` turns it off, ``1`` on; by default it is on, except in CI (``CI``
set), where nobody edits and nothing should be left running after the job.
"""

from __future__ import annotations

import fcntl
import functools
import gc
import hashlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from studyguide import identity
from studyguide.pdf import JOIN_APART

SOCKET = "warm.sock"
PID = "warm.pid"  # the warm process's pid, for ``make bench`` to count its children's memory
READY_MARK = "warm.ready"  # there once everything is imported (for the tests)
IDLE = float(os.environ.get("STUDYGUIDE_WARM_IDLE") or 900)
READY = 30.0  # seconds a request may wait for an answer (the first one waits for the imports)
PACKAGE = Path(__file__).resolve().parent
# What the driver and the Makefile set for each build; every module reads these when it
# runs, never when it is imported, so a warm process serves any value of them.
PER_BUILD = frozenset(
    {
        "EDITION",
        "PAPER",
        "SOURCE_DATE_EPOCH",
        identity.ENV,
        JOIN_APART,
        "QUIZ",
        "ERRATA_FROM",
        "ERRATA_PAGES",
        "STUDYGUIDE_TEST_PAUSE",  # (studyguide.pause reads these at each point)
        "STUDYGUIDE_TEST_PAUSE_DIR",
    }
)


def in_ci() -> bool:
    """Whether this runs in CI (``CI=true``), where nothing is edited and no test may skip
    (tests/conftest.py asks here too)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def enabled() -> bool:
    value = os.environ.get("STUDYGUIDE_WARM")
    if value is not None:
        return value.strip() not in ("", "0")
    return not in_ci()


@functools.cache
def fingerprint() -> str:
    """The code a process imports: any change to it means a new warm process."""
    digest = hashlib.sha256(sys.executable.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    for folder in sorted({sysconfig.get_paths()[key] for key in ("purelib", "platlib")}):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:  # (a distribution installed, removed or reinstalled)
            if name.endswith((".dist-info", ".egg-info", ".pth", ".egg-link")):
                stamp = os.stat(os.path.join(folder, name)).st_mtime_ns
                digest.update(f"{name} {stamp}".encode())
    return digest.hexdigest()


def building(work: Path) -> bool:
    """Whether a build holds the folder's lock (``studyguide.lock``): read from the
    kernel's list of locks, which takes no lock itself."""
    try:
        found = os.stat(work / "lock")
        key = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino} "
        return key in Path("/proc/locks").read_text()
    except OSError:
        return False


def settings(env) -> dict[str, str]:
    return {key: value for key, value in env.items() if key not in PER_BUILD}


# -- The driver's side ---------------------------------------------------------------------
class Child:
    """A Sphinx process the warm process forked, handled by the driver as it handles a
    ``subprocess.Popen``: its pid (its process group's too), ``wait`` and ``returncode``."""

    def __init__(self, conn: socket.socket, pid: int) -> None:
        self.conn, self.pid, self.returncode = conn, pid, None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.conn.settimeout(timeout)
            try:
                said = self.conn.recv(256)
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"warm child {self.pid}", timeout) from None
            except OSError:
                said = b""
            try:
                self.returncode = int(json.loads(said)["exit"])
            except (ValueError, KeyError, TypeError):  # the warm process died, and its child with it
                self.returncode = -signal.SIGKILL
            self.conn.close()
        return self.returncode


def start(
    work: Path, confdir: Path, args: list[str], env: dict, fds: tuple[int, ...], first: bool
) -> Child | None:
    """``python -m studyguide.run_sphinx ARGS`` forked by the build folder's warm process,
    with this process's stdout and stderr and the pipes ``fds`` at the same numbers; ``None``
    when none serves (the caller then starts the process itself). When there is none, or
    the one there cannot serve this build, a writer starts a new one and waits for it (it
    imports once what each writer would import for itself); for a build's ``first``
    process the new one comes at the end of the build (``leave``), so that it never takes
    a core from a build of one format."""
    child = _ask(work, args, env, fds, first)
    if child is not None or first or not _launch(work, confdir, wait=True):
        return child
    return _ask(work, args, env, fds, first)


def leave(work: Path, confdir: Path) -> None:
    """At the end of a build: a warm process for the next one, unless one is listening."""
    if not enabled():
        return
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(str(work / SOCKET))
        return
    except OSError:
        _launch(work, confdir, wait=False)
    finally:
        conn.close()


def _ask(work: Path, args: list[str], env: dict, fds: tuple[int, ...], first: bool) -> Child | None:
    request = {
        "args": args,
        "env": env,
        "cwd": os.getcwd(),
        "fingerprint": fingerprint(),
        "fds": list(fds),
        "first": first,
    }
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.settimeout(READY)  # (a warm process just started answers once it has imported)
        conn.connect(str(work / SOCKET))
        socket.send_fds(conn, [json.dumps(request).encode()], [1, 2, *fds])
        pid = int(json.loads(conn.recv(256))["pid"])
    except TimeoutError:
        conn.close()
        _abandon(work)  # (and any child it forked for this request dies with it)
        return None
    except (OSError, ValueError, KeyError, TypeError):  # none, or stale: that one leaves
        conn.close()
        return None
    conn.settimeout(None)
    return Child(conn, pid)


def _abandon(work: Path) -> None:
    """Kill a warm process that does not answer (its children die with it)."""
    try:
        pid = int((work / PID).read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"studyguide.warm" in command and str(work).encode() in command:  # (not a reused pid)
            os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


def _launch(work: Path, confdir: Path, wait: bool) -> bool:
    """Start a warm process for this build folder, detached (a session of its own, no
    terminal, none of the build's pipes); whether it started (``wait``: and listens, within
    two seconds: it listens before it imports anything heavy)."""
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studyguide.warm", str(work), str(confdir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    if not wait:
        return True
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if int((work / PID).read_text()) == proc.pid:
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    return False


# -- The warm process ----------------------------------------------------------------------
def warming(work: Path, confdir: str):
    """The warm process's imports, one module per step: Sphinx's built-in extensions, what
    each format's last Sphinx process imported (``run_sphinx.warming``: the configuration's
    extensions and theme among them), and last WeasyPrint, loaded and warmed up, for the
    PDF's workers (``pdf.pool.preload``)."""
    import importlib

    from sphinx import application

    from studyguide import run_sphinx
    from studyguide.pdf import pool

    for name in application.builtin_extensions:
        importlib.import_module(name)
        yield
    for seen in sorted(work.glob("*/*.imports.json")) or [work / "none"]:
        try:
            yield from run_sphinx.warming(confdir, seen)
        except Exception:  # (a broken conf.py): each build's application reports it
            pass
    pool.preload()
    gc.freeze()  # (the children share these pages: collecting would write to them)
    (work / READY_MARK).write_text(str(os.getpid()))
    yield


class Server:
    def __init__(self, work: Path, confdir: str) -> None:
        self.work, self.confdir = work, confdir
        self.code = fingerprint()  # before importing anything: an edit during the imports shows
        self.settings = settings(os.environ)
        self.path = work / SOCKET
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        tmp = work / f"{SOCKET}.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        mask = os.umask(0o177)
        try:
            self.listener.bind(str(tmp))
        finally:
            os.umask(mask)
        self.listener.listen(8)
        tmp.replace(self.path)  # (a warm process still listening at the old one leaves)
        (work / READY_MARK).unlink(missing_ok=True)
        self.inode = self.path.stat().st_ino
        pid_tmp = work / f"{PID}.tmp"
        pid_tmp.write_text(str(os.getpid()))
        pid_tmp.replace(work / PID)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.wake_read, selectors.EVENT_READ)
        self.children: dict[int, socket.socket] = {}  # pid -> the driver's connection
        self.stale = False
        # The imports still to do (``warming``): a step at a time while no build runs in the
        # folder, so that they never compete with one for a core. A build's first process,
        # asked for before they are done, is forked at once and imports for itself (the
        # first build's is started by the driver); a writer asked for waits for them all,
        # as it would otherwise import them for itself.
        self.steps = warming(work, confdir)

    def ours(self) -> bool:
        try:
            return self.path.stat().st_ino == self.inode
        except OSError:
            return False

    def run(self) -> None:
        quiet = time.monotonic()
        while True:
            idle = not self.children and self.steps is not None and not building(self.work)
            timeout = 0 if idle else 0.05 if self.steps is not None else 1.0
            for key, _ in self.selector.select(timeout=timeout):
                if key.fileobj is self.listener:
                    conn, _ = self.listener.accept()
                    self.selector.register(conn, selectors.EVENT_READ, data="new")
                elif key.fileobj == self.wake_read:
                    os.read(self.wake_read, 512)
                elif key.data == "new":
                    self.request(key.fileobj)
                else:  # the driver's end closed before its child ended: the driver died
                    self.selector.unregister(key.fileobj)
                    try:
                        os.killpg(key.data, signal.SIGKILL)
                    except OSError:
                        pass
            self.reap()
            if self.children:
                quiet = time.monotonic()
            elif self.stale or not self.ours() or time.monotonic() - quiet > IDLE:
                if self.ours():
                    self.path.unlink(missing_ok=True)
                    (self.work / READY_MARK).unlink(missing_ok=True)
                return
            elif idle:
                self.step()  # nothing else to do, and no build to compete with: a step

    def step(self, until_done: bool = False) -> None:
        for _ in self.steps:
            if not until_done:
                return
        self.steps = None

    def request(self, conn: socket.socket) -> None:
        self.selector.unregister(conn)
        try:
            data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 8)
            request = json.loads(data)
        except (OSError, ValueError):
            conn.close()
            return
        if (
            request.get("fingerprint") != self.code
            or settings(request.get("env", {})) != self.settings
            or self.stale
            or not self.ours()
        ):
            self.stale = True  # a new warm process comes with the next build
            if self.listener.fileno() != -1:  # (so that the driver starts the new one)
                self.selector.unregister(self.listener)
                self.listener.close()
            for fd in fds:
                os.close(fd)
            conn.send(b'{"stale": true}')
            conn.close()
            return
        if self.steps is not None and not request.get("first"):
            self.step(until_done=True)  # (a writer: it would import all of it for itself)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:
                self.child(request, fds, conn)
            finally:
                os._exit(70)
        try:
            os.setpgid(pid, pid)  # (the child does so too: whichever runs first)
        except OSError:
            pass
        for fd in fds:
            os.close(fd)
        self.children[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ, data=pid)
        try:
            conn.send(json.dumps({"pid": pid}).encode())
        except OSError:  # the driver has gone already
            os.killpg(pid, signal.SIGKILL)

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            try:
                self.selector.unregister(conn)
            except (KeyError, ValueError):
                pass
            try:
                conn.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
            except OSError:
                pass
            conn.close()

    def child(self, request: dict, fds: list[int], conn: socket.socket) -> None:
        """In the forked child: become the process the driver would have started."""
        from studyguide.children import die_with_parent

        die_with_parent(os.getppid())
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # (the listener and every driver's connection but this one are in the selector)
        for key in list(self.selector.get_map().values()):
            if isinstance(key.fileobj, socket.socket):
                key.fileobj.close()
        self.selector.close()
        conn.close()
        os.close(self.wake_read)
        os.close(self.wake_write)
        targets = [1, 2, *request["fds"]]
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for fd in fds]
        for fd in fds:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        for fd, target in zip(high, targets, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        from studyguide import run_sphinx

        sys.argv = [run_sphinx.__file__, *request["args"]]
        run_sphinx.main()  # (it leaves with os._exit)


def main(work: str, confdir: str) -> None:
    try:
        Server(Path(work), confdir).run()
    except OSError:  # the build folder went away under it
        pass


if __name__ == "__main__":
    main(*sys.argv[1:])

"""One build at a time in a build folder.

Two builds in one tree would write the same doctrees and output folders. The lock is an
``flock`` on ``.work/lock``: the kernel releases it when the process holding it ends, however
it ends, so a build that was killed never leaves a lock that blocks the next one. A second
build waits, saying which process it waits for.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path


class BuildLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = None

    def __enter__(self) -> BuildLock:
        self.file = open(self.path, "a+", encoding="ascii")  # not inherited by the children
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.seek(0)
            holder = self.file.read().strip() or "unknown"
            print(
                f"Another build is running in {self.path.parent.parent} (pid {holder}); waiting...",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(self.file, fcntl.LOCK_EX)
        self.file.seek(0)
        self.file.truncate()
        self.file.write(str(os.getpid()))
        self.file.flush()
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()  # closing the last descriptor releases the lock

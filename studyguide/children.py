"""Child processes that never outlive their parent.

The build driver's Sphinx processes and the PDF's WeasyPrint workers ask the kernel
(``PR_SET_PDEATHSIG``) to kill them when their parent dies, however it dies: a driver
killed with SIGKILL leaves no build running on behind it.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Ask to be killed with the parent; leave at once if the parent (its pid, when given)
    died before the child could ask, which the kernel would not tell.

    A PDF build that failed just after starting its workers left them waiting forever,
    adopted by init, holding the console's pipe open (``make | tail`` never returned).
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the driver's process groups still apply
        pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def dying_with_me() -> Callable[[], None]:
    """What a child of this process runs first (``preexec_fn``) to die with it."""
    return functools.partial(die_with_parent, os.getpid())

"""Child processes that never outlive their parent.

The build driver's Sphinx processes and the PDF's WeasyPrint workers ask the kernel
(``PR_SET_PDEATHSIG``) to kill them when their parent dies, however it dies: a driver
killed with SIGKILL leaves no build running on behind it.
"""

from __future__ import annotations

import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the driver's process groups still apply
        pass

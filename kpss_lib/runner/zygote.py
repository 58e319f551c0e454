"""Warm kernels: a kernel forked from a process that already imported kpss and its stack.

The server of a run (:mod:`kpss_lib.runner.server`) imports :data:`WARM_KERNEL_MODULES`
once and warms the data caches (:func:`kpss_lib.warmup.warm`); each worker forks a *zygote* from it before
doing anything else (:func:`install`), and the job's kernel manager asks
:func:`warm_provisioner` for a provisioner that turns the zygote into the kernel
instead of exec-ing a fresh Python. Everything else in the runner is the same for
warm and cold kernels; a retry after a failed start gets a fresh kernel (cold, once the
zygote has been used).
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: turned into an ipykernel. matplotlib must not be among them: ipykernel picks the inline
#: backend at start, which only works if matplotlib is imported afterwards.
WARM_KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "kpss_lib", "folium",
                       "geopandas", "pandas", "numpy", "jupyter_client")

#: Forking a warm interpreter is routine on Linux; macOS (Objective-C runtime, Accelerate)
#: and Windows (no fork) start kernels cold.
SUPPORTED = sys.platform.startswith("linux")
#: The zygote of this worker process (one per job), or None when kernels start cold.
_ZYGOTE: _KernelZygote | None = None


class _ForkedProcess:
    """The parts of ``subprocess.Popen`` jupyter_client uses, for a kernel forked by this process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _KernelZygote:
    """A child forked from a worker before it starts anything, waiting to become the job's kernel.

    It already holds :data:`WARM_KERNEL_MODULES` (inherited from the run's server), so the
    kernel skips most of its start-up and the notebook most of its imports. It is its
    own session leader (interrupts and kills reach its whole group, never the worker).
    """

    def __init__(self, close_fds: Sequence[int] = ()) -> None:
        read_end, self._write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the zygote
            code = 1
            try:
                for fd in (self._write_end, *close_fds):
                    os.close(fd)
                os.setsid()
                code = _zygote_main(read_end)
            finally:
                os._exit(code)
        os.close(read_end)
        self.available = True

    def launch(self, cmd: Sequence[str], env: Mapping[str, str], cwd: str | None) -> _ForkedProcess:
        self.available = False
        payload = json.dumps({"cmd": list(cmd), "env": dict(env), "cwd": cwd}).encode()
        with os.fdopen(self._write_end, "wb") as stream:
            stream.write(payload)
        return _ForkedProcess(self.pid)

    def discard(self) -> None:
        """Let an unused zygote exit (it reads end-of-file)."""
        if self.available:
            self.available = False
            os.close(self._write_end)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


def _zygote_main(read_end: int) -> int:  # pragma: no cover - runs in the zygote
    with os.fdopen(read_end, "rb") as stream:
        payload = stream.read()
    if not payload:
        return 0
    request = json.loads(payload)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(request["env"])
    if request["cwd"]:
        os.chdir(request["cwd"])
    cmd = request["cmd"]
    # The spec's argv is `python [-X...] -m ipykernel_launcher -f <file>`: run what follows.
    argv = cmd[cmd.index("ipykernel_launcher") + 1:]
    sys.argv = [cmd[0], *argv]
    if "numpy" in sys.modules:
        # Unlike `random`, numpy's global generator is not reseeded on fork: every kernel
        # would draw the same "random" numbers as its siblings.
        sys.modules["numpy"].random.seed()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    # Its default was read from the environment when the server imported ipykernel;
    # without it the kernel would not exit when its worker dies.
    app.parent_handle = int(os.environ.get("JPY_PARENT_PID") or 0)
    app.initialize(argv)
    _inline_matplotlib(app.shell)
    app.start()
    return 0


def _inline_matplotlib(shell: Any) -> None:  # pragma: no cover - runs in the kernel
    """Make matplotlib draw into the notebook, as in a fresh ipykernel.

    A fresh kernel names the inline backend before anything imports matplotlib, and the
    backend hooks into the shell when a notebook first draws. A kernel forked from a
    process that imported pyplot inherits that process's state (a backend chosen outside
    IPython, Agg for a program that drew charts): ``%matplotlib inline`` is applied here.
    """
    if "matplotlib.pyplot" in sys.modules:
        shell.enable_matplotlib("inline")
    elif "matplotlib" in sys.modules:
        sys.modules["matplotlib"].rcParams["backend"] = "module://matplotlib_inline.backend_inline"


@functools.cache
def _warm_provisioner_class():
    from jupyter_client.provisioning import LocalProvisioner

    class WarmProvisioner(LocalProvisioner):
        """Starts the kernel by handing the launch to this worker's zygote instead of exec-ing Python."""

        async def launch_kernel(self, cmd, **kwargs):
            env = dict(kwargs.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits when this worker does
            cwd = kwargs.get("cwd")
            self.process = _ZYGOTE.launch(cmd, env, str(cwd) if cwd else None)
            self.pid = self.process.pid
            self.pgid = self.process.pid  # setsid() in the zygote
            self.cwd = cwd or Path.cwd()
            return self.connection_info

    return WarmProvisioner


def install(close_fds: Sequence[int] = ()) -> None:
    """Fork this worker's zygote; call before the worker starts any thread, socket or event loop."""
    global _ZYGOTE
    _ZYGOTE = _KernelZygote(close_fds=close_fds)


def discard() -> None:
    """Let this worker's zygote exit if no kernel was made of it."""
    if _ZYGOTE is not None:
        _ZYGOTE.discard()


def warm_provisioner(manager: Any) -> Any | None:
    """A provisioner that starts ``manager``'s kernel from this worker's zygote, or None (start cold)."""
    if _ZYGOTE is None or not _ZYGOTE.available:
        return None
    import uuid

    manager.kernel_id = manager.kernel_id or str(uuid.uuid4())
    return _warm_provisioner_class()(kernel_id=manager.kernel_id, kernel_spec=manager.kernel_spec, parent=manager)

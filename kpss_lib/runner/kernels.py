"""Kernels: the ``kpss`` kernelspec, the kernel manager every job uses, and the kernel's environment.

The manager starts a kernel cold (a fresh ``python -m ipykernel_launcher``, what plain
papermill does) unless this worker holds a warm zygote (:mod:`.zygote`), the one seam
where the warm path comes in.
"""
from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kpss_lib import config
from kpss_lib.errors import ConfigError
from kpss_lib.runner import zygote
from kpss_lib.runner.spec import KERNEL_NAME

#: Options of the ``kpss`` kernel: a job's cells stay out of the analyst's IPython history
#: (one SQLite file that every parallel kernel of a run would write to).
KERNEL_OPTIONS = ("--HistoryManager.enabled=False",)


def kpss_kernel_spec():
    """The ``kpss`` kernelspec: ipykernel on the interpreter running kpss (``sys.executable``)."""
    import ipykernel
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec

    spec = get_kernel_dict()
    return KernelSpec(
        argv=[*spec["argv"], *KERNEL_OPTIONS],
        display_name=f"kpss (Python {sys.version_info.major}.{sys.version_info.minor})",
        language="python",
        metadata=spec.get("metadata", {}),
        resource_dir=str(Path(ipykernel.__file__).resolve().parent / "resources"),
    )


def check_kernel(name: str) -> None:
    """Refuse a kernel name that is neither ``kpss`` nor installed in Jupyter's kernel folders."""
    if name == KERNEL_NAME:
        return
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        known = sorted(set(manager.find_kernel_specs()) | {KERNEL_NAME})
        raise ConfigError(f"no Jupyter kernel named {name!r}; installed: {', '.join(known)} "
                          f"(the default {KERNEL_NAME!r} is this Python, {sys.executable})") from None


#: Seconds between checks whether a killed kernel is gone (jupyter_client: 0.1 s).
_KILLED_POLL_S = 0.005
#: Kernel managers started in this process, so a terminated worker can kill its kernels.
_LIVE_KERNELS: list[Any] = []


def kernel_manager_class(extra_env: Mapping[str, str]):
    """A kernel manager that knows the ``kpss`` kernel and adds ``extra_env`` to the kernel's environment.

    The ``kpss`` spec is served from memory, so it works whatever ``JUPYTER_PATH`` or
    the user's kernel folders hold (no NoSuchKernel).
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class KpssKernelSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            if kernel_name == KERNEL_NAME:
                return kpss_kernel_spec()
            return super().get_kernel_spec(kernel_name)

    class KpssKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kpss_kernel_spec_manager(self):
            return KpssKernelSpecManager(data_dir=self.data_dir)

        @default("client_factory")
        def _kpss_client_factory(self):
            return _ready_client_class()

        async def start_kernel(self, **kw):
            env = dict(kw.pop("env", None) or os.environ)
            env.update(extra_env)
            if self.provisioner is None and self.kernel_name == KERNEL_NAME:
                self.provisioner = zygote.warm_provisioner(self)  # None: a cold start as usual
            _LIVE_KERNELS.append(self)
            return await super().start_kernel(env=env, **kw)

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # A finished job's kernel is killed (shutdown_kernel="immediate") and gone within
            # milliseconds; jupyter_client would look again only after 0.1 s, on every job.
            await super()._async_wait(pollinterval=min(pollinterval, _KILLED_POLL_S))

    return KpssKernelManager


@functools.cache
def _ready_client_class():
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        """A kernel client that knows the kernel is ready when IOPub carries its ``kernel_info``'s idle status.

        jupyter_client's ``wait_for_ready`` (8.x) ends by reading IOPub until it has been
        silent for 0.2 s: a fixed 0.2 s on every job. Messages left on IOPub are no
        concern (nbclient only takes a cell's output by its request id), but IOPub must be
        connected, which the idle status of this client's own request proves.
        """

        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                request = self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply" and \
                        reply["parent_header"].get("msg_id") == request and await self._idle_after(request):
                    self._handle_kernel_info_reply(reply)
                    return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

        async def _idle_after(self, request: str, timeout: float = 1.0) -> bool:
            """True once IOPub says the kernel went idle after ``request`` (False: IOPub not connected yet)."""
            end = time.monotonic() + timeout
            while (left := end - time.monotonic()) > 0:
                try:
                    msg = await self.iopub_channel.get_msg(timeout=left)
                except Empty:
                    return False
                if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == request and \
                        msg["content"].get("execution_state") == "idle":
                    return True
            return False

        # AsyncKernelClient binds ``wait_for_ready`` to the base class's function when it is
        # defined, so overriding ``_async_wait_for_ready`` alone would never be called.
        wait_for_ready = _async_wait_for_ready

    return ReadyClient


def kill_kernels() -> None:
    """Kill the kernels this process started (each is a session leader, so its group goes too)."""
    while _LIVE_KERNELS:
        manager = _LIVE_KERNELS.pop()
        pid = getattr(getattr(manager, "provisioner", None), "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                if hasattr(os, "killpg"):
                    os.killpg(pid, signal.SIGKILL)
                else:  # pragma: no cover - Windows
                    os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(Exception):
            manager.cleanup_connection_file()


def kernel_environment(kernel: str = KERNEL_NAME, output_root: str | os.PathLike | None = None) -> dict[str, str]:
    """Environment settings a run's kernels get on top of the inherited environment.

    The kpss paths are made absolute (kernels run in the run folder, so relative
    ``KPSS_DATA_DIR=../shared/data`` would break), and the cache stays where the runner's
    cache is. For the ``kpss`` kernel the package's source folder goes on ``PYTHONPATH``
    so a checkout that is not pip-installed still imports ``kpss_lib``.
    """
    env = {
        "KPSS_OUTPUT_DIR": str(Path(output_root).resolve() if output_root else config.output_dir().resolve()),
        "KPSS_CACHE_DIR": str(config.cache_dir().resolve()),
    }
    data = os.environ.get("KPSS_DATA_DIR")
    if data:
        env["KPSS_DATA_DIR"] = str(Path(data).expanduser().resolve())
    if kernel == KERNEL_NAME:
        source_root = str(Path(__file__).resolve().parents[2])
        existing = os.environ.get("PYTHONPATH", "")
        if source_root not in existing.split(os.pathsep):
            env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, existing) if p)
    return env


# --------------------------------------------------------------------------- one notebook

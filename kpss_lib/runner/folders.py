"""Run folders: the lock on a run name, recovery after a crash, and the atomic swap of outputs."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from kpss_lib.errors import ConfigError


def lock(root: Path, run_name: str):
    """An exclusive lock on the run name, so two runs never build the same folder at once.

    The lock file ``.<run name>.lock`` is removed when the run ends. A run that opened
    the file just before it was removed would hold a lock nobody else sees, so a lock is
    only taken on the file that is still at the path (else the open is retried).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no locking
        return contextlib.nullcontext()

    path = root / f".{run_name}.lock"

    @contextlib.contextmanager
    def held():
        while True:
            handle = _open_for_run(path, "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise ConfigError(f"run {run_name!r} is already running in {str(root)!r}; "
                                  "wait for it or choose another --name") from None
            try:
                if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                    break
            except FileNotFoundError:
                pass
            handle.close()  # removed by the run that held it: lock the file now at the path
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()  # while still locked: nobody can take the lock on this file after us
            handle.close()

    return held()


def _open_for_run(path: Path, mode: str):
    try:
        return open(path, mode)
    except OSError as exc:
        raise ConfigError(f"output folder {str(path.parent)!r} is not writable ({exc.strerror}); "
                          "choose another with --output-dir or KPSS_OUTPUT_DIR") from None


def temporary_folder(root: Path, run_name: str) -> Path:
    """A new folder ``.<run name>.tmp-XXXX`` in ``root`` to build the run in, readable by others."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{run_name}.tmp-", dir=root))
    except OSError as exc:
        raise ConfigError(f"output folder {str(root)!r} is not writable ({exc.strerror}); "
                          "choose another with --output-dir or KPSS_OUTPUT_DIR") from None
    tmp.chmod(0o755)  # mkdtemp makes it private; the run folder is meant to be shared
    return tmp


def recover(root: Path, run_name: str) -> None:
    """Clean up after a runner that died: restore an orphaned previous output, drop temp folders."""
    final = root / run_name
    old = sorted(root.glob(f".{run_name}.old-*"))
    if not final.exists() and not final.is_symlink() and old:
        os.replace(old[-1], final)  # the swap was cut between its two renames
        old = old[:-1]
    for stale in list(old) + sorted(root.glob(f".{run_name}.tmp-*")):
        remove(stale)


def remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def swap_into_place(new: Path, final: Path) -> None:
    """Put the finished folder ``new`` at ``final``, replacing what was there.

    Readers see either the old or the new folder: an atomic exchange where the kernel
    offers it, else two renames (a crash between them is repaired by the next run).
    A symlink at ``final`` is replaced itself; its target is never written to.
    """
    if not final.exists() and not final.is_symlink():
        os.replace(new, final)
        return
    if _exchange(new, final):
        remove(new)  # now holds the previous output (or the replaced symlink)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    old.rmdir()
    os.replace(final, old)
    os.replace(new, final)
    remove(old)

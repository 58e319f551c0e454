"""Atomic file writes: a failed run never leaves a half-written output behind.

Everything kpss writes (cache entries, tables, templates, maps) goes through
:func:`atomic_path`: the content is written to a temporary file in the target's
folder and moved into place with ``os.replace``, which is atomic on POSIX and
Windows. An older file at the same path stays intact until the new one is complete.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it to ``path``.

    Parameters
    ----------
    path : str or PathLike
        The final file; its folder is created when missing.
    suffix : str, optional
        Suffix of the temporary file (some writers pick the format from it);
        default: the suffix of ``path``.

    The temporary file gets the permissions a normal new file would get (``mkstemp``
    makes 0600, but outputs are meant to be shared). On any exception it is removed
    and the exception propagates.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix if suffix is not None else target.suffix,
                                    dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomic(text: str, path: str | os.PathLike, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (fsynced before the move)."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    return Path(path)

"""GeoParquet cache of converted inputs, keyed by the content of their source files.

The key is a hash of the sources' bytes (not their mtimes), so a changed source is
never served stale and a copied or touched file with the same bytes still hits.
Hashes are remembered per (path, size, mtime_ns) within a process to keep warm loads fast.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from kpss_lib.config import cache_dir

#: Bump when the conversion code changes, so old cache entries are not reused.
CACHE_VERSION = "1"

_hash_memo: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's content (hex), memoised per path, size and mtime."""
    path = Path(path)
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if memo_key not in _hash_memo:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _hash_memo[memo_key] = digest.hexdigest()
    return _hash_memo[memo_key]


def cache_key(name: str, sources: Sequence[Path]) -> str:
    digest = hashlib.sha256(f"{name}|{CACHE_VERSION}".encode())
    for source in sources:
        digest.update(file_sha256(source).encode())
    return digest.hexdigest()[:20]


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write (Geo)Parquet to a temporary file beside ``path`` and move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        frame.to_parquet(tmp_name, index=False)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def cached(name: str, sources: Sequence[Path], build: Callable[[], pd.DataFrame],
           *, use_cache: bool = True) -> pd.DataFrame:
    """Return ``build()``'s frame, from the cache when the sources are unchanged.

    Parameters
    ----------
    name : str
        Name of the converted table (part of the file name).
    sources : sequence of Path
        Files the table is built from; their content keys the cache entry.
    build : callable
        Builds the table from the sources (a DataFrame or GeoDataFrame).
    use_cache : bool, default True
        False always rebuilds and writes nothing.
    """
    if not use_cache:
        return build()
    path = cache_dir() / f"{name}-{cache_key(name, sources)}.parquet"
    if path.is_file():
        try:
            return _read(path)
        except Exception:
            # A damaged entry (e.g. disk full earlier) is rebuilt, never trusted.
            path.unlink(missing_ok=True)
    frame = build()
    try:
        write_parquet_atomic(frame, path)
        for stale in path.parent.glob(f"{name}-*.parquet"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache folder must not break loading
    return frame


def _read(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    if b"geo" in metadata:
        return gpd.read_parquet(path)
    return pd.read_parquet(path)

"""GeoParquet cache of converted inputs, keyed by the content of their source files.

The key is a hash of the sources' bytes (not their mtimes), so a changed source is
never served stale and a copied or touched file with the same bytes still hits.

A hash is remembered only against the file's inode *change* time (``st_ctime``) with
its size, mtime, inode and device, in the process and in a small JSON file in the
cache folder. The kernel sets the change time on every write and on every ``utime``
call, so an edit that keeps the size and restores the mtime still changes the key
and the bytes are hashed again: ``kpss data`` and run manifests never record an old
SHA-256. A file changed less than :data:`RACY_SECONDS` before it was hashed is not
remembered (a later edit could fall in the same timestamp tick; git's "racy" rule),
and where the change time means creation time (Windows) the bytes are hashed on
every call.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from kpss_lib.config import cache_dir
from kpss_lib.fileio import atomic_path, write_text_atomic

#: Bump to invalidate every cache entry by hand; the loaders' own source is hashed too.
CACHE_VERSION = "1"


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of the loader modules' source, so an upgraded kpss never reads entries built by older code."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()

#: Tables already read in this process, by cache file (whose name holds the content key).
_memory: dict[Path, pd.DataFrame] = {}
#: Files changed more recently than this (seconds) before hashing are hashed again next time.
RACY_SECONDS = 3.0
_HASH_INDEX = "file-hashes-v2.json"
_hashes: dict[str, str] = {}


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _stat_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}|{stat.st_ino}|{stat.st_dev}"


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of the bytes of a file; see the module docstring for when it is remembered."""
    path = Path(path)
    if os.name != "posix":
        return _digest(path)
    key = _stat_key(path)
    if key not in _hashes:
        _load_hash_index()
    if key in _hashes:
        return _hashes[key]
    digest = _digest(path)
    settled = time.time() - path.stat().st_ctime > RACY_SECONDS
    if settled and _stat_key(path) == key:  # and not changed while it was read
        _hashes[key] = digest
        _save_hash_index()
    return digest


def _load_hash_index() -> None:
    try:
        _hashes.update(json.loads((cache_dir() / _HASH_INDEX).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass


def _save_hash_index() -> None:
    try:
        write_text_atomic(json.dumps(_hashes), cache_dir() / _HASH_INDEX)
    except OSError:
        pass  # only a speed-up


def cache_key(name: str, sources: Sequence[Path]) -> str:
    digest = hashlib.sha256(f"{name}|{CACHE_VERSION}|{_code_fingerprint()}".encode())
    for source in sources:
        digest.update(file_sha256(source).encode())
    return digest.hexdigest()[:20]


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write (Geo)Parquet atomically."""
    with atomic_path(path) as temporary:
        frame.to_parquet(temporary, index=False)


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
    if path in _memory:
        return _private_copy(_memory[path])
    if path.is_file():
        try:
            frame = _read(path)
            _remember(path, frame)
            return _private_copy(frame)
        except Exception:
            # A damaged entry (e.g. disk full earlier) is rebuilt, never trusted.
            path.unlink(missing_ok=True)
    frame = build()
    _remember(path, frame.copy())
    try:
        write_parquet_atomic(frame, path)
        for stale in path.parent.glob(f"{name}-*.parquet"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache folder must not break loading
    return frame


#: With pandas' copy-on-write (the default from pandas 3) a shallow copy already keeps
#: callers' changes away from the remembered table; before that it takes a deep copy.
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or bool(pd.options.mode.copy_on_write)


def _private_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a remembered table that the caller may change freely."""
    return frame.copy(deep=not _COPY_ON_WRITE)


def _remember(path: Path, frame: pd.DataFrame) -> None:
    """Keep one table per name in memory, as on disk: a changed source replaces its old entry."""
    name = path.name.rsplit("-", 1)[0]
    for stale in [p for p in _memory if p.name.rsplit("-", 1)[0] == name]:
        del _memory[stale]
    _memory[path] = frame


def _read(path: Path) -> pd.DataFrame:
    """Read a cache entry; GeoParquet is decoded directly (about 2× faster than
    ``geopandas.read_parquet``, which re-parses the CRS on every call)."""
    table = pq.ParquetFile(path).read()  # read_table would import pyarrow.dataset (~10 ms)
    geo = json.loads((table.schema.metadata or {}).get(b"geo", b"null"))
    frame = table.to_pandas()
    if not geo:
        return frame
    column = geo["primary_column"]
    # GeoParquet: an absent "crs" means OGC:CRS84 (lon/lat), an explicit null means unknown.
    spec = geo["columns"][column]
    crs = _crs(json.dumps(spec["crs"])) if "crs" in spec else CRS.from_user_input("OGC:CRS84")
    geometry = gpd.GeoSeries(shapely.from_wkb(frame.pop(column).to_numpy()), index=frame.index, crs=crs)
    return gpd.GeoDataFrame(frame, geometry=geometry.rename(column))


@lru_cache(maxsize=8)
def _crs(projjson: str) -> CRS | None:
    value = json.loads(projjson)
    if not value:
        return None
    identifier = value.get("id") or {}
    if identifier.get("authority") == "EPSG":
        return CRS.from_epsg(identifier["code"])  # a database lookup: ~15× faster than PROJJSON parsing
    return CRS.from_json_dict(value)

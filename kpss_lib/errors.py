"""One small exception tree, so callers can catch every kpss error as ``KpssError``."""
from __future__ import annotations

from os import PathLike


class KpssError(Exception):
    """Base class of every error kpss raises on purpose."""


class ConfigError(KpssError):
    """A setting is missing or points at nothing (data directory, output directory)."""


class DataFileError(KpssError):
    """An input file is missing, unreadable or malformed.

    The message names the file and, where known, the row (1-based line number in
    the file, the header being line 1), the column, what was expected and what came.
    """

    def __init__(
        self,
        path: str | PathLike | None,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        got: object = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.row = row
        self.column = column
        self.expected = expected
        self.got = got
        parts = [f"{self.path}" if self.path else "input"]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {column!r}")
        message = ", ".join(parts) + f": {problem}"
        if expected is not None:
            message += f"; expected {expected}"
        if got is not None:
            message += f", got {got!r}"
        super().__init__(message)


class OutputError(KpssError):
    """An output file cannot be written (permission denied, disk full, a folder in the way)."""


class RegionNotFoundError(KpssError, LookupError):
    """A region name or code matches nothing, or matches several regions."""

    def __init__(self, query: str, message: str, candidates: list | None = None) -> None:
        self.query = query
        self.candidates = candidates or []
        super().__init__(message)


class UnknownValueError(KpssError, ValueError):
    """A parameter value is not one of the valid ones (service type, population group, ...)."""


class ValidationError(KpssError):
    """Input records contradict each other or the rules (funding, plans, monitoring).

    ``rejected`` is a DataFrame with one row per problem (file, record, column, reason).
    """

    def __init__(self, message: str, rejected=None) -> None:
        self.rejected = rejected
        super().__init__(message)


class GeometryRepairedWarning(UserWarning):
    """An invalid polygon of an input was repaired (make_valid); the message names file and codes."""


class UnknownCodeWarning(UserWarning):
    """An input uses a code kpss's code lists lack (e.g. a newer MPSV target group); kept as the code."""

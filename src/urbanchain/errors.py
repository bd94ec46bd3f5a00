"""Errors and warnings raised by urbanchain.

Every error derives from :class:`UrbanchainError` and from the matching
built-in exception, so ``except ValueError`` keeps working for callers who do
not know urbanchain.  Every message states what is wrong, names the offending
file, row, field or edge, and says how to fix it.

Warnings derive from :class:`UrbanchainWarning` (a :class:`UserWarning`).
:class:`RepairWarning` is issued only when the caller asked for a repair and
always counts what changed.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "DataNotFoundError",
    "DataQualityWarning",
    "GraphError",
    "InputFileError",
    "OptionalDependencyError",
    "RepairWarning",
    "ResourceLimitError",
    "ScenarioError",
    "UnknownNameError",
    "UrbanchainError",
    "UrbanchainWarning",
    "ValidationError",
    "WeightError",
]


class UrbanchainError(Exception):
    """Base class of every error raised by urbanchain."""


class ValidationError(UrbanchainError, ValueError):
    """Layer data (geometries, ids, attribute values) that cannot be used as given."""


class CRSError(UrbanchainError, ValueError):
    """A missing, implausible or unsuitable coordinate reference system."""


class InputFileError(UrbanchainError, ValueError):
    """A file that cannot be read: truncated, wrong format, wrong encoding, ambiguous layer."""


class DataNotFoundError(UrbanchainError, FileNotFoundError):
    """A file, bundled dataset or layer that does not exist."""


class ResourceLimitError(UrbanchainError, ValueError):
    """An input larger than a configured limit (bytes, features, vertices, sweep size)."""


class GraphError(UrbanchainError, ValueError):
    """A graph that metrics cannot use: empty, missing attributes, inconsistent."""


class WeightError(GraphError):
    """Edge weights that are missing, non-numeric, NaN, infinite, zero or negative."""


class UnknownNameError(UrbanchainError, ValueError):
    """An unknown region, layer, corridor, node, column or option name."""


class ScenarioError(UrbanchainError, ValueError):
    """A scenario edit or configuration that cannot be applied."""


class OptionalDependencyError(UrbanchainError, ImportError):
    """An optional package that a feature needs is not installed."""


class UrbanchainWarning(UserWarning):
    """Base class of every warning issued by urbanchain."""


class RepairWarning(UrbanchainWarning):
    """Data was repaired on request; the message counts what changed."""


class DataQualityWarning(UrbanchainWarning):
    """Data is usable but suspicious (for example, points outside the study region)."""

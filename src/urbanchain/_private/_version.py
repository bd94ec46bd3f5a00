"""The installed urbanchain version, readable from any stage without importing the package root."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["VERSION"]

try:
    VERSION: str = version("urbanchain")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    VERSION = "0.0.0+unknown"

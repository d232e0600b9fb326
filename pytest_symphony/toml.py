"""TOML reading on every supported Python: ``tomllib`` from 3.11, the ``tomli`` backport before."""

import sys

__all__ = ["TOMLDecodeError", "load", "loads", "tomllib"]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

loads = tomllib.loads
load = tomllib.load
TOMLDecodeError = tomllib.TOMLDecodeError

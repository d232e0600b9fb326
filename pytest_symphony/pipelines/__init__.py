"""Built-in pipelines: ``<alias>.yaml`` specs with their handlers in ``<alias>_handlers.py``.

Collected only when a run names them.  What they are (:class:`Pipeline`,
:func:`builtin_pipelines`) is :mod:`pytest_symphony.builtins`, which the run's core reads
without importing these handler modules.
"""

from __future__ import annotations

from ..builtins import HERE, NODEID_PREFIX, Pipeline, builtin_pipelines

__all__ = ["HERE", "NODEID_PREFIX", "Pipeline", "builtin_pipelines"]

"""pytest-xdist: one run id on every worker, and each sequence kept on one worker in order."""

from __future__ import annotations

from .score.loader import SPEC_SUFFIXES


class XdistSupport:
    def __init__(self, session) -> None:
        self.session = session

    def pytest_configure_node(self, node) -> None:
        node.workerinput["symphony_run_id"] = self.session.run_id

    def pytest_xdist_make_scheduler(self, config, log):
        if config.getoption("dist") in ("load", "worksteal"):
            return _sequence_scheduling()(config, log)
        return None


def _sequence_scheduling():
    from xdist.scheduler import LoadScopeScheduling

    class SequenceScheduling(LoadScopeScheduling):
        """``--dist load`` for plain tests; a whole spec file (one sequence) per worker for beats."""

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path.endswith(SPEC_SUFFIXES) or path.startswith("symphony:"):
                return path
            return self._riders().get(nodeid, nodeid)

        def _riders(self) -> dict[str, str]:
            """BDD scenarios the workers placed right after a beat (linked to it) run in that beat's scope."""
            if getattr(self, "_rider_scopes", None) is None and self.collection is not None:
                self._rider_scopes, scope = {}, None
                for nodeid in self.collection:
                    path = nodeid.split("::", 1)[0]
                    if path.endswith(SPEC_SUFFIXES) or path.startswith("symphony:"):
                        scope = path
                    elif scope is not None and path.endswith(".feature"):
                        self._rider_scopes[nodeid] = scope
                    else:
                        scope = None
            return getattr(self, "_rider_scopes", None) or {}

    return SequenceScheduling

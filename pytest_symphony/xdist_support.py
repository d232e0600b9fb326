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
            return nodeid

    return SequenceScheduling

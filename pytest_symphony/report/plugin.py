"""The report area's pytest plug-in: ``--symphony-report``, ``--symphony-report-dir``, pytest-html.

At the end of a run (after the telemetry writer has closed, so the history holds this
run) it builds the report from the history and writes the formats asked for; every
file written is listed at the end of the terminal summary.  Reports written by the
report pipeline's beats, possibly on an xdist worker, reach that list through
``symphony.wrote(path)`` events, which travel with the beats' telemetry.
"""

from __future__ import annotations

import pytest

from .settings import ReportSettings, settings_for

REPORT_KEY = pytest.StashKey[ReportSettings]()


@pytest.hookimpl(trylast=True)  # after the core plug-in set the session state up
def pytest_configure(config: pytest.Config) -> None:
    settings = settings_for(config)
    config.stash[REPORT_KEY] = settings
    if settings.formats:
        # the analysis and the renderers load only in a run that asks for a report
        from .end_of_run import ReportHooks

        config.pluginmanager.register(ReportHooks(config, settings), "symphony-report-hooks")
    if html_active(config):
        # pytest-html's glue (and the history store it reads) loads only when it writes a report
        from .html_extras import HtmlExtras

        config.pluginmanager.register(HtmlExtras(config), "symphony-report-html")


def html_active(config: pytest.Config) -> bool:
    """pytest-html writes a report in this process (``--html`` on the controller, not a worker)."""
    return (
        config.pluginmanager.hasplugin("html")
        and bool(config.getoption("htmlpath", None))
        and not hasattr(config, "workerinput")
    )

"""Test-run plugins that keep the safety case true: every hazard control's tests must pass, and
sources past their review date are reported (a failure when NETFAQ_STALE_SOURCES=fail).

Registered by conftest.py. A control test counts as proved only when it ran and passed: skipped,
expected-to-fail and not-run tests leave the control unproved and fail the run.
"""

from __future__ import annotations

import os
from datetime import date

import pytest

from netfaq.core.freshness import fail_on_stale, freshness_report, overdue_sources
from netfaq.core.knowledge import KnowledgeBase
from netfaq.tools.hazards import HazardLog


def _function_id(nodeid: str) -> str:
    """tests/x.py::test_y[param] -> tests/x.py::test_y, the form the hazard log names tests in."""
    return nodeid.split("[", 1)[0]


class HazardControls:
    def __init__(self, log: HazardLog):
        self.hazards_of = log.control_tests()
        self.collected: list[str] = []
        self.passed: set[str] = set()
        self.unproved: dict[str, list[str]] = {}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = [item.nodeid for item in session.items if _function_id(item.nodeid) in self.hazards_of]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
            self.passed.add(report.nodeid)
        elif report.failed or report.skipped:
            self.passed.discard(report.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if session.config.option.collectonly:
            return
        for nodeid in self.collected:
            if nodeid not in self.passed:
                self.unproved.setdefault(_function_id(nodeid), []).append(nodeid)
        if self.unproved and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.collected or terminalreporter.config.option.collectonly:
            return
        terminalreporter.section("hazard controls")
        functions = {_function_id(nodeid) for nodeid in self.collected}
        proved = len(functions) - len(self.unproved)
        terminalreporter.write_line(f"{proved} of {len(functions)} control tests in this run passed (docs/safety).")
        for function, nodeids in sorted(self.unproved.items()):
            hazards = ", ".join(self.hazards_of[function])
            terminalreporter.write_line(
                f"NOT PROVED ({hazards}): {function}: {len(nodeids)} case(s) skipped, failed or not run", red=True
            )


class SourceFreshness:
    def __init__(self, kb: KnowledgeBase, today: date):
        self.kb = kb
        self.today = today
        self.fail = fail_on_stale(os.environ)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.fail and overdue_sources(self.kb, self.today) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.section("source freshness")
        for line in freshness_report(self.kb, self.today).splitlines():
            terminalreporter.write_line(line)
        if self.fail and overdue_sources(self.kb, self.today):
            terminalreporter.write_line("NETFAQ_STALE_SOURCES=fail: overdue sources fail this run.", red=True)

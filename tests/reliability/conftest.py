"""Reliability suite: fuzz summary line; fault fixtures live in faults.py."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    from tests.reliability import test_fuzz

    if test_fuzz.SENT["requests"]:
        terminalreporter.write_line(test_fuzz.pytest_fuzz_summary())

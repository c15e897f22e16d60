"""A CI-sized run of bench/load.py: mixed load for ten seconds loses no acknowledged write."""

from __future__ import annotations

from bench.load import run_load


def test_load_short_run_loses_nothing(settings):
    figures = run_load(seconds=10, clients=4, workers=2)
    assert figures["acknowledged_uploads"] > 0, figures
    assert figures["acknowledged_tags"] > 0, figures
    assert figures["errors"] == 0, (figures["by_kind"], figures["server_errors"])
    assert figures["lost_writes"] == 0, figures
    assert figures["lock_errors_in_log"] == 0, figures

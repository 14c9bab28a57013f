"""deploy/gunicorn.conf.py: workers are recycled with jitter; memory tracing only when asked for."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name in (
        "WEB_MAX_REQUESTS",
        "WEB_MAX_REQUESTS_JITTER",
        "WEB_MALLOC_TRIM_EVERY",
        "TANZIM_TRACEMALLOC",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("tanzim_gunicorn_conf", CONF)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_workers_are_recycled_with_jitter_by_default(monkeypatch):
    conf = _load(monkeypatch)
    assert (conf.max_requests, conf.max_requests_jitter) == (5000, 500)

    off = _load(monkeypatch, WEB_MAX_REQUESTS="0", WEB_MAX_REQUESTS_JITTER="500")
    assert (off.max_requests, off.max_requests_jitter) == (0, 0)


def test_a_malformed_number_stops_the_start(monkeypatch):
    with pytest.raises(SystemExit, match="WEB_MAX_REQUESTS"):
        _load(monkeypatch, WEB_MAX_REQUESTS="lots")


def test_tracing_is_off_unless_asked_for(monkeypatch):
    import tracemalloc

    conf = _load(monkeypatch)
    was = tracemalloc.is_tracing()
    conf.post_fork(None, None)
    assert tracemalloc.is_tracing() == was

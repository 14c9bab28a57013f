"""deploy/gunicorn.conf.py: workers give back the memory malloc holds free, and are recycled with jitter."""

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


def test_malloc_trim_runs_once_every_n_requests(monkeypatch):
    conf = _load(monkeypatch, WEB_MALLOC_TRIM_EVERY="3")
    calls: list[int] = []
    conf._malloc_trim = calls.append

    for _ in range(7):
        conf.post_request(None, None, {}, None)

    assert calls == [0, 0]  # after the 3rd and the 6th request, with pad 0: every free page


def test_malloc_trim_can_be_turned_off(monkeypatch):
    conf = _load(monkeypatch, WEB_MALLOC_TRIM_EVERY="0")
    conf._malloc_trim = lambda pad: pytest.fail("trimmed although turned off")
    for _ in range(300):
        conf.post_request(None, None, {}, None)


def test_the_real_trimmer_is_glibc_s(monkeypatch):
    conf = _load(monkeypatch)
    trim = conf._trimmer()
    assert trim is not None  # this machine runs glibc, as the image (python:3.11-slim) does
    assert trim(0) in (0, 1)


def test_a_malformed_number_stops_the_start(monkeypatch):
    with pytest.raises(SystemExit, match="WEB_MAX_REQUESTS"):
        _load(monkeypatch, WEB_MAX_REQUESTS="lots")


def test_tracing_is_off_unless_asked_for(monkeypatch):
    import tracemalloc

    conf = _load(monkeypatch)
    was = tracemalloc.is_tracing()
    conf.post_fork(None, None)
    assert tracemalloc.is_tracing() == was

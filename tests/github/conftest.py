import pytest

from fake_server import FakeGitHub


@pytest.fixture(autouse=True)
def _fast_waits(monkeypatch):
    # every pacing, backoff and Retry-After wait shrinks a hundredfold
    monkeypatch.setenv("MG_GITHUB_TIME_SCALE", "0.01")


@pytest.fixture
def fake():
    server = FakeGitHub()
    server.start()
    yield server
    server.stop()

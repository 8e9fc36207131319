import pytest

from harness import FakeGitHub


@pytest.fixture
def api():
    server = FakeGitHub()
    server.start()
    yield server
    server.stop()

import pytest

from harness import CONTAINER, FakeGitHub


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "container: a scenario scripts/container-check.sh also runs inside the built image"
    )


def pytest_collection_modifyitems(config, items):
    # each run inside the image costs a fresh container (tens of seconds on vfs storage):
    # the container check runs the marked scenarios, the plain run all of them
    if CONTAINER:
        skip = pytest.mark.skip(reason="not a container scenario")
        for item in items:
            if "container" not in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def api():
    server = FakeGitHub()
    server.start()
    yield server
    server.stop()

from __future__ import annotations

import pytest

from render_fixtures import empty_report as _empty_report
from render_fixtures import full_report


@pytest.fixture
def report():
    return full_report()


@pytest.fixture
def empty_report():
    return _empty_report()

from __future__ import annotations

import pytest

from tests.verifier.factory import World


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def world() -> World:
    return World()

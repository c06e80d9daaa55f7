"""Fixtures shared by the issuer tests; the database and platform fixtures (``db``, ``platform``, ``seed``...) are
in ``tests/conftest.py``.

``people``
    ``Principal`` objects for the seeded users: ``teacher``, ``admin``, ``student``, ``student2`` (school
    ``north``), ``south_teacher``, ``south_student``.
"""
from __future__ import annotations

import pytest

from tests.issuer.learning_support import principal


@pytest.fixture
def people(seed):
    u = seed.users
    return {"teacher": principal(u[("north", "teacher", 0)], "teacher"),
            "admin": principal(u[("north", "school_admin", 0)], "school_admin"),
            "student": principal(u[("north", "student", 0)], "student"),
            "student2": principal(u[("north", "student", 1)], "student"),
            "south_teacher": principal(u[("south", "teacher", 0)], "teacher"),
            "south_student": principal(u[("south", "student", 0)], "student")}

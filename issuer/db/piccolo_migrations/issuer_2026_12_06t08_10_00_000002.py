"""Issue 12: a submission version carries the student's optional self-assessment against the
rubric (``self_ratings``: criterion id → level) and its comment (``self_comment``)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T08:10:00:000002"
VERSION = "1.38.0"
DESCRIPTION = "self-assessment on submission versions"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="issuer", description=DESCRIPTION)

    manager.add_column(
        table_class_name="SubmissionVersion",
        tablename="submission_version",
        column_name="self_ratings",
        db_column_name="self_ratings",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "{}",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SubmissionVersion",
        tablename="submission_version",
        column_name="self_comment",
        db_column_name="self_comment",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager

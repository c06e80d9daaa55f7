from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T08:20:00:000004"
VERSION = "1.38.0"
DESCRIPTION = "Review.criterion_feedback: the rater's feedback per criterion of the rubric (issue 13)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="issuer", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Review",
        tablename="review",
        column_name="criterion_feedback",
        db_column_name="criterion_feedback",
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

    return manager

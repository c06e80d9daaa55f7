from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique

ID = "2026-12-06T01:21:04:015879"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="issuer", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Award",
        tablename="award",
        column_name="evidence_shared",
        db_column_name="evidence_shared",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": True,
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
        table_class_name="Award",
        tablename="award",
        column_name="opportunity",
        db_column_name="opportunity",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 1,
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

    manager.drop_constraint(
        table_class_name="Award",
        tablename="award",
        constraint_name="unique_learner_achievement",
        schema=None,
    )

    manager.add_constraint(
        table_class_name="Award",
        tablename="award",
        constraint_name="unique_learner_achievement_opportunity",
        constraint_class=Unique,
        params={
            "columns": ["learner", "achievement", "opportunity"],
            "nulls_distinct": True,
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="Award",
        tablename="award",
        constraint_name="unique_submission",
        constraint_class=Unique,
        params={"columns": ["submission"], "nulls_distinct": True},
        schema=None,
    )

    return manager

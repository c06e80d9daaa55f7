"""Issue 12, the badge page: the learner's sharing switches on each issued credential (the public
page, on by default so links already given out keep working; the learner's name on it, off by
default) and a school's LinkedIn organisation id for "Add to profile"."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T08:10:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "badge sharing switches; school LinkedIn organisation id"


def _params(**extra):
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="issuer", description=DESCRIPTION)
    for name, default in (("public_page", True), ("show_name", False)):
        manager.add_column(
            table_class_name="IssuedCredential", tablename="issued_credential", column_name=name,
            db_column_name=name, column_class_name="Boolean", column_class=Boolean,
            params=_params(default=default), schema=None)
    manager.add_column(
        table_class_name="School", tablename="school", column_name="linkedin_organization_id",
        db_column_name="linkedin_organization_id", column_class_name="Varchar", column_class=Varchar,
        params=_params(length=32, default=""), schema=None)
    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T23:55:47:715106"
VERSION = "1.38.0"
DESCRIPTION = "Test interviews: a flag on the link and on its record"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="control_plane", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Link",
        tablename="link",
        column_name="is_test",
        db_column_name="is_test",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
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
        table_class_name="Record",
        tablename="record",
        column_name="is_test",
        db_column_name="is_test",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T23:48:00:799512"
VERSION = "1.38.0"
DESCRIPTION = "The batch a link was created in"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="control_plane", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Link",
        tablename="link",
        column_name="batch",
        db_column_name="batch",
        column_class_name="UUID",
        column_class=UUID,
        params={
            "default": None,
            "null": True,
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

"""Migrations from empty on both backends, down and up again, and in step with the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from registry import db
from registry.models import Base


def test_migrate_from_empty_matches_the_models(database_url):
    db.migrate(database_url)
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert diff == [], diff


def test_downgrade_to_empty_and_upgrade_again(database_url):
    db.migrate(database_url)
    config = db.alembic_config(database_url)
    command.downgrade(config, "base")
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    db.migrate(database_url)

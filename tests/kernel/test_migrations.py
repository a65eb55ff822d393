"""Migrations from empty on both backends, down and up again, and in step with the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from registry.kernel import db
from registry.kernel.models import Base


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


def test_upgrade_keeps_the_data_of_a_filled_database(database_url):
    """SQLite rebuilds altered tables; rows referenced by foreign keys must survive that."""
    from sqlalchemy import text

    db.migrate(database_url, "0001")
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO plans (id, title, plan_class, version_label, crowded_venue, status,"
                " is_demo, version) VALUES (1, '预案', 'overall', 'v1', false, 'current', false, 1)"
            )
        )
        connection.execute(
            text("INSERT INTO plan_revisions (plan_id, version_label, recorded_at) "
                 "VALUES (1, 'v1', CURRENT_TIMESTAMP)")
        )  # fmt: skip
    db.migrate(database_url)
    with engine.connect() as connection:
        plan = connection.execute(text("SELECT title, filing_ref FROM plans")).one()
        assert tuple(plan) == ("预案", None)
        assert connection.execute(text("SELECT count(*) FROM plan_revisions")).scalar() == 1
    engine.dispose()

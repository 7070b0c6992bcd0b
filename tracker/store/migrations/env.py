"""Alembic environment: the engine comes from the tracker (``attributes['engine']``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from tracker.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
        )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            transactional_ddl=True,  # SQLite too: see tracker.store.db._migration_engine
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()

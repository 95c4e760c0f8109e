"""Alembic environment: runs migrations on the connection riskmap hands over."""

from __future__ import annotations

from alembic import context

from service.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic upgrade head` from a shell
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as fresh:
        context.configure(connection=fresh, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()

"""Alembic migrations for riskmap's database (run by :func:`service.storage.migrate`)."""

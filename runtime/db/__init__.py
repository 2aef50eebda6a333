"""The store: SQLAlchemy models, queries and migrations (SQLite by default, PostgreSQL by URL)."""

"""Storage: SQLModel tables, the engine and session factory, and repository functions."""

"""Persistence. Owns SQLAlchemy entirely; the rest of the tracker sees domain types."""

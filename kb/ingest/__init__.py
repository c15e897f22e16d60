"""Ingestion: files in the library folders become documents in the database and the index."""

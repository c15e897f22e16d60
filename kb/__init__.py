"""kb: a Chinese-first knowledge base and document search service."""

__version__ = "0.1.0"

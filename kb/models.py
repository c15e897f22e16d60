"""Database tables shared by ingestion, search and the web layer."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Return an aware UTC datetime; a naive value is taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class DocumentStatus:
    OK = "ok"
    MISSING = "missing"
    FAILED = "failed"


class Document(SQLModel, table=True):
    """One file of a library; keeps its id, tags and links across changes and moves."""

    id: int | None = Field(default=None, primary_key=True)
    library: str = Field(index=True)
    # Path relative to the library root, with forward slashes: "quotes/华东区/报价单.xlsx".
    path: str = Field(index=True, unique=True)
    folder: str = Field(default="", index=True)
    filename: str
    format: str = Field(default="", index=True)
    sha256: str = Field(default="", index=True)
    size: int = 0
    mtime: float = 0.0
    title: str = ""
    author: str | None = None
    created: datetime | None = None
    modified: datetime | None = Field(default=None, index=True)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    pages: int | None = None
    needs_ocr: bool = False
    notes: str = ""
    status: str = Field(default=DocumentStatus.OK, index=True)
    # Chinese reason shown to administrators when the file could not be read.
    error: str | None = None
    version: int = 1
    ingested_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DocumentVersion(SQLModel, table=True):
    """One state of a document's file that kb has read."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    version: int
    path: str
    sha256: str
    size: int
    mtime: float
    recorded_at: datetime = Field(default_factory=utcnow)


class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)


class DocumentTag(SQLModel, table=True):
    document_id: int = Field(foreign_key="document.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True)


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    # Short names, one per line.
    aliases: str = ""
    external_id: str | None = Field(default=None, index=True, unique=True)
    industry: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.splitlines() if a.strip()]


class Opportunity(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    external_id: str | None = Field(default=None, index=True, unique=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    stage: str = ""
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DocumentCustomer(SQLModel, table=True):
    document_id: int = Field(foreign_key="document.id", primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", primary_key=True)


class DocumentOpportunity(SQLModel, table=True):
    document_id: int = Field(foreign_key="document.id", primary_key=True)
    opportunity_id: int = Field(foreign_key="opportunity.id", primary_key=True)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    password_hash: str
    role: str = "viewer"
    # Confidential library keys this user may see, comma separated.
    grants: str = ""
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

    def granted(self) -> set[str]:
        return {g for g in self.grants.split(",") if g}


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    token_hash: str = Field(index=True, unique=True)
    # Comma separated: read (search, read, download) and write (upload, tag, link, upsert).
    scopes: str = "read"
    # Confidential library keys the token may see, comma separated.
    grants: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user: str = Field(default="", index=True)
    action: str = Field(index=True)
    document_id: int | None = Field(default=None, index=True)
    detail: str = ""

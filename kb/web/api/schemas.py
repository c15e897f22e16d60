"""Request and response bodies of the REST API, with English field names."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """Every error response: a stable English code and a message in Simplified Chinese."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["找不到文档：42"])


class SearchHitOut(BaseModel):
    id: int
    title: str
    library: str = Field(description="Library key, e.g. `quotes`.")
    library_name: str = Field(description="Chinese library name, e.g. 报价库.")
    path: str = Field(description="Path relative to the library root, with forward slashes.")
    folder: str
    format: str
    snippet: str = Field(description="Text around the matches; matched terms are wrapped in `<mark>`.")
    score: float
    modified: datetime | None


class FacetsOut(BaseModel):
    """Document counts per value, counted only over documents the caller may see."""

    library: dict[str, int] = Field(default_factory=dict, description="Library key to count.")
    format: dict[str, int] = Field(default_factory=dict)
    tag: dict[str, int] = Field(default_factory=dict)
    customer: dict[str, int] = Field(default_factory=dict, description="Customer external id (or name when it has none) to count.")
    opportunity: dict[str, int] = Field(default_factory=dict, description="Opportunity external id (or name when it has none) to count.")


class SearchOut(BaseModel):
    total: int
    page: int
    page_size: int
    relaxed: bool = Field(description="True when no document matched every word and the results match only some.")
    results: list[SearchHitOut]
    facets: FacetsOut


class PartyRef(BaseModel):
    external_id: str | None
    name: str


class VersionOut(BaseModel):
    version: int
    path: str
    sha256: str
    size: int
    recorded_at: datetime


class DocumentSummaryOut(BaseModel):
    id: int
    title: str
    library: str
    library_name: str
    path: str
    folder: str
    filename: str
    format: str
    size: int
    modified: datetime | None


class DocumentOut(DocumentSummaryOut):
    sha256: str
    author: str | None
    created: datetime | None
    pages: int | None
    status: str
    version: int
    tags: list[str]
    customers: list[PartyRef]
    opportunities: list[PartyRef]
    versions: list[VersionOut]
    text_preview: str = Field(description="Start of the extracted text, at most `preview_chars` characters.")
    text_length: int = Field(description="Length of the whole extracted text, in characters.")


class UploadItemOut(BaseModel):
    document: DocumentSummaryOut
    created: bool = Field(description="False when an identical file was already in a library the caller may see.")
    duplicate_of: int | None = Field(description="Id of the existing identical document, if any.")


class UploadOut(BaseModel):
    documents: list[UploadItemOut]


class TagsOut(BaseModel):
    document_id: int
    tags: list[str]


class CustomerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50, description="Short names also searched for.")
    industry: str = Field(default="", max_length=100)


class CustomerOut(BaseModel):
    external_id: str
    name: str
    aliases: list[str]
    industry: str
    created_at: datetime
    updated_at: datetime


class OpportunityIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    customer_external_id: str | None = Field(default=None, max_length=100, description="Must name an existing customer.")
    stage: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=20000)


class OpportunityOut(BaseModel):
    external_id: str
    name: str
    customer: PartyRef | None
    stage: str
    description: str
    created_at: datetime
    updated_at: datetime


class LinkOut(BaseModel):
    document_id: int
    external_id: str
    linked: bool


class PartyDocumentsOut(BaseModel):
    external_id: str
    total: int
    by_library: dict[str, int] = Field(description="Library key to the number of listed documents in it.")
    documents: list[DocumentSummaryOut] = Field(description="Sorted by library, then title.")


class RecommendationOut(DocumentSummaryOut):
    score: float = Field(description="Relative fit between 0 and 1; only the order is meaningful.")
    snippet: str
    reasons: list[str] = Field(description="`search`: matches the opportunity's words; `related`: similar to a linked document.")


class RecommendationsOut(BaseModel):
    external_id: str
    query: str = Field(description="The query built from the opportunity and its customer.")
    results: list[RecommendationOut]

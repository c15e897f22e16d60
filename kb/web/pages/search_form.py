"""The search page's parameters: parsing, filters for the backend, and links that change one of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from kb.libraries import resolve_library
from kb.search.backend import SearchFilters
from kb.tags import normalise_tag

SORTS = ("relevance", "date")
MAX_PAGE = 100


def parse_day(value: str) -> date | None:
    """Return the date of a `YYYY-MM-DD` form value, or None when it is empty or invalid."""
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@dataclass(frozen=True)
class SearchForm:
    """The search page's query parameters after cleaning."""

    q: str = ""
    library: str = ""
    tag: str = ""
    customer: int | None = None
    opportunity: int | None = None
    format: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def clean(
        cls,
        q: str,
        library: str,
        tag: str,
        customer: str,
        opportunity: str,
        format: str,
        date_from: str,
        date_to: str,
        sort: str,
        page: int,
    ) -> SearchForm:
        """Build a form from raw query parameters, dropping values that cannot be used."""
        day_from, day_to = parse_day(date_from), parse_day(date_to)
        return cls(
            q=q.strip(),
            library=(resolve_library(library) or "") if library else "",
            tag=normalise_tag(tag),
            customer=int(customer) if customer.strip().isdigit() else None,
            opportunity=int(opportunity) if opportunity.strip().isdigit() else None,
            format=format.strip().lower().lstrip("."),
            date_from=day_from.isoformat() if day_from else "",
            date_to=day_to.isoformat() if day_to else "",
            sort=sort if sort in SORTS else "relevance",
            page=min(max(page, 1), MAX_PAGE),
        )

    @property
    def has_filters(self) -> bool:
        return bool(self.library or self.tag or self.customer or self.opportunity or self.format or self.date_from or self.date_to)

    @property
    def is_active(self) -> bool:
        """True when there is something to search for: words or at least one filter."""
        return bool(self.q) or self.has_filters

    def url(self, **changes: object) -> str:
        """Return the search link with some parameters changed; any change but paging goes back to page 1."""
        if "page" not in changes:
            changes["page"] = 1
        values = asdict(replace(self, **changes))  # type: ignore[arg-type]
        if values["sort"] == "relevance":
            values["sort"] = ""
        if values["page"] == 1:
            values["page"] = ""
        query = urlencode({k: v for k, v in values.items() if v not in ("", None)})
        return f"/?{query}" if query else "/"

    def filters(self, allowed: frozenset[str], with_library: bool = True) -> SearchFilters:
        """Return the backend filters, always limited to the libraries the user may see."""
        day_from, day_to = parse_day(self.date_from), parse_day(self.date_to)
        return SearchFilters(
            allowed_libraries=allowed,
            libraries=(self.library,) if self.library and with_library else (),
            tags=(self.tag,) if self.tag else (),
            customer_ids=(self.customer,) if self.customer else (),
            opportunity_ids=(self.opportunity,) if self.opportunity else (),
            formats=(self.format,) if self.format else (),
            # The index stores naive UTC times, so a date range covers whole UTC days.
            modified_from=datetime.combine(day_from, time.min) if day_from else None,
            modified_to=datetime.combine(day_to + timedelta(days=1), time.min) - timedelta(microseconds=1) if day_to else None,
        )

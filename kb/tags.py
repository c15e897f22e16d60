"""Tag names: one spelling per tag."""

from __future__ import annotations

import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")
MAX_TAG_LENGTH = 50


def normalise_tag(name: str) -> str:
    """Fold full-width forms, trim and collapse spaces, so that `ＱＸ 系列 ` and `QX 系列` are one tag."""
    folded = unicodedata.normalize("NFKC", name or "")
    return _SPACE_RE.sub(" ", folded).strip()[:MAX_TAG_LENGTH]

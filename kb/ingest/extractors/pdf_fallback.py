"""Second-opinion PDF text extractors: pdfminer.six and, when installed, poppler's pdftotext."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from pdfminer.high_level import extract_text
from pdfminer.layout import LAParams
from pdfminer.pdfdocument import PDFPasswordIncorrect

logger = logging.getLogger(__name__)

PDFTOTEXT_TIMEOUT_SECONDS = 60


class PasswordRequiredError(Exception):
    """The PDF cannot be opened with an empty password."""


def pdfminer_pages(path: Path) -> list[str]:
    """Return the text of every page as read by pdfminer.six.

    pdfminer maps CIDs of the predefined Adobe CMaps itself, so it reads fonts
    without a ToUnicode map, vertical text and files without a valid xref.
    """
    try:
        # Vertical layout analysis keeps columns of vertical Japanese or Chinese text as lines.
        text = extract_text(str(path), password="", laparams=LAParams(detect_vertical=True))
    except PDFPasswordIncorrect as error:
        raise PasswordRequiredError(str(path)) from error
    return _split_pages(text)


def pdftotext_pages(path: Path) -> list[str]:
    """Return the text of every page as read by poppler's pdftotext, or [] when it is not installed."""
    executable = shutil.which("pdftotext")
    if executable is None:
        return []
    # NOTE: no test runs this path, because it needs poppler-utils installed.
    try:
        completed = subprocess.run(
            [executable, "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            timeout=PDFTOTEXT_TIMEOUT_SECONDS,
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as error:
        logger.warning("pdftotext failed on %s: %s", path, error)
        return []
    return _split_pages(completed.stdout.decode("utf-8", errors="replace"))


def _split_pages(text: str) -> list[str]:
    """Split at form feeds, which both tools write after every page."""
    pages = text.split("\f")
    if text.endswith("\f"):
        pages.pop()
    return pages


FALLBACKS: tuple[tuple[str, Callable[[Path], list[str]]], ...] = (
    ("pdfminer", pdfminer_pages),
    ("pdftotext", pdftotext_pages),
)

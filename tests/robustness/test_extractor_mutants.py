"""Mutated Office and PDF files: every extractor either reads them or raises ExtractionError."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pptx
import pytest

from kb.config import Settings
from kb.ingest.extractors import extract
from kb.ingest.pipeline import run_ingest
from kb.ingest.types import ExtractedDocument, ExtractionError
from tests.conftest import write_docx
from tests.ingest.conftest import write_cid_pdf

MUTANTS_PER_FORMAT = 30
SEED = 7


def _docx(path: Path) -> Path:
    return write_docx(path.parent, path.name, "维修报价", ["导航雷达维修报价", "含税合计十二万元"], table=[["型号", "数量"], ["JDX", "2"]])


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["型号", "单价", "合计"])
    book.active.append(["JDX-2000", 1200, "=B2*2"])
    book.save(path)
    return path


def _pptx(path: Path) -> Path:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "连锁酒店样板间方案"
    slide.placeholders[1].text = "节能认证 十二万元"
    deck.save(str(path))
    return path


def _pdf(path: Path) -> Path:
    return write_cid_pdf(path, ["导航雷达维修报价", "第二页内容"], title="报价单")


BUILDERS: dict[str, Callable[[Path], Path]] = {"docx": _docx, "xlsx": _xlsx, "pptx": _pptx, "pdf": _pdf}


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _rezip_badly(data: bytes, rng: random.Random) -> bytes:
    """Rewrite a zip with one entry dropped, emptied, garbled or cut."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return _flip_bytes(data, rng)
    output = io.BytesIO()
    victim = rng.choice(source.namelist())
    action = rng.choice(["drop", "empty", "garble", "cut"])
    with source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == victim:
                if action == "drop":
                    continue
                content = {"empty": b"", "garble": _flip_bytes(content or b"x", rng), "cut": content[: len(content) // 2]}[action]
            target.writestr(name, content)
    return output.getvalue()


def _mutants(fmt: str, original: bytes, rng: random.Random) -> list[bytes]:
    mutations = [_flip_bytes, _truncate] + ([_rezip_badly] if fmt != "pdf" else [])
    return [rng.choice(mutations)(original, rng) for _ in range(MUTANTS_PER_FORMAT)]


@pytest.fixture(scope="module")
def mutant_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    base = tmp_path_factory.mktemp("mutants")
    rng = random.Random(SEED)
    files: dict[str, list[Path]] = {}
    for fmt, build in BUILDERS.items():
        original = build(base / f"原件.{fmt}").read_bytes()
        files[fmt] = []
        for number, data in enumerate(_mutants(fmt, original, rng)):
            path = base / fmt / f"变异{number:02d}.{fmt}"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            files[fmt].append(path)
    return files


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_mutants_read_or_extraction_error(mutant_files, fmt):
    outcomes = {"read": 0, "rejected": 0}
    for path in mutant_files[fmt]:
        try:
            result = extract(path)
        except ExtractionError as error:
            assert error.reason, path
            outcomes["rejected"] += 1
        else:
            assert isinstance(result, ExtractedDocument)
            outcomes["read"] += 1
    assert sum(outcomes.values()) == MUTANTS_PER_FORMAT


def test_mutants_whole_run_completes(settings: Settings, backend, library_dir, mutant_files):
    for fmt, paths in mutant_files.items():
        for path in paths:
            (library_dir / "documents" / fmt).mkdir(parents=True, exist_ok=True)
            (library_dir / "documents" / fmt / path.name).write_bytes(path.read_bytes())
    summary = run_ingest(settings, backend)
    handled = len(summary.added) + len(summary.failed)
    assert handled == MUTANTS_PER_FORMAT * len(BUILDERS)
    assert all(reason for _, reason in summary.failed)
    assert not any("内部错误" in reason for _, reason in summary.failed), summary.failed

"""A mixed-format library of generated documents, written with the libraries kb reads them with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.corpus import BenchDocument, generated_documents

FILE_FORMATS = ("docx", "xlsx", "pptx", "pdf", "txt")


def available_formats() -> tuple[str, ...]:
    """Return the formats this machine can write: pdf needs reportlab, from the bench extra."""
    try:
        import reportlab  # noqa: F401
    except ImportError:
        return tuple(f for f in FILE_FORMATS if f != "pdf")
    return FILE_FORMATS


def _docx(doc: BenchDocument, path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = doc.title
    document.add_heading(doc.title, level=1)
    for paragraph in doc.content.split("。"):
        if paragraph:
            document.add_paragraph(paragraph + "。")
    document.save(str(path))


def _xlsx(doc: BenchDocument, path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["项目", "说明", "数量"])
    for row, sentence in enumerate(doc.content.split("。")):
        if sentence:
            sheet.append([doc.title, sentence, row + 1])
    workbook.save(str(path))


def _pptx(doc: BenchDocument, path: Path) -> None:
    import pptx

    presentation = pptx.Presentation()
    sentences = [s for s in doc.content.split("。") if s]
    for start in range(0, max(1, len(sentences)), 4):
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = doc.title
        slide.placeholders[1].text = "。\n".join(sentences[start : start + 4])
    presentation.save(str(path))


def _pdf(doc: BenchDocument, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setTitle(doc.title)
    page.setFont("STSong-Light", 11)
    y = 800
    for start in range(0, len(doc.content), 40):
        page.drawString(40, y, doc.content[start : start + 40])
        y -= 16
        if y < 60:
            page.showPage()
            page.setFont("STSong-Light", 11)
            y = 800
    page.save()


def _txt(doc: BenchDocument, path: Path) -> None:
    path.write_text(f"{doc.title}\n\n{doc.content}\n", encoding="utf-8")


WRITERS: dict[str, Callable[[BenchDocument, Path], None]] = {
    "docx": _docx, "xlsx": _xlsx, "pptx": _pptx, "pdf": _pdf, "txt": _txt,
}


def write_library(root: Path, count: int, seed: int = 7) -> int:
    """Write `count` files spread over the seven libraries and five formats; return their total size."""
    total = 0
    formats = available_formats()
    for index, doc in enumerate(generated_documents(count, seed)):
        file_format = formats[index % len(formats)]
        folder = root / doc.library / (doc.folder or "")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{doc.id:05d}_{doc.title[:12]}.{file_format}"
        WRITERS[file_format](doc, path)
        total += path.stat().st_size
    return total

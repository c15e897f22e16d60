"""Builders that write real .docx, .xlsx, .pptx and .pdf files into tmp_path for the ingest tests."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCX_NAMESPACES = (
    f'xmlns:w="{W_NS}" xmlns:r="{R_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'mc:Ignorable="wps"'
)

# Parts other than the main document: file name -> (relationship type, content type, root tag).
_DOCX_PARTS = {
    "header1.xml": ("header", "header", "hdr"),
    "header2.xml": ("header", "header", "hdr"),
    "footer1.xml": ("footer", "footer", "ftr"),
    "footer2.xml": ("footer", "footer", "ftr"),
    "footnotes.xml": ("footnotes", "footnotes", "footnotes"),
    "endnotes.xml": ("endnotes", "endnotes", "endnotes"),
    "comments.xml": ("comments", "comments", "comments"),
}
_WML_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def paragraph(text: str, style: str | None = None) -> str:
    """Return a w:p element holding `text` in one run."""
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{properties}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def _core_xml(title: str | None) -> str:
    title_element = f"<dc:title>{title}</dc:title>" if title else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{title_element}<dc:creator>张工</dc:creator></cp:coreProperties>"
    )


def write_docx(path: Path, body: str, parts: dict[str, str] | None = None,
               title: str | None = None, styles: str | None = None) -> Path:
    """Write a .docx whose body XML and extra parts (header1.xml, footnotes.xml, ...) are given.

    Header and footer parts get relationship ids rIdheader1 etc., for use in w:sectPr.
    """
    parts = parts or {}
    overrides = [f'<Override PartName="/word/document.xml" ContentType="{_WML_CT}.document.main+xml"/>',
                 '<Override PartName="/docProps/core.xml" '
                 'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>']
    relationships = []
    for name in parts:
        reltype, content_type, _ = _DOCX_PARTS[name]
        overrides.append(f'<Override PartName="/word/{name}" ContentType="{_WML_CT}.{content_type}+xml"/>')
        relationships.append(
            f'<Relationship Id="rId{name.removesuffix(".xml")}" Type="{REL_BASE}/{reltype}" Target="{name}"/>'
        )
    if styles is not None:
        overrides.append(f'<Override PartName="/word/styles.xml" ContentType="{_WML_CT}.styles+xml"/>')
        relationships.append(f'<Relationship Id="rIdstyles" Type="{REL_BASE}/styles" Target="styles.xml"/>')

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL_BASE}/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/></Relationships>'))
        archive.writestr("docProps/core.xml", _core_xml(title))
        archive.writestr("word/_rels/document.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(relationships) + "</Relationships>"))
        archive.writestr("word/document.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document {DOCX_NAMESPACES}>'
            f"<w:body>{body}</w:body></w:document>"))
        for name, inner in parts.items():
            root = _DOCX_PARTS[name][2]
            archive.writestr(f"word/{name}", (
                f'<?xml version="1.0" encoding="UTF-8"?><w:{root} {DOCX_NAMESPACES}>{inner}</w:{root}>'))
        if styles is not None:
            archive.writestr("word/styles.xml", (
                f'<?xml version="1.0" encoding="UTF-8"?><w:styles {DOCX_NAMESPACES}>{styles}</w:styles>'))
    return path


@pytest.fixture
def make_docx(tmp_path: Path) -> Callable[..., Path]:
    """Return write_docx bound to tmp_path: make_docx("name.docx", body_xml, parts=..., title=...)."""
    def build(name: str, body: str, **kwargs: object) -> Path:
        return write_docx(tmp_path / name, body, **kwargs)  # type: ignore[arg-type]
    return build


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    """Return write_cid_pdf bound to tmp_path: make_pdf("name.pdf", [page texts], title=...)."""
    def build(name: str, pages: list[str | None], **kwargs: object) -> Path:
        return write_cid_pdf(tmp_path / name, pages, **kwargs)  # type: ignore[arg-type]
    return build


# --- PDF -----------------------------------------------------------------------------------


def _pdf_string(text: str) -> str:
    """Return a PDF text string as UTF-16BE hex with BOM."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _to_unicode_cmap(mapping: dict[int, str]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{cid:04X}> <{text.encode('utf-16-be').hex().upper()}>" for cid, text in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def write_cid_pdf(path: Path, pages: list[str | None], title: str | None = None,
                  unicode_of: Callable[[str], str] = lambda char: char) -> Path:
    """Write a PDF whose pages show `pages` in a Type0 Identity-H font with a ToUnicode map.

    A None page has no content (like a scanned page without text layer).
    `unicode_of` chooses what the ToUnicode map says each character is, so a test
    can make extractors read garbage.
    """
    characters = sorted({char for text in pages if text for char in text})
    cids = {char: index + 1 for index, char in enumerate(characters)}
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages tree, filled in below
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /FontDescriptor 5 0 R "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
        _stream(_to_unicode_cmap({cid: unicode_of(char) for char, cid in cids.items()})),
    ]
    page_ids = []
    for text in pages:
        content = b""
        if text:
            lines = text.split("\n")
            shown = [f"<{''.join(f'{cids[c]:04X}' for c in line)}> Tj 0 -16 Td" for line in lines]
            content = ("BT /F1 12 Tf 72 760 Td " + " ".join(shown) + " ET").encode("ascii")
        objects.append(_stream(content))
        content_id = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_id} 0 R "
            f"/Resources << /Font << /F1 3 0 R >> >> >>".encode("ascii"))
        page_ids.append(len(objects))
    kids = " ".join(f"{number} 0 R" for number in page_ids)
    objects[1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode("ascii")
    info_id = None
    if title is not None:
        objects.append(f"<< /Title {_pdf_string(title)} /Author {_pdf_string('李经理')} >>".encode("ascii"))
        info_id = len(objects)
    path.write_bytes(_serialise_pdf(objects, info_id))
    return path


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _serialise_pdf(objects: list[bytes], info_id: int | None) -> bytes:
    output = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_offset = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        output += b"%010d 00000 n \n" % offset
    info = b" /Info %d 0 R" % info_id if info_id else b""
    output += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info, xref_offset)
    return bytes(output)

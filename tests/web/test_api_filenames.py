"""Decoding uploaded file names and encoding download names."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from kb.web.api.filenames import content_disposition, split_header_params, upload_filename

NAME = "报价单.docx"


@pytest.mark.parametrize(
    "header",
    [
        b'form-data; name="file"; filename="' + NAME.encode("utf-8") + b'"',
        b"form-data; name=\"file\"; filename*=UTF-8''" + quote(NAME).encode(),
        b"form-data; name=\"file\"; filename=\"a.docx\"; filename*=utf-8'zh'" + quote(NAME).encode(),
        b'form-data; name="file"; filename="' + quote(NAME).encode() + b'"',
        b'form-data; name="file"; filename="' + NAME.encode("gbk") + b'"',
        b'form-data; name="file"; filename="' + NAME.encode("utf-8") + b'"'.decode("latin-1").encode("latin-1"),
    ],
)
def test_upload_filename_decodes_variant(header):
    assert upload_filename(header) == NAME


def test_upload_filename_accepts_latin1_str():
    # Starlette hands header values over as latin-1 decoded text.
    header = 'form-data; name="file"; filename="' + NAME.encode("utf-8").decode("latin-1") + '"'
    assert upload_filename(header) == NAME


def test_upload_filename_keeps_literal_percent():
    assert upload_filename(b'form-data; filename="100%\xe5\x90\x88\xe6\xa0\xbc.txt"') == "100%合格.txt"


def test_upload_filename_strips_folders():
    assert upload_filename(b'form-data; filename="..\\\\..\\\\etc\\\\passwd.docx"') == "passwd.docx"


def test_upload_filename_undecodable_fallback():
    name = upload_filename(b'form-data; filename="\xff\xfe.pdf"')
    assert name.startswith("上传文件_")
    assert name.endswith(".pdf")


def test_split_header_params_semicolon_in_quotes():
    _kind, params = split_header_params(b'form-data; name="file"; filename="a;b.txt"')
    assert params["filename"] == b"a;b.txt"


def test_content_disposition_ascii_fallback():
    header = content_disposition("巡检方案 v2.docx")
    assert header.startswith('attachment; filename="v2.docx"')
    assert header.endswith("filename*=UTF-8''" + quote("巡检方案 v2.docx", safe=""))

"""Read a multipart/form-data upload from the raw request, keeping each part's header bytes.

Parts are parsed with python-multipart's low-level parser rather than `request.form()`,
because the form parser decodes file names as latin-1 and drops `filename*`; see
`kb.web.api.filenames`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from kb.web.api.filenames import split_header_params, upload_filename
from kb.web.errors import ApiError

# Room for the form fields and part headers next to the files themselves.
FORM_OVERHEAD_BYTES = 1024 * 1024
MAX_PARTS = 50
MAX_FIELD_BYTES = 64 * 1024


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    data: bytes


@dataclass
class UploadForm:
    """Text fields (last value wins) and files of one multipart request, in order."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


class _Collector:
    """python-multipart callbacks that gather each part's raw headers and body."""

    def __init__(self) -> None:
        self.parts: list[_Part] = []
        self._field = bytearray()
        self._value = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_part_data": lambda data, start, end: self.parts[-1].data.extend(data[start:end]),
        }

    def _part_begin(self) -> None:
        if len(self.parts) >= MAX_PARTS:
            raise ApiError(422, "too_many_parts", f"一次请求最多包含 {MAX_PARTS} 个表单项。")
        self.parts.append(_Part())

    def _header_end(self) -> None:
        name = bytes(self._field).decode("latin-1").strip().lower()
        self.parts[-1].headers[name] = bytes(self._value)
        self._field.clear()
        self._value.clear()


def _boundary(request: Request) -> bytes:
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise ApiError(415, "unsupported_media_type", "请以 multipart/form-data 格式上传文件。")
    return params[b"boundary"]


def _check_declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "file_too_large", f"上传内容过大：上限 {limit // (1024 * 1024)} MB。")


async def read_upload_form(request: Request, max_file_bytes: int) -> UploadForm:
    """Parse the request body into fields and files; reject bodies over the size limit early."""
    limit = max_file_bytes + FORM_OVERHEAD_BYTES
    _check_declared_length(request, limit)
    collector = _Collector()
    parser = MultipartParser(_boundary(request), callbacks=collector.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise ApiError(413, "file_too_large", f"上传内容过大：上限 {limit // (1024 * 1024)} MB。")
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise ApiError(400, "invalid_multipart", "无法解析上传的表单，请检查请求格式。") from exc
    return _to_form(collector.parts)


def _to_form(parts: list[_Part]) -> UploadForm:
    form = UploadForm()
    for part in parts:
        disposition = part.headers.get("content-disposition", b"")
        _kind, params = split_header_params(disposition)
        name = params.get("name", b"").decode("utf-8", "replace")
        if "filename" in params or "filename*" in params:
            form.files.append(UploadedFile(upload_filename(disposition), bytes(part.data)))
        elif name:
            if len(part.data) > MAX_FIELD_BYTES:
                raise ApiError(422, "invalid_parameter", f"表单项过长：{name}")
            form.fields[name] = bytes(part.data).decode("utf-8", "replace")
    return form

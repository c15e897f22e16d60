"""Legacy Office and WPS files (.doc/.xls/.ppt/.wps/.et/.dps), read by converting them with LibreOffice.

When `soffice` (or `libreoffice`) is on PATH, a legacy file is converted to docx, xlsx
or pptx in a temporary folder with its own LibreOffice profile, and the converted file
goes through the normal extractor. Without LibreOffice the file is reported as
unsupported, with a reason that explains to the administrator how to convert it.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from kb.ingest.types import ExtractedDocument, ExtractionError, UnsupportedFormatError

logger = logging.getLogger(__name__)

# Legacy formats by extension, and the OOXML format each is converted to.
CONVERSIONS = {".doc": "docx", ".wps": "docx", ".xls": "xlsx", ".et": "xlsx", ".ppt": "pptx", ".dps": "pptx"}
LEGACY_FORMATS = ("doc", "xls", "ppt")
_LEGACY_OF_TARGET = {"docx": "doc", "xlsx": "xls", "pptx": "ppt"}
# Share of the per-file extraction time limit given to LibreOffice, so that the
# conversion is stopped (with its whole process group) before the worker is killed.
CONVERSION_SHARE_OF_TIMEOUT = 0.8

NOT_INSTALLED_REASON = (
    "这是旧版 Office 或 WPS 文件（.doc/.xls/.ppt/.wps/.et/.dps），服务器上没有安装 LibreOffice，无法自动转换。"
    "请用 Word、Excel、PowerPoint 或 WPS 另存为 .docx、.xlsx 或 .pptx 后重新上传；"
    "或由管理员在服务器上安装 LibreOffice（soffice 命令），再重新导入。"
)
UNKNOWN_KIND_REASON = (
    "这是旧版 Office 或 WPS 文件，但扩展名“{suffix}”无法说明它是文档、表格还是演示文稿。"
    "请把扩展名改为 .doc、.xls 或 .ppt，或另存为 .docx、.xlsx、.pptx 后重新上传。"
)
PROTECTED_OOXML_REASON = (
    "文件扩展名是 {suffix}，内容却是旧版 Office 的容器格式：通常是设置了打开密码的 Office 文件，"
    "也可能是改了扩展名的旧版文件。请取消密码保护，或用 Office 另存为 .docx、.xlsx 或 .pptx 后重新上传。"
)
CONVERSION_FAILED_REASON = (
    "旧版文件用 LibreOffice 转换失败（{detail}）。文件可能已损坏或有密码保护，"
    "请用 Office 或 WPS 打开并另存为 .docx、.xlsx 或 .pptx 后重新上传。"
)
CONVERTED_NOTE = "该文件是旧版格式（{suffix}），已用 LibreOffice 自动转换为 .{target} 后读取，排版细节可能与原文件不同。"


def soffice_path() -> str | None:
    """Return the LibreOffice command found on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def legacy_format(path: Path) -> str:
    """Name the legacy format ("doc", "xls" or "ppt") of an OLE2 file, or raise UnsupportedFormatError."""
    suffix = path.suffix.lower()
    # Office stores a password-protected docx, xlsx or pptx inside an OLE2 container.
    if suffix in (".docx", ".xlsx", ".pptx"):
        raise UnsupportedFormatError(path, PROTECTED_OOXML_REASON.format(suffix=suffix))
    if soffice_path() is None:
        raise UnsupportedFormatError(path, NOT_INSTALLED_REASON)
    target = CONVERSIONS.get(suffix)
    if target is None:
        raise UnsupportedFormatError(path, UNKNOWN_KIND_REASON.format(suffix=path.suffix or "（无）"))
    return _LEGACY_OF_TARGET[target]


def conversion_timeout() -> float:
    from kb.config import get_settings

    return get_settings().extract_timeout * CONVERSION_SHARE_OF_TIMEOUT


def convert(path: Path, target: str, workdir: Path, timeout: float) -> Path:
    """Convert `path` to `target` (docx, xlsx or pptx) inside `workdir` and return the new file."""
    command = soffice_path()
    if command is None:
        raise UnsupportedFormatError(path, NOT_INSTALLED_REASON)

    # LibreOffice picks its import filter by extension, and a plain ASCII copy keeps
    # odd characters in the original name away from its command line.
    source = workdir / f"input{path.suffix.lower()}"
    shutil.copyfile(path, source)
    outdir = workdir / "out"
    profile = workdir / "profile"
    arguments = [
        command, "--headless", "--norestore", "--nolockcheck",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to", target, "--outdir", str(outdir), str(source),
    ]
    _run_with_timeout(path, arguments, timeout)

    converted = outdir / f"input.{target}"
    if not converted.is_file() or converted.stat().st_size == 0:
        raise ExtractionError(path, CONVERSION_FAILED_REASON.format(detail="没有生成转换后的文件"))
    return converted


def _run_with_timeout(path: Path, arguments: list[str], timeout: float) -> None:
    """Run LibreOffice in its own process group and kill the whole group on timeout."""
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        logger.warning("LibreOffice conversion of %s timed out after %s s", path, timeout)
        raise ExtractionError(path, CONVERSION_FAILED_REASON.format(detail=f"超过 {timeout:g} 秒未完成")) from None
    if process.returncode != 0:
        logger.warning("LibreOffice failed on %s (exit %s): %s", path, process.returncode, output[-500:])
        raise ExtractionError(path, CONVERSION_FAILED_REASON.format(detail=f"退出码 {process.returncode}"))


def extract_legacy(path: Path, fmt: str) -> ExtractedDocument:
    """Convert a legacy file and read the converted copy with the OOXML extractor."""
    from kb.ingest.extractors import extract

    target = {"doc": "docx", "xls": "xlsx", "ppt": "pptx"}[fmt]
    with tempfile.TemporaryDirectory(prefix="kb-legacy-") as workdir:
        converted = convert(path, target, Path(workdir), conversion_timeout())
        try:
            document = extract(converted, target)
        except ExtractionError as error:
            raise ExtractionError(path, error.reason) from error
    note = CONVERTED_NOTE.format(suffix=path.suffix.lower(), target=target)
    return replace(document, notes=(*document.notes, note))

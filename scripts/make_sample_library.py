# Requires: python-docx openpyxl python-pptx reportlab, all from PyPI. PDFs use
# reportlab's built-in CID font STSong-Light, so no font file is needed.
"""Generate the sample document library for kb.

The library belongs to the market department of 华辰电子科技有限公司 (华辰电子), a
fictional Chinese electronics maker. It sells radar (JDX-2000 weather radar,
JDX-2500 wind profiler, JDX-3100 marine navigation radar), radio (TXR-800 HF,
TXR-900 VHF/UHF), test equipment (QX-7200 spectrum analyser, QX-7300 signal
generator, ABC-1234 test set) and maintenance services. Twelve customers in five industries (气象, 航运, 电力, 民航,
通信) and three sales regions (华东区, 华南区, 华北区) recur across documents, with
opportunities such as 苏气象2025雷达升级. Documents mix synonyms (报价/报价单/价格,
维修/维护/保障/检修), model spellings (QX-7200, QX7200, full-width ＱＸ－７２００) and
a few traditional-character files for a Hong Kong customer.

Seven folders are written under --out: estimates, quotes, documents, cases,
publicity, templates and instructions, as DOCX, XLSX, PPTX, PDF, Markdown, text
(UTF-8, UTF-8 with BOM, GB18030) and CSV. Dates, ZIP entry times and PDF IDs are
fixed, so two runs write byte-identical files. Only those seven folders are deleted
before writing; anything else under --out is left alone.

Usage: python scripts/make_sample_library.py [--out library]
"""
from __future__ import annotations

import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path

from sample_data import cases, documents, estimates, instructions, publicity, quotes, templates

LIBRARIES = {
    "estimates": estimates,
    "quotes": quotes,
    "documents": documents,
    "cases": cases,
    "publicity": publicity,
    "templates": templates,
    "instructions": instructions,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "library"
    parser.add_argument("--out", type=Path, default=default,
                        help="folder to write the seven library folders into (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    written: list[Path] = []
    for name, module in LIBRARIES.items():
        shutil.rmtree(out / name, ignore_errors=True)
        paths = module.build(out)
        print(f"{name}: {len(paths)} files")
        written += paths

    formats = Counter(path.suffix.lower() for path in written)
    size = sum(path.stat().st_size for path in written)
    print("formats: " + ", ".join(f"{ext} {count}" for ext, count in sorted(formats.items())))
    print(f"total: {len(written)} files, {size / 1024:.0f} KiB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

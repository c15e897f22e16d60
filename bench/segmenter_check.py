"""Check that kb's segmenter (rjieba where installed) returns jieba's words on a large text sample.

kb's user dictionary is loaded first (the shipped words plus extra customer-like
words, one of them removed again), so the check covers the words kb adds to jieba.

Usage: python bench/segmenter_check.py [--docs 50000] [--text-corpus FILE.jsonl.gz]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import documents  # noqa: E402

# Words in the style of customer and opportunity names that the database adds to jieba.
EXTRA_WORDS = ("苏气象", "华辰电子", "中远海运导航", "国网浙江电力", "港湾航运", "雷达双偏振升级项目", "测试仪表租赁")


def load_user_words() -> None:
    """Apply kb's shipped dictionary and the extra words, then remove one of them."""
    import tempfile

    from kb.search import lexicon, segmenter

    with tempfile.TemporaryDirectory(prefix="kb-segcheck-") as data_root:
        Path(data_root, lexicon.DICTIONARY_FILE).write_text("\n".join(EXTRA_WORDS) + "\n", encoding="utf-8")
        lexicon.configure(Path(data_root))
        lexicon.refresh(force=True)
    segmenter.del_word("测试仪表租赁")


def han_runs(texts: Iterator[str]) -> Iterator[str]:
    from kb.search import analyzer

    for text in texts:
        for match in analyzer._RUN_RE.finditer(analyzer.normalise(text)):
            if match.lastgroup == "han":
                yield match.group()


def compare(runs: Iterator[str]) -> dict[str, object]:
    """Segment every run with both engines; return counts and the first disagreements."""
    import jieba

    from kb.search import segmenter

    checked = chars = 0
    differences: list[dict[str, object]] = []
    for run in runs:
        ours = segmenter.tokenize(run)
        reference = list(jieba.tokenize(run, HMM=True))
        checked += 1
        chars += len(run)
        if ours != reference and len(differences) < 20:
            differences.append({"run": run, "segmenter": ours, "jieba": reference})
    return {"runs": checked, "chars": chars, "differences": differences}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50000, help="Number of documents to check.")
    parser.add_argument("--text-corpus", type=Path, help="Gzipped JSON Lines corpus with title and body; default generated text.")
    args = parser.parse_args(argv)

    from kb.search import segmenter

    load_user_words()
    started = time.perf_counter()
    texts = (f"{d.title}\n{d.content}" for d in documents(args.docs, args.text_corpus))
    result = compare(han_runs(texts))
    result.update(engine=segmenter.engine_name(), seconds=round(time.perf_counter() - started, 1))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 1 if result["differences"] else 0


if __name__ == "__main__":
    sys.exit(main())

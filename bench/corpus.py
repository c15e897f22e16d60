"""Benchmark documents: generated Chinese text, or a sample of a real text corpus.

Generated text comes from a first-order Markov chain over word classes, with words
drawn from a built-in vocabulary of the sample library's domain (radar, radio and
test-instrument sales, service and contracts). The same seed gives the same documents.

A real corpus is a gzipped JSON Lines file with `title` and `body` fields, one
document a line. It is shuffled with a fixed seed and its first N documents are used,
so a smaller sample is a prefix of a larger one.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

LIBRARIES = ("estimates", "quotes", "documents", "cases", "publicity", "templates", "instructions")
FORMATS = ("docx", "pdf", "xlsx", "pptx", "txt", "md")
TEXT_CORPUS_SEED = 20251204
GENERATED_SEED = 20240611

_VOCABULARY = {
    "customer": "苏气象 粤气象 国网浙江 南方电网 中远海运 华北空管 深圳空管 上海港引航站 河北联通 广东移动 山东电力 港湾航运 民航华东局 省气象局",
    "product": "气象雷达 导航雷达 天气雷达 短波电台 频谱分析仪 综合测试仪 天线 发射机 接收机 伺服系统 雷达罩 信号处理器 电源模块 备件 测试仪表",
    "code": "JDX-2000 JDX-3100 QX-7200 QX-7300 TXR-800 TXR-900 ABC-1234 IP67 ALE SLA",
    "noun": (
        "报价 报价单 合同 方案 测算 成本 毛利率 人工费 维修 保障 服务 项目 客户 商机 案例 故障 检修 校准 升级 改造 "
        "验收 交付 付款 发票 质保期 违约责任 技术参数 标准 流程 作业指导书 模板 宣传册 展会 培训 工单 库存 价格 "
        "预算 投标 招标文件 评审 会议纪要 风险 条款 协议 附件 设备 系统 现场 工程师 周期 费用 税率 折扣"
    ),
    "verb": "提供 完成 负责 确认 提交 审核 调整 更换 安装 调试 检测 评估 签订 执行 支付 统计 分析 编制 跟进 处理 维护 测试",
    "adjective": "年度 全面 紧急 标准 专业 主要 重要 相关 正式 临时 长期 额外 合理 最新 双偏振 船用 便携式",
    "function": "的 和 与 及 在 对 按 由 为 将 已 并 或 等 根据 按照 关于 对于 其中 包括",
    "number": "2023年 2024年 2025年 一 二 三 十 百 万元 台 套 个月 天 次 3% 13% 5年",
}
# Which word class may follow which, with weights; "end" closes a sentence.
_TRANSITIONS = {
    "start": {"customer": 3, "adjective": 3, "product": 3, "noun": 4, "function": 2, "number": 1},
    "customer": {"product": 4, "noun": 4, "verb": 3, "function": 2},
    "product": {"code": 2, "noun": 5, "verb": 3, "function": 3, "end": 1},
    "code": {"product": 3, "noun": 4, "function": 2, "end": 1},
    "noun": {"noun": 2, "verb": 3, "function": 4, "product": 1, "end": 3},
    "verb": {"noun": 5, "product": 3, "adjective": 2, "number": 1},
    "adjective": {"noun": 5, "product": 4},
    "function": {"noun": 4, "product": 3, "customer": 2, "adjective": 2, "verb": 2, "number": 1},
    "number": {"noun": 3, "product": 2, "function": 2, "end": 2},
}
_PUNCTUATION = "。。。；！？"


@dataclass(frozen=True)
class BenchDocument:
    """One benchmark document with the fields kb indexes."""

    id: int
    library: str
    folder: str
    format: str
    title: str
    content: str
    modified: str

    def size_bytes(self) -> int:
        """Return the UTF-8 size of title and content, the unit of every MB/s figure."""
        return len(self.title.encode("utf-8")) + 1 + len(self.content.encode("utf-8"))


class TextGenerator:
    """Chinese sentences from the built-in vocabulary, reproducible from a seed."""

    def __init__(self, seed: int = GENERATED_SEED) -> None:
        self.random = random.Random(seed)
        self.words = {kind: text.split() for kind, text in _VOCABULARY.items()}
        # Zipf-like weights, so a few words of each class are common and most are rare.
        self.cum_weights = {kind: list(accumulate(1.0 / (rank + 1) for rank in range(len(words)))) for kind, words in self.words.items()}
        self.next_kinds = {kind: (list(options), list(accumulate(options.values()))) for kind, options in _TRANSITIONS.items()}

    def _next_kind(self, kind: str) -> str:
        kinds, cum_weights = self.next_kinds[kind]
        return self.random.choices(kinds, cum_weights=cum_weights)[0]

    def sentence(self, max_words: int = 18) -> str:
        words: list[str] = []
        kind = self._next_kind("start")
        while kind != "end" and len(words) < max_words:
            words.append(self.random.choices(self.words[kind], cum_weights=self.cum_weights[kind])[0])
            kind = self._next_kind(kind)
        return "".join(words) + self.random.choice(_PUNCTUATION)

    def text(self, chars: int) -> str:
        parts: list[str] = []
        length = 0
        while length < chars:
            sentence = self.sentence()
            parts.append(sentence)
            length += len(sentence)
        return "".join(parts)

    def title(self) -> str:
        return self.sentence(max_words=6).rstrip(_PUNCTUATION)


def _placement(rng: random.Random, index: int) -> tuple[str, str, str, str]:
    library = LIBRARIES[index % len(LIBRARIES)]
    folder = rng.choice(("", "2024", "2025", "华东区", "华南区", "华北区"))
    modified = datetime(2023, 1, 1) + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
    return library, folder, rng.choice(FORMATS), modified.isoformat()


def generated_documents(count: int, seed: int = GENERATED_SEED) -> Iterator[BenchDocument]:
    """Yield `count` generated documents whose body lengths follow a long-tailed distribution."""
    generator = TextGenerator(seed)
    rng = random.Random(seed + 1)
    for index in range(count):
        library, folder, file_format, modified = _placement(rng, index)
        # Mean about 430 characters, median about 300: short notes with a tail of long reports.
        chars = min(6000, int(rng.lognormvariate(5.7, 0.8)))
        yield BenchDocument(index + 1, library, folder, file_format, generator.title(), generator.text(chars), modified)


def text_corpus_documents(path: Path, count: int, seed: int = TEXT_CORPUS_SEED) -> Iterator[BenchDocument]:
    """Yield the first `count` documents of the shuffled corpus at `path`.

    Raises ValueError when the corpus holds fewer than `count` documents.
    """
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if len(rows) < count:
        raise ValueError(f"{path} holds {len(rows)} documents, fewer than the {count} requested")
    random.Random(seed).shuffle(rows)
    rng = random.Random(seed + 1)
    for index, row in enumerate(rows[:count]):
        library, folder, file_format, modified = _placement(rng, index)
        yield BenchDocument(index + 1, library, folder, file_format, row["title"], row["body"], modified)


def documents(count: int, text_corpus: Path | None) -> Iterator[BenchDocument]:
    """Yield benchmark documents from the text corpus when given, otherwise generated ones."""
    if text_corpus is not None:
        return text_corpus_documents(text_corpus, count)
    return generated_documents(count)


def write_jsonl(docs: Iterator[BenchDocument], path: Path) -> tuple[int, int]:
    """Write documents to a JSON Lines file; return the count and the total size in bytes."""
    count = size = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")
            count += 1
            size += doc.size_bytes()
    return count, size


def read_jsonl(path: Path) -> Iterator[BenchDocument]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield BenchDocument(**json.loads(line))

"""Measure kb's search relevance on the sample library against a plain Whoosh + jieba baseline.

Both engines see the same files (kb's own scan of the library). kb ingests them
into a temporary data folder and is searched through `run_search`. The baseline
indexes file name stem and naively extracted text with `jieba.analyse.ChineseAnalyzer()`
and parses queries with Whoosh's MultifieldParser (AND group). It runs in a child
process because kb adds words to jieba's process-wide dictionary, which would
otherwise leak into the baseline's tokenizer.

With `--backend` given more than once, kb runs on each search backend and the tables
show one kb column per backend, so backends can be compared side by side. The
postgres backend runs in a throwaway database, created and dropped on the server of
--postgres-url (default $KB_BENCH_DATABASE_URL; the role needs CREATEDB).

Usage: python bench/relevance/run.py [--library library] [--backend whoosh] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TOP_K = 10
# Depth of the extra kb search that locates a missed grade-3 document beyond the top 10.
RANK_DEPTH = 200
SECTION_START = "<!-- relevance:start -->"
SECTION_END = "<!-- relevance:end -->"
BACKENDS = ("whoosh", "tantivy", "postgres")
CATEGORIES = ("words", "synonyms", "short_names", "codes", "single_char", "mixed_english", "traditional", "phrase")
SPLITS = ("tune", "heldout")


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    category: str
    split: str


@dataclass(frozen=True)
class Hit:
    path: str
    title: str


def load_queries(path: Path) -> list[Query]:
    """Read queries.jsonl, rejecting unknown categories or splits."""
    queries = []
    for row in _read_jsonl(path):
        query = Query(row["id"], row["query"], row["category"], row["split"])
        if query.category not in CATEGORIES or query.split not in SPLITS:
            raise ValueError(f"{path}: query {query.id} has an invalid category or split")
        queries.append(query)
    return queries


def load_judgments(path: Path) -> dict[str, dict[str, int]]:
    """Read judgments.jsonl into {query id: {document path: grade}}."""
    judgments: dict[str, dict[str, int]] = {}
    for row in _read_jsonl(path):
        judgments.setdefault(row["query_id"], {})[row["path"]] = int(row["grade"])
    return judgments


def _read_jsonl(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@dataclass(frozen=True)
class KbRun:
    """kb's side of one evaluation, with the scanned files and the rankings per query id."""

    paths: list[str]
    failed: list[str]
    top: dict[str, list[Hit]]
    # Up to RANK_DEPTH hits, used only to report where a missed document sits.
    deep: dict[str, list[Hit]]


def kb_rankings(library_dir: Path, queries: Sequence[Query], backend_name: str = "whoosh", database_url: str | None = None) -> KbRun:
    """Ingest the library into a temporary kb on search backend `backend_name` and search every query.

    `database_url` is an empty database for kb (needed by the postgres backend); None is SQLite.
    Raises RuntimeError when kb ingests none of the files, because every score would be zero.
    """
    from sqlmodel import Session

    from kb.config import Settings
    from kb.db import dispose_engines, get_engine, upgrade_database
    from kb.ingest.pipeline import relative_key, run_ingest, scan_library
    from kb.search import open_backend
    from kb.search.backend import SearchFilters
    from kb.search.service import run_search

    with tempfile.TemporaryDirectory(prefix="kb-relevance-") as data_dir:
        settings = Settings(library_dir=library_dir, data_dir=Path(data_dir), database_url=database_url, search_backend=backend_name)
        if database_url:
            upgrade_database(get_engine(settings))
        backend = open_backend(settings)
        try:
            summary = run_ingest(settings, backend)
            paths = [relative_key(settings.library_root, p) for p in scan_library(settings.library_root)]
            failed = sorted(path for path, _reason in summary.failed)
            if failed:
                logger.warning("kb failed to ingest %d of %d files: %s", len(failed), len(paths), failed)
            if paths and len(failed) == len(paths):
                raise RuntimeError(
                    f"kb failed to ingest all {len(paths)} files of {library_dir}. The log above names the reasons."
                )

            top: dict[str, list[Hit]] = {}
            deep: dict[str, list[Hit]] = {}
            with Session(get_engine(settings)) as session:
                for query in queries:
                    for limit, target in ((TOP_K, top), (RANK_DEPTH, deep)):
                        page = run_search(session, backend, query.text, SearchFilters(), limit=limit)
                        target[query.id] = [Hit(item.path, item.title) for item in page.results]
        finally:
            backend.close()
            dispose_engines()
    return KbRun(paths, failed, top, deep)


def naive_text(path: Path) -> str:
    """Extract text with the most direct call of each format library, as a quick script would."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    if suffix == ".xlsx":
        return _naive_xlsx(path)
    if suffix == ".pptx":
        return _naive_pptx(path)
    if suffix == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
    return path.read_bytes().decode("utf-8", errors="replace")


def _naive_xlsx(path: Path) -> str:
    import openpyxl

    workbook = openpyxl.load_workbook(str(path), data_only=True, read_only=True)
    try:
        values = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                values.extend(str(v) for v in row if v is not None)
        return "\n".join(values)
    finally:
        workbook.close()


def _naive_pptx(path: Path) -> str:
    import pptx

    texts = []
    for slide in pptx.Presentation(str(path)).slides:
        # Only top-level shapes are read, so text inside groups, tables and notes is missed on purpose.
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
    return "\n".join(texts)


def baseline_rankings_in_process(library_dir: Path, paths: Sequence[str], queries: Sequence[Query]) -> dict[str, list[str]]:
    """Index `paths` with Whoosh + ChineseAnalyzer and return the top-10 paths per query.

    Call this only in a process where jieba's dictionary is untouched, which baseline_rankings ensures.
    """
    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import MultifieldParser

    jieba.setLogLevel(logging.WARNING)
    analyzer = ChineseAnalyzer()
    schema = Schema(path=ID(stored=True, unique=True), title=TEXT(analyzer=analyzer), content=TEXT(analyzer=analyzer))
    with tempfile.TemporaryDirectory(prefix="kb-relevance-baseline-") as index_dir:
        ix = index.create_in(index_dir, schema)
        writer = ix.writer()
        for rel in paths:
            path = library_dir / rel
            try:
                content = naive_text(path)
            except Exception:  # noqa: BLE001 - a naive script indexes an unreadable file by its name only
                logger.warning("baseline extraction failed for %s, so only its file name is indexed", path)
                content = ""
            writer.add_document(path=rel, title=path.stem, content=content)
        writer.commit()

        parser = MultifieldParser(["title", "content"], schema)
        rankings: dict[str, list[str]] = {}
        with ix.searcher() as searcher:
            for query in queries:
                hits = searcher.search(parser.parse(query.text), limit=TOP_K)
                rankings[query.id] = [hit["path"] for hit in hits]
        ix.close()
    return rankings


def baseline_rankings(library_dir: Path, paths: Sequence[str], queries: Sequence[Query]) -> dict[str, list[str]]:
    """Run the baseline in a child Python so that kb's jieba words cannot reach it."""
    request = {
        "library": str(library_dir),
        "paths": list(paths),
        "queries": [[q.id, q.text, q.category, q.split] for q in queries],
    }
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--baseline-child"],
        input=json.dumps(request, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"baseline child process failed with exit code {completed.returncode}:\n{completed.stderr}")
    # Pass on the child's warnings, such as a file the naive extraction could not read.
    sys.stderr.write(completed.stderr)
    return json.loads(completed.stdout)


def _baseline_child() -> int:
    request = json.loads(sys.stdin.read())
    queries = [Query(*row) for row in request["queries"]]
    rankings = baseline_rankings_in_process(Path(request["library"]), request["paths"], queries)
    sys.stdout.write(json.dumps(rankings, ensure_ascii=False))
    return 0


def ndcg_at_k(ranked: Sequence[str], grades: dict[str, int], k: int = TOP_K) -> float:
    """Compute nDCG@k with gain 2^grade - 1, taking the ideal ranking from every judged document."""
    dcg = sum((2 ** grades.get(path, 0) - 1) / math.log2(i + 2) for i, path in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: Sequence[str], grades: dict[str, int], k: int = TOP_K) -> float:
    """Return the share of the documents graded 1 or more that appear in the top k."""
    relevant = {path for path, g in grades.items() if g >= 1}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], grades: dict[str, int], k: int = TOP_K) -> float:
    """Return 1 / rank of the first document graded 2 or more within the top k, else 0."""
    for i, path in enumerate(ranked[:k]):
        if grades.get(path, 0) >= 2:
            return 1.0 / (i + 1)
    return 0.0


def score_query(ranked: Sequence[str], grades: dict[str, int]) -> dict[str, float]:
    return {
        "ndcg": ndcg_at_k(ranked, grades),
        "recall": recall_at_k(ranked, grades),
        "mrr": reciprocal_rank(ranked, grades),
    }


def engine_labels(backends: Sequence[str]) -> list[str]:
    """Name kb's columns: plain "kb" for one backend, "kb <backend>" for several."""
    return ["kb"] if len(backends) == 1 else [f"kb {name}" for name in backends]


def evaluate(
    library_dir: Path,
    queries: Sequence[Query],
    judgments: dict[str, dict[str, int]],
    backends: Sequence[str] = ("whoosh",),
    postgres_url: str | None = None,
) -> dict:
    """Run every query through kb on each backend and through the baseline, and score them against the judgments.

    `queries` and `judgments` have the shapes that load_queries and load_judgments return.
    Returns {"engines": [...], "per_query": [...], "groups": [...], "misses": {engine: [...]},
    "documents": n, "kb_failed": [...]}. Judged paths that are not in the library raise
    ValueError, because a typo there would silently lower every engine's scores. The
    postgres backend needs `postgres_url`, a server where a throwaway database is made.
    """
    from bench.postgres import databases

    library_dir = Path(library_dir).resolve()
    engines = engine_labels(backends)
    kb_runs = {}
    for engine, name in zip(engines, backends):
        if name != "postgres":
            kb_runs[engine] = kb_rankings(library_dir, queries, name)
            continue
        if not postgres_url:
            raise ValueError("the postgres backend needs a PostgreSQL server: pass --postgres-url or set KB_BENCH_DATABASE_URL")
        with databases(postgres_url) as new_database:
            kb_runs[engine] = kb_rankings(library_dir, queries, name, new_database())
    first = kb_runs[engines[0]]
    _check_judged_paths(first.paths, queries, judgments)
    base_top = baseline_rankings(library_dir, first.paths, queries)

    per_query = []
    for query in queries:
        grades = judgments.get(query.id, {})
        row: dict = {"query": query, "baseline": score_query(base_top[query.id], grades), "baseline_top": base_top[query.id]}
        for engine, kb_run in kb_runs.items():
            row[engine] = score_query([hit.path for hit in kb_run.top[query.id]], grades)
            row[f"{engine}_top"] = kb_run.top[query.id]
        per_query.append(row)
    return {
        "engines": engines,
        "backends": list(backends),
        "per_query": per_query,
        "groups": summarise(per_query, engines),
        "misses": {e: grade3_misses(queries, judgments, r.top, r.deep) for e, r in kb_runs.items()},
        "documents": len(first.paths),
        "kb_failed": sorted({path for kb_run in kb_runs.values() for path in kb_run.failed}),
    }


def _check_judged_paths(paths: Sequence[str], queries: Sequence[Query], judgments: dict[str, dict[str, int]]) -> None:
    known = set(paths)
    query_ids = {q.id for q in queries}
    judged = {path for qid, grades in judgments.items() if qid in query_ids for path in grades}
    unknown = sorted(judged - known)
    if unknown:
        raise ValueError(f"judged documents not found in the library: {', '.join(unknown)}")


def summarise(per_query: Sequence[dict], engines: Sequence[str] = ("kb",)) -> list[dict]:
    """Average the metrics of each kb engine and the baseline per category, per split and overall, in that order."""
    groups: list[tuple[str, list[dict]]] = []
    for category in CATEGORIES:
        groups.append((f"category: {category}", [r for r in per_query if r["query"].category == category]))
    for split in SPLITS:
        groups.append((f"split: {split}", [r for r in per_query if r["query"].split == split]))
    groups.append(("overall", list(per_query)))

    summary = []
    for label, rows in groups:
        if not rows:
            continue
        entry: dict = {"label": label, "count": len(rows)}
        for engine in (*engines, "baseline"):
            entry[engine] = {m: sum(r[engine][m] for r in rows) / len(rows) for m in ("ndcg", "recall", "mrr")}
        summary.append(entry)
    return summary


def grade3_misses(
    queries: Sequence[Query],
    judgments: dict[str, dict[str, int]],
    kb_top: dict[str, list[Hit]],
    kb_deep: dict[str, list[Hit]],
) -> list[dict]:
    """List every grade-3 document that is not in kb's top 3, with its rank in kb's deeper ranking."""
    misses = []
    for query in queries:
        top3 = kb_top[query.id][:3]
        deep_paths = [hit.path for hit in kb_deep[query.id]]
        for path, grade in sorted(judgments.get(query.id, {}).items()):
            if grade < 3 or path in [hit.path for hit in top3]:
                continue
            rank = deep_paths.index(path) + 1 if path in deep_paths else None
            misses.append({"query": query, "path": path, "rank": rank, "top3": [hit.title for hit in top3]})
    return misses


def render_markdown(result: dict) -> str:
    """Render the metric table and each kb engine's grade-3 miss list as Markdown."""
    engines = result["engines"]
    lines = [
        f"{len(result['per_query'])} queries over {result['documents']} documents, metrics at cut-off {TOP_K}. "
        "MRR counts the first document graded 2 or more.",
        "",
    ]
    if result["kb_failed"]:
        lines += [f"kb failed to ingest {len(result['kb_failed'])} files: {', '.join(result['kb_failed'])}", ""]
    columns = [*engines, "baseline"]
    metrics = (("ndcg", "nDCG@10"), ("recall", "recall@10"), ("mrr", "MRR"))
    header = [f"{title} {engine}" for _key, title in metrics for engine in columns]
    lines += [
        "| group | queries | " + " | ".join(header) + " |",
        "| --- | ---: |" + " ---: |" * len(header),
    ]
    for entry in result["groups"]:
        cells = [f"{entry[engine][key]:.3f}" for key, _title in metrics for engine in columns]
        lines.append(f"| {entry['label']} | {entry['count']} | " + " | ".join(cells) + " |")
    for engine in engines:
        lines += _render_misses(engine, result["misses"][engine])
    return "\n".join(lines) + "\n"


def _render_misses(engine: str, misses: Sequence[dict]) -> list[str]:
    lines = [
        "",
        f"Grade-3 documents not in {engine}'s top 3 ({len(misses)}). "
        "A query with more than three grade-3 documents always appears here.",
        "",
    ]
    if not misses:
        return lines + ["None."]
    lines += [f"| query | missing document | {engine} rank | {engine} top 3 |", "| --- | --- | ---: | --- |"]
    for miss in misses:
        rank = str(miss["rank"]) if miss["rank"] else "not found"
        top3 = " / ".join(_cell(t) for t in miss["top3"]) or "(no results)"
        lines.append(f"| {miss['query'].id} `{_cell(miss['query'].text)}` | {_cell(miss['path'])} | {rank} | {top3} |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_section(result: dict, argv: Sequence[str]) -> str:
    """Wrap the tables with the command, machine, date and versions for docs/benchmarks.md."""
    from importlib.metadata import version

    import kb

    from bench.postgres import without_url

    command = "python bench/relevance/run.py " + " ".join(without_url(argv))
    environment = (
        f"Machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}. Date: {date.today().isoformat()}. "
        f"Versions: kb {kb.__version__}, whoosh {_whoosh_version()}, jieba {version('jieba')}"
    )
    if "tantivy" in result["backends"]:
        environment += f", tantivy {version('tantivy')}"
    if "postgres" in result["backends"]:
        environment += f", psycopg {version('psycopg')}"
    environment += "."
    return "\n".join([
        SECTION_START,
        "## Search relevance",
        "",
        "kb against a baseline of Whoosh with `jieba.analyse.ChineseAnalyzer()` over file name stem",
        "and naively extracted content (python-docx paragraphs, openpyxl cached cell values,",
        "python-pptx top-level text frames, pypdf `extract_text()`, text read as UTF-8), queried",
        "through `MultifieldParser` with its default AND group. Queries and graded judgments (0 to 3)",
        "are in `bench/relevance/`. Tune on the tune split and check the result on the held-out split.",
        "",
        f"Command: `{command.strip()}`",
        "",
        environment,
        "",
        render_markdown(result).rstrip("\n"),
        SECTION_END,
    ]) + "\n"


def _whoosh_version() -> str:
    import whoosh

    return whoosh.versionstring()


def write_section(doc_path: Path, section: str) -> None:
    """Replace the relevance section of `doc_path`, creating the file or the section if missing."""
    text = doc_path.read_text(encoding="utf-8") if doc_path.exists() else "# Benchmarks\n"
    start, end = text.find(SECTION_START), text.find(SECTION_END)
    if start != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(SECTION_END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    doc_path.write_text(text, encoding="utf-8")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, default=REPO / "library",
                        help="library folder to index (default: %(default)s)")
    parser.add_argument("--queries", type=Path, default=HERE / "queries.jsonl",
                        help="queries file, one JSON object a line (default: %(default)s)")
    parser.add_argument("--judgments", type=Path, default=HERE / "judgments.jsonl",
                        help="graded judgments file, one JSON object a line (default: %(default)s)")
    parser.add_argument("--backend", action="append", choices=BACKENDS, dest="backends",
                        help="search backend kb runs on; repeat to compare backends side by side (default: whoosh)")
    parser.add_argument("--postgres-url", default=os.environ.get("KB_BENCH_DATABASE_URL") or None,
                        help="PostgreSQL server for the postgres backend's throwaway database (default: $KB_BENCH_DATABASE_URL)")
    parser.add_argument("--write", type=Path, metavar="MARKDOWN",
                        help="also replace the relevance section of this Markdown file")
    parser.add_argument("--baseline-child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.baseline_child:
        return _baseline_child()

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.library.is_dir():
        print(f"library folder not found: {args.library}. Pass the folder with --library.", file=sys.stderr)
        return 2
    queries = load_queries(args.queries)
    judgments = load_judgments(args.judgments)

    backends = args.backends or ["whoosh"]
    if "postgres" in backends and not args.postgres_url:
        print("the postgres backend needs a PostgreSQL server: pass --postgres-url URL or set KB_BENCH_DATABASE_URL "
              "(a role with CREATEDB; a throwaway database is made and dropped).", file=sys.stderr)
        return 2
    result = evaluate(args.library, queries, judgments, backends, args.postgres_url)
    print(render_markdown(result), end="")
    if args.write:
        write_section(args.write, render_section(result, argv))
        print(f"wrote the relevance section of {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    sys.exit(main())

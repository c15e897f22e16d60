"""The relevance benchmark runs kb on the postgres backend in a throwaway database and scores it."""

from __future__ import annotations

from pathlib import Path

from bench.relevance.run import HERE, REPO, evaluate, load_judgments, load_queries
from tests.db.postgres import require_server

QUERY_IDS = ("q01", "q09", "q26")


def test_relevance_on_postgres_scores_the_sample_library() -> None:
    server = require_server()
    queries = [q for q in load_queries(HERE / "queries.jsonl") if q.id in QUERY_IDS]
    judgments = load_judgments(HERE / "judgments.jsonl")

    result = evaluate(Path(REPO / "library"), queries, judgments, ("postgres",), server)

    assert result["engines"] == ["kb"]
    assert result["kb_failed"] == []
    overall = next(group for group in result["groups"] if group["label"] == "overall")
    # Each of these queries has grade-3 documents that kb ranks in its top 10.
    assert overall["kb"]["ndcg"] > 0.5, overall

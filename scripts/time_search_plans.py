"""Time PostgreSQL's GIN search plan with and without the recent index
(docs/benchmarks.md, "Search: the recent index").

On a seeded PostgreSQL database (``roost seed --graph generated --text
demo``), builds the recent index if it is missing, then runs the GIN plan
for each query alternately over the recent index and over the whole
index, in one process, and prints p50/p90/p99 of each and whether the
pages agree, then both plans' ``EXPLAIN (ANALYZE, BUFFERS)`` summary.

    python scripts/time_search_plans.py postgresql://postgres@127.0.0.1:5432/DB \
        --rows 100000 --runs 100 "cycling science" "the cycling"
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import sqlalchemy as sa

from roost.db.engine import make_engine
from roost.kernel.paging import Page
from roost.search import recent_index
from roost.search.engine import TextQuery
from roost.search.postgres_fts import _NO_PARALLEL, PostgresEngine, gin_statement, tsquery


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(url: str, rows: int, runs: int, queries: list[str]) -> None:
    engine = make_engine(url)
    fts = PostgresEngine()
    try:
        started = time.perf_counter()
        bound = await recent_index.maintain(engine, rows)
        print(f"recent index bound {bound} ({time.perf_counter() - started:.1f} s)")
        if bound is None:
            return
        for words in queries:
            text = TextQuery(words=tuple(words.split()), phrases=(), excluded=(), language=None)
            query = tsquery(text)
            page = Page(limit=20)
            timings: dict[str, list[float]] = {"recent": [], "whole": []}
            pages: dict[str, list[int]] = {}
            async with engine.connect() as conn:
                await conn.execute(_NO_PARALLEL)  # as find() does for its transaction
                for _ in range(runs):
                    for name, floor in (("recent", bound), ("whole", None)):
                        began = time.perf_counter()
                        if floor is None:
                            ids = await fts._gin_ids(conn, query, [], page, 0, floor=None)
                        else:
                            ids = await fts._recent_first(conn, query, [], page, 0)
                        timings[name].append((time.perf_counter() - began) * 1000)
                        pages[name] = ids
                for name, floor in (("recent", bound), ("whole", None)):
                    sql = gin_statement(query, [], page, 0, floor=floor).compile(
                        engine.sync_engine, compile_kwargs={"literal_binds": True}
                    )
                    plan = await conn.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                    lines = [str(r[0]) for r in plan]
                    index = [line.strip() for line in lines if "Index Scan on" in line]
                    print(f"  {name} plan: {'; '.join(index)} | {lines[-1].strip()}")
            agree = pages["recent"] == pages["whole"]
            for name, values in timings.items():
                print(
                    f"{words!r} {name}: p50 {statistics.median(values):.1f} "
                    f"p90 {quantile(values, 0.9):.1f} p99 {quantile(values, 0.99):.1f} ms"
                    f" ({len(pages[name])} ids, pages agree: {agree})"
                )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("queries", nargs="+")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.rows, args.runs, args.queries))

"""The capacity arithmetic against cases worked out by hand (in the comments)."""

from __future__ import annotations

import pytest

from roost.capacity.model import Scale, Throughput, by_key, estimate

# A small scale chosen so the hand arithmetic stays exact: 864,000 users is
# ten times the seconds in a day.
SMALL = Scale(
    daily_active_users=864_000,
    posts_per_user_per_day=2,
    timeline_reads_per_user_per_day=100,
    followers_per_post=50,
    peak_factor=3,
    text_bytes=100,
    metadata_bytes=200,
    index_bytes=100,
    media_share=0.2,
    media_bytes=1_000_000,
    replication_factor=2,
    retention_days=10,
    timeline_length=100,
    timeline_entry_bytes=8,
    timeline_overhead_bytes=200,
    page_size=10,
    status_json_bytes=1_000,
    media_fetch_share=0.5,
    post_request_bytes=500,
)
SMALL_MACHINES = Throughput(
    timeline_reads_per_core=1_000,
    posts_per_core=100,
    fanout_inserts_per_core=10_000,
    cores_per_server=4,
    utilization=0.5,
    cache_node_memory_gb=10,
    cache_memory_usable=0.5,
    cache_ops_per_node=5_000,
    cache_replicas=1,
)


def values(scale: Scale, throughput: Throughput) -> dict[str, float]:
    return {key: f.value for key, f in by_key(estimate(scale, throughput)).items()}


def test_rates_by_hand() -> None:
    v = values(SMALL, SMALL_MACHINES)
    # posts: 864,000 users × 2 = 1,728,000 a day; ÷ 86,400 s = 20/s; × 3 = 60/s at peak
    assert v["posts_per_day"] == 1_728_000
    assert v["posts_avg"] == pytest.approx(20)
    assert v["posts_peak"] == pytest.approx(60)
    # reads: 864,000 × 100 = 86,400,000 a day = 1,000/s; 3,000/s at peak
    assert v["reads_per_day"] == 86_400_000
    assert v["reads_avg"] == pytest.approx(1_000)
    assert v["reads_peak"] == pytest.approx(3_000)
    # fan-out: 20 posts/s × 50 followers = 1,000 inserts/s; 3,000 at peak
    assert v["fanout_avg"] == pytest.approx(1_000)
    assert v["fanout_peak"] == pytest.approx(3_000)


def test_storage_by_hand() -> None:
    v = values(SMALL, SMALL_MACHINES)
    # 1,728,000 posts a day × 100 B text = 172,800,000 B
    assert v["text_per_day"] == pytest.approx(172_800_000)
    # × 200 B metadata = 345,600,000 B; × 100 B of index = 172,800,000 B
    assert v["metadata_per_day"] == pytest.approx(345_600_000)
    assert v["index_per_day"] == pytest.approx(172_800_000)
    # media: 1,728,000 × 0.2 = 345,600 posts with media × 1,000,000 B = 345,600,000,000 B
    assert v["media_per_day"] == pytest.approx(345_600_000_000)
    # sum 172.8M + 345.6M + 172.8M + 345,600M = 346,291,200,000 B; × 2 copies
    assert v["stored_per_day"] == pytest.approx(692_582_400_000)
    # × 10 days of retention
    assert v["stored_retention"] == pytest.approx(6_925_824_000_000)


def test_network_by_hand() -> None:
    v = values(SMALL, SMALL_MACHINES)
    # in: 20 posts/s × (500 B + 0.2 × 1,000,000 B) = 20 × 200,500 = 4,010,000 B/s; peak × 3
    assert v["bandwidth_in"] == pytest.approx(4_010_000)
    assert v["bandwidth_in_peak"] == pytest.approx(12_030_000)
    # API out: 1,000 reads/s × 10 statuses × 1,000 B = 10,000,000 B/s
    assert v["api_out"] == pytest.approx(10_000_000)
    # media out: 1,000 × 10 × 0.2 × 0.5 × 1,000,000 = 1,000,000,000 B/s
    assert v["media_out"] == pytest.approx(1_000_000_000)
    # peak out: (10,000,000 + 1,000,000,000) × 3 = 3,030,000,000 B/s
    assert v["bandwidth_out_peak"] == pytest.approx(3_030_000_000)


def test_timeline_cache_by_hand() -> None:
    v = values(SMALL, SMALL_MACHINES)
    # 100 ids × 8 B + 200 B = 1,000 B per timeline; × 864,000 users = 864,000,000 B
    assert v["timeline_bytes"] == 1_000
    assert v["timeline_cache"] == 864_000_000


def test_machines_by_hand() -> None:
    v = values(SMALL, SMALL_MACHINES)
    # cores: (3,000 reads/s ÷ 1,000 + 60 posts/s ÷ 100) ÷ 0.5 = 3.6 ÷ 0.5 = 7.2 -> 8
    assert v["app_cores"] == 8
    # servers: 8 cores ÷ 4 per server = 2
    assert v["app_servers"] == 2
    # workers: 3,000 inserts/s ÷ 10,000 ÷ 0.5 = 0.6 -> 1
    assert v["workers"] == 1
    # cache memory: 864,000,000 B × 1 copy ÷ (10 GB × 0.5) = 0.1728 -> 1 node
    assert v["cache_nodes_memory"] == 1
    # cache ops: (3,000 + 3,000) ÷ (5,000 × 0.5) = 2.4 -> 3 nodes; the larger need wins
    assert v["cache_nodes_ops"] == 3
    assert v["cache_nodes"] == 3


def test_defaults_reproduce_twitter_2013() -> None:
    v = values(Scale(), Throughput())
    # 150M × 2.88 ÷ 86,400 = 5,000 posts/s; × 2.4 = 12,000 at peak
    assert v["posts_avg"] == pytest.approx(5_000)
    assert v["posts_peak"] == pytest.approx(12_000)
    # 150M × 172.8 ÷ 86,400 = 300,000 timeline reads/s
    assert v["reads_avg"] == pytest.approx(300_000)
    # 5,000 × 75 = 375,000 deliveries/s = 32.4 billion a day (Twitter: ~30 billion)
    assert v["fanout_avg"] * 86_400 == pytest.approx(32_400_000_000)
    # One cached timeline: 800 × 8 + 800 = 7,200 B, under the 10 KB target
    assert v["timeline_bytes"] == 7_200
    # cache memory: 150M × 7,200 B = 1.08 TB; × 2 copies ÷ (64 GB × 0.7) = 48.2 -> 49
    assert v["cache_nodes_memory"] == 49


def test_every_figure_shows_its_formula_with_numbers() -> None:
    figures = by_key(estimate(SMALL, SMALL_MACHINES))
    assert figures["posts_avg"].formula == "posts_per_day ÷ seconds_per_day = 1,728,000 ÷ 86,400"
    assert figures["app_cores"].formula == (
        "⌈(reads_peak ÷ timeline_reads_per_core + posts_peak ÷ posts_per_core) ÷ utilization⌉"
        " = ⌈(3,000 ÷ 1,000 + 60 ÷ 100) ÷ 0.5⌉"
    )
    # Byte totals appear in decimal units inside later formulas.
    assert figures["stored_retention"].formula.endswith("= 692.58 GB × 10")
    assert all(" = " in f.formula for f in figures.values())


def test_measured_throughput_changes_the_machine_count() -> None:
    faster = Throughput(timeline_reads_per_core=4_000, posts_per_core=1_000)
    v = values(Scale(), faster)
    # ⌈(720,000 ÷ 4,000 + 12,000 ÷ 1,000) ÷ 0.6⌉ = ⌈192 ÷ 0.6⌉ = 320 cores = 20 servers of 16
    assert v["app_cores"] == 320
    assert v["app_servers"] == 20


@pytest.mark.parametrize(
    ("cls", "field", "value"),
    [
        (Scale, "media_share", 1.5),
        (Scale, "daily_active_users", -1),
        (Throughput, "utilization", 0),
        (Throughput, "posts_per_core", 0),
    ],
)
def test_rejects_impossible_inputs(cls: type[Scale | Throughput], field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        cls(**{field: value})  # type: ignore[arg-type]

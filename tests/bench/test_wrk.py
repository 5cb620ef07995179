"""wrk: Lua script generation and reading its output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from roost_bench import ceiling
from roost_bench.servers import ServerSpec, serve
from roost_bench.wrk import WrkRun, build_script, lua_literal, parse_output, run_wrk

# wrk 4.1 with `--latency` and no script (captured from a real run).
TEXT_OUTPUT = """\
Running 1s test @ http://127.0.0.1:50263/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   329.44us  240.22us   4.01ms   96.96%
    Req/Sec    24.53k     3.62k   32.09k    81.82%
  Latency Distribution
     50%  302.00us
     75%  381.00us
     90%  483.00us
     99%    1.19ms
  26833 requests in 1.10s, 160.81MB read
  Non-2xx or 3xx responses: 12
  Socket errors: connect 0, read 2, write 0, timeout 3
Requests/sec:  24387.81
Transfer/sec:    146.15MB
"""

# The same run through our summary script (its JSON line after wrk's text).
JSON_OUTPUT = """\
Running 1s test @ http://127.0.0.1:50263
  2 threads and 8 connections
  16974 requests in 1.01s, 101.72MB read
Requests/sec:  16775.18
ROOST_WRK_JSON {"requests":16974,"duration_us":1011852,"bytes":106664616,\
"errors":{"connect":0,"read":1,"write":0,"status":7,"timeout":2},\
"latency_us":{"min":37.000,"max":10759.000,"mean":850.111,"stdev":1176.957,\
"percentiles":{"50":297.000,"75":995.000,"90":2508.000,"95":3445.000,"99":5401.000,\
"99.9":8210.000}},"kinds":{"home":10167,"user":5096,"post":1712}}
"""


def test_parse_text_output() -> None:
    result = parse_output(TEXT_OUTPUT)
    assert result.requests == 26_833
    assert result.duration_s == pytest.approx(1.10)
    assert result.rps == pytest.approx(26_833 / 1.10)
    assert result.bytes == int(160.81 * 1024**2)
    assert result.non_2xx == 12
    assert result.socket_errors == 5
    assert result.errors == 17
    assert result.latency_ms["mean"] == pytest.approx(0.32944)
    assert result.latency_ms["max"] == pytest.approx(4.01)
    assert result.latency_ms["p50"] == pytest.approx(0.302)
    assert result.latency_ms["p99"] == pytest.approx(1.19)
    assert result.kinds == {}


def test_parse_json_line_wins_over_text() -> None:
    result = parse_output(JSON_OUTPUT)
    assert result.requests == 16_974
    assert result.duration_s == pytest.approx(1.011852)
    assert result.socket_errors == 3  # read 1 + timeout 2
    assert result.non_2xx == 7
    assert result.latency_ms["p50"] == pytest.approx(0.297)
    assert result.latency_ms["p99_9"] == pytest.approx(8.21)
    assert result.latency_ms["stdev"] == pytest.approx(1.176957)
    assert result.kinds == {"home": 10_167, "user": 5_096, "post": 1_712}


def test_unreadable_output_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no summary"):
        parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_lua_literals() -> None:
    assert lua_literal(True) == "true"
    assert lua_literal(20) == "20"
    assert lua_literal(0.6) == "0.6"
    assert lua_literal("plain") == '"plain"'
    # quotes, backslashes, newlines and non-ASCII become decimal byte escapes
    assert lua_literal('a"b\\c\n') == '"a\\034b\\092c\\010"'
    assert lua_literal("é") == '"\\195\\169"'
    assert lua_literal([1, "x"]) == '{1, "x"}'
    assert lua_literal({"limit": 10, "tokens": ["t"]}) == '{["limit"] = 10, ["tokens"] = {"t"}}'
    with pytest.raises(TypeError):
        lua_literal(None)


def test_build_script_puts_data_before_the_shared_and_workload_code() -> None:
    script = build_script("mix", {"tokens": ["abc"], "home": 0.6})
    data_at = script.index('DATA = {["tokens"] = {"abc"}, ["home"] = 0.6}')
    done_at = script.index("function done(summary, latency, requests)")
    request_at = script.index("function request()")
    assert data_at < done_at < request_at
    assert "ROOST_WRK_JSON" in script


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
@pytest.mark.parametrize("workload", ["fixed", "home", "mix"])
def test_scripts_run_under_wrk(workload: str, tmp_path: Path) -> None:
    """Every script is valid Lua for wrk and reports through the JSON line."""
    data = {
        "path": ceiling.PATH,
        "home_path": ceiling.PATH,
        "tokens": ["token-a", "token-b"],
        "account_ids": ["1", "2"],
        "usernames": ["username_0", "username_1"],
        "home": 0.6,
        "user": 0.3,
        "limit": 10,
        "text_chars": 256,
        "link_chars": 64,
        "seed": 1,
    }
    spec = ServerSpec("uvicorn", "roost_bench.ceiling:raw_app", probe_path=ceiling.PATH)
    with serve(spec) as server:
        run = WrkRun(threads=2, connections=4, duration=1)
        result = run_wrk(server.url, run=run, workload=workload, data=data)
    assert result.requests > 0
    assert result.errors == 0
    if workload == "mix":
        assert set(result.kinds) == {"home", "user", "post"}
        assert result.kinds["home"] > result.kinds["post"]
    elif workload == "home":
        assert set(result.kinds) == {"home"}

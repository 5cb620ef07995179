"""`roost bench`: the load benchmarks (results and method in docs/benchmarks.md)."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import msgspec
from rich.console import Console

from roost.config import Settings
from roost_bench import ceiling
from roost_bench.deploy import DEPLOYMENTS
from roost_bench.frameworks import FrameworkCase, cases, frameworks_table, run_matrix, summarize
from roost_bench.results import DEFAULT_DIR, machine_info, write_result
from roost_bench.runner import WORKLOADS
from roost_bench.servers import SERVERS
from roost_bench.wrk import WrkRun

if TYPE_CHECKING:
    from roost_bench.runner import BenchOptions

F = TypeVar("F", bound=Callable[..., Any])

# Piped output (CI logs, files) has no width to fit: keep table rows on one line.
console = Console() if Console().is_terminal else Console(width=140)


def _numbers(kind: type[int] | type[float]) -> Callable[[Any, Any, str | None], Any]:
    """A click callback reading ``"1,2"`` as a tuple of numbers."""

    def parse(_ctx: Any, param: Any, value: str | None) -> Any:
        if value is None:
            return None
        try:
            return tuple(kind(v.replace("_", "")) for v in value.split(",") if v.strip())
        except ValueError:
            raise click.BadParameter(f"expected numbers separated by commas: {value!r}") from None

    return parse


def _out_dir(help_text: str) -> Callable[[F], F]:
    """``--out``: where a command writes its result file."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path),
        default=DEFAULT_DIR,
        show_default=True,
        help=help_text,
    )


def _one_deployment(flag: str, job_workers_flag: str, *, jobs: str) -> Callable[[F], F]:
    """The options of a command that runs one Roost deployment: its kind,
    PostgreSQL and Redis for the postgres one, and the `roost worker`
    processes that run ``jobs`` there."""
    options = [
        click.option(
            flag,
            type=click.Choice(DEPLOYMENTS),
            default="embedded",
            show_default=True,
            help="embedded (SQLite) or postgres (needs --database-url and --redis-url).",
        ),
        click.option(
            "--database-url", default=None, help="PostgreSQL server (postgres deployment)."
        ),
        click.option("--redis-url", default=None, help="Redis (postgres deployment)."),
        click.option(
            job_workers_flag,
            type=click.IntRange(min=0, max=64),
            default=0,
            show_default=True,
            help=f"Separate `roost worker` processes running {jobs} (postgres deployment); "
            "0: the app server runs them.",
        ),
    ]

    def apply(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def _check_deployment(
    deployment: str,
    database_url: str | None,
    redis_url: str | None,
    job_workers: int,
    job_workers_flag: str,
) -> None:
    if deployment == "postgres" and not (database_url and redis_url):
        raise click.UsageError("the postgres deployment needs --database-url and --redis-url")
    if job_workers > 0 and deployment != "postgres":
        raise click.UsageError(f"{job_workers_flag} above 0 needs the postgres deployment")


@click.group(invoke_without_command=True)
@click.option("--quick", is_flag=True, help="Small data and short runs (under 2 minutes).")
@click.option(
    "--workload",
    "workloads",
    multiple=True,
    type=click.Choice(WORKLOADS),
    help="Workloads to run (default: all).",
)
@click.option(
    "--deployment",
    "deployments",
    multiple=True,
    type=click.Choice(DEPLOYMENTS),
    help="embedded (SQLite) and/or postgres (needs --database-url and --redis-url). "
    "Default: embedded, plus postgres when --database-url is given.",
)
@click.option(
    "--database-url",
    default=None,
    help="PostgreSQL server for the postgres deployment; a scratch database is "
    "created on it and dropped afterwards.",
)
@click.option(
    "--redis-url",
    default=None,
    help="Redis for the postgres deployment (keys under a private prefix).",
)
@click.option(
    "--workers",
    default=None,
    callback=_numbers(int),
    help="App server process counts, e.g. 1,2 (default: 1; full mode: 1,<cores>).",
)
@click.option(
    "--job-workers",
    default=None,
    callback=_numbers(int),
    help="`roost worker` processes running the jobs on the postgres deployment, e.g. 1,2 "
    "(app servers then run none); fan-out runs once per count. 0 (default): jobs in the "
    "app server processes, the only choice of the embedded deployment.",
)
@click.option(
    "--job-concurrency",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Job loops per `roost worker` process (its --concurrency; default 1).",
)
@click.option(
    "--server",
    default="uvicorn",
    type=click.Choice(SERVERS),
    show_default=True,
    help="Server for Roost and the ceiling (uvicorn: `roost serve`).",
)
@click.option(
    "--dataset",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="socfb-Reed98 folder (default: the copy shipped in roost.seed).",
)
@click.option("--repetitions", type=int, default=None, help="Measured wrk runs per figure.")
@click.option("--duration", type=float, default=None, help="Seconds per wrk run.")
@click.option("--open-loop-seconds", type=float, default=None, help="Seconds per fixed-rate run.")
@click.option("--connections", type=int, default=None, help="wrk connections.")
@click.option(
    "--post-rates",
    default=None,
    callback=_numbers(float),
    help="Fixed posting rates for the fan-out delay, e.g. 100,300 "
    "(default: shares of the burst's posts/s).",
)
@click.option(
    "--scale-rate",
    type=float,
    default=None,
    help="Reads/s offered in the scale and celebrity runs (default 50; quick 25).",
)
@click.option("--celebrity-users", type=int, default=None, help="Users of the celebrity graph.")
@click.option(
    "--celebrity-followers",
    type=int,
    default=None,
    help="Followers of the top celebrity (at most users - 1).",
)
@click.option(
    "--celebrity-follows-per-user",
    type=float,
    default=None,
    help="Mean follows per user of the celebrity graph (default 30; quick 15).",
)
@click.option(
    "--hot-user-threshold",
    type=int,
    default=None,
    help="ROOST_HOT_USER_THRESHOLD of the celebrity runs (default: the environment's, "
    "else 10,000; quick mode lowers it to half the top celebrity's followers when they "
    "are fewer, so that the small graph has hot accounts).",
)
@click.option(
    "--scale-sizes",
    default=None,
    callback=_numbers(int),
    help="Statuses per scale step, e.g. 100000,1000000,10000000.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@_out_dir("Directory for the JSON result and PNG plot.")
@click.pass_context
def bench(ctx: click.Context, /, **values: Any) -> None:
    """Run the load benchmarks (see docs/benchmarks.md), or a subcommand."""
    if ctx.invoked_subcommand is not None:
        return

    options = _options(values)
    _run_suite(options)


def _options(values: dict[str, Any]) -> BenchOptions:
    from roost_bench.runner import BenchOptions

    chosen: dict[str, Any] = {
        "workloads": values["workloads"] or WORKLOADS,
        "database_url": values["database_url"],
        "redis_url": values["redis_url"],
        "dataset": values["dataset"],
        "server": values["server"],
        "seed": values["seed"],
        "out_dir": values["out_dir"],
    }
    deployments = values["deployments"] or (
        ("embedded", "postgres") if values["database_url"] else ("embedded",)
    )
    if "postgres" in deployments and not (values["database_url"] and values["redis_url"]):
        raise click.UsageError("the postgres deployment needs --database-url and --redis-url")
    chosen["deployments"] = deployments
    # Options left unset keep the (quick or full) defaults of BenchOptions.
    for name in (
        "repetitions",
        "duration",
        "open_loop_seconds",
        "connections",
        "post_rates",
        "celebrity_users",
        "celebrity_followers",
        "celebrity_follows_per_user",
        "hot_user_threshold",
        "scale_sizes",
        "scale_rate",
        "workers",
        "job_workers",
        "job_concurrency",
    ):
        if values.get(name) is not None:
            chosen[name] = values[name]
    if any(n > 0 for n in chosen.get("job_workers", ())) and "postgres" not in deployments:
        raise click.UsageError("--job-workers above 0 needs the postgres deployment")
    if values["quick"]:
        options = BenchOptions.quick_defaults(**chosen)
    else:
        if "workers" not in chosen:
            cores = os.cpu_count() or 1
            chosen["workers"] = (1,) if cores == 1 else (1, cores)
        options = BenchOptions(**chosen)
    options = _fit_celebrity(options, users_given="celebrity_users" in chosen)
    if options.quick and options.hot_user_threshold is None:
        # The small quick graph must have hot accounts too, or the read-time
        # merge path would go unmeasured.
        server = Settings.from_env().hot_user_threshold
        if options.celebrity_followers < server:
            threshold = max(1, options.celebrity_followers // 2)
            options = dataclasses.replace(options, hot_user_threshold=threshold)
    return options


def _fit_celebrity(options: BenchOptions, *, users_given: bool) -> BenchOptions:
    """A celebrity needs more users than followers: add users when only the
    followers were asked for, else keep the followers under the users."""
    users, followers = options.celebrity_users, options.celebrity_followers
    if followers < users:
        return options
    if not users_given:
        return dataclasses.replace(options, celebrity_users=followers + 1)
    return dataclasses.replace(options, celebrity_followers=users - 1)


def _quiet_logs() -> None:
    """Migrations and font caches log at INFO; the bench prints its own progress."""
    for name in ("alembic", "matplotlib", "roost"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _stop_on_sigterm() -> None:
    """`kill` stops the bench as Ctrl-C does: the servers, workers and scratch
    databases it started are cleaned up on the way out."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _run_suite(options: BenchOptions) -> None:
    from roost.capacity.results import capacity_figures
    from roost_bench.plot import plot_results
    from roost_bench.report import print_report
    from roost_bench.runner import Bench
    from roost_bench.suite import Suite

    _quiet_logs()
    _stop_on_sigterm()
    started = machine_info()
    mode = "quick" if options.quick else "full"
    console.print(
        f"[bold]roost bench[/] ({mode}): {', '.join(options.workloads)} on "
        f"{', '.join(options.deployments)}, app processes "
        f"{', '.join(map(str, options.workers))}, job workers "
        f"{', '.join(map(str, options.job_workers))}"
    )
    outcome = Suite(Bench(options, console)).run()
    settings = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in dataclasses.asdict(options).items()
        if k not in ("database_url", "redis_url")
    }
    document = {
        "settings": settings,
        "load_average_at_start": started["load_average"],
        **outcome,
        # Computed by the schema `roost capacity` reads the file with.
        "capacity": msgspec.to_builtins(capacity_figures(outcome["results"])),
    }
    path = write_result("bench", document, options.out_dir)
    document["machine"] = machine_info()
    print_report(console, document)
    png = plot_results(document, path.with_suffix(".png"))
    console.print(f"wrote {path}" + (f" and {png}" if png else ""))
    console.print(f"capacity: roost capacity --bench-result {path}")


@bench.command()
@click.option(
    "--server",
    "servers",
    multiple=True,
    type=click.Choice(SERVERS),
    help="Servers to measure (default: all).",
)
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    type=click.Choice(ceiling.FRAMEWORKS),
    help="Frameworks to measure (default: all).",
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    type=click.Choice(["fixed", "serialize"]),
    help="fixed: pre-encoded body; serialize: the framework encodes the statuses "
    "on every request (default: both).",
)
@click.option("--repetitions", default=3, show_default=True, help="Runs per configuration.")
@click.option("--duration", default=8.0, show_default=True, help="Seconds per measured run.")
@click.option("--warmup", default=2.0, show_default=True, help="Seconds of warm-up per run.")
@click.option("--connections", default=32, show_default=True, help="wrk connections.")
@click.option("--threads", default=1, show_default=True, help="wrk threads.")
@click.option("--workers", default=1, show_default=True, help="Server worker processes.")
@click.option("--quick", is_flag=True, help="2 repetitions of 3 s (about a minute per server).")
@_out_dir("Directory for the JSON result.")
def frameworks(
    servers: tuple[str, ...],
    frameworks: tuple[str, ...],
    variants: tuple[str, ...],
    repetitions: int,
    duration: float,
    warmup: float,
    connections: int,
    threads: int,
    workers: int,
    quick: bool,
    out_dir: Path,
) -> None:
    """Serve the ~6 KB page of 20 statuses in each framework and server; compare."""

    if quick:
        repetitions, duration, warmup = 2, 3.0, 1.0
    run = WrkRun(threads=threads, connections=connections, duration=duration)
    all_cases = cases(
        servers or SERVERS,
        frameworks or ceiling.FRAMEWORKS,
        [v == "serialize" for v in (variants or ("fixed", "serialize"))],
    )
    total = len(all_cases) * repetitions
    console.print(
        f"[bold]frameworks[/]: {len(all_cases)} configurations x {repetitions} runs, "
        f"wrk -t{threads} -c{connections} -d{duration:g}s, {workers} worker(s), "
        f"body {len(ceiling.BODY):,} bytes, about {total * (duration + warmup + 1.5) / 60:.0f} min"
    )
    step = 0

    def on_step(case: FrameworkCase, repetition: int) -> None:
        nonlocal step
        step += 1
        console.print(
            f"  [{step}/{total}] run {repetition + 1}: {case.label} on {case.server}", style="dim"
        )

    measured = run_matrix(
        all_cases,
        repetitions=repetitions,
        run=run,
        warmup=warmup,
        workers=workers,
        on_step=on_step,
    )
    rows = summarize(measured)
    console.print(frameworks_table(rows))
    path = write_result(
        "frameworks",
        {
            "settings": {
                "repetitions": repetitions,
                "duration_s": duration,
                "warmup_s": warmup,
                "connections": connections,
                "threads": threads,
                "workers": workers,
                "body_bytes": len(ceiling.BODY),
                "path": ceiling.PATH,
            },
            "results": rows,
        },
        out_dir,
    )
    console.print(f"wrote {path}")


@bench.command("streaming")
@click.option("--connections", default=10_000, show_default=True, help="Idle SSE streams to hold.")
@click.option(
    "--subscribers", default=1_000, show_default=True, help="Open streams a post must reach."
)
@click.option("--posts", default=20, show_default=True, help="Posts timed to the subscribers.")
def streaming(connections: int, subscribers: int, posts: int) -> None:
    """Idle streams one server process holds (memory per connection), and
    post-to-stream delay with many subscribers (docs/benchmarks.md)."""
    from roost_bench.streaming import run_streaming

    result = run_streaming(connections, subscribers, posts)
    for name, value in result.as_dict().items():
        console.print(f"{name}: {value:.1f}" if isinstance(value, float) else f"{name}: {value}")


@bench.command("report")
@click.argument(
    "result", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="RESULT.json"
)
@click.option("--markdown", is_flag=True, help="Markdown tables (for docs/benchmarks.md).")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw the result's PNG plot again, to this file.",
)
def report(result: Path, markdown: bool, plot_path: Path | None) -> None:
    """Print the tables of an earlier `roost bench` result file again."""
    import json

    from roost_bench.plot import plot_results
    from roost_bench.report import markdown_report, print_report

    document = json.loads(result.read_text())
    if not isinstance(document, dict) or "results" not in document or "machine" not in document:
        raise click.UsageError(f"{result} is not a `roost bench` result file")
    if markdown:
        click.echo(markdown_report(document), nl=False)
    else:
        print_report(console, document)
    if plot_path is not None:
        drawn = plot_results(document, plot_path)
        click.echo(f"wrote {drawn}" if drawn else "nothing to plot", err=True)


@bench.command("video")
@click.option("--seconds", default=10.0, show_default=True, help="Length of the test clip.")
@click.option("--size", default="1280x720", show_default=True, help="Its picture size.")
@click.option("--fps", default=30, show_default=True, help="Its frame rate.")
@click.option("--bitrate", default="8M", show_default=True, help="Its video bitrate (a phone's).")
@click.option("--repetitions", default=3, show_default=True, help="Transcodes measured.")
def video(seconds: float, size: str, fps: int, bitrate: str, repetitions: int) -> None:
    """Transcode speed of the video pipeline (ffmpeg) as a real-time factor."""
    from roost_bench.video import measure

    run = measure(seconds=seconds, size=size, fps=fps, bitrate=bitrate, repetitions=repetitions)
    out = run.output
    console.print(
        f"[bold]video[/]: {run.seconds:.1f} s of {run.size} at {run.fps} fps, "
        f"{run.input_bitrate / 1e6:.1f} Mbit/s -> {out.size} {out.video_codec}/"
        f"{out.audio_codec} at {out.bitrate / 1e6:.2f} Mbit/s"
    )
    console.print(
        "transcode s: "
        + ", ".join(f"{s:.2f}" for s in run.transcode_s)
        + f"; real-time factor {run.realtime_factor:.2f}x"
    )
    console.print(
        "transcode CPU s: "
        + ", ".join(f"{s:.2f}" for s in run.transcode_cpu_s)
        + f"; {run.cpu_realtime_factor:.2f} video s per CPU s; poster frame s: "
        + ", ".join(f"{s:.2f}" for s in run.poster_s)
    )


@bench.command("media")
@click.option("--seconds", default=20.0, show_default=True, help="Length of each steady run.")
@click.option("--photo-rate", default=1.0, show_default=True, help="Photo uploads per second.")
@click.option("--video-rate", default=0.2, show_default=True, help="Video uploads per second.")
@click.option("--photo-size", default="4032x3024", show_default=True, help="Photo size (WxH).")
@click.option("--video-size", default="1280x720", show_default=True, help="Video size (WxH).")
@click.option("--video-seconds", default=5.0, show_default=True, help="Video length.")
@click.option("--burst", default=12, show_default=True, help="Photos sent at once (throughput).")
@click.option(
    "--home-seconds", default=5.0, show_default=True, help="Each wrk run of the home reads."
)
@_one_deployment("--deployment", "--job-workers", jobs="the media jobs")
@_out_dir("Directory for the JSON result.")
def media(
    seconds: float,
    photo_rate: float,
    video_rate: float,
    photo_size: str,
    video_size: str,
    video_seconds: float,
    burst: int,
    home_seconds: float,
    deployment: str,
    database_url: str | None,
    redis_url: str | None,
    job_workers: int,
    out_dir: Path,
) -> None:
    """Photo and video upload-to-ready latency and photo throughput."""
    from roost_bench.deploy import open_deployment
    from roost_bench.jobworkers import jobs_label
    from roost_bench.media import (
        MediaOptions,
        home_share,
        measure_media,
        media_server,
        prepare_forms,
    )
    from roost_bench.runner import run_async

    width, _, height = photo_size.partition("x")
    options = MediaOptions(
        seconds=seconds,
        photo_rate=photo_rate,
        video_rate=video_rate,
        photo_size=(int(width), int(height)),
        video_seconds=video_seconds,
        video_size=video_size,
        burst=burst,
    )
    _check_deployment(deployment, database_url, redis_url, job_workers, "--job-workers")
    _quiet_logs()
    forms = prepare_forms(options)
    with (
        open_deployment(deployment, database_url=database_url, redis_url=redis_url) as dep,
        media_server(dep, job_workers) as (url, cast),
    ):
        processes = max(1, job_workers)
        result = run_async(measure_media(url, cast, options, forms, worker_processes=processes))
        result["home"] = home_share(url, cast, seconds=home_seconds)
    result["deployment"] = {"name": deployment, "job_workers": job_workers}
    for kind in ("photo", "video"):
        row = result[kind]
        lat = row["latency_ms"]
        console.print(
            f"[bold]{kind}[/] {row['size']}: {row['uploads']} uploads at {row['rate_per_s']:g}/s, "
            f"upload to ready p50 {lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms; "
            f"{row['upload_bytes_mean'] / 1e6:.2f} MB sent, "
            f"{row['stored_bytes_mean'] / 1e6:.2f} MB stored per upload"
        )
    where = "the app process" if job_workers == 0 else jobs_label(job_workers)
    console.print(
        f"photos processed: {result['photos_per_s']:.2f}/s by {where}, "
        f"{result['photos_per_s_per_worker']:.2f}/s per worker process "
        f"(burst of {result['burst']}; {deployment})"
    )
    home = result["home"]
    console.print(
        "home page of 20 statuses: text-only "
        + ", ".join(f"{r:,.0f}" for r in home["text_rps"])
        + " req/s; with "
        + f"{result['home_page']['photos']} photos "
        + ", ".join(f"{r:,.0f}" for r in home["media_rps"])
        + f" req/s: {home['media_share_of_text']:.0%} of text-only "
        + f"({home['response_bytes']['media']:,} vs {home['response_bytes']['text']:,} bytes)"
    )
    path = write_result(
        "media", {"settings": dataclasses.asdict(options), "results": result}, out_dir
    )
    console.print(f"wrote {path}")
    console.print(f"capacity: roost capacity --media-result {path}")


@bench.command("images")
@click.option("--repetitions", default=5, show_default=True, help="Photos per library.")
@click.option(
    "--size",
    default="4000x3000",
    show_default=True,
    help="Width x height of the generated photo (12 MP by default).",
)
def images(repetitions: int, size: str) -> None:
    """Pillow against libvips on a 12 MP JPEG: time and peak memory per photo."""
    from roost_bench.images import run

    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise click.BadParameter("WIDTHxHEIGHT, e.g. 4000x3000", param_hint="--size") from None
    photo_bytes, measured = run(repetitions, size=(width, height))
    console.print(
        f"[bold]images[/]: a {width}x{height} JPEG of {photo_bytes / 1e6:.1f} MB, "
        f"{repetitions} runs per library, one thread"
    )
    for m in measured:
        console.print(
            f"  {m.library}: median {m.median_ms:.0f} ms wall "
            f"(min {min(m.seconds) * 1000:.0f}, max {max(m.seconds) * 1000:.0f}), "
            f"{m.median_cpu_ms:.0f} ms CPU, peak memory +{m.peak_mib:.0f} MiB"
        )


@bench.command("peer")
@click.option(
    "--url",
    default=None,
    help="Base URL of the other server (any Mastodon API server), e.g. https://peer.example.",
)
@click.option(
    "--tokens",
    "tokens_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Access tokens of its accounts (read write follow scopes): one per line, or JSON "
    '(a list of tokens, of /oauth/token answers, or {"tokens": [...]}).',
)
@click.option(
    "--setup",
    is_flag=True,
    help="Write the follow graph and the first posts through the API first "
    "(POST /api/v1/accounts/:id/follow, POST /api/v1/statuses).",
)
@click.option(
    "--with-roost",
    is_flag=True,
    help="Also measure a fresh Roost started by the bench, the same way and in the same run "
    "(accounts made by the bench, graph and posts through the API).",
)
@_one_deployment("--roost-deployment", "--roost-job-workers", jobs="Roost's jobs")
@click.option("--roost-workers", default=1, show_default=True, help="Roost's app server processes.")
@click.option(
    "--users", default=200, show_default=True, help="Accounts used (tokens beyond: unused)."
)
@click.option("--follows", default=50, show_default=True, help="Follows per account (--setup).")
@click.option("--posts", default=20, show_default=True, help="Posts per account (--setup).")
@click.option("--observers", default=16, show_default=True, help="Followers polling their home.")
@click.option("--post-rate", default=10.0, show_default=True, help="Posts/s of the delay run.")
@click.option("--repetitions", default=2, show_default=True, help="Measured wrk runs per figure.")
@click.option("--duration", default=20.0, show_default=True, help="Seconds per wrk run.")
@click.option("--warmup", default=3.0, show_default=True, help="Seconds of wrk warm-up per figure.")
@click.option("--connections", default=16, show_default=True, help="wrk connections.")
@click.option("--threads", default=2, show_default=True, help="wrk threads.")
@click.option(
    "--delay-seconds", default=10.0, show_default=True, help="Seconds of posting in the delay run."
)
@click.option(
    "--settle-timeout",
    default=120.0,
    show_default=True,
    help="Longest wait for a post to reach a follower (settling, and after the delay run).",
)
@click.option(
    "--setup-timeout",
    default=900.0,
    show_default=True,
    help="Longest wait after --setup until a new post reaches a follower (the server "
    "delivering what the set-up wrote).",
)
@click.option("--quick", is_flag=True, help="1 wrk run of 3 s per figure, 3 s of delay run.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@_out_dir("Directory for the JSON result.")
def peer(**values: Any) -> None:
    """Side by side: the social workload against another Mastodon API server
    (docs/benchmarks.md, "Side by side with another server")."""
    from roost_bench.peer import PeerError, PeerOptions
    from roost_bench.report import print_report
    from roost_bench.runner import Bench, BenchOptions

    if (values["url"] is None) != (values["tokens_path"] is None):
        raise click.UsageError("--url and --tokens go together")
    if values["url"] is None and not values["with_roost"]:
        raise click.UsageError("give --url and --tokens, or --with-roost, or both")
    _check_deployment(
        values["roost_deployment"],
        values["database_url"],
        values["redis_url"],
        values["roost_job_workers"],
        "--roost-job-workers",
    )
    if values["users"] < 2:
        raise click.UsageError("--users must be at least 2")
    if values["quick"]:
        values |= {"repetitions": 1, "duration": 3.0, "warmup": 1.0, "delay_seconds": 3.0}
    options = BenchOptions(
        quick=values["quick"],
        repetitions=values["repetitions"],
        duration=values["duration"],
        warmup=values["warmup"],
        connections=values["connections"],
        threads=values["threads"],
        open_loop_seconds=values["delay_seconds"],
        settle_timeout=values["settle_timeout"],
        seed=values["seed"],
        out_dir=values["out_dir"],
    )
    shape = PeerOptions(
        users=values["users"],
        follows=values["follows"],
        posts=values["posts"],
        observers=values["observers"],
        post_rate=values["post_rate"],
        setup_timeout=values["setup_timeout"],
    )
    _quiet_logs()
    _stop_on_sigterm()
    started = machine_info()
    console.print(
        f"[bold]roost bench peer[/]: {shape.users} users x {shape.follows} follows x "
        f"{shape.posts} posts; wrk -t{options.threads} -c{options.connections} "
        f"-d{options.duration:g}s, {options.repetitions} run(s) per figure"
    )
    bench_run = Bench(options, console)
    try:
        results = _peer_results(bench_run, shape, values)
    except PeerError as exc:
        raise click.ClickException(str(exc)) from None
    document = {
        "settings": {
            **{k: v for k, v in dataclasses.asdict(shape).items()},
            "repetitions": options.repetitions,
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "connections": options.connections,
            "threads": options.threads,
            "delay_seconds": options.open_loop_seconds,
            "settle_timeout_s": options.settle_timeout,
            "setup": values["setup"],
            "roost_deployment": values["roost_deployment"] if values["with_roost"] else None,
            "roost_workers": values["roost_workers"] if values["with_roost"] else None,
            "roost_job_workers": values["roost_job_workers"] if values["with_roost"] else None,
        },
        "load_average_at_start": started["load_average"],
        "results": results,
    }
    path = write_result("peer", document, options.out_dir)
    document["machine"] = machine_info()
    print_report(console, document)
    console.print(f"wrote {path}")


def _peer_results(bench_run: Any, shape: Any, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The peer's figures, then Roost's (--with-roost), in one sitting."""
    from roost.seed.graphs import GeneratedGraph
    from roost_bench.dataset import load_dataset
    from roost_bench.deploy import open_deployment
    from roost_bench.peer import measure_server, read_tokens
    from roost_bench.runner import run_async

    results = []
    if values["url"] is not None:
        tokens = read_tokens(values["tokens_path"])
        results.append(
            measure_server(
                bench_run, values["url"], tokens, shape, label="peer", setup=values["setup"]
            )
        )
    if values["with_roost"]:
        deployment = values["roost_deployment"]
        with open_deployment(
            deployment, database_url=values["database_url"], redis_url=values["redis_url"]
        ) as dep:
            # Accounts and their tokens only (written directly: the OAuth flow
            # would time password hashing); graph and posts go through the API.
            graph = GeneratedGraph(users=shape.users, follows_per_user=0, seed=values["seed"])
            data = run_async(load_dataset(dep, graph, posts_per_user=(0, 0)))
            tokens = [data.tokens[u] for u in data.token_users()]
            workers, job_workers = values["roost_workers"], values["roost_job_workers"]
            with bench_run.roost(dep, workers, job_workers) as roost:
                results.append(
                    measure_server(
                        bench_run,
                        roost.url,
                        tokens,
                        shape,
                        label=f"Roost {deployment}",
                        setup=True,
                        roost=True,
                    )
                )
    return results


@bench.command("peer-accounts")
@click.option("--url", required=True, help="Base URL of the server to sign accounts up on.")
@click.option("--count", default=200, show_default=True, help="Accounts to sign up.")
@click.option(
    "--prefix",
    default="bench",
    show_default=True,
    help="Usernames are the prefix and a number (bench0, bench1, ...).",
)
@click.option(
    "--email-domain", default="example.com", show_default=True, help="Domain of their e-mails."
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Token file to write (one token per line), for `roost bench peer --tokens`.",
)
def peer_accounts(url: str, count: int, prefix: str, email_domain: str, out_path: Path) -> None:
    """Sign accounts up through the API (open sign-ups needed) and write their tokens."""
    from roost_bench.http import HttpClient
    from roost_bench.peer import PeerError, register_accounts
    from roost_bench.runner import run_async

    async def go() -> list[str]:
        client = HttpClient(url.rstrip("/"), max_connections=8, timeout=60.0)
        try:
            return await register_accounts(client, count, prefix=prefix, email_domain=email_domain)
        finally:
            await client.close()

    try:
        tokens = run_async(go())
    except PeerError as exc:
        raise click.ClickException(str(exc)) from None
    out_path.write_text("".join(f"{t}\n" for t in tokens))
    click.echo(
        f"signed up {len(tokens)} accounts ({prefix}0..{prefix}{count - 1}); wrote {out_path}"
    )

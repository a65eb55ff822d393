"""Command line for administrators: set up, create administrators, load localities, seed the
demo, check, back up and restore.

Every command reads the database URL from ``REGISTRY_DATABASE_URL`` (default: the embedded
SQLite file under data/). Exit codes: 0 success, 1 failed check, 2 refused input.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path

from prepare import import_command
from prepare.import_command import read_file
from registry.importing import KINDS
from registry.kernel import db, purpose
from registry.kernel.clock import today, utcnow
from registry.kernel.errors import RegistryError, ValidationError
from registry.kernel.i18n import LANGUAGES
from registry.kernel.settings import DATA_DIR, load_settings
from registry.operations import backup, runtime
from registry.operations.checks import run_checks


def _factory():
    return runtime.open_database(load_settings())


def cmd_setup(args) -> int:
    """Migrate, load reference data; a new database becomes a demo (seeded) or, with
    ``--no-demo``, production. A database keeps the purpose it was set up with."""
    settings = load_settings()
    factory = runtime.open_database(settings)
    runtime.load_reference(factory)
    wanted = settings.load_demo_on_first_start and not args.no_demo
    seeded = runtime.first_start(factory, today(), load_demo=wanted)
    with factory() as session:
        marked = purpose.current(session)
    if seeded:
        print("demo district loaded")
    elif marked == purpose.DEMO and not wanted:
        print("this database is marked demo; setup never changes a database's purpose")
    print(f"ready ({marked or 'new'} database): {settings.database_url}")
    return 0


def cmd_demo(args) -> int:
    """Seed the demo district into a new or empty demo database (never into production)."""
    factory = _factory()
    runtime.load_reference(factory)
    seeded = runtime.load_demo(factory, args.today or today())
    print(json.dumps(seeded, ensure_ascii=False, indent=2))
    return 0


def _new_password() -> str:
    """Asked twice at a terminal; one line of standard input otherwise (scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("password again: ") != password:
        raise RegistryError("the two passwords differ; nothing was written")
    return password


def cmd_create_admin(args) -> int:
    """Create an administrator, typically the first one of a production database."""
    from registry.accounts.users import create_user
    from registry.kernel.permissions import SYSTEM

    password = _new_password()
    with db.transaction(_factory()) as session:
        create_user(session, SYSTEM, username=args.username,
                    display_name=args.name or args.username, role="admin",
                    password=password, locality_ids=[])  # fmt: skip
    print(f"administrator {args.username} created")
    return 0


def cmd_localities(args) -> int:
    """Replace the approximate cells with official township boundaries from a file."""
    from registry.kernel.district import district_geometry
    from registry.kernel.models import Locality
    from registry.kernel.permissions import SYSTEM
    from registry.places.boundaries import BoundaryFileError, read_boundary_file
    from registry.places.localities import replace_boundaries

    factory = _factory()
    runtime.load_reference(factory)
    with db.transaction(factory) as session:
        localities = [
            {"name": loc.name, "mca_code": loc.mca_code, "nbs_code": loc.nbs_code}
            for loc in session.query(Locality).order_by(Locality.id)
        ]
        try:
            result = read_boundary_file(
                args.file,
                crs=args.crs,
                name_field=args.name_field,
                code_field=args.code_field,
                localities=localities,
                district=district_geometry(),
            )
        except BoundaryFileError as error:
            print(f"refused: {error}", file=sys.stderr)
            return 2
        note = args.note or f"official boundary from {Path(args.file).name} ({result.source_crs})"
        updated = replace_boundaries(session, SYSTEM, result.polygons, source_note=note)
    print(f"updated {len(updated)} localities: {', '.join(updated)}")
    if result.missing:
        print(f"kept approximate cells for: {', '.join(result.missing)}")
    return 0


def cmd_check(_args) -> int:
    factory = _factory()
    with factory() as session:
        report = run_checks(session)
        session.rollback()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["ok"] else 1


def cmd_backup(args) -> int:
    settings = load_settings()
    target = args.out or DATA_DIR / "backups" / f"registry-{utcnow():%Y%m%d-%H%M%S}.db"
    print(f"backup written: {backup.backup(settings.database_url, Path(target))}")
    return 0


def cmd_restore(args) -> int:
    """Replace the SQLite database with a backup that passes check (the app stopped)."""
    settings = load_settings()
    restored, safety = backup.restore(settings.database_url, Path(args.file), now=utcnow())
    if safety:
        print(f"the database as it was: {safety}")
    print(f"restored into: {restored}")
    return 0


def _locality_ids(session, names: str | None) -> list[int]:
    """Locality ids for a comma-separated list of names (、 and ， too); refuses a name that
    is not a locality."""
    from sqlalchemy import select

    from registry.kernel.models import Locality

    wanted = [n.strip() for n in (names or "").replace("、", ",").replace("，", ",").split(",")]
    ids = []
    for name in filter(None, wanted):
        found = session.scalar(select(Locality.id).where(Locality.name == name))
        if found is None:
            raise ValidationError("error.unknown_locality_name", field="localities", name=name)
        ids.append(found)
    return ids


def cmd_token(args) -> int:
    """API tokens for other systems: create (printed once, never again), list, revoke."""
    from registry.accounts import tokens
    from registry.kernel.clock import local
    from registry.kernel.permissions import SYSTEM

    factory, now = _factory(), utcnow()
    if args.action == "list":
        with factory() as session:
            rows = tokens.token_list(session, SYSTEM)
        for row in rows:
            state = "revoked" if row.revoked_at else "active" if row.in_force(now) else "expired"
            covers = "district" if row.district else ",".join(row.locality_names)
            used = f"{local(row.last_used_at):%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            print(f"{row.name}\t{row.scope.value}\t{covers}\t{state}\t"
                  f"expires {local(row.expires_at):%Y-%m-%d %H:%M}\tlast used {used}")  # fmt: skip
        if not rows:
            print("no API tokens", file=sys.stderr)
        return 0
    if not args.name:
        print("refused: a token name is needed", file=sys.stderr)
        return 2
    if args.action == "revoke":
        with db.transaction(factory) as session:
            tokens.revoke_token(session, SYSTEM, name=args.name, now=now)
        print(f"token {args.name} revoked")
        return 0
    if not args.scope:
        print("refused: --scope read|write is needed", file=sys.stderr)
        return 2
    with db.transaction(factory) as session:
        locality_ids = _locality_ids(session, args.localities)
        token, plain = tokens.create_token(
            session, SYSTEM, name=args.name, scope=args.scope, locality_ids=locality_ids,
            district=not args.localities, days=args.days, now=now,
        )  # fmt: skip
        covers = ",".join(loc.name for loc in token.localities) or "the whole district"
        expires = local(token.expires_at)
    print(f"token {args.name} ({args.scope}, {covers}) until {expires:%Y-%m-%d %H:%M} China "
          "time; shown only now, keep it safe:", file=sys.stderr)  # fmt: skip
    print(plain)
    return 0


def cmd_cells(_args) -> int:
    from prepare.cells import write_cells

    print(f"written: {write_cells()}")
    return 0


def cmd_warning(args) -> int:
    """Register a GB/T 35965.1 (CAP) warning message from a file, as the office would on the
    page: exit 0 registered (or its update or cancel applied), 2 refused, nothing written."""
    from registry.kernel.i18n import label, translate
    from registry.kernel.permissions import SYSTEM
    from registry.response.warnings import import_message

    language = args.lang or load_settings().language
    data = read_file(args.file, language)
    if data is None:
        return 2
    try:
        with db.transaction(_factory()) as session:
            warning = import_message(session, SYSTEM, data, utcnow())
            places = "、".join(loc.name for loc in warning.localities)
            print(translate("warning.cli.done", language, headline=warning.headline,
                            state=label(warning.state, language), places=places))  # fmt: skip
    except RegistryError as error:
        print(error.message(language), file=sys.stderr)
        return 2
    return 0


def cmd_snapshot(args) -> int:
    """Freeze today's readiness scorecard (run daily from cron)."""
    from registry.kernel.permissions import SYSTEM
    from registry.readiness import snapshots

    settings = load_settings()
    factory = runtime.open_database(settings)
    with db.transaction(factory) as session:
        snapshot = snapshots.take(session, SYSTEM, today=args.date or today(), settings=settings)
        print(f"snapshot {snapshot.id} as of {snapshot.as_of}: {snapshot.district_score}")
    return 0


def cmd_circular(args) -> int:
    """Write a week's circular (.docx and .xlsx) from that week's readiness snapshot."""
    from registry.kernel.i18n import translate
    from registry.readiness import circular

    language = args.lang or load_settings().language
    try:
        week = circular.week_label(args.week)
    except ValueError:
        print(translate("circ.cli.bad_week", language, week=args.week), file=sys.stderr)
        return 2
    with _factory()() as session:
        payload, previous = circular.load(session, week)
    if payload is None:
        print(translate("circ.cli.no_snapshot", language, week=week), file=sys.stderr)
        return 2
    result = circular.build(payload, previous, iso_week=week, language=language)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for suffix, data in ((".docx", result.docx), (".xlsx", result.xlsx)):
        path = out / f"{result.filename_stem}{suffix}"
        path.write_bytes(data)
        print(translate("circ.cli.written", language, path=path))
    return 0


def cmd_disaster_report(args) -> int:
    """Write the district's disaster report of a stage (快报表 .xlsx and 灾情报告 .docx) from
    the towns' reports accepted by ``--at`` (China time, to the end of that minute as on the
    page; default now): exit 2 for an unknown event, stage or time."""
    from datetime import datetime

    from registry.disasters import district_report, word, workbook
    from registry.kernel.i18n import translate

    language = args.lang or load_settings().language
    stage = district_report.parse_stage(args.stage)
    if stage is None:
        print(translate("rollup.cli.bad_stage", language, stage=args.stage), file=sys.stderr)
        return 2
    try:
        at = district_report.as_at(datetime.fromisoformat(args.at.strip())) if args.at else utcnow()
    except ValueError:
        print(translate("rollup.cli.bad_time", language, time=args.at), file=sys.stderr)
        return 2
    with _factory()() as session:
        result = district_report.build(session, args.event_id, stage, at)
    if result is None:
        print(translate("rollup.cli.unknown_event", language, event=args.event_id), file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = district_report.filename_stem(result, language)
    files = (
        (".xlsx", workbook.workbook(result, language)),
        (".docx", word.document(result, language)),
    )
    for suffix, data in files:
        path = out / f"{stem}{suffix}"
        path.write_bytes(data)
        print(translate("rollup.cli.written", language, path=path))
    return 0


def cmd_scale(args) -> int:
    """Build the province-scale test dataset into empty databases (refuses filled ones)."""
    from sqlalchemy.engine import make_url

    from prepare.bench.datasets import SIZES, fill_province, refuse_if_filled

    targets = [args.out or load_settings().database_url]
    if args.postgres_url:
        targets.append(args.postgres_url)
    for url in targets:  # all refusals before any work
        refuse_if_filled(url)
    for url in targets:
        counts, seconds = fill_province(url, SIZES[args.size], today=today())
        print(json.dumps({"database": make_url(url).render_as_string(),
                          "seconds": round(seconds, 1), "counts": counts},
                         ensure_ascii=False))  # fmt: skip
    return 0


def cmd_bench(args) -> int:
    """Measure the map, overview and import at district and province scale (make bench)."""
    from prepare.bench import Options
    from prepare.bench import main as bench

    options = Options(
        size=args.size or ("quick" if args.quick else "full"),
        browser=not args.no_browser,
        memory=not args.no_memory,
        postgres=args.postgres,
        import_rows=args.import_rows,
        naive_cap_s=args.naive_cap,
        load_sessions=args.load_sessions,
        load_seconds=args.load_seconds,
    )
    if args.out:
        options.out = Path(args.out)
    return bench(options)


def cmd_move_db(args) -> int:
    """Copy the whole registry to another database (e.g. SQLite → PostgreSQL) and prove it."""
    from registry.operations.move import move

    source = load_settings().database_url

    def progress(table: str, rows: int) -> None:
        print(f"\r{table}: {rows}", end="", file=sys.stderr, flush=True)

    def inform(message: str) -> None:
        print(message, file=sys.stderr)

    result = move(source, args.to, replace=args.replace, progress=progress, inform=inform)
    print(file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not result["ok"]:
        return 1
    print(f"moved: set REGISTRY_DATABASE_URL={args.to} and restart the app", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m prepare", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    setup = sub.add_parser("setup", help="migrate, load reference data and the demo on first start")
    setup.add_argument(
        "--no-demo", action="store_true", help="a new database becomes production: no demo, ever"
    )
    setup.set_defaults(func=cmd_setup)

    demo = sub.add_parser("demo", help="seed the demo district into an empty demo database")
    demo.add_argument("--today", type=date.fromisoformat, help="reference date (YYYY-MM-DD)")
    demo.set_defaults(func=cmd_demo)

    admin = sub.add_parser("create-admin", help="create an administrator (password from a prompt)")
    admin.add_argument("username")
    admin.add_argument("--name", help="display name (default: the username)")
    admin.set_defaults(func=cmd_create_admin)

    loc = sub.add_parser("localities", help="load official township boundaries from a file")
    loc.add_argument("file", help="GeoJSON, GeoPackage or Shapefile (.shp or .zip)")
    loc.add_argument("--crs", help="declared coordinate system: EPSG:4490, EPSG:4326, GCJ02, BD09…")
    loc.add_argument("--name-field", help="attribute holding the township name")
    loc.add_argument("--code-field", help="attribute holding the 9- or 12-digit code")
    loc.add_argument("--note", help="source note stored with the boundaries")
    loc.set_defaults(func=cmd_localities)

    check = sub.add_parser("check", help="verify invariants and print counts as JSON")
    check.set_defaults(func=cmd_check)

    bak = sub.add_parser("backup", help="online backup of the SQLite database")
    bak.add_argument("--out", help="target file (default data/backups/registry-TIME.db)")
    bak.set_defaults(func=cmd_backup)

    res = sub.add_parser(
        "restore", help="restore the SQLite database from a checked backup (app stopped)"
    )
    res.add_argument("file")
    res.set_defaults(func=cmd_restore)

    import_command.add_parser(sub, KINDS, LANGUAGES)

    warn = sub.add_parser("warning", help="register a CAP (GB/T 35965.1) warning message")
    warn.add_argument("file", help="the .xml message")
    warn.add_argument("--lang", choices=LANGUAGES, help="language of the answer (default: setting)")
    warn.set_defaults(func=cmd_warning)

    move = sub.add_parser("move-db", help="copy everything to another database and prove it")
    move.add_argument("--to", required=True, help="target URL, e.g. postgresql+psycopg://…/db")
    move.add_argument("--replace", action="store_true", help="overwrite a target that has data")
    move.set_defaults(func=cmd_move_db)

    snap = sub.add_parser("snapshot", help="freeze the readiness scorecard (daily from cron)")
    snap.add_argument("--date", type=date.fromisoformat, help="as-of date (default today)")
    snap.set_defaults(func=cmd_snapshot)

    circ = sub.add_parser("circular", help="write a week's circular (.docx, .xlsx) from snapshots")
    circ.add_argument("--week", required=True, help="ISO week, e.g. 2026-W47")
    circ.add_argument("--out", required=True, help="folder to write into (created if missing)")
    circ.add_argument("--lang", choices=LANGUAGES, help="language (default: setting)")
    circ.set_defaults(func=cmd_circular)

    disaster = sub.add_parser(
        "disaster-report",
        help="write the district's 快报表 (.xlsx) and 灾情报告 (.docx) of a stage",
    )
    disaster.add_argument("event_id", type=int, help="the event's number")
    disaster.add_argument("--stage", required=True, help="初报|续报|核报 (or initial|update|final)")
    disaster.add_argument("--at", help='China time, e.g. "2026-07-08 09:00" (default now)')
    disaster.add_argument("--out", required=True, help="folder to write into (created if missing)")
    disaster.add_argument("--lang", choices=LANGUAGES, help="language (default: setting)")
    disaster.set_defaults(func=cmd_disaster_report)

    token = sub.add_parser("token", help="API tokens for other systems: create, list, revoke")
    token.add_argument("action", choices=("create", "list", "revoke"))
    token.add_argument("name", nargs="?", help="the token's name (create, revoke)")
    token.add_argument("--scope", choices=("read", "write"), help="create: read or read-write")
    token.add_argument(
        "--localities", help="create: comma-separated locality names (default: whole district)"
    )
    token.add_argument("--days", type=int, default=365, help="create: days valid (default 365)")
    token.set_defaults(func=cmd_token)

    cells = sub.add_parser("cells", help="regenerate data/localities_approx.geojson")
    cells.set_defaults(func=cmd_cells)

    sizes = ("full", "quick", "tiny")
    scale = sub.add_parser("scale", help="build the province-scale test dataset (benchmarks)")
    scale.add_argument("--out", help="database URL to fill (default REGISTRY_DATABASE_URL)")
    scale.add_argument("--postgres-url", help="also fill this (empty) PostgreSQL database")
    scale.add_argument("--size", choices=sizes, default="full", help=argparse.SUPPRESS)
    scale.set_defaults(func=cmd_scale)

    bench = sub.add_parser(
        "bench", help="measure map, overview and import speed against a naive baseline"
    )
    bench.add_argument("--quick", action="store_true", help="a small province, for a smoke run")
    bench.add_argument("--no-browser", action="store_true", help="skip Chromium and memory")
    bench.add_argument("--no-memory", action="store_true", help="skip the app server's memory")
    bench.add_argument("--postgres", metavar="URL", help="also time the province into PostgreSQL")
    bench.add_argument("--import-rows", type=int, default=10_000, help="stock rows to import")
    bench.add_argument("--naive-cap", type=float, default=120, help="seconds to wait for naive")
    bench.add_argument("--load-sessions", type=int, default=30, help="people at once")
    bench.add_argument("--load-seconds", type=float, default=90, help="how long they click")
    bench.add_argument("--out", help="JSON file (default bench-results/bench.json)")
    bench.add_argument("--size", choices=sizes, help=argparse.SUPPRESS)
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RegistryError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2

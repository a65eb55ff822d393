"""``python -m prepare import KIND FILE --as USER``: an Excel import from the command line,
all rows or none, like the page's upload — our template, or an office's own workbook
through a column mapping (proposed with ``--propose-mapping``, given with ``--mapping``, or
the one saved for the sheet's shape)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.importing import ImportRefused, commit, own_format, preview, saved
from registry.importing.choices import normalise
from registry.kernel import db
from registry.kernel.clock import today
from registry.kernel.errors import RegistryError
from registry.kernel.i18n import translate
from registry.kernel.models import Item, User
from registry.kernel.permissions import Actor
from registry.kernel.settings import load_settings
from registry.operations import runtime


def read_file(path: str, language: str) -> bytes | None:
    """The file's bytes, or None after saying in ``language`` why it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        detail = error.strerror or error
        print(translate("import.cli.no_file", language, path=path, detail=detail),
              file=sys.stderr)  # fmt: skip
        return None


def _actor(session: Session, username: str) -> Actor | None:
    query = select(User).where(User.username == username, User.is_active.is_(True))
    user = session.scalar(query)
    return Actor.from_user(user) if user else None


def proposal_json(recognised: own_format.Recognised, kind: str) -> dict[str, Any]:
    """What ``--propose-mapping`` prints: the header row found, the rows skipped and the
    columns proposed (header → field, null for a column not imported), and the mapping
    saved for this shape if there is one."""
    table, proposal = recognised.layout, recognised.proposal
    if table is None or proposal is None:
        return {"kind": kind, "template": True}
    return {
        "kind": kind,
        "template": False,
        "sheet": table.sheet,
        "header_row": table.header_row,
        "skipped": [{"row": s.row, "reason": s.reason} for s in table.skipped],
        "data_rows": len(table.rows),
        "columns": proposal.columns,
        "how": proposal.how,
        "unmapped": proposal.unmapped,
        "saved": None if recognised.saved is None else recognised.saved.name,
    }


def _given_columns(session: Session, actor: Actor, kind: str, given: str) -> dict | None:
    """``--mapping``: a JSON file (``--propose-mapping``'s output, or header → field) or
    the name of a saved mapping."""
    path = Path(given)
    if path.suffix.lower() == ".json" and path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        columns = data.get("columns", data)
        return {str(header): field for header, field in columns.items()}
    found = saved.by_name(session, actor, kind, given)
    return None if found is None else found.columns


def _confirm_aliases(session: Session, actor: Actor, aliases: list[str]) -> None:
    """``--alias 棉被（加厚）=棉被``: confirm what a written name means, before importing."""
    names = {normalise(item.name): item.id for item in session.scalars(select(Item))}
    for pair in aliases:
        written, _, meant = pair.partition("=")
        item_id = names.get(normalise(meant))
        if item_id is None:
            raise SystemExit(f"--alias {pair}: no catalogue item named {meant!r}")
        saved.confirm_alias(session, actor, written.strip(), item_id)


def run(args: Any) -> int:
    language = args.lang or load_settings().language
    data = read_file(args.file, language)
    if data is None:
        return 2
    factory = runtime.open_database(load_settings())
    with factory() as session:
        actor = _actor(session, args.username)
    if actor is None:
        print(translate("import.cli.unknown_user", language, name=args.username), file=sys.stderr)
        return 2
    with factory() as session:
        recognised = own_format.recognise(session, actor, args.kind, data)
        if args.propose_mapping:
            print(json.dumps(proposal_json(recognised, args.kind), ensure_ascii=False, indent=1))
            return 0
        columns = recognised.saved.columns if recognised.saved else None
        if args.mapping:
            columns = _given_columns(session, actor, args.kind, args.mapping)
            if columns is None:
                print(f"no mapping {args.mapping!r} (a .json file or a saved mapping's name)",
                      file=sys.stderr)  # fmt: skip
                return 2
    options: dict[str, Any] = {"today": today(), "language": language, "columns": columns}
    try:
        with db.transaction(factory) as session:
            _confirm_aliases(session, actor, args.alias or [])
            if args.dry_run:
                report = preview(session, actor, args.kind, data, **options)
                session.rollback()  # a dry run writes nothing, not even the aliases
            else:
                report = commit(session, actor, args.kind, data, **options,
                                filename=Path(args.file).name)  # fmt: skip
                if args.save_mapping and columns is not None and recognised.layout is not None:
                    saved.save_mapping(session, actor, args.kind, recognised.layout.headers,
                                       columns, args.save_mapping)  # fmt: skip
    except ImportRefused as refused:
        report = refused.report
    except RegistryError as error:
        print(error.render(language), file=sys.stderr)
        return 2
    print(report.as_text(language))
    return 0 if report.ok else 2


def add_parser(sub: Any, kinds: tuple[str, ...], languages: tuple[str, ...]) -> None:
    imp = sub.add_parser("import", help="import an Excel file (all rows or none) as a user")
    imp.add_argument("kind", choices=kinds, help="what the file holds")
    imp.add_argument("file", help="the .xlsx file: the template, or the office's own sheet")
    imp.add_argument("--as", dest="username", required=True, help="the user who imports")
    imp.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    imp.add_argument("--lang", choices=languages, help="language of the report (default: setting)")
    imp.add_argument(
        "--propose-mapping",
        action="store_true",
        help="print the proposed column mapping as JSON; write nothing",
    )
    imp.add_argument("--mapping", help="a mapping: FILE.json or a saved mapping's name")
    imp.add_argument(
        "--save-mapping",
        metavar="NAME",
        help="after a committed import, save the mapping for this sheet shape",
    )
    imp.add_argument(
        "--alias",
        action="append",
        metavar="WRITTEN=ITEM",
        help="confirm what an item name means (repeatable)",
    )
    imp.set_defaults(func=run)

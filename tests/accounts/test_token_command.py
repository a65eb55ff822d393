"""``python -m prepare token``: create prints the token once (and only on standard output),
list shows names and states but never a token, revoke ends it; refusals exit 2 and write
nothing. Run in-process against a temporary SQLite file."""

import pytest
from sqlalchemy import func, select

from prepare.cli import main
from registry.accounts import tokens
from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.enums import AuditAction, Role
from registry.kernel.models import ApiToken, AuditEvent


@pytest.fixture
def cli_db(sqlite_url, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["setup", "--no-demo"]) == 0
    factory = db.make_session_factory(db.make_engine(sqlite_url))
    yield factory
    factory.kw["bind"].dispose()


def created(capsys, *argv: str) -> str:
    capsys.readouterr()
    assert main(["token", "create", *argv]) == 0
    out = capsys.readouterr()
    [plain] = out.out.split()
    assert plain.startswith(tokens.PREFIX)
    assert plain not in out.err
    return plain


def count(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(ApiToken))


def test_create_prints_a_working_token_once(cli_db, capsys):
    plain = created(capsys, "city-read", "--scope", "read", "--days", "7")
    with cli_db() as session:
        client = tokens.resolve(session, plain, utcnow())
        row = session.scalar(select(ApiToken))
        assert plain not in (row.token_hash, row.name)
        audited = session.scalar(
            select(func.count()).where(AuditEvent.action == AuditAction.API_TOKEN_CREATED.value)
        )
    assert client is not None and client.actor.role is Role.LEADER and not client.can_write
    assert 6 < (row.expires_at - utcnow()).days + 1 <= 7
    assert audited == 1


def test_localities_by_name_make_a_town_token(cli_db, capsys):
    plain = created(capsys, "xinpu", "--scope", "write", "--localities", "新浦街道,板浦镇")
    with cli_db() as session:
        client = tokens.resolve(session, plain, utcnow())
    assert client is not None and client.can_write
    assert client.actor.role is Role.TOWN and len(client.actor.locality_ids) == 2


def test_list_shows_names_and_states_never_tokens(cli_db, capsys):
    plain = created(capsys, "a-read", "--scope", "read")
    created(capsys, "b-write", "--scope", "write", "--localities", "板浦镇")
    assert main(["token", "revoke", "a-read"]) == 0
    capsys.readouterr()
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    lines = listing.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("b-write\twrite\t板浦镇\tactive")
    assert lines[1].startswith("a-read\tread\tdistrict\trevoked")
    assert plain not in listing and tokens.PREFIX not in listing


def test_revoke_ends_the_token(cli_db, capsys):
    plain = created(capsys, "gone", "--scope", "read")
    assert main(["token", "revoke", "gone"]) == 0
    with cli_db() as session:
        assert tokens.resolve(session, plain, utcnow()) is None
    capsys.readouterr()
    assert main(["token", "revoke", "gone"]) == 2
    assert "already revoked" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["create", "x", "--scope", "read", "--localities", "月球镇"], "no locality is named"),
        (["create", "x", "--scope", "read", "--days", "0"], "between 1 and 3650"),
        (["create", "has,comma", "--scope", "read"], "may contain only"),
        (["create", "x"], "--scope"),
        (["create"], "name is needed"),
        (["revoke", "nobody"], "no token is named"),
    ],
)
def test_refusals_exit_2_and_write_nothing(cli_db, capsys, argv, said):
    capsys.readouterr()
    assert main(["token", *argv]) == 2
    out = capsys.readouterr()
    assert said in out.err and out.out == ""
    assert count(cli_db) == 0


def test_a_taken_name_is_refused(cli_db, capsys):
    created(capsys, "twice", "--scope", "read")
    assert main(["token", "create", "twice", "--scope", "write"]) == 2
    assert "is taken" in capsys.readouterr().err
    assert count(cli_db) == 1

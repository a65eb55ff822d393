"""A 10,000-row stock workbook for the dataset's own depots and items, filled into the
real template (headers, instructions sheet and all), and the time to commit it.

Timed in a fresh process, as ``prepare import`` would run: the benchmark's own heap (the
naive map leaves millions of objects for the garbage collector) must not slow it down.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from registry.importing import COLUMNS, commit, template_bytes
from registry.kernel import db
from registry.kernel.enums import RecordStatus
from registry.kernel.models import Depot, Item, User
from registry.kernel.permissions import Actor


def stock_workbook(session, rows: int, *, today: date, language: str = "zh") -> bytes:
    """Receipts spread over every active depot and the catalogue, each a new lot."""
    workbook = load_workbook(io.BytesIO(template_bytes("stock", language)))
    sheet = workbook.worksheets[0]
    keys = [column.key for column in COLUMNS["stock"]]
    depots = session.scalars(
        select(Depot.name).where(Depot.status == RecordStatus.ACTIVE).order_by(Depot.id)
    ).all()
    items = session.execute(select(Item.code, Item.name, Item.unit).order_by(Item.code)).all()
    for n in range(rows):
        code, name, unit = items[(n * 7) % len(items)]
        values = {
            "depot": depots[n % len(depots)],
            "item_code": code,
            "item_name": name,
            "unit": unit,
            "batch": f"BENCH-{n:05d}",
            "quantity": 1 + n % 50,
            "expiry_date": today + timedelta(days=400 + n % 300),
            "received_on": today - timedelta(days=n % 30),
            "reason": "基准测试入库",
        }
        sheet.append([values.get(key) for key in keys])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def time_import(url: str, rows: int, *, today: date, username: str = "office") -> dict:
    """Commit the workbook as ``username`` in one transaction, as the import page does."""
    factory = db.make_session_factory(db.make_engine(url))
    try:
        with factory() as session:
            actor = Actor.from_user(
                session.scalars(select(User).where(User.username == username)).one()
            )
            data = stock_workbook(session, rows, today=today)
        started = time.perf_counter()
        with db.transaction(factory) as session:
            report = commit(session, actor, "stock", data, today=today, filename="bench.xlsx")
        seconds = time.perf_counter() - started
    finally:
        factory.kw["bind"].dispose()
    return {
        "rows": report.rows,
        "file_bytes": len(data),
        "seconds": round(seconds, 3),
        "rows_per_s": round(report.rows / seconds, 1),
        "ok": report.ok,
    }


def measure(url: str, rows: int, *, today: date, timeout: float = 900) -> dict:
    """``time_import`` in a child process; its result."""
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "prepare.bench.importing", url, str(rows), today.isoformat()]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError("import child failed: " + done.stderr.strip()[-1500:])
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    url, rows, day = sys.argv[1:4]
    print(json.dumps(time_import(url, int(rows), today=date.fromisoformat(day))))

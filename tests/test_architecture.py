"""Layering rules of DESIGN.md §2, checked on the source."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


# The benchmark times whole pages with Streamlit's own test harness, in a child process.
STREAMLIT_ALLOWED = {ROOT / "prepare" / "bench" / "pages.py"}


def test_core_packages_never_import_streamlit():
    for package in ("registry", "maps", "prepare"):
        for path in (ROOT / package).rglob("*.py"):
            if path not in STREAMLIT_ALLOWED:
                assert "streamlit" not in imported_modules(path), path


def test_maps_never_touch_the_database():
    for path in (ROOT / "maps").rglob("*.py"):
        assert not imported_modules(path) & {"sqlalchemy", "registry"}, path


def test_pages_never_write_to_the_database_themselves():
    """Pages call registry use-cases; session.add / delete / execute stay in the core."""
    for path in [ROOT / "streamlit_app.py", *(ROOT / "app_pages").glob("*.py")]:
        source = path.read_text("utf-8")
        for verb in ("session.add(", "session.delete(", "session.execute(", ".commit("):
            assert verb not in source, f"{path.name} uses {verb}"


def test_entry_file_is_a_router_only():
    tree = ast.parse((ROOT / "streamlit_app.py").read_text("utf-8"))
    assert not [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]

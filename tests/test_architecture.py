"""Layering rules of docs/ARCHITECTURE.md, checked on the source."""

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


PAGE_CODE = [*(ROOT / "app_pages").glob("*.py"), *(ROOT / "page_helpers").glob("*.py")]

# The benchmark times whole pages with Streamlit's own test harness, in a child process, and
# gives that harness the browser it lacks (the session cookie); its load run speaks
# Streamlit's WebSocket protocol as a browser does (the protocol's messages only).
STREAMLIT_ALLOWED = {
    ROOT / "prepare" / "bench" / "pages.py",
    ROOT / "prepare" / "support.py",
    ROOT / "prepare" / "bench" / "load.py",
}


def test_core_packages_never_import_streamlit():
    for package in ("registry", "maps", "prepare"):
        for path in (ROOT / package).rglob("*.py"):
            if path not in STREAMLIT_ALLOWED:
                assert "streamlit" not in imported_modules(path), path


def test_the_core_knows_nothing_of_http():
    """The HTTP routes call the core like the pages do; the core serves both."""
    for package in ("registry", "maps"):
        for path in (ROOT / package).rglob("*.py"):
            assert not imported_modules(path) & {"starlette", "web", "uvicorn"}, path


def test_the_http_side_never_imports_the_pages():
    for path in [ROOT / "server.py", *(ROOT / "web").rglob("*.py")]:
        assert not imported_modules(path) & {"page_helpers", "app_pages"}, path


def test_maps_never_touch_the_database():
    for path in (ROOT / "maps").rglob("*.py"):
        assert not imported_modules(path) & {"sqlalchemy", "registry"}, path


def test_pages_never_write_to_the_database_themselves():
    """Pages call registry use-cases; session.add / delete / execute stay in the core."""
    for path in [ROOT / "streamlit_app.py", *PAGE_CODE]:
        source = path.read_text("utf-8")
        for verb in ("session.add(", "session.delete(", "session.execute(", ".commit("):
            assert verb not in source, f"{path.name} uses {verb}"


def test_entry_file_is_a_router_only():
    tree = ast.parse((ROOT / "streamlit_app.py").read_text("utf-8"))
    assert not [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]


# The core's areas, lowest first: an area imports the kernel and areas of a lower rank only.
AREA_RANK = {
    "kernel": 0,
    "accounts": 1,
    "places": 1,
    "records": 2,
    "fieldwork": 3,
    "plans": 3,
    "importing": 3,
    "readiness": 4,
    "mapdata": 4,
    "response": 4,
    "disasters": 5,
    "recovery": 5,
    "exchange": 6,
    "demo": 6,
    "operations": 7,
    "migrations": 8,
}


def registry_imports(path: Path) -> set[str]:
    """The areas of ``registry`` a module imports (``from registry import x`` names x)."""
    areas = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("registry"):
            parts = node.module.split(".")
            areas |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            areas |= {a.name.split(".")[1] for a in node.names if a.name.startswith("registry.")}
    return areas


def test_the_core_is_grouped_into_known_areas():
    loose = [p.name for p in (ROOT / "registry").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], "every core module belongs to an area package"
    folders = {p.name for p in (ROOT / "registry").iterdir() if p.is_dir()}
    assert folders - {"locales", "__pycache__"} == set(AREA_RANK)


def test_areas_import_only_the_kernel_and_lower_areas():
    for area, rank in AREA_RANK.items():
        for path in (ROOT / "registry" / area).rglob("*.py"):
            for other in registry_imports(path) - {area}:
                assert AREA_RANK[other] < rank, f"{path.relative_to(ROOT)} imports {other}"


def test_the_core_never_imports_map_building():
    for path in (ROOT / "registry").rglob("*.py"):
        assert not imported_modules(path) & {"folium", "branca", "maps", "streamlit_folium"}, path


def test_app_pages_holds_only_pages():
    """Pages are run by st.navigation, never imported; what they share is in page_helpers/."""
    for path in [ROOT / "streamlit_app.py", *PAGE_CODE, *(ROOT / "tests").rglob("*.py")]:
        assert "app_pages" not in imported_modules(path), path


def test_pages_read_only_through_ui_read():
    """No page holds a database session: reads go through ``ui.read``, writes through
    ``editing.run``; only page_helpers/ui.py opens sessions."""
    for path in [ROOT / "streamlit_app.py", *PAGE_CODE]:
        if path.name != "ui.py":
            assert "session_factory()()" not in path.read_text("utf-8"), path

"""The static docs site (`dbt docs generate --static`) renders in Chromium and lists every model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO_ROOT, DbtResult, run_dbt

from dashboard import testing

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO_ROOT / "test-artifacts"

FOLDERS = 'a.menu-tree[ng-if="!item.unique_id"]'
LEAVES = 'a[ng-if="item.unique_id"]'
# Long names are split over two spans (an ellipsis part and the tail); access is appended.
LEAF_NAMES = (
    "els => els.map(e => e.textContent.replace(/\\s+/g, '')"
    ".replace('(protected)', '').replace('(public)', '').replace('(private)', ''))"
)


@pytest.fixture(scope="module")
def static_docs(
    small_warehouse: DbtResult, small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """`dbt docs generate --static` on the small warehouse, into a temporary target."""
    work = tmp_path_factory.mktemp("docs")
    result = run_dbt(
        ["docs", "generate", "--static"],
        raw_dir=small_raw_dir,
        work_dir=work,
        duckdb_path=small_warehouse.duckdb_path,
    ).check()
    return result.target_path


def test_static_docs_render_and_list_every_model(static_docs: Path) -> None:
    manifest = json.loads((static_docs / "manifest.json").read_text())
    models = {
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == "revenue_ml"
    }
    exposures = {e["name"] for e in manifest["exposures"].values()}
    assert len(models) > 20, models
    assert {"dashboard_sales", "dashboard_model_health"} <= exposures
    assert "__overview__" in {
        d["name"] for d in manifest["docs"].values() if d["package_name"] == "revenue_ml"
    }
    page_file = static_docs / "static_index.html"
    assert page_file.stat().st_size > 100_000  # manifest and catalog are embedded

    try:
        context = testing.browser()
        chromium = context.__enter__()
    except testing.ChromiumUnavailable as exc:
        pytest.fail(f"Chromium cannot run, so the docs site cannot be checked: {exc}")
    try:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(page_file.as_uri())
        # Our overview block replaces dbt's default welcome page.
        page.get_by_role("heading", name="The five systems").wait_for(timeout=60_000)
        # Expand every folder of the project tree, then read the model names it lists.
        for _ in range(12):
            closed = page.locator(f"{FOLDERS}:not(.active):visible")
            if closed.count() == 0:
                break
            for i in reversed(range(closed.count())):
                closed.nth(i).click()
        listed = set(page.eval_on_selector_all(f"{LEAVES} .filename", LEAF_NAMES))
        missing = models - listed
        assert not missing, f"models missing from the docs site's tree: {sorted(missing)}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "docs_site.png"))
        # The exposures (dashboard pages) are in the site with their lineage.
        page.goto(page_file.as_uri() + "#!/exposure/exposure.revenue_ml.dashboard_sales")
        page.get_by_text("open_offers").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "docs_site_exposure.png"))
    finally:
        context.__exit__(None, None, None)


def undocumented_columns(target: Path) -> dict[str, list[str]]:
    """Per model or seed of the catalog (what the warehouse really holds), its columns without a
    description in the manifest."""
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    missing = {}
    for unique_id, entry in catalog["nodes"].items():
        node = manifest["nodes"].get(unique_id)
        if node is None or node["resource_type"] not in ("model", "seed"):
            continue
        described = {
            name.lower()
            for name, column in node["columns"].items()
            if column.get("description", "").strip()
        }
        gaps = [c for c in entry["columns"] if c.lower() not in described]
        if gaps or not node.get("description", "").strip():
            missing[node["name"]] = gaps or ["(no model description)"]
    return missing


def test_every_catalog_column_is_documented(static_docs: Path) -> None:
    catalog = json.loads((static_docs / "catalog.json").read_text())
    assert len(catalog["nodes"]) > 50  # the warehouse was catalogued, not an empty one
    assert undocumented_columns(static_docs) == {}

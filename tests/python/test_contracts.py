"""The dbt sources declare exactly the columns of the raw-file contracts."""

from __future__ import annotations

from pathlib import Path

import yaml

from revenue_ml.contracts import ALL_FILES

REPO_ROOT = Path(__file__).resolve().parents[2]


def declared_sources() -> dict[tuple[str, str], list[str]]:
    declared = {}
    for path in (REPO_ROOT / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                declared[(source["name"], table["name"])] = [c["name"] for c in table["columns"]]
    return declared


def test_every_contract_is_a_dbt_source_with_the_same_columns() -> None:
    declared = declared_sources()
    for raw in ALL_FILES:
        assert (raw.source, raw.table) in declared, f"no dbt source for {raw.source}.{raw.table}"
        assert declared[(raw.source, raw.table)] == list(raw.columns), raw.table


def test_every_dbt_source_has_a_contract() -> None:
    contracts = {(raw.source, raw.table) for raw in ALL_FILES}
    assert set(declared_sources()) == contracts


def test_source_paths_are_dbt_vars_with_contract_defaults() -> None:
    project = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())
    for raw in ALL_FILES:
        assert project["vars"][raw.var_name] == raw.path

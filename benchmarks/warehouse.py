"""The built warehouse as the benchmark sees it: the dbt manifest, relations, row counts, and
the check that no Python model reads transaction-level rows.

Relations always come from the manifest (``relation_name``), never from a hard-coded schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from benchmarks import names

#: Resource types looked up by name (a model and a seed never share a name in this project).
NAMED_RESOURCES = ("model", "seed", "snapshot")


class Manifest:
    """The ``manifest.json`` of a build in ``target``: nodes by name, relations, configs."""

    def __init__(self, data: dict, target: Path) -> None:
        self.data = data
        self.target = target
        self._by_name = {
            node["name"]: {"unique_id": uid, **node}
            for uid, node in data.get("nodes", {}).items()
            if node.get("resource_type") in NAMED_RESOURCES
        }

    @classmethod
    def load(cls, target: Path) -> Manifest:
        """The manifest the last dbt command wrote into ``target``."""
        return cls(json.loads((target / "manifest.json").read_text()), target)

    def node(self, name: str) -> dict:
        """The model or seed called ``name`` (with its ``unique_id``)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise LookupError(f"{name} is not a model or seed of the manifest") from None

    def relation(self, name: str) -> str:
        """The relation a model or seed is built into, e.g. ``"warehouse"."ml"."x"``."""
        return self.node(name)["relation_name"]

    def source(self, source_name: str, table: str) -> str:
        """The relation of a dbt source table, e.g. ``"warehouse"."ml"."build_settings"``."""
        for node in self.data.get("sources", {}).values():
            if node.get("source_name") == source_name and node.get("name") == table:
                return node["relation_name"]
        raise LookupError(f"{source_name}.{table} is not a source of the manifest")

    def config(self, name: str) -> dict:
        """The rendered config of a model (vars resolved as in the build)."""
        return self.node(name).get("config", {})

    def compiled_sql(self, name: str) -> str:
        """A model's compiled SQL: from the manifest when this command compiled it, else the
        file the last command that did left in ``target/compiled``."""
        node = self.node(name)
        if node.get("compiled_code"):
            return node["compiled_code"]
        path = self.target / "compiled" / node["package_name"] / node["original_file_path"]
        return path.read_text()

    def python_models(self) -> list[dict]:
        """Every Python model, in unique-id order."""
        return sorted(
            (
                n
                for n in self._by_name.values()
                if n["resource_type"] == "model" and n.get("language") == "python"
            ),
            key=lambda n: n["unique_id"],
        )

    def relation_of_id(self, unique_id: str) -> str | None:
        """The relation of any node or source by unique id (None when it has none)."""
        node = self.data.get("nodes", {}).get(unique_id) or self.data.get("sources", {}).get(
            unique_id, {}
        )
        return node.get("relation_name")


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file."""
    return duckdb.connect(str(path), read_only=read_only)


def row_count(con: duckdb.DuckDBPyConnection, relation: str | None) -> int | None:
    """Rows of a relation, None when there is none or it cannot be read."""
    if not relation:
        return None
    try:
        return int(con.execute(f"select count(*) from {relation}").fetchone()[0])
    except duckdb.Error:
        return None


def python_model_inputs(manifest: Manifest, duckdb_path: Path) -> dict:
    """Each Python model's parents with their row counts, and the violations: a parent that is
    a transaction-level model, or that has at least as many rows as the staged transactions."""
    forbidden_ids = {manifest.node(name)["unique_id"] for name in names.TRANSACTION_LEVEL_MODELS}
    out: dict = {"models": [], "violations": []}
    with connect(duckdb_path, read_only=True) as con:
        transactions = row_count(con, manifest.relation(names.STAGED_TRANSACTIONS))
        out["transaction_rows"] = transactions
        counts: dict[str, int | None] = {}
        for node in manifest.python_models():
            parents = []
            for parent in node.get("depends_on", {}).get("nodes", []):
                if parent not in counts:
                    counts[parent] = row_count(con, manifest.relation_of_id(parent))
                rows = counts[parent]
                too_big = transactions is not None and rows is not None and rows >= transactions
                reason = (
                    "transaction-level model"
                    if parent in forbidden_ids
                    else "row count >= transaction count"
                    if too_big
                    else None
                )
                parents.append({"unique_id": parent, "rows": rows, "violation": reason})
                if reason:
                    out["violations"].append(
                        {
                            "python_model": node["unique_id"],
                            "parent": parent,
                            "rows": rows,
                            "reason": reason,
                        }
                    )
            out["models"].append({"unique_id": node["unique_id"], "parents": parents})
    out["ok"] = transactions is not None and not out["violations"]
    out["reads_transaction_models"] = any(
        v["reason"] == "transaction-level model" for v in out["violations"]
    )
    if transactions is None:
        out["note"] = "transaction count unavailable (staging table missing)"
    out["unchecked"] = (
        "python models that read files themselves (raw_file_audit reads the raw files "
        "to audit their contract) are not visible in depends_on"
    )
    return out

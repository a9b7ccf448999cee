"""The Python models' settings: one list of vars (build_settings.sql), one typed object per
domain, every var defined in dbt_project.yml, bad values named by their var."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re

import pandas as pd
import pytest
import yaml
from conftest import REPO_ROOT

import revenue_ml.domains
from revenue_ml.domains import churn
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.raw_features import STAGING_LIMITS
from revenue_ml.settings import MlSettings, RegistrySettings


def domain_modules() -> dict:
    """Every module of revenue_ml.domains with a ``Settings`` class, by module name: a new
    domain is checked here without editing this test."""
    found = {}
    for info in pkgutil.iter_modules(revenue_ml.domains.__path__):
        module = importlib.import_module(f"revenue_ml.domains.{info.name}")
        if hasattr(module, "Settings"):
            found[info.name] = module
    return found


DOMAINS = domain_modules()
SETTINGS_SQL = REPO_ROOT / "macros" / "ml" / "build_settings.sql"


def listed_vars() -> list[tuple[str, str]]:
    """(domain, var) pairs of the build_settings macro's list."""
    return re.findall(r"\('(\w+)', '(\w+)'\)", SETTINGS_SQL.read_text())


def test_every_setting_is_a_defined_var_and_a_typed_field_and_vice_versa() -> None:
    project_vars = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]
    listed = listed_vars()
    assert listed, "build_settings.sql lists no var"
    for _, var in listed:
        assert var in project_vars, f"{var} is listed in build_settings.sql, not defined"
    ml_fields = {f.name for f in dataclasses.fields(MlSettings)} - {"dbt_threads"}
    ml_fields |= {f.name for f in dataclasses.fields(RegistrySettings)} - {"dbt_invocation_id"}
    assert {var for domain, var in listed if domain == "ml"} == ml_fields
    # the staging limits of the raw sources, which the raw-record scorer applies
    for source, names in STAGING_LIMITS.items():
        assert {var.removeprefix(f"{source}_") for d, var in listed if d == source} == set(names)
    for name, module in DOMAINS.items():
        fields = {f.name for f in dataclasses.fields(module.Settings)} - {"ml"}
        assert module.Settings.prefix == f"{name}_"
        assert {var.removeprefix(f"{name}_") for d, var in listed if d == name} == fields, name
    # every domain the macro lists has its module (a typo or a missing module fails here)
    listed_domains = {d for d, _ in listed} - {"ml"} - set(STAGING_LIMITS)
    assert listed_domains == set(DOMAINS)


def test_the_domain_modules_are_found() -> None:
    # the discovery itself: the five domains, each module named as its DOMAIN
    assert {"sales", "churn", "campaign", "enrollment", "ecommerce"} <= set(DOMAINS)
    for name, module in DOMAINS.items():
        assert module.DOMAIN == name


def _table(**domain: dict[str, str]) -> pd.DataFrame:
    rows = [
        ("ml", "retrain_policy", "if_data_changed"),
        ("ml", "ml_threads", ""),
        ("ml", "dbt_threads", "2"),
        ("ml", "drift_ks_threshold", "0.2"),
        ("ml", "drift_psi_threshold", "0.25"),
    ]
    rows += [(d, k, v) for d, values in domain.items() for k, v in values.items()]
    return pd.DataFrame(rows, columns=["domain", "setting", "setting_value"])


def test_settings_are_typed_and_bad_values_name_their_var() -> None:
    good = {
        "auc_floor": "",
        "cv_folds": "5",
        "gate_min_positives": "30",
        "search_max_candidates": "8",
        "baseline_margin": "0",
        "currency": "$",
    }
    settings = churn.Settings.from_table(_table(churn=good))
    assert settings.auc_floor is None and settings.cv_folds == 5
    assert settings.ml.retrain_policy == "if_data_changed" and settings.ml.dbt_threads == 2
    with pytest.raises(ModelInputError, match="var churn_cv_folds must be a whole number"):
        churn.Settings.from_table(_table(churn={**good, "cv_folds": "five"}))
    with pytest.raises(ModelInputError, match="var churn_cv_folds must be a whole number"):
        churn.Settings.from_table(_table(churn={**good, "cv_folds": "2.5"}))
    with pytest.raises(ModelInputError, match=r"no value for var\(s\) churn_cv_folds"):
        churn.Settings.from_table(_table(churn={k: v for k, v in good.items() if k != "cv_folds"}))
    table = _table(churn=good)
    table.loc[table["setting"] == "retrain_policy", "setting_value"] = "sometimes"
    with pytest.raises(ModelInputError, match="var retrain_policy is 'sometimes'"):
        churn.Settings.from_table(table)

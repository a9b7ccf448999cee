"""Typed settings of the Python models, built in one place from the build's settings table.

Every setting is a dbt var, defined and documented once in ``dbt_project.yml``. An
on-run-start hook writes the table ``ml.build_settings`` (macros/ml/build_settings.sql lists
the vars the Python models use) on every dbt command, one row per setting: domain ``ml`` holds
the lifecycle settings every domain shares (:class:`MlSettings`, :class:`RegistrySettings`),
each domain its own, named as the var without the domain prefix (var ``churn_cv_folds`` is
setting ``cv_folds`` of domain ``churn`` and :attr:`revenue_ml.domains.churn.Settings.cv_folds`).
A Python model reads that table with ``dbt.source("ml", "build_settings")`` and builds its
domain's settings object with :meth:`DomainSettings.from_table`, which converts each value to
the field's type and names the var in any error. Defaults live only in ``dbt_project.yml``: the
dataclasses have none.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from typing import Any, ClassVar, Self

import pandas as pd

from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.registry import POLICIES
from revenue_ml.ml.runtime import Runtime, resolve_threads

_NONE = ("", "none", "null")


def _convert(value: Any, annotation: Any, var: str) -> Any:
    """``value`` (dbt renders every var as text) as ``annotation``; errors name the var."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0]
    text = "" if value is None else str(value).strip()
    if text.lower() in _NONE:
        if optional:
            return None
        raise ModelInputError(f"var {var} is empty; set it in dbt_project.yml or with --vars.")
    try:
        if annotation is bool:
            if text.lower() in ("true", "1", "yes"):
                return True
            if text.lower() in ("false", "0", "no"):
                return False
            raise ValueError(text)
        if annotation is int:
            number = float(text)
            if number != int(number):
                raise ValueError(text)
            return int(number)
        if annotation is float:
            return float(text)
        return text
    except ValueError:
        kind = {bool: "true or false", int: "a whole number", float: "a number"}.get(
            annotation, annotation.__name__
        )
        raise ModelInputError(f"var {var} must be {kind}, got {value!r}.") from None


class _FromConfig:
    """Typed construction from a config dict, naming the var in every error."""

    #: Prefix of this class's vars (``churn_`` for the churn domain; none for shared ones).
    prefix: ClassVar[str] = ""

    @classmethod
    def _converted(cls, values: dict | None, skip: frozenset[str] = frozenset()) -> dict:
        values = dict(values or {})
        hints = typing.get_type_hints(cls)
        fields = {f.name for f in dataclasses.fields(cls)} - skip
        missing = sorted(fields - set(values))
        if missing:
            names = ", ".join(cls.prefix + m for m in missing)
            raise ModelInputError(
                f"{cls.__module__}.{cls.__qualname__}: no value for var(s) {names}; list them in "
                f"macros/ml/build_settings.sql (and define them in dbt_project.yml)."
            )
        return {
            name: _convert(values[name], hints[name], cls.prefix + name) for name in sorted(fields)
        }

    @classmethod
    def from_mapping(cls, values: dict | None) -> Self:
        return cls(**cls._converted(values))


@dataclasses.dataclass(frozen=True)
class MlSettings(_FromConfig):
    """Settings of the model lifecycle, the same for every domain."""

    retrain_policy: str
    ml_threads: str | None
    dbt_threads: int
    drift_ks_threshold: float
    drift_psi_threshold: float

    def __post_init__(self) -> None:
        if self.retrain_policy not in POLICIES:
            raise ModelInputError(
                f"var retrain_policy is {self.retrain_policy!r}; use one of {', '.join(POLICIES)}."
            )

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Self:
        """The shared settings from ``build_settings`` (its ``ml`` rows)."""
        return cls.from_mapping(settings_of(table, "ml"))

    def runtime(self) -> Runtime:
        """Worker threads for independent fits (see :mod:`revenue_ml.ml.runtime`)."""
        return Runtime(threads=resolve_threads(self.ml_threads, self.dbt_threads))


@dataclasses.dataclass(frozen=True)
class RegistrySettings(_FromConfig):
    """How a build registers new versions: the champion margin (revenue_ml.ml.champion) and
    the MLflow mirror (revenue_ml.ml.tracking); shared settings (domain ``ml``)."""

    champion_margin: float
    #: '' = no MLflow logging, unless the environment variable MLFLOW_TRACKING_URI is set.
    mlflow_tracking_uri: str | None
    mlflow_experiment_name: str
    #: Put before every registered model's name in MLflow ('' = none): the real-data build
    #: registers ``real_churn_lightgbm`` beside the demo's ``churn_lightgbm`` in one store.
    mlflow_model_prefix: str | None
    #: What data the build ran on, in words (var ``dataset_label``; '' = the demo's words): a
    #: tag of every run and registered version.
    dataset_label: str | None
    #: Written by the on-run-start hook (dbt's invocation_id), not a var.
    dbt_invocation_id: str | None

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Self:
        return cls.from_mapping(settings_of(table, "ml"))

    @property
    def tracking_uri(self) -> str | None:
        """The MLflow tracking URI in force: the var, else $MLFLOW_TRACKING_URI, else None."""
        return self.mlflow_tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or None

    def registered_name(self, model_name: str) -> str:
        """The name ``model_name`` is registered under in MLflow (with the prefix)."""
        return f"{self.mlflow_model_prefix or ''}{model_name}"


@dataclasses.dataclass(frozen=True)
class DomainSettings(_FromConfig):
    """Base of each domain's settings: the shared lifecycle settings plus the domain's own."""

    ml: MlSettings

    @classmethod
    def from_mappings(cls, ml_settings: dict | None, domain_settings: dict | None) -> Self:
        """The settings from the shared and the domain's ``{setting: value}`` mappings."""
        return cls(
            ml=MlSettings.from_mapping(ml_settings),
            **cls._converted(domain_settings, skip=frozenset({"ml"})),
        )

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Self:
        """The settings of this domain from ``build_settings`` (domain, setting, setting_value)."""
        return cls.from_mappings(settings_of(table, "ml"), settings_of(table, cls.prefix[:-1]))


def settings_of(table: pd.DataFrame, domain: str) -> dict[str, str | None]:
    """``{setting: value}`` of one domain of the ``build_settings`` table."""
    rows = table[table["domain"] == domain]
    return {
        str(r.setting): (None if pd.isna(r.setting_value) else str(r.setting_value))
        for r in rows.itertuples(index=False)
    }

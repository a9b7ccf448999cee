"""The binary model families: one class per family, each stored as text, never pickled.

| registry ``model_family`` | class (module) | ``model_format`` |
|---|---|---|
| ``lightgbm`` | ``LightGBM`` (``lightgbm``) | ``lightgbm_text`` |
| ``logistic_regression`` | ``LinearModel`` (``logistic``) | ``linear_json`` |
| ``random_forest`` | ``ForestModel`` (``forest``) | ``forest_json`` |
| ``lightgbm_logistic_blend`` | ``LogitBlend`` (``blend``) | ``logit_blend_json`` |

Each class fits (seeded, one thread), predicts, explains (per-row contributions and global
importance), states the parameters it fitted with and reads and writes its text
(:class:`~revenue_ml.ml.families.base.BinaryModel`). A trainer holds the class; the scorer,
the MLflow models and the explainer hold a loaded model (:func:`load`): nothing dispatches on
a family's name. A new family is a new class and its entry in :data:`FAMILIES`.
"""

from __future__ import annotations

import functools

from revenue_ml.ml.families.base import BinaryModel, as_object, prepare_features
from revenue_ml.ml.families.blend import LogitBlend
from revenue_ml.ml.families.forest import ForestModel
from revenue_ml.ml.families.lightgbm import LightGBM
from revenue_ml.ml.families.logistic import LinearModel

__all__ = [
    "FAMILIES",
    "BinaryModel",
    "ForestModel",
    "LightGBM",
    "LinearModel",
    "LogitBlend",
    "as_object",
    "load",
    "prepare_features",
]

#: Every family, by its storage format.
FAMILIES: dict[str, type[BinaryModel]] = {
    cls.model_format: cls for cls in (LightGBM, LinearModel, ForestModel, LogitBlend)
}


def load(model_format: str, text: str) -> BinaryModel:
    """Rebuild a model from its registry text (cached: the scoring service, the dashboard and
    a scoring model score many batches with the same version; a LightGBM model of a few hundred
    trees takes milliseconds to parse); unknown formats are refused. The models are only read
    (predictions), never changed, so sharing one object is safe."""
    return _load(model_format, text)


@functools.lru_cache(maxsize=16)
def _load(model_format: str, text: str) -> BinaryModel:
    family = FAMILIES.get(model_format)
    if family is None:
        raise ValueError(
            f"unknown model format {model_format!r}: expected one of {', '.join(FAMILIES)}"
        )
    return family.from_text(text)

"""Model governance: fairness slices and disparities (:mod:`.fairness`) and model cards
(:mod:`.cards`); docs/governance.md.

``python -m revenue_ml.governance card <model> [version]`` prints a version's card
(:mod:`.__main__`)."""

import revenue_ml.ml.libraries  # noqa: F401 (whole before two threads import models)

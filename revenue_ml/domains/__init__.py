"""Per-domain model definitions: which features, which protocol, which models to register."""

import revenue_ml.ml.libraries  # noqa: F401 (whole before two threads import models)

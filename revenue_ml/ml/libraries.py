"""The third-party ML libraries, imported whole before any model code runs.

dbt runs the Python models on its threads (two here) in one process. Two models that start at
the same moment would each import scikit-learn, SciPy and LightGBM for the first time at once,
and Python breaks the circular imports inside scikit-learn between two threads by handing one
of them a partially initialised module: a scale-1 benchmark build failed once with "cannot
import name '_MetadataRequester' from partially initialized module
'sklearn.utils._metadata_requests'". The packages the Python models import
(:mod:`revenue_ml.domains`, :mod:`revenue_ml.governance`) import this module first. Python
runs a module's body on one thread while every other thread that imports it waits, holding no
other import lock, so the libraries are whole before any model uses them. MLflow is imported
the same way, through :mod:`revenue_ml.ml.pyfunc` (:class:`revenue_ml.ml.tracking.Mirror`).
"""

import lightgbm  # noqa: F401
import scipy.sparse.linalg  # noqa: F401
import scipy.stats  # noqa: F401
import sklearn.base  # noqa: F401
import sklearn.cluster  # noqa: F401
import sklearn.decomposition  # noqa: F401
import sklearn.ensemble  # noqa: F401
import sklearn.linear_model  # noqa: F401
import sklearn.metrics  # noqa: F401
import sklearn.mixture  # noqa: F401
import sklearn.model_selection  # noqa: F401

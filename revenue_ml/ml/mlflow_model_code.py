"""The code of every MLflow model revenue_ml logs (MLflow's "models from code").

MLflow copies this file into each logged model and runs it when the model is loaded; it names
the model, :class:`revenue_ml.ml.pyfunc.RawRecordModel`, whose code is the installed revenue_ml
package and whose state is the model's text and Parquet artifacts: nothing is unpickled.
"""

import mlflow

from revenue_ml.ml.pyfunc import RawRecordModel

mlflow.models.set_model(RawRecordModel())

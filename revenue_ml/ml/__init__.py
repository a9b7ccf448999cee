"""Shared ML machinery: portable model formats, registry records, evaluation, drift.

Every model in the project (offer close, churn, campaign response, segmentation, enrollment
forecast) trains, registers and scores through this package, so the registry, evaluation and
drift tables have one layout across domains.
"""

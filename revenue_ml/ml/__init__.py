"""Shared ML machinery: model families stored as text, evaluation protocols, one lifecycle
(train or reuse, register, serve), scoring with reasons, registry records, drift.

Every model in the project (offer close, churn, campaign response, segmentation, enrollment
forecast) trains, registers and scores through this package, so the registry, evaluation and
drift tables have one layout across domains (docs/architecture.md maps the modules).
"""

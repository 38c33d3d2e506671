"""Enrichers: models and matchers that turn records into suggestions, and the pipeline that runs them."""

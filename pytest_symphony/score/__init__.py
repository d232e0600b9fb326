"""The score: spec files (JSON/YAML) loaded into the Sequence > Movement > Beat model.

Entry points: :func:`pytest_symphony.score.loader.load_spec` and
:mod:`pytest_symphony.score.validate`.  Kept import-free so that importing the model does
not pay for jsonschema.
"""

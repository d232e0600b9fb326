"""Names that look unused to vulture but are not: each one used by name where vulture cannot see.

Read by vulture only (pyproject.toml's ``[tool.vulture] paths``); nothing imports or runs it.
Whole families (pytest hooks, handlers, a check's VALID/INVALID, libcst visitors, pytest's
Item protocol) are ignored in ``[tool.vulture]`` instead, by name pattern or decorator.  An
entry here is one name, with why it stays; a name used nowhere is removed, not listed.
"""

_ = object()  # vulture counts ``_.name`` as a use of ``name``, wherever and whatever it is

# -- protocols of other libraries: called or read by them --------------------------------------
_.on_end  # otel/export.py: OpenTelemetry's SpanProcessor
_.force_flush  # the same
_.timeout_millis  # the same: its keyword argument
_.add_token  # conformity/pyscan.py: libcst's CodegenState, overridden
_.increase_indent
_.decrease_indent
_.add_indent_tokens
_.pop_trailing_newline
_.before_codegen
_.after_codegen
_.record_syntactic_position
_.start_node  # the same: its argument
_.METADATA_DEPENDENCIES  # remediation/pyedit.py: libcst's MetadataDependent
_.add_node  # xdist_support.py: xdist's scheduler
_.add_node_collection
_.row_factory  # telemetry/store.py: sqlite3 reads it from the cursor
_.__signature__  # beat_item.py: inspect (pytest's fixture lookup) reads it
_.__test__  # deliverykit/testsuite.py: pytest's collector reads it
_.currentfspath  # pipelines/progress.py: pytest's terminal reporter reads it
_.numprocesses  # core.py, conformity/ and remediation/plugin.py: pytest-xdist's option, set for it
_.exception  # hooks.py: a hook specification's argument (implementations ask for it by name)

# -- data written for readers outside the package: record fields, result fields ---------------
# report/charts.py: a line chart's fields, read by the dashboard's Jinja2 templates
_.grid
_.value_labels
_.color
_.shown_last
_.top_label
_.bottom_label
_.height
_.right_x
_.bottom_y
_.beat_number  # telemetry/records.py: AttemptRecord fields, written as dict keys
_.movement_number
_.spec_line
_.author_time  # deliverykit/git.py: a commit's fields
_.coverage_path  # deliverykit/testsuite.py: a result's field
_.deployment_frequency_per_week  # deliverykit/dora.py: the four keys, read by report/four_keys.py via asdict
_.deployment_days_per_week_median
_.lead_time_hours_median
_.time_to_restore_minutes_median

# -- public API: what users, tests and tools call ----------------------------------------------
_.STATUS_RANK  # report/series.py: a status's rank, the inverse of RANK_STATUS (tests build rows with it)
_.SpecError  # errors.py: the public exception hierarchy
_.Step  # bdd/steps.py: imported for a string annotation
_.sdist  # buildkit/packaging.py: a build result's property
_.export_records  # otel/export.py: export a list of records (tests, tools)
_.end_run  # telemetry/store.py: HistoryStore's API (tests build histories with it)
_.records_stored  # telemetry/runs.py: how far a run's records reached the history
_.fold_unfolded_runs  # telemetry/runs.py: fold runs written outside the store (benchmarks/report_history.py)

# -- dead, left to the owner of the area (issue 14): remove the code and the line ------------
_.add_expander  # runtime/registry.py: the registry finds expanders by their decorator

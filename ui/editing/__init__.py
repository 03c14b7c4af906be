"""The scenario editor's logic without the UI: inputs <-> scenario dicts, catalog choices, figures.

The dashboard's editor page draws one widget per scenario field. Its widget values live in a flat
mapping keyed ``"ed_" + dotted field path`` (``ed_workload.queries_per_month``); a length has four
keys (``.mode``, ``.tokens``, ``.text``, ``.samples``), the corpus four (``.mode``, ``.tokens``,
``.documents``, ``.document_count``). This module

- describes the numeric inputs (label with unit, bounds taken from the pydantic schema, help text,
  the catalog figure an empty optional input falls back to): :data:`NUMBERS`;
- fills the mapping from a scenario (:func:`widget_values`) and builds a plain scenario dict back
  from it (:func:`build_scenario`), so the page only draws;
- lists the catalog choices (models, GPUs and their clouds, ...) and the catalog figures that the
  chosen models, GPUs, embedding model and vector store use (:func:`relevant_figures`);
- validates an edit completely before it is applied (:func:`apply`);
- turns the Uncertainty tab's entries into ranges (:func:`range_from_inputs`) and describes them in
  the units the widgets show (:func:`range_rows`, :func:`describe_range`).

A ranged input keeps its widget, which shows the range's point value; the ranges themselves are
kept apart (``{dotted path: range dict}``, like the overrides) and go into the scenario dict whole.

Percentages are shown as % in the editor and stored as fractions (0.05 = 5 %).
No Streamlit here: everything is unit-tested.
"""

from .fields import (CARRY_LABELS, CONVERSATION, CORPUS_MODES, CORPUS_MODE_LABELS, DOCUMENT_SEPARATOR, FILLED_FROM, GROUPS, LENGTHS, LENGTH_MODES, LENGTH_MODE_LABELS, NUMBER, NUMBERS, Number, ORIGIN, OVERRIDES, PREFIX, RANGES, SAMPLE_LENGTHS, key, max_chars)
from .lengths import (count_preview, join_documents, join_samples, length_from_inputs, length_modes, length_to_inputs, split_documents, split_samples)
from .choices import (PICKER_LIMIT, Picked, cheapest_cloud, cloud_label, cloud_options, default_gpu, default_note, embedding_label, figure_table, format_value, gpu_label, gpu_options, is_open_model, model_label, model_picker, picker_providers, placeholder, slot_capability)
from .form import (apply, build_scenario, merged_values, problem_group, problem_lines, same_as, widget_values, with_override, without_override)
from .ranges import (DISTRIBUTIONS, DISTRIBUTION_LABELS, RANGE_FACTOR, RangeRow, describe_range, distributions_for, point_only, range_choices, range_from_inputs, range_inputs, range_label, range_point, range_rows, range_start, scenario_ranges, widget_point, widget_scale, with_range, without_range)
from .figures import (EditorFigure, EditorFigureGroup, known_figure, override_candidates, relevant_figures)

__all__ = [
    "CARRY_LABELS",
    "CONVERSATION",
    "CORPUS_MODES",
    "CORPUS_MODE_LABELS",
    "DISTRIBUTIONS",
    "DISTRIBUTION_LABELS",
    "DOCUMENT_SEPARATOR",
    "EditorFigure",
    "EditorFigureGroup",
    "FILLED_FROM",
    "GROUPS",
    "LENGTHS",
    "LENGTH_MODES",
    "LENGTH_MODE_LABELS",
    "NUMBER",
    "NUMBERS",
    "Number",
    "ORIGIN",
    "OVERRIDES",
    "PICKER_LIMIT",
    "PREFIX",
    "Picked",
    "RANGES",
    "RANGE_FACTOR",
    "RangeRow",
    "SAMPLE_LENGTHS",
    "apply",
    "build_scenario",
    "cheapest_cloud",
    "cloud_label",
    "cloud_options",
    "count_preview",
    "default_gpu",
    "default_note",
    "describe_range",
    "distributions_for",
    "embedding_label",
    "figure_table",
    "format_value",
    "gpu_label",
    "gpu_options",
    "is_open_model",
    "join_documents",
    "join_samples",
    "key",
    "known_figure",
    "length_from_inputs",
    "length_modes",
    "length_to_inputs",
    "max_chars",
    "merged_values",
    "model_label",
    "model_picker",
    "override_candidates",
    "picker_providers",
    "placeholder",
    "point_only",
    "problem_group",
    "problem_lines",
    "range_choices",
    "range_from_inputs",
    "range_inputs",
    "range_label",
    "range_point",
    "range_rows",
    "range_start",
    "relevant_figures",
    "same_as",
    "slot_capability",
    "scenario_ranges",
    "split_documents",
    "split_samples",
    "widget_point",
    "widget_scale",
    "widget_values",
    "with_override",
    "with_range",
    "without_override",
    "without_range",
]

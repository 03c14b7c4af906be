"""Scenario files: the schema, dotted paths into it, loading with limits, checks, migrations.

Everything outside this package imports from here; the modules inside are an implementation detail.
"""

from .checks import api_model_keys, catalog_problems, embedding_model_key, is_self_hosted, with_scenario_models
from .figure_text import FigureKind, figure_kind, figure_words, figures_in_words
from .loading import (LongNumber, json_nesting_problem, load_scenario, parse_scenario, parse_scenario_json,
                      structure_problems, validate_scenario)
from .paths import OVERRIDES, get_in, model_in, set_in
from .schema import (CARRY, KNOWLEDGE_CHANGE, MAX_ALIASES, MAX_DEPTH, MAX_DRAWS, MAX_FILE_BYTES, MAX_FILE_MB, MAX_NUMBER_CHARS,
                     MIN_DRAWS, POINT_ONLY, PRICE_DRIFT, SCHEMA_VERSION, SETUP_LABELS, SETUPS, Conversation, Decision, ModelChoice, Range, Scenario, ScenarioError,
                     Training, field_bounds, horizon_end, range_target, schema_bounds, schema_field, takes_count)

__all__ = [
    "CARRY", "Conversation", "FigureKind", "KNOWLEDGE_CHANGE", "MAX_ALIASES", "MAX_DEPTH", "MAX_DRAWS", "MAX_FILE_BYTES", "MAX_FILE_MB", "MAX_NUMBER_CHARS", "MIN_DRAWS",
    "OVERRIDES", "POINT_ONLY", "PRICE_DRIFT", "SCHEMA_VERSION", "SETUP_LABELS", "SETUPS", "Decision", "LongNumber",
    "ModelChoice", "Range", "Scenario", "ScenarioError", "Training", "api_model_keys", "catalog_problems",
    "embedding_model_key", "field_bounds", "figure_kind", "figure_words", "figures_in_words",
    "get_in", "horizon_end", "is_self_hosted",
    "json_nesting_problem", "load_scenario", "model_in", "parse_scenario", "parse_scenario_json", "range_target",
    "schema_bounds", "schema_field", "set_in", "structure_problems", "takes_count", "validate_scenario", "with_scenario_models",
]

"""The catalog: sourced, dated, big enough, and loud about mistakes."""

import re
import shutil

import pytest
import yaml

from conftest import ROOT
from pricing.catalog import DATA_DIR, CatalogError, load_catalog
from pricing.checks import PINNED_PACKAGE



def test_every_figure_has_a_source_and_a_date(catalog):
    figures = catalog.figures()
    assert len(figures) > 300
    for key, f in figures:
        assert f.source.strip() and re.match(r"^\d{4}-\d{2}(-\d{2})?$", f.as_of), key
        assert f.is_assumption or "https://" in f.source or PINNED_PACKAGE.match(f.source), (key, f.source)


def test_catalog_is_as_big_as_promised(catalog):
    assert len(catalog.llm) >= 15
    assert len({m.provider for m in catalog.llm.values()}) >= 4
    assert len(catalog.embedding) >= 4
    assert len(catalog.reranker) >= 2
    kinds = {s.kind for s in catalog.vector_store.values()}
    assert len(catalog.vector_store) >= 3 and kinds == {"serverless", "instance"}
    assert len(catalog.gpu) >= 5
    assert len({cloud for g in catalog.gpu.values() for cloud in g.prices}) >= 2
    assert len(catalog.open_model) >= 4
    assert any(m.fine_tuning and m.fine_tuning.new_customers for m in catalog.llm.values())


def test_availability_facts_from_the_reference(catalog):
    import datetime as dt
    assert catalog.llm["gpt-4.1-mini"].available_until == dt.date(2027, 1, 14)
    assert catalog.llm["gpt-5"].available_until == dt.date(2026, 12, 11)
    # Issue 11: these were shut down before the shipped scenarios start, and had no date.
    assert catalog.llm["gemini-2.5-flash"].available_until == dt.date(2026, 12, 1)
    assert catalog.llm["llama-3.1-8b-instant"].available_until == dt.date(2026, 8, 16)
    assert catalog.llm["llama-3.3-70b-versatile"].available_until == dt.date(2026, 8, 16)
    ft = catalog.llm["gpt-4o-mini"].fine_tuning
    assert ft.new_customers is False and ft.training_until == dt.date(2027, 1, 6)


# Unit conversions and numerical constants the model code may contain; anything else that looks
# like a figure (2.50, 6.88, 0.7) belongs in pricing/data.
ALLOWED_FLOATS = {0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 1e-9, 1e-12, 1e3, 1e6, 1e9, 1e12, 1e13, 730.0, 3600.0,
                  30.44, 365.25, 100.0, 1e10,  # days per month and per year
                  0.01, 0.1,  # lower bounds in the scenario schema
                  0.95}  # the normal quantile simulator/units.py asks NormalDist for
# statistical constants: the normal 1.96 and Student's t(0.975, df) for df = 1 .. 30 (simulator/analysis/eval_results.py)
ALLOWED_FLOATS |= {1.96, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
                   2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
                   2.056, 2.052, 2.048, 2.045, 2.042}


def test_no_price_is_typed_into_code():
    import ast
    for path in [*ROOT.glob("simulator/**/*.py"), *ROOT.glob("pricing/**/*.py")]:
        tree = ast.parse(path.read_text())
        floats = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is float}
        assert floats <= ALLOWED_FLOATS, (path.name, floats - ALLOWED_FLOATS)


def test_override_marks_the_figure(catalog):
    original = catalog.gpu["h100-sxm"].prices["aws"].usd_per_gpu_hour
    changed = catalog.with_overrides({"gpu.h100-sxm.prices.aws.usd_per_gpu_hour": original.value + 1})
    f = changed.gpu["h100-sxm"].prices["aws"].usd_per_gpu_hour
    assert f.value == original.value + 1 and f.overridden and f.source == "override"
    assert catalog.gpu["h100-sxm"].prices["aws"].usd_per_gpu_hour == original  # the original is untouched


def test_override_can_fill_an_optional_figure(catalog):
    assert catalog.llm["mistral-small-2603"].prices.batch_discount is None
    changed = catalog.with_overrides({"llm.mistral-small-2603.prices.batch_discount": 0.5})
    assert changed.llm["mistral-small-2603"].prices.batch_discount.value == 0.5


def test_unknown_lookup_suggests(catalog):
    with pytest.raises(CatalogError, match="unknown gpu 'h100'; did you mean h100-sxm"):
        catalog.get("gpu", "h100")


def broken_copy(tmp_path, filename, edit):
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    path = data_dir / filename
    doc = yaml.safe_load(path.read_text())
    edit(doc)
    path.write_text(yaml.safe_dump(doc))
    return data_dir


def test_missing_source_names_file_and_field(tmp_path):
    def drop_source(doc):
        del doc["gpus"][0]["spec"]["source"]
    with pytest.raises(CatalogError) as info:
        load_catalog(broken_copy(tmp_path, "gpus.yaml", drop_source))
    assert "gpus.yaml: h100-sxm.spec" in str(info.value) and "no source" in str(info.value)


def test_bad_date_and_bad_number(tmp_path):
    def bad(doc):
        doc["models"][0]["prices"]["as_of"] = "last week"
        doc["models"][1]["prices"]["input_usd_per_mtok"] = "cheap"
    with pytest.raises(CatalogError) as info:
        load_catalog(broken_copy(tmp_path, "llm_models.yaml", bad))
    text = str(info.value)
    assert "llm_models.yaml: gpt-4o.prices" in text and "as_of must be YYYY-MM-DD" in text
    assert "llm_models.yaml: gpt-4o-mini.prices.input_usd_per_mtok" in text


def test_ratio_without_source_is_refused(tmp_path):
    def bare(doc):
        doc["tokenizers"][2]["ratio"] = 1.2
    with pytest.raises(CatalogError, match="ratio needs a source"):
        load_catalog(broken_copy(tmp_path, "tokenizers.yaml", bare))

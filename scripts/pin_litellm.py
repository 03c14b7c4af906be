"""Write pricing/data/litellm_subset.json: what the bulk layer takes from one pinned release of
LiteLLM's price map, where genai-prices has nothing: Azure OpenAI's models (genai-prices lists 16
Azure models, LiteLLM ~100 more) and embedding models' vector sizes (genai-prices has none).

Run by hand when the pin moves, on the file of a downloaded release (nothing is fetched here):
    pip download --no-deps litellm==1.110.2 -d /tmp/litellm && unzip -q /tmp/litellm/*.whl -d /tmp/litellm
    python scripts/pin_litellm.py /tmp/litellm/litellm/model_prices_and_context_window_backup.json \
        --version 1.110.2 --uploaded 2026-11-20
Azure: the chat and embedding models under ``azure/<model>`` (not the regional ``azure/eu/``,
``azure/us/`` deployments or quality tiers), only the fields the bulk layer reads. Vector sizes:
``output_vector_size`` of every embedding model, by the model id after its last ``/``; an id whose
entries disagree is left out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "pricing" / "data" / "litellm_subset.json"
MODES = {"chat", "responses", "embedding"}
FIELDS = ("mode", "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
          "cache_creation_input_token_cost", "input_cost_per_token_batches", "max_input_tokens",
          "deprecation_date", "deprecation_source", "successor_model")


def vector_sizes(data: dict) -> dict[str, int]:
    sizes: dict[str, set[int]] = {}
    for key, entry in data.items():
        if entry.get("mode") == "embedding" and isinstance(entry.get("output_vector_size"), int):
            sizes.setdefault(key.rsplit("/", 1)[-1], set()).add(entry["output_vector_size"])
    return {name: next(iter(found)) for name, found in sorted(sizes.items()) if len(found) == 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--version", required=True, help="the LiteLLM release the file comes from")
    parser.add_argument("--uploaded", required=True, help="the day that release was uploaded to PyPI (YYYY-MM-DD)")
    args = parser.parse_args()
    raw = args.file.read_bytes()
    data = json.loads(raw)
    azure = {key.removeprefix("azure/"): {f: entry[f] for f in FIELDS if entry.get(f) is not None}
             for key, entry in sorted(data.items())
             if entry.get("litellm_provider") == "azure" and key.count("/") == 1 and entry.get("mode") in MODES}
    sizes = vector_sizes(data)
    OUT.write_text(json.dumps({
        "package": "litellm", "version": args.version, "file": args.file.name,
        "sha256": hashlib.sha256(raw).hexdigest(), "uploaded": args.uploaded,
        "pypi": f"https://pypi.org/project/litellm/{args.version}/",
        "azure_models": azure, "embedding_vector_sizes": sizes,
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(azure)} Azure models, {len(sizes)} embedding vector sizes")


if __name__ == "__main__":
    main()

"""Write pricing/data/litellm_azure.json: Azure OpenAI's models from one pinned release of LiteLLM's
price map, the part of the bulk layer genai-prices lacks (it lists 16 Azure models, LiteLLM ~200).

Run by hand when the pin moves, on the file of a downloaded release (nothing is fetched here):
    pip download --no-deps litellm==1.110.2 -d /tmp/litellm && unzip -q /tmp/litellm/*.whl -d /tmp/litellm
    python scripts/pin_litellm_azure.py /tmp/litellm/litellm/model_prices_and_context_window_backup.json \
        --version 1.110.2 --uploaded 2026-11-20
Keeps the chat and embedding models under ``azure/<model>`` (not the regional ``azure/eu/``,
``azure/us/`` deployments or quality tiers), and only the fields the bulk layer reads.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "pricing" / "data" / "litellm_azure.json"
MODES = {"chat", "responses", "embedding"}
FIELDS = ("mode", "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
          "cache_creation_input_token_cost", "input_cost_per_token_batches", "max_input_tokens",
          "deprecation_date", "deprecation_source", "successor_model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--version", required=True, help="the LiteLLM release the file comes from")
    parser.add_argument("--uploaded", required=True, help="the day that release was uploaded to PyPI (YYYY-MM-DD)")
    args = parser.parse_args()
    raw = args.file.read_bytes()
    data = json.loads(raw)
    models = {key.removeprefix("azure/"): {f: entry[f] for f in FIELDS if entry.get(f) is not None}
              for key, entry in sorted(data.items())
              if entry.get("litellm_provider") == "azure" and key.count("/") == 1 and entry.get("mode") in MODES}
    OUT.write_text(json.dumps({
        "package": "litellm", "version": args.version, "file": args.file.name,
        "sha256": hashlib.sha256(raw).hexdigest(), "uploaded": args.uploaded,
        "pypi": f"https://pypi.org/project/litellm/{args.version}/",
        "models": models,
    }, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} with {len(models)} models")


if __name__ == "__main__":
    main()

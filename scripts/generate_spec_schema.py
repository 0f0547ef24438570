"""Write the JSON Schema of the pipeline-spec format to `lineage/schemas/pipeline-spec.schema.json`.

The schema is generated from the pydantic models in `collectors/spec/format.py`; run this after changing
them. `--check` exits 1 when the committed file is stale (as `tests/test_spec_collector.py` does).

    python scripts/generate_spec_schema.py [--check] [--output PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from collectors.spec import json_schema_text

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "lineage" / "schemas" / "pipeline-spec.schema.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the file is not a fresh generation")
    args = parser.parse_args(argv)
    fresh = json_schema_text()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != fresh:
            print(f"{args.output} is stale; run python scripts/generate_spec_schema.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(fresh, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

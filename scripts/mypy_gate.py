"""mypy against a checked-in baseline that may only shrink.

The baseline holds today's errors keyed without line numbers (a line moving is not a new error):
"path: message  [code]" with a count. The gate fails when any key's count grows, printing the new
errors; it says so when errors were fixed, so the baseline can be tightened with --update.

    python scripts/mypy_gate.py            # the CI check
    python scripts/mypy_gate.py --update   # rewrite the baseline after fixing errors (never to add)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.pyi?):(?P<line>\d+): error: (?P<message>.*)$")


def run_mypy() -> tuple[Counter[str], dict[str, list[str]]]:
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        sys.exit(f"mypy failed to run:\n{done.stdout}{done.stderr}")
    counts: Counter[str] = Counter()
    lines: dict[str, list[str]] = {}
    for raw in done.stdout.splitlines():
        if m := ERROR.match(raw):
            key = f"{m['path']}: {m['message']}"
            counts[key] += 1
            lines.setdefault(key, []).append(raw)
    return counts, lines


def read_baseline() -> Counter[str]:
    counts: Counter[str] = Counter()
    if BASELINE.exists():
        for raw in BASELINE.read_text().splitlines():
            if raw.strip():
                n, _, key = raw.partition(" ")
                counts[key] = int(n)
    return counts


def write_baseline(counts: Counter[str]) -> None:
    BASELINE.write_text("".join(f"{n} {key}\n" for key, n in sorted(counts.items())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the baseline to today's errors")
    args = parser.parse_args()
    counts, lines = run_mypy()
    baseline = read_baseline()
    grown = {key: n for key, n in counts.items() if n > baseline.get(key, 0)}
    if args.update:
        if grown and baseline:
            print("--update refuses to add errors to the baseline; fix these first:")
            for key in grown:
                print("\n".join(lines[key]))
            return 1
        write_baseline(counts)
        print(f"mypy baseline: {sum(counts.values())} errors in {len(counts)} keys")
        return 0
    if grown:
        print(f"mypy: {sum(grown.values()) - sum(baseline.get(k, 0) for k in grown)} new error(s):")
        for key in grown:
            print("\n".join(lines[key]))
        return 1
    fixed = sum(baseline.values()) - sum(counts.values())
    note = f"; {fixed} fixed, run `python scripts/mypy_gate.py --update` to shrink the baseline" if fixed else ""
    print(f"mypy: no new errors ({sum(counts.values())} in the baseline{note})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The conformance scenarios on the engine component in Python's Wasmtime:

    python conform.py [--component FILE] [--compare RECORDS] SCENARIO...

Each scenario file runs in a fresh fake world (fakes.py) through the component (host.py),
with the checks of host-native/src/runner.rs, failure for failure. With `--compare`, each
request step must also equal the engine's record of it (`index-sync conform --engine
--records RECORDS`): status, the whole body, and the call counts, as
host-native/tests/modes.rs holds the component in Wasmtime to. Prints `PASS name` or
`FAIL name` with its failures per file, then `N passed, N failed`; exits 1 on a failure.
`tests/python/conform.sh SCENARIO...` installs what it needs and runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from fakes import COUNTED_NAMES, HostError, World, json_equal
from host import ComponentHost

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPONENT = os.path.join(REPO, "target", "component-build", "index_sync_engine.component.wasm")


def body_text(body: Any) -> str:
    """A body as host-native's runner sends it (serde_json: compact, keys in UTF-8 order),
    so that a refusal naming a column names the same one on every host."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def subset(path: str, want: Any, got: Any, diffs: list[str]) -> None:
    """Every key of `want` in `got` with a matching value; arrays of the same length, element
    by element; numbers compared as numbers."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key, w in want.items():
            if key in got:
                subset(f"{path}.{key}", w, got[key], diffs)
            else:
                diffs.append(f"{path}.{key}: missing, expected {json.dumps(w)}")
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            diffs.append(f"{path}: {json.dumps(got)}, expected {len(want)} items like {json.dumps(want)}")
            return
        for i, (w, g) in enumerate(zip(want, got)):
            subset(f"{path}[{i}]", w, g, diffs)
    elif not json_equal(want, got):
        diffs.append(f"{path}: {json.dumps(got)}, expected {json.dumps(want)}")


def check_step(at: str, expect: dict, status: int, body: Any, calls: dict[str, int], failures: list[str]) -> None:
    if "status" in expect and expect["status"] != status:
        failures.append(f"{at}: status {status} (body {json.dumps(body)}), expected {expect['status']}")
    if "body" in expect:
        diffs: list[str] = []
        subset("body", expect["body"], body, diffs)
        failures.extend(f"{at}: {d}" for d in diffs)
    for name, want in (expect.get("calls") or {}).items():
        if calls.get(name, 0) != want:
            failures.append(f"{at}: {calls.get(name, 0)} {name} calls, expected {want}")
    if "filePaths" in expect:
        results = body.get("results") if isinstance(body, dict) else None
        got = [r["filePath"] for r in results or [] if isinstance(r, dict) and isinstance(r.get("filePath"), str)]
        if got != expect["filePaths"]:
            failures.append(f"{at}: file paths {got}, expected {expect['filePaths']}")


def run(scenario: dict, host: ComponentHost) -> tuple[list[str], list[dict]]:
    """Runs a scenario in a fresh world; returns the failures and each request's record."""
    world = World()
    config = body_text(scenario["config"]) if scenario.get("config") is not None else "{}"
    failures: list[str] = []
    records: list[dict] = []
    for n, step in enumerate(scenario["steps"]):
        if "request" in step:
            before = dict(world.calls)
            body = step["rawBody"].encode() if "rawBody" in step else body_text(step.get("body")).encode()
            status, text = host.serve(world, config, step["request"], step["user"], body)
            try:
                answer = json.loads(text)
            except ValueError:
                answer = text
            calls = {k: v - before.get(k, 0) for k, v in world.calls.items() if v - before.get(k, 0) > 0}
            records.append({"status": status, "body": answer, "calls": calls})
            check_step(f"step {n} ({step['request']} as {step['user']})", step.get("expect") or {}, status, answer, calls, failures)
        elif "advanceSeconds" in step:
            world.advance(step["advanceSeconds"])
        elif "failNext" in step:
            f = step["failNext"]
            world.fail_next(f["call"], f["times"], f.get("skip", 0), f.get("mode", "error"))
        elif "kvPut" in step:
            put = step["kvPut"]
            try:
                world.kv.put(put["key"], put["value"], put.get("ttlSeconds"), None, world.now)
            except HostError as e:
                failures.append(f"step {n}: kvPut refused: {e.message}")
        else:
            failures.append(f"step {n}: a step needs request, advanceSeconds, failNext or kvPut")
    final = scenario.get("final") or {}
    for what, exists in (("kv", lambda k: world.kv.read(k, world.now) is not None),
                         ("vectors", lambda i: i in world.vectorize.vectors)):
        names = final.get(what) or {}
        failures.extend(f"final: {what} lacks {json.dumps(k)}" for k in names.get("has", []) if not exists(k))
        failures.extend(f"final: {what} has {json.dumps(k)}" for k in names.get("lacks", []) if exists(k))
    return failures, records


def disagreements(engine: list[dict], mine: list[dict]) -> list[str]:
    """Where this run's records differ from the engine's: step count, status, body, and the
    counts of every name this world counts."""
    out = [f"{len(engine)} vs {len(mine)} request steps"] if len(engine) != len(mine) else []
    for n, (e, m) in enumerate(zip(engine, mine)):
        same_calls = all(e["calls"].get(k, 0) == m["calls"].get(k, 0) for k in COUNTED_NAMES)
        if e["status"] != m["status"] or not json_equal(e["body"], m["body"]) or not same_calls:
            out.append(f"request {n}: engine {json.dumps(e)} vs {json.dumps(m)}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="+")
    parser.add_argument("--component", default=COMPONENT)
    parser.add_argument("--compare", metavar="RECORDS")
    args = parser.parse_args()
    host = ComponentHost(args.component)
    records = None
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            records = json.load(f)["scenarios"]
    passed = failed = 0
    for path in args.scenarios:
        try:
            with open(path, encoding="utf-8") as f:
                scenario = json.load(f)
            name = scenario.get("name", path)
            failures, mine = run(scenario, host)
            loaded = True
        except (OSError, ValueError, KeyError, TypeError) as e:
            name, failures, mine, loaded = path, [f"{type(e).__name__}: {e}"], [], False
        if records is not None and loaded:
            engine = records.get(os.path.basename(path))
            if engine is None:
                failures.append(f"no engine record of {os.path.basename(path)} in {args.compare}")
            else:
                failures.extend(f"engine vs Python's Wasmtime: {d}" for d in disagreements(engine["steps"], mine))
        print(("PASS " if not failures else "FAIL ") + name + "".join(f"\n    {x}" for x in failures))
        passed, failed = (passed + 1, failed) if not failures else (passed, failed + 1)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

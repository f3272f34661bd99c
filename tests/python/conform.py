"""The conformance scenarios on the engine component in Python's Wasmtime:

    python conform.py [--component FILE] [--compare RECORDS] SCENARIO...

Each scenario file runs in a fresh fake world (fakes.py) through the component (host.py),
with the checks of host-native/src/runner.rs, failure for failure; a `concurrently` step's
requests run each on a thread of its own, their host calls granted one at a time by the
schedule, as host-native/src/concurrent.rs replays them. With `--compare`, each
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
from host import ComponentHost, ComponentRequest

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
    """A request's expectations. `status` may be a list, any of which passes; the body is
    then checked only when the status is the list's first."""
    statuses = expect.get("status")
    allowed = statuses if isinstance(statuses, list) else [statuses]
    if statuses is not None and status not in allowed:
        failures.append(f"{at}: status {status} (body {json.dumps(body)}), expected {json.dumps(statuses)}")
    if "body" in expect and (statuses is None or allowed[:1] == [status]):
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


Grant = tuple[str, str, Any]  # (request, "next" | "toEnd" | "calls" | "before", N or NAME)


def grant(entry: Any) -> Grant:
    """One schedule entry: `"a"`, `"a*"`, `{"request": "a", "calls": N}` or
    `{"request": "a", "before": NAME}`."""
    if isinstance(entry, str):
        return (entry[:-1], "toEnd", None) if entry.endswith("*") else (entry, "next", None)
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, str):
        raise ValueError(f"a schedule entry needs `request`: {json.dumps(entry)}")
    calls = entry.get("calls")
    if isinstance(calls, int) and not isinstance(calls, bool) and calls >= 0:
        return (request, "calls", calls)
    if isinstance(entry.get("before"), str):
        return (request, "before", entry["before"])
    raise ValueError(f"a schedule entry needs `calls` or `before`: {json.dumps(entry)}")


def interleave(world: World, requests: list[tuple[str, ComponentRequest]], schedule: list[Grant]) -> list[dict[str, int]]:
    """Replays the requests (started in the order listed) against `world` as `schedule` grants
    their calls, then runs those still going to their end one after another, as
    host-native/src/concurrent.rs's `interleave`. Returns each request's own calls, billed
    counts included, in the order listed."""
    calls: list[dict[str, int]] = [{} for _ in requests]

    def make(i: int, request: ComponentRequest) -> None:
        before = dict(world.calls)
        request.make_call()
        for name, count in world.calls.items():
            if count > before.get(name, 0):
                calls[i][name] = calls[i].get(name, 0) + count - before.get(name, 0)

    names = [name for name, _ in requests]
    for name, how, arg in schedule:
        i = names.index(name)
        request = requests[i][1]
        if how == "next":
            if request.next_call() is not None:
                make(i, request)
        elif how == "calls":
            for _ in range(arg):
                if request.next_call() is None:
                    break
                make(i, request)
        elif how == "toEnd":
            while request.next_call() is not None:
                make(i, request)
        else:
            while request.next_call() not in (None, arg):
                make(i, request)
    for i, (_, request) in enumerate(requests):
        while request.next_call() is not None:
            make(i, request)
    return calls


def overlap(step: dict, host: ComponentHost, world: World, config: str) -> list[tuple[str, dict, dict]]:
    """A `concurrently` step: each request's (name, step, record), in the order listed (the
    JSON object's order, which json.load keeps)."""
    listed = step.get("requests")
    if not isinstance(listed, dict) or not isinstance(step.get("schedule"), list):
        raise ValueError("concurrently needs `requests`, an object of named request steps, and `schedule`, a list")
    schedule = [grant(entry) for entry in step["schedule"]]
    for name, _, _ in schedule:
        if name not in listed:
            raise ValueError(f"the schedule names no request {json.dumps(name)}")
    asked = [(name, r["request"], r["user"], request_body(r)) for name, r in listed.items()]  # read whole before any starts
    requests = [(name, host.begin(world, config, kind, user, body)) for name, kind, user, body in asked]
    calls = interleave(world, requests, schedule)
    done = []
    for (name, request), made in zip(requests, calls):
        if request.error is not None:
            raise request.error
        if request.response is None:
            raise ValueError(f"request {json.dumps(name)} ended without a response")
        status, text = request.response
        done.append((name, listed[name], {"status": status, "body": answer_of(text), "calls": made}))
    return done


def request_body(step: dict) -> bytes:
    return step["rawBody"].encode() if "rawBody" in step else body_text(step.get("body")).encode()


def answer_of(text: str) -> Any:
    """A response body as JSON, or as the text itself when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def run(scenario: dict, host: ComponentHost) -> tuple[list[str], list[dict]]:
    """Runs a scenario in a fresh world; returns the failures and each request's record."""
    world = World()
    config = body_text(scenario["config"]) if scenario.get("config") is not None else "{}"
    failures: list[str] = []
    records: list[dict] = []
    for n, step in enumerate(scenario["steps"]):
        if "request" in step:
            before = dict(world.calls)
            status, text = host.serve(world, config, step["request"], step["user"], request_body(step))
            answer = answer_of(text)
            calls = {k: v - before.get(k, 0) for k, v in world.calls.items() if v - before.get(k, 0) > 0}
            records.append({"status": status, "body": answer, "calls": calls})
            check_step(f"step {n} ({step['request']} as {step['user']})", step.get("expect") or {}, status, answer, calls, failures)
        elif "concurrently" in step:
            try:
                done = overlap(step["concurrently"], host, world, config)
            except ValueError as e:
                failures.append(f"step {n}: {e}")
                continue
            for name, request, record in done:
                records.append(record)
                at = f"step {n}.{name} ({request['request']} as {request['user']})"
                check_step(at, request.get("expect") or {}, record["status"], record["body"], record["calls"], failures)
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
            failures.append(f"step {n}: a step needs request, advanceSeconds, failNext, kvPut or concurrently")
    final = scenario.get("final") or {}
    for what, exists in (("kv", lambda k: world.kv.read(k, world.now) is not None),
                         ("vectors", lambda i: i in world.vectorize.vectors),
                         ("textIndex", lambda i: i in world.text_index.entries)):
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

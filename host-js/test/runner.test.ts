/**
 * The scenario runner itself: a scenario that holds passes, and each kind of unmet
 * expectation is reported, so a green conformance run means the checks ran; a
 * `concurrently` step is replayed call by call, as its schedule says.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runScenario, type Scenario } from "./workerd.js";

const USER = "alice@example.com";
const CHUNK = { hash: "h1", code: "export function parseConfig(text) {}", filePath: "src/a.ts" };

function scenario(expect: Record<string, unknown>, final: Scenario["final"] = {}): Scenario {
  return {
    name: "runner-self-check",
    steps: [
      { request: "init", user: USER, body: { projectId: "p", chunks: [CHUNK] } },
      { request: "search", user: USER, body: { projectId: "p", query: "parse config" }, expect },
    ],
    final,
  } as Scenario;
}

const HOLDS = { status: 200, body: { results: [{ filePath: "src/a.ts" }] }, calls: { "ai.run": 1, "vectorize.query": 1 }, filePaths: ["src/a.ts"] };

describe("the scenario runner", () => {
  it("passes a scenario that holds", async () => {
    expect(await runScenario(scenario(HOLDS, { vectors: { lacks: ["nope"] }, textIndex: { lacks: ["nope"] } }), env)).toEqual([]);
  });

  it("reports each unmet expectation", async () => {
    const failures = await runScenario(
      scenario(
        { status: 201, body: { results: [] }, calls: { "ai.run": 2 }, filePaths: ["lib/b.ts"] },
        { kv: { has: ["missing-key"] }, textIndex: { has: ["missing-entry"] } },
      ),
      env,
    );
    expect(failures).toEqual([
      expect.stringMatching(/status 200 .* expected 201/),
      expect.stringMatching(/body\.results: .* expected 0 items/),
      expect.stringMatching(/1 ai\.run calls, expected 2/),
      expect.stringMatching(/file paths \["src\/a\.ts"\], expected \["lib\/b\.ts"\]/),
      "final: kv lacks missing-key",
      "final: textIndex lacks missing-entry",
    ]);
  });

  it("answers every request with 500 invalid_config when the engine refuses the config", async () => {
    const refused = { ...scenario({ status: 500, body: { error: { code: "invalid_config" } }, calls: { "kv.get": 0 } }), config: { markerTtlSeconds: 1 } };
    expect(await runScenario(refused, env)).toEqual([]);
  });
});

describe("a concurrently step", () => {
  const init = (hash: string, expect: Record<string, unknown>) => ({
    request: "init",
    user: USER,
    body: { projectId: "p", chunks: [{ hash, code: `export function work_${hash}() {}`, filePath: `src/${hash}.ts` }] },
    expect,
  });
  const overlap = (requests: Record<string, unknown>, schedule: unknown[], after: unknown[] = []): Scenario =>
    ({ name: "runner-overlap", steps: [{ concurrently: { requests, schedule } }, ...after] }) as Scenario;
  const busy = { status: 409, body: { error: { code: "tenant_busy", retryAfterSeconds: 1 } }, calls: { "coordinator.acquire": 1, "kv.get": 0 } };
  const indexed = (hash: string) => ({
    status: 200,
    body: { indexed: [hash] },
    calls: { "coordinator.acquire": 2, "coordinator.release": 1, "vectorize.upsert": 1 },
  });
  const searchFinds = (paths: string[]) => ({
    request: "search",
    user: USER,
    body: { projectId: "p", query: "work_x work_y" },
    expect: { filePaths: paths },
  });

  it("grants calls as the schedule says: the request let in first holds the lease", async () => {
    const schedule = [{ request: "a", before: "vectorize.upsert" }, "b*", "a*"];
    const scenario = overlap({ a: init("x", indexed("x")), b: init("y", busy) }, schedule, [searchFinds(["src/x.ts"])]);
    expect(await runScenario(scenario, env)).toEqual([]);
  });

  it("runs the requests still going to their end, in the order listed, after the schedule", async () => {
    const scenario = overlap({ a: init("x", indexed("x")), b: init("y", indexed("y")) }, ["b*"], [searchFinds(["src/x.ts", "src/y.ts"])]);
    expect(await runScenario(scenario, env)).toEqual([]);
  });

  it("checks each request as a step of its own, named, with its own calls", async () => {
    // a's first call takes the lease, so b is refused: the expectations say the opposite.
    const failures = await runScenario(overlap({ a: init("x", busy), b: init("y", indexed("y")) }, ["a", "b*"]), env);
    expect(failures).toContainEqual(expect.stringMatching(/^step 0\.a \(init as alice@example\.com\): status 200 .*expected 409/));
    expect(failures).toContainEqual(expect.stringMatching(/^step 0\.a .*: 2 coordinator\.acquire calls, expected 1/));
    expect(failures).toContainEqual(expect.stringMatching(/^step 0\.b .*: status 409 .*expected 200/));
    expect(failures).toContainEqual(expect.stringMatching(/^step 0\.b .*: 1 coordinator\.acquire calls, expected 2/));
  });

  it("takes a list of statuses, checking the body only for the first", async () => {
    const either = { status: [409, 200], body: busy.body };
    expect(await runScenario(overlap({ a: init("x", { status: [200] }), b: init("y", either) }, ["b*"]), env)).toEqual([]);
    const wrong = await runScenario(overlap({ a: init("x", { status: [409, 201] }) }, ["a*"]), env);
    expect(wrong).toEqual([expect.stringMatching(/^step 0\.a .*: status 200 .*expected \[409,201\]/)]);
  });

  it("refuses a schedule naming no request, and requests named by whole numbers, before anything runs", async () => {
    expect(await runScenario(overlap({ a: init("x", {}) }, ["z*"]), env)).toEqual(['step 0: the schedule names no request "z"']);
    expect(await runScenario(overlap({ 1: init("x", {}), a: init("y", {}) }, ["a"]), env)).toEqual([
      expect.stringMatching(/^step 0: concurrently: name the requests otherwise than by whole numbers/),
    ]);
  });
});

describe("a hybrid scenario", () => {
  const hybrid = (steps: unknown[], final: Scenario["final"] = {}): Scenario =>
    ({ name: "runner-hybrid", config: { hybrid: true }, steps, final }) as Scenario;
  const init = { request: "init", user: USER, body: { projectId: "p", chunks: [CHUNK] }, expect: { status: 200, calls: { "textIndex.put": 1 } } };
  const search = (expect: Record<string, unknown>) => ({ request: "search", user: USER, body: { projectId: "p", query: "parse config" }, expect });

  it("counts the text index's calls, and failNext reaches them", async () => {
    const steps = [
      init,
      search({ status: 200, calls: { "vectorize.query": 1, "textIndex.query": 1 }, filePaths: ["src/a.ts"] }),
      { failNext: { call: "textIndex.query", times: 1 } },
      search({ status: 503, body: { error: { code: "text_index_unavailable" } }, calls: { "textIndex.query": 1 } }),
      { request: "remove", user: USER, body: { projectId: "p", all: true }, expect: { status: 200, calls: { "textIndex.delete": 1 } } },
    ];
    expect(await runScenario(hybrid(steps), env)).toEqual([]);
  });

  it("checks final.textIndex", async () => {
    const failures = await runScenario(hybrid([init], { textIndex: { has: ["not-an-id"], lacks: ["nor-this"] } }), env);
    expect(failures).toEqual(["final: textIndex lacks not-an-id"]);
  });

  it("holds a request's text-index calls until the schedule grants them", async () => {
    const overlapping = {
      name: "runner-hybrid-overlap",
      config: { hybrid: true },
      steps: [
        {
          concurrently: {
            requests: { a: init, b: { ...init, expect: { status: 409 } } },
            schedule: [{ request: "a", before: "textIndex.put" }, "b*", "a*"],
          },
        },
      ],
    } as Scenario;
    expect(await runScenario(overlapping, env)).toEqual([]);
  });
});

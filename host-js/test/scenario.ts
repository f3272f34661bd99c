/**
 * Conformance scenarios as tests/README.md defines them, run over the fake world; the
 * verdicts are the native runner's (host-native/src/runner.rs), failure for failure.
 */
import { ConfigError, createIndexer, type IndexResponse, type Indexer, type JsonValue } from "index-sync";
import { type FaultMode, World } from "./fakes/world.js";
import { subset } from "./subset.js";

interface Expect {
  status?: number;
  body?: JsonValue;
  calls?: Record<string, number>;
  filePaths?: string[];
}

interface RequestStep {
  request: "init" | "sync" | "search" | "remove";
  user: string;
  body?: JsonValue;
  /** The native host's addition: a body sent verbatim (for malformed JSON). */
  rawBody?: string;
  expect?: Expect;
}

type ScenarioStep =
  | RequestStep
  | { advanceSeconds: number }
  /** The native host's addition: a KV entry written directly, not counted as a call. */
  | { kvPut: { key: string; value: string; ttlSeconds?: number } }
  /** `skip` (the native host's addition): calls of that name to let through first. */
  | { failNext: { call: string; times: number; skip?: number; mode?: FaultMode } };

interface HasLacks {
  has?: string[];
  lacks?: string[];
}

/** One scenario file. */
export interface Scenario {
  name: string;
  about?: string;
  config?: JsonValue;
  steps: ScenarioStep[];
  final?: { kv?: HasLacks; vectors?: HasLacks };
}

/** Runs `scenario` in a fresh world over `namespace`; resolves to every unmet expectation. */
export async function runScenario(scenario: Scenario, namespace: KVNamespace): Promise<string[]> {
  const world = await World.fresh(namespace);
  const serve = serverFor(scenario, world);
  const failures: string[] = [];
  for (const [n, step] of scenario.steps.entries()) {
    if ("advanceSeconds" in step) {
      world.advance(step.advanceSeconds);
    } else if ("failNext" in step) {
      const { call, times, mode, skip } = step.failNext;
      world.ledger.failNext(call, times, mode, skip);
    } else if ("kvPut" in step) {
      const { key, value, ttlSeconds } = step.kvPut;
      const options = ttlSeconds === undefined ? {} : { expirationTtl: ttlSeconds };
      await world.kv.write(key, value, options).catch((e: unknown) => failures.push(`step ${n}: kvPut refused: ${String(e)}`));
    } else if (!("request" in step)) {
      failures.push(`step ${n}: a step needs request, advanceSeconds, failNext or kvPut`);
    } else {
      const before = world.ledger.snapshot();
      const body = step.rawBody ?? JSON.stringify(step.body ?? null);
      const response = await serve(step.request, body, step.user);
      const after = world.ledger.snapshot();
      const calls = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      failures.push(...checkStep(`step ${n} (${step.request} as ${step.user})`, step.expect ?? {}, response, calls));
    }
  }
  for (const key of scenario.final?.kv?.has ?? []) if (!(await world.kv.has(key))) failures.push(`final: kv lacks ${key}`);
  for (const key of scenario.final?.kv?.lacks ?? []) if (await world.kv.has(key)) failures.push(`final: kv has ${key}`);
  for (const id of scenario.final?.vectors?.has ?? []) if (!world.vectorize.has(id)) failures.push(`final: vectors lack ${id}`);
  for (const id of scenario.final?.vectors?.lacks ?? []) if (world.vectorize.has(id)) failures.push(`final: vectors have ${id}`);
  return failures;
}

type Serve = (kind: RequestStep["request"], body: string, user: string) => Promise<IndexResponse>;

/** The indexer for the scenario's config; a refused config answers every request with
 * 500 `invalid_config`, as every host does. */
function serverFor(scenario: Scenario, world: World): Serve {
  let indexer: Indexer;
  try {
    indexer = createIndexer({
      ...world.bindings(),
      config: scenario.config == null ? "{}" : JSON.stringify(scenario.config),
      clock: () => world.ledger.now,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const body = { error: { code: error.code, message: error.message } };
    const refusal: IndexResponse = { status: 500, body, json: JSON.stringify(body) };
    return async () => refusal;
  }
  return (kind, body, user) => indexer[kind](body, user);
}

function checkStep(at: string, expect: Expect, response: IndexResponse, calls: (name: string) => number): string[] {
  const failures: string[] = [];
  if (expect.status !== undefined && expect.status !== response.status) {
    failures.push(`${at}: status ${response.status} (body ${JSON.stringify(response.body)}), expected ${expect.status}`);
  }
  if (expect.body !== undefined) {
    failures.push(...subset("body", expect.body, response.body).map((d) => `${at}: ${d}`));
  }
  for (const [name, want] of Object.entries(expect.calls ?? {})) {
    if (calls(name) !== want) failures.push(`${at}: ${calls(name)} ${name} calls, expected ${want}`);
  }
  if (expect.filePaths !== undefined) {
    const got = filePaths(response.body);
    if (JSON.stringify(got) !== JSON.stringify(expect.filePaths)) {
      failures.push(`${at}: file paths ${JSON.stringify(got)}, expected ${JSON.stringify(expect.filePaths)}`);
    }
  }
  return failures;
}

/** The `filePath` of each search result, best first. */
export function filePaths(body: JsonValue): string[] {
  const results = typeof body === "object" && body !== null && !Array.isArray(body) ? body.results : undefined;
  if (!Array.isArray(results)) return [];
  return results.flatMap((r) =>
    typeof r === "object" && r !== null && !Array.isArray(r) && typeof r.filePath === "string" ? [r.filePath] : [],
  );
}

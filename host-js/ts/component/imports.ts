/**
 * The component's WIT imports (`index-sync:engine/kv`, `ai`, `vectorize`, `coordinator`,
 * `text-index` (text-index.ts), wit/engine.wit) bound to Cloudflare-shaped bindings, as jco calls them: JSON text turned
 * into values at the boundary, `u64`s (bigints) into numbers and back, and a failed call
 * thrown as the WIT `host-error` payload (`{code, message}`), which jco lowers into the
 * import's `err`. Text from the engine that does not parse, or a coordinator's answer of
 * the wrong shape, is a failed call (code `protocol`), never a trap, as in the Wasmtime
 * host (host-native/src/component/bindings.rs).
 *
 * One binding for both ways jco runs the component: under JSPI (workerd) an import may
 * return a promise and the engine waits for it; in jco's synchronous mode (Node) a binding
 * must answer at once, and each import hands its answer straight back. So nothing here
 * awaits unless the binding returned a promise.
 */
import { hostError } from "../effects.js";
import type { HostError } from "../wire.js";
import type { Charged, KvListOptions, Lease, ProjectUsage } from "../bindings.js";
import { type TextIndexCapability, textIndexImports } from "./text-index.js";

/** A value, or (from an asynchronous binding) a promise of it. */
export type Awaitable<T> = T | PromiseLike<T>;

/** A KV list page as the component reads it: Workers KV's `list` result, or alike. */
export interface KvListPage {
  keys: { name: string; metadata?: unknown }[];
  list_complete: boolean;
  cursor?: string;
}

/** What the imports need of each binding. Workers' `KVNamespace`, `Ai` and `Vectorize` fit,
 * and so does any object whose methods answer at once (Node's synchronous host). The text
 * index only with the config's `hybrid`. */
export interface Capabilities {
  kv: {
    get(keys: string[], type: "text"): Awaitable<Map<string, string | null>>;
    put(key: string, value: string, options?: KVNamespacePutOptions): Awaitable<unknown>;
    delete(key: string): Awaitable<unknown>;
    list(options: KvListOptions): Awaitable<KvListPage>;
  };
  ai: { run(model: string, input: Record<string, unknown>): Awaitable<unknown> };
  vectorize: {
    upsert(vectors: VectorizeVector[]): Awaitable<unknown>;
    query(vector: Float32Array, options: VectorizeQueryOptions): Awaitable<{ matches: VectorizeMatch[] }>;
    deleteByIds(ids: string[]): Awaitable<unknown>;
  };
  coordinator: {
    acquire(user: string, project: string, seconds: number, token?: number): Awaitable<Lease>;
    release(user: string, project: string, token: number): Awaitable<unknown>;
    readState(user: string, project: string): Awaitable<string | null>;
    writeState(user: string, project: string, token: number, state: string | null): Awaitable<boolean>;
    charge(
      user: string,
      project: string,
      day: number,
      ai: number,
      aiLimit: number | null,
      vectors: number,
      vectorsLimit: number | null,
    ): Awaitable<Charged>;
    credit(user: string, project: string, day: number, ai: number, vectors: number): Awaitable<unknown>;
    usage(user: string, day: number): Awaitable<ProjectUsage[]>;
  };
  textIndex?: TextIndexCapability;
}

/** `coordinator.lease` as jco passes a variant: `u64` as `bigint`. */
export type WitLease = { tag: "granted"; val: bigint } | { tag: "busy"; val: bigint };

/** `index-sync:engine/coordinator` as jco calls it. */
export interface CoordinatorImports {
  acquire(user: string, project: string, seconds: bigint, token: bigint | undefined): Awaitable<WitLease>;
  release(user: string, project: string, token: bigint): Awaitable<void>;
  readState(user: string, project: string): Awaitable<string | undefined>;
  writeState(user: string, project: string, token: bigint, state: string | undefined): Awaitable<boolean>;
  charge(
    user: string,
    project: string,
    day: number,
    ai: number,
    aiLimit: number | undefined,
    vectors: number,
    vectorsLimit: number | undefined,
  ): Awaitable<Charged>;
  credit(user: string, project: string, day: number, ai: number, vectors: number): Awaitable<void>;
  usage(user: string, day: number): Awaitable<ProjectUsage[]>;
}

/** `index-sync:engine/kv` as jco passes it: `option` as `undefined`, `u64` as `bigint`. */
export interface KvImports {
  get(keys: string[]): Awaitable<(string | undefined)[]>;
  put(key: string, value: string, ttlSeconds: bigint | undefined, metadata: string | undefined): Awaitable<void>;
  delete(key: string): Awaitable<void>;
  list(prefix: string, cursor: string | undefined, limit: number): Awaitable<KeyPage>;
}

/** `kv.key-page`. */
export interface KeyPage {
  keys: { name: string; metadata?: string }[];
  cursor?: string;
}

/** `vectorize.vector`: `list<f32>` arrives as a `Float32Array`. */
export interface WitVector {
  id: string;
  values: Float32Array;
  metadata: string;
}

/** `vectorize.vector-match`. */
export interface WitMatch {
  id: string;
  score: number;
  metadata?: string;
}

/** The import object jco's `instantiate` takes. */
export interface ImportObject {
  [name: string]: object;
}

/** The imports, keyed both as the component names them (`index-sync:engine/kv@0.5.0`, as
 * jco's `.d.ts` has it) and without the version (as jco 1.35's instantiation-mode code
 * looks them up). */
export function componentImports(bindings: Capabilities): ImportObject {
  const kv = kvImports(bindings.kv);
  const ai = {
    run: (model: string, input: string) => {
      const parsed = parse("ai.run input", input) as Record<string, unknown>;
      return settle(() => bindings.ai.run(model, parsed), (output) => JSON.stringify(output ?? null));
    },
  };
  const vectorize = vectorizeImports(bindings.vectorize);
  const coordinator = coordinatorImports(bindings.coordinator);
  const textIndex = textIndexImports(bindings.textIndex, settle, parse);
  const interfaces: Record<string, object> = { types: {}, kv, ai, vectorize, coordinator, "text-index": textIndex };
  const imports: ImportObject = {};
  for (const [name, value] of Object.entries(interfaces)) {
    imports[`index-sync:engine/${name}`] = value;
    imports[`index-sync:engine/${name}@${WIT_VERSION}`] = value;
  }
  return imports;
}

/** The version of the WIT package (wit/engine.wit) the component imports. */
export const WIT_VERSION = "0.5.0";

function kvImports(kv: Capabilities["kv"]): KvImports {
  return {
    get: (keys) =>
      settle(
        () => kv.get(keys, "text"),
        (found) => keys.map((key) => found.get(key) ?? undefined),
      ),
    put: (key, value, ttlSeconds, metadata) => {
      const options: KVNamespacePutOptions = {};
      if (ttlSeconds !== undefined) options.expirationTtl = Number(ttlSeconds);
      if (metadata !== undefined) options.metadata = parse("kv.put metadata", metadata);
      const plain = ttlSeconds === undefined && metadata === undefined;
      return settle(() => (plain ? kv.put(key, value) : kv.put(key, value, options)), () => undefined);
    },
    delete: (key) => settle(() => kv.delete(key), () => undefined),
    list: (prefix, cursor, limit) =>
      settle(
        () => kv.list(cursor === undefined ? { prefix, limit } : { prefix, cursor, limit }),
        (page): KeyPage => {
          const keys = page.keys.map(({ name, metadata }) =>
            metadata === undefined || metadata === null ? { name } : { name, metadata: JSON.stringify(metadata) },
          );
          return page.list_complete || page.cursor === undefined ? { keys } : { keys, cursor: page.cursor };
        },
      ),
  };
}

function vectorizeImports(vectorize: Capabilities["vectorize"]) {
  return {
    upsert: (vectors: WitVector[]) => {
      const parsed = vectors.map(({ id, values, metadata }) => ({
        id,
        values,
        metadata: parse("vector metadata", metadata) as Record<string, VectorizeVectorMetadata>,
      }));
      return settle(() => vectorize.upsert(parsed), () => undefined);
    },
    query: (vector: Float32Array, topK: number, filter: string) => {
      const options: VectorizeQueryOptions = {
        topK,
        filter: parse("vectorize.query filter", filter) as VectorizeVectorMetadataFilter,
        returnMetadata: "all",
      };
      return settle(
        () => vectorize.query(vector, options),
        ({ matches }): WitMatch[] =>
          matches.map(({ id, score, metadata }) =>
            metadata === undefined || metadata === null ? { id, score } : { id, score, metadata: JSON.stringify(metadata) },
          ),
      );
    },
    deleteByIds: (ids: string[]) => settle(() => vectorize.deleteByIds(ids), () => undefined),
  };
}

function coordinatorImports(coordinator: Capabilities["coordinator"]): CoordinatorImports {
  return {
    acquire: (user, project, seconds, token) => {
      const whole = wholeNumber("coordinator.acquire seconds", seconds);
      if (token === undefined) return settle(() => coordinator.acquire(user, project, whole), witLease);
      const held = wholeNumber("coordinator.acquire token", token);
      return settle(() => coordinator.acquire(user, project, whole, held), witLease);
    },
    release: (user, project, token) => {
      const held = wholeNumber("coordinator.release token", token);
      return settle(() => coordinator.release(user, project, held), () => undefined);
    },
    readState: (user, project) =>
      settle(
        () => coordinator.readState(user, project),
        (state) => {
          if (state === null || state === undefined) return undefined;
          if (typeof state !== "string") throw protocol(`coordinator.readState answered ${typeof state}, not text or null`);
          return state;
        },
      ),
    writeState: (user, project, token, state) => {
      const held = wholeNumber("coordinator.writeState token", token);
      return settle(
        () => coordinator.writeState(user, project, held, state ?? null),
        (written) => {
          if (typeof written !== "boolean") throw protocol(`coordinator.writeState answered ${typeof written}, not a boolean`);
          return written;
        },
      );
    },
    charge: (user, project, day, ai, aiLimit, vectors, vectorsLimit) =>
      settle(() => coordinator.charge(user, project, day, ai, aiLimit ?? null, vectors, vectorsLimit ?? null), witCharged),
    credit: (user, project, day, ai, vectors) => settle(() => coordinator.credit(user, project, day, ai, vectors), () => undefined),
    usage: (user, day) => settle(() => coordinator.usage(user, day), witUsage),
  };
}

/** The largest `u32`: the quotas' counts. */
const U32_MAX = 2 ** 32 - 1;

function isCount(value: unknown): value is number {
  return isWhole(value) && value <= U32_MAX;
}

/** A coordinator's charge as the WIT record; any other answer is a failed call (`protocol`). */
function witCharged(charged: Charged): Charged {
  const answer = charged as Partial<Record<keyof Charged, unknown>> | null;
  const { ai, vectors, aiUsed, vectorsHeld } = answer ?? {};
  if (isCount(ai) && isCount(vectors) && isCount(aiUsed) && isCount(vectorsHeld)) return { ai, vectors, aiUsed, vectorsHeld };
  throw protocol(`coordinator.charge answered ${JSON.stringify(charged)}, not {ai, vectors, aiUsed, vectorsHeld}`);
}

/** A coordinator's counters as the WIT list; any other answer is a failed call. */
function witUsage(projects: ProjectUsage[]): ProjectUsage[] {
  if (!Array.isArray(projects)) throw protocol(`coordinator.usage answered ${typeof projects}, not a list`);
  return projects.map((entry: unknown) => {
    const { project, aiToday, vectors } = (entry ?? {}) as Partial<Record<keyof ProjectUsage, unknown>>;
    if (typeof project === "string" && isCount(aiToday) && isCount(vectors)) return { project, aiToday, vectors };
    throw protocol(`coordinator.usage answered ${JSON.stringify(entry)}, not {project, aiToday, vectors}`);
  });
}

/** A `u64` from the engine as a number; past what a number holds exactly, a failed call. */
function wholeNumber(what: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw protocol(`${what} ${value} is past ${Number.MAX_SAFE_INTEGER}`);
  return Number(value);
}

/** A coordinator's `{granted}` or `{busy}` as the WIT variant; any other answer is a
 * failed call (`protocol`), as the wasm-bindgen entry's engine judges it. */
function witLease(lease: Lease): WitLease {
  const answer = lease as { granted?: unknown; busy?: unknown } | null;
  const granted = answer?.granted;
  const busy = answer?.busy;
  if (isWhole(granted)) return { tag: "granted", val: BigInt(granted) };
  if (isWhole(busy)) return { tag: "busy", val: BigInt(busy) };
  throw protocol(`coordinator.acquire answered ${JSON.stringify(lease)}, neither {granted: token} nor {busy: until}`);
}

function isWhole(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function protocol(message: string): HostError {
  return { code: "protocol", message };
}

/** Runs a binding call and shapes its answer, at once when it answered at once; anything
 * it throws or rejects with becomes the `host-error` jco lowers into `err`. */
function settle<T, U>(call: () => Awaitable<T>, shape: (value: T) => U): Awaitable<U> {
  let answer: Awaitable<T>;
  try {
    answer = call();
  } catch (thrown) {
    throw hostError(thrown);
  }
  const shaped = (value: T): U => {
    try {
      return shape(value);
    } catch (thrown) {
      // A shape's own refusal is already the host error to report (`protocol`).
      throw isHostError(thrown) ? thrown : hostError(thrown);
    }
  };
  if (isPromiseLike(answer)) {
    return Promise.resolve(answer).then(shaped, (thrown: unknown) => {
      throw hostError(thrown);
    });
  }
  return shaped(answer);
}

function isHostError(thrown: unknown): thrown is HostError {
  if (typeof thrown !== "object" || thrown === null || thrown instanceof Error) return false;
  const { code, message } = thrown as { code?: unknown; message?: unknown };
  return typeof code === "string" && typeof message === "string";
}

/** Whether a binding answered with a promise. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** JSON text from the engine; text that does not parse fails the call (`protocol`). */
function parse(what: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw protocol(`${what} is not JSON: ${String(error)}`);
  }
}

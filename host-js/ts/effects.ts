/**
 * Runs one engine effect on the bindings. Never rejects: a thrown error or a rejected
 * promise becomes that effect's `{"error": {code, message}}`, and the engine decides what a
 * failed call means (a chunk stays "needed"; nothing is assumed written). The
 * coordinator's answers go back as the engine reads them (`{"granted": token}` or
 * `{"busy": until}`, the state or `null`, whether it was written, the charge's `{ai,
 * vectors, aiUsed, vectorsHeld}`, the usage's `[{project, aiToday, vectors}]`), and so do
 * the text index's (a query's matches as `{matches}`, as Vectorize's); an answer of another
 * shape is the engine's to refuse (a `protocol` failure).
 */
import type { Bindings, TextIndexBinding } from "./bindings.js";
import type { BatchArrays, Effect, HostError, ListedKey, ListedPage, Outcome } from "./wire.js";

/** Performs `effect`; resolves to its outcome. KV values read and embedding rows go into
 * `arrays`, and the outcome names their spans. */
export async function perform(effect: Effect, bindings: Bindings, arrays: BatchArrays): Promise<Outcome> {
  try {
    switch (effect.kind) {
      case "kvGet":
        return arrays.kvValues(await kvGet(effect.keys, bindings));
      case "aiRun":
        return arrays.aiOutput(await bindings.ai.run(effect.model, effect.input));
      default:
        return { ok: await call(effect, bindings) };
    }
  } catch (thrown) {
    return { error: hostError(thrown) };
  }
}

/** One bulk read; the engine never asks for more keys than KV takes at once. */
async function kvGet(keys: string[], { kv }: Bindings): Promise<(string | null)[]> {
  const found = await kv.get(keys, "text");
  return keys.map((key) => found.get(key) ?? null);
}

/** The calls whose outcome is a plain value. */
async function call(
  effect: Exclude<Effect, { kind: "kvGet" | "aiRun" }>,
  { kv, vectorize, coordinator, textIndex }: Bindings,
): Promise<unknown> {
  switch (effect.kind) {
    case "kvPut":
      await kvPut(effect, kv);
      return null;
    case "kvDelete":
      await kv.delete(effect.key);
      return null;
    case "kvList":
      return kvList(effect, kv);
    case "vectorizeUpsert":
      await vectorize.upsert(effect.vectors);
      return null;
    case "vectorizeQuery": {
      const { matches } = await vectorize.query(effect.vector, {
        topK: effect.topK,
        filter: effect.filter,
        returnMetadata: "all",
      });
      return { matches: matches.map(({ id, score, metadata }) => ({ id, score, metadata: metadata ?? null })) };
    }
    case "vectorizeDeleteByIds":
      await vectorize.deleteByIds(effect.ids);
      return null;
    case "textIndexPut":
      await present(textIndex).put(effect.entries);
      return null;
    case "textIndexQuery": {
      const { user, project, terms, topK } = effect;
      const matches = await present(textIndex).query(user, project, terms, topK);
      return { matches: matches.map(({ id, score, metadata }) => ({ id, score, metadata: metadata ?? null })) };
    }
    case "textIndexDelete":
      await present(textIndex).delete(effect.ids);
      return null;
    case "coordinatorAcquire": {
      const { user, project, seconds, token } = effect;
      return token === undefined ? coordinator.acquire(user, project, seconds) : coordinator.acquire(user, project, seconds, token);
    }
    case "coordinatorRelease":
      await coordinator.release(effect.user, effect.project, effect.token);
      return null;
    case "coordinatorReadState":
      return (await coordinator.readState(effect.user, effect.project)) ?? null;
    case "coordinatorWriteState":
      return coordinator.writeState(effect.user, effect.project, effect.token, effect.state ?? null);
    case "coordinatorCharge": {
      const { user, project, day, ai, aiLimit, vectors, vectorsLimit } = effect;
      return coordinator.charge(user, project, day, ai, aiLimit ?? null, vectors, vectorsLimit ?? null);
    }
    case "coordinatorCredit":
      await coordinator.credit(effect.user, effect.project, effect.day, effect.ai, effect.vectors);
      return null;
    case "coordinatorUsage":
      return coordinator.usage(effect.user, effect.day);
  }
}

/** The text index, which `createIndexer` requires when the config asks for it (`hybrid`);
 * the engine asks for it only then. */
function present(textIndex: TextIndexBinding | undefined): TextIndexBinding {
  if (textIndex === undefined) throw new Error("index-sync: no textIndex binding (the config's hybrid needs one)");
  return textIndex;
}

/** A write with options only when the engine gives some (a TTL, the key's metadata). */
async function kvPut(effect: Extract<Effect, { kind: "kvPut" }>, kv: Bindings["kv"]): Promise<void> {
  const { key, value, ttlSeconds, metadata } = effect;
  if (ttlSeconds === undefined && metadata === undefined) return kv.put(key, value);
  const options: KVNamespacePutOptions = {};
  if (ttlSeconds !== undefined) options.expirationTtl = ttlSeconds;
  if (metadata !== undefined) options.metadata = metadata;
  return kv.put(key, value, options);
}

/** One page, as the engine reads it: a key's metadata only when it has some, and a cursor
 * only when KV says the listing goes on. */
async function kvList(effect: Extract<Effect, { kind: "kvList" }>, kv: Bindings["kv"]): Promise<ListedPage> {
  const { prefix, cursor, limit } = effect;
  const page = await kv.list(cursor === undefined ? { prefix, limit } : { prefix, cursor, limit });
  const keys = page.keys.map(({ name, metadata }): ListedKey =>
    metadata === undefined || metadata === null ? { name } : { name, metadata: metadata as ListedKey["metadata"] },
  );
  return page.list_complete ? { keys } : { keys, cursor: page.cursor };
}

/** Rate-limit words as KV (429), Workers AI and Vectorize report them. */
const THROTTLE_PATTERN = /\b429\b|too many requests|rate.?limit|capacity/i;
const TIMEOUT_PATTERN = /time(d)?[ -]?out/i;

/** A code a thrown error may carry as its own (a fake's refusal: `text_index_limit`). */
const OWN_CODE_PATTERN = /^[a-z]+(_[a-z]+)+$/;

/** A thrown value as a host error: `timeout`, `throttled` or `error`, with its message; an
 * error with a `code` of its own in snake case (index-sync/testing's refusals) keeps it. */
export function hostError(thrown: unknown): HostError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const name = thrown instanceof Error ? thrown.name : "";
  const code = thrown instanceof Error ? (thrown as Error & { code?: unknown }).code : undefined;
  if (typeof code === "string" && OWN_CODE_PATTERN.test(code)) return { code, message };
  if (name === "TimeoutError" || TIMEOUT_PATTERN.test(message)) return { code: "timeout", message };
  if (THROTTLE_PATTERN.test(message)) return { code: "throttled", message };
  return { code: "error", message };
}

/**
 * Runs one engine effect on the bindings. Never rejects: a thrown error or a rejected
 * promise becomes that effect's `{"error": {code, message}}`, and the engine decides what a
 * failed call means (a chunk stays "needed"; nothing is assumed written).
 */
import type { Bindings } from "./bindings.js";
import type { Effect, HostError, Outcome } from "./wire.js";

/** Performs `effect`; resolves to its outcome. */
export async function perform(effect: Effect, bindings: Bindings): Promise<Outcome> {
  try {
    return { ok: await call(effect, bindings) };
  } catch (thrown) {
    return { error: hostError(thrown) };
  }
}

async function call(effect: Effect, { kv, ai, vectorize }: Bindings): Promise<unknown> {
  switch (effect.kind) {
    case "kvGet": {
      // One bulk read; the engine never asks for more keys than KV takes at once.
      const found = await kv.get(effect.keys, "text");
      return effect.keys.map((key) => found.get(key) ?? null);
    }
    case "kvPut":
      if (effect.ttlSeconds === undefined) {
        await kv.put(effect.key, effect.value);
      } else {
        await kv.put(effect.key, effect.value, { expirationTtl: effect.ttlSeconds });
      }
      return null;
    case "aiRun":
      return await ai.run(effect.model, effect.input);
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
  }
}

/** Rate-limit words as KV (429), Workers AI and Vectorize report them. */
const THROTTLE_PATTERN = /\b429\b|too many requests|rate.?limit|capacity/i;
const TIMEOUT_PATTERN = /time(d)?[ -]?out/i;

/** A thrown value as a host error: `timeout`, `throttled` or `error`, with its message. */
export function hostError(thrown: unknown): HostError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const name = thrown instanceof Error ? thrown.name : "";
  if (name === "TimeoutError" || TIMEOUT_PATTERN.test(message)) return { code: "timeout", message };
  if (THROTTLE_PATTERN.test(message)) return { code: "throttled", message };
  return { code: "error", message };
}

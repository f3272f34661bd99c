/**
 * The component's `index-sync:engine/text-index` import (wit/engine.wit) bound to a text
 * index binding, as jco calls it: entries' and matches' metadata as JSON text at the
 * boundary, objects on the binding's side (as Vectorize's are). The engine calls it only with
 * the config's `hybrid`, which makes `createIndexer` require the binding; without one, each
 * call fails (no trap). A query answered in another shape than a list of `{id, score,
 * metadata}` is a failed call (`protocol`).
 */
import type { TextEntry, TextMatch } from "../bindings.js";
import type { HostError, JsonObject } from "../wire.js";

/** A value, or (from an asynchronous binding) a promise of it. */
type Awaitable<T> = T | PromiseLike<T>;

/** What the import needs of the text index: `TextIndexBinding`'s methods, answering at once
 * or with a promise. */
export interface TextIndexCapability {
  put(entries: TextEntry[]): Awaitable<unknown>;
  query(user: string, project: string, terms: string[], topK: number): Awaitable<TextMatch[]>;
  delete(ids: string[]): Awaitable<unknown>;
}

/** `text-index.text-entry` as jco passes it. */
export interface WitTextEntry {
  id: string;
  user: string;
  project: string;
  words: string;
  metadata: string;
}

/** `text-index.text-match`. */
export interface WitTextMatch {
  id: string;
  score: number;
  metadata: string;
}

/** `index-sync:engine/text-index` as jco calls it. */
export interface TextIndexImports {
  put(entries: WitTextEntry[]): Awaitable<void>;
  query(user: string, project: string, terms: string[], topK: number): Awaitable<WitTextMatch[]>;
  delete(ids: string[]): Awaitable<void>;
}

/** How the imports run a binding call and shape its answer (imports.ts's `settle`). */
export type Settle = <T, U>(call: () => Awaitable<T>, shape: (value: T) => U) => Awaitable<U>;

/** The imports over `textIndex`, each call through `settle`; JSON text that does not parse
 * fails the call through `parse`. */
export function textIndexImports(
  textIndex: TextIndexCapability | undefined,
  settle: Settle,
  parse: (what: string, text: string) => unknown,
): TextIndexImports {
  const index = (): TextIndexCapability => {
    if (textIndex === undefined) throw new Error("index-sync: no textIndex binding (the config's hybrid needs one)");
    return textIndex;
  };
  return {
    put: (entries) => {
      const parsed = entries.map(({ id, user, project, words, metadata }) => ({
        id,
        user,
        project,
        words,
        metadata: parse("text entry metadata", metadata) as JsonObject,
      }));
      return settle(() => index().put(parsed), () => undefined);
    },
    query: (user, project, terms, topK) => settle(() => index().query(user, project, terms, topK), witMatches),
    delete: (ids) => settle(() => index().delete(ids), () => undefined),
  };
}

/** A query's matches as the WIT list; any other answer is a failed call (`protocol`). */
function witMatches(matches: TextMatch[]): WitTextMatch[] {
  if (!Array.isArray(matches)) throw protocol(`textIndex.query answered ${typeof matches}, not a list`);
  return matches.map((entry: unknown) => {
    const { id, score, metadata } = (entry ?? {}) as Partial<Record<keyof TextMatch, unknown>>;
    if (typeof id === "string" && typeof score === "number" && Number.isFinite(score)) {
      return { id, score, metadata: JSON.stringify(metadata ?? null) };
    }
    throw protocol(`textIndex.query answered ${JSON.stringify(entry)}, not {id, score, metadata}`);
  });
}

function protocol(message: string): HostError {
  return { code: "protocol", message };
}

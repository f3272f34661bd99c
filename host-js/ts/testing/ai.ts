/**
 * Workers AI, deterministic from the input alone (tests/README.md, "AI"): a summary from the
 * first non-blank line of the last message, and a feature-hashed bag of identifier tokens,
 * L2-normalised, as the embedding.
 */
import type { AiBinding } from "../bindings.js";
import { CallLedger } from "./ledger.js";

/** Embedding dimensions by model, as the real models have; 768 otherwise. */
const DIMENSIONS: Readonly<Record<string, number>> = {
  "@cf/baai/bge-small-en-v1.5": 384,
  "@cf/baai/bge-large-en-v1.5": 1024,
  "@cf/baai/bge-m3": 1024,
};
const DEFAULT_DIMENSIONS = 768;

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

/** FNV-1a, 32 bits, of a string's UTF-8 bytes. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
  }
  return hash;
}

/** Identifier tokens: maximal runs of ASCII letters, digits and `_` not starting with a
 * digit, lower-cased. */
export function tokens(text: string): string[] {
  return text
    .split(/[^A-Za-z0-9_]/)
    .filter((token) => token !== "" && !/^[0-9]/.test(token))
    .map((token) => token.toLowerCase());
}

/** The normalised feature-hashed vector of `text`. */
export function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const token of tokens(text)) {
    const slot = fnv1a32(token) % dimensions;
    vector[slot] = (vector[slot] ?? 0) + 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm > 0 ? vector.map((x) => x / norm) : vector;
}

export class FakeAi implements AiBinding {
  /** Counted on `ledger` (a ledger of its own when none is given). */
  constructor(private readonly ledger: CallLedger = new CallLedger()) {}

  run(model: string, input: Record<string, unknown>): Promise<unknown> {
    return this.ledger.call("ai.run", async () => runModel(model, input));
  }
}

/** The fake summary of some text: `Summary: ` and its first line that is not blank. */
function summary(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
  return `Summary: ${line}`;
}

/** JSON mode: the text is `{"chunks": [{id, code}]}`; one summary per chunk, in order. */
function jsonMode(text: string): unknown {
  const request = JSON.parse(text) as { chunks?: unknown };
  if (!Array.isArray(request.chunks)) throw new Error("fake AI: JSON mode without `chunks`");
  const summaries = request.chunks.map((chunk: unknown) => {
    const { id, code } = (chunk ?? {}) as { id?: unknown; code?: unknown };
    if (typeof id !== "string" || typeof code !== "string") throw new Error("fake AI: a chunk without id or code");
    return { id, summary: summary(code) };
  });
  return { response: { summaries } };
}

/** What the fake model answers to `input`; throws on input it does not take. Synchronous,
 * for the fakes of hosts that call their imports without awaiting. */
export function runModel(model: string, input: Record<string, unknown>): unknown {
  const prompt = generationText(input);
  if (prompt !== undefined) {
    if (input.response_format !== undefined) return jsonMode(prompt);
    return { response: summary(prompt) };
  }
  const { text } = input;
  const texts = typeof text === "string" ? [text] : text;
  if (!Array.isArray(texts)) throw new Error("fake AI: neither messages, prompt nor text");
  const dimensions = DIMENSIONS[model] ?? DEFAULT_DIMENSIONS;
  const data = texts.map((t: unknown) => {
    if (typeof t !== "string") throw new Error("fake AI: text holds a non-string");
    return embed(t, dimensions);
  });
  return { shape: [data.length, dimensions], data };
}

function generationText(input: Record<string, unknown>): string | undefined {
  const { messages, prompt } = input;
  if (Array.isArray(messages)) {
    const last: unknown = messages.at(-1);
    const content = typeof last === "object" && last !== null ? (last as { content?: unknown }).content : undefined;
    if (typeof content === "string") return content;
    return undefined;
  }
  return typeof prompt === "string" ? prompt : undefined;
}

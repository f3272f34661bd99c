/**
 * The seed's algorithm (../shared/seed, "Multi-Tenant Two-Phase Sync Fix") as its Worker code
 * would be, over the same bindings: per-tenant markers `chunkHash:{userId}:{projectId}:{hash}`
 * read one `kv.get` per hash, a cached marker refreshed by one `kv.put` each; per new chunk
 * the global cache `embedding:{hash}` (the client's hash) read, a summary and an embedding
 * call (one text each) on a miss, the entry written, one upsert of the vector
 * `{userId}_{projectId}_{hash}`, then a marker `put` per hash. No budget: every call is made
 * in the one invocation. It exists only to be compared against; nothing else uses it.
 */
import type { AiBinding, KvBinding, VectorizeBinding } from "../ts/bindings.js";
import type { SingleGet } from "./fakes.js";
import type { Answer, Server } from "./server.js";

const CHUNK_HASH_PREFIX = "chunkHash";
const EMBEDDING_PREFIX = "embedding";
const TTL_SECONDS = 30 * 24 * 60 * 60;
const SUMMARY_MODEL = "@cf/meta/llama-3.1-8b-instruct-fast";
const EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5";
const SUMMARY_PROMPT = "Summarize what this code does in one or two sentences.";

interface Env {
  INDEX_KV: KvBinding & SingleGet;
  AI: AiBinding;
  VECTORIZE: VectorizeBinding;
}

interface ChunkIn {
  hash: string;
  code: string;
  filePath: string;
}

interface CachedEmbedding {
  summary: string;
  embedding: number[];
}

function getChunkHashKey(hash: string, userId: string, projectId: string): string {
  return `${CHUNK_HASH_PREFIX}:${userId}:${projectId}:${hash}`;
}

async function hasChunkHash(kv: SingleGet, hash: string, userId: string, projectId: string): Promise<boolean> {
  const value = await kv.get(getChunkHashKey(hash, userId, projectId));
  return value !== null;
}

async function setChunkHash(env: Env, hash: string, userId: string, projectId: string, ttl: number): Promise<void> {
  await env.INDEX_KV.put(getChunkHashKey(hash, userId, projectId), "1", { expirationTtl: ttl });
}

async function categorizeChunkHashes(env: Env, hashes: string[], userId: string, projectId: string, ttl: number) {
  const needed: string[] = [];
  const cached: string[] = [];
  const results = await Promise.all(
    hashes.map(async (hash) => ({ hash, exists: await hasChunkHash(env.INDEX_KV, hash, userId, projectId) })),
  );
  for (const { hash, exists } of results) {
    if (exists) {
      cached.push(hash);
      setChunkHash(env, hash, userId, projectId, ttl).catch(() => {});
    } else {
      needed.push(hash);
    }
  }
  return { needed, cached };
}

async function setChunkHashes(env: Env, hashes: string[], userId: string, projectId: string, ttl: number) {
  await Promise.all(hashes.map((hash) => setChunkHash(env, hash, userId, projectId, ttl)));
}

/** src/lib/embedding-cache.ts: the global cache, keyed by the client's hash. */
async function getCachedEmbedding(kv: SingleGet, hash: string): Promise<CachedEmbedding | null> {
  const raw = await kv.get(`${EMBEDDING_PREFIX}:${hash}`);
  return raw === null ? null : (JSON.parse(raw) as CachedEmbedding);
}

async function processChunk(env: Env, chunk: ChunkIn, userId: string, projectId: string): Promise<void> {
  let entry = await getCachedEmbedding(env.INDEX_KV, chunk.hash);
  if (entry === null) {
    const summary = (await env.AI.run(SUMMARY_MODEL, {
      messages: [
        { role: "system", content: SUMMARY_PROMPT },
        { role: "user", content: chunk.code },
      ],
    })) as { response: string };
    const embedded = (await env.AI.run(EMBEDDING_MODEL, { text: [`${summary.response}\n\n${chunk.code}`] })) as {
      data: number[][];
    };
    entry = { summary: summary.response, embedding: embedded.data[0] ?? [] };
    await env.INDEX_KV.put(`${EMBEDDING_PREFIX}:${chunk.hash}`, JSON.stringify(entry));
  }
  await env.VECTORIZE.upsert([
    {
      id: `${userId}_${projectId}_${chunk.hash}`,
      values: entry.embedding,
      metadata: { userId, projectId, hash: chunk.hash, filePath: chunk.filePath, summary: entry.summary },
    },
  ]);
}

/** routes/index-init.ts */
async function handleInit(env: Env, body: { projectId: string; chunks: ChunkIn[] }, userId: string): Promise<Answer> {
  const { projectId, chunks } = body;
  const allHashes = chunks.map((c) => c.hash);
  const existingChecks = await Promise.all(
    allHashes.map(async (hash) => ({ hash, exists: await hasChunkHash(env.INDEX_KV, hash, userId, projectId) })),
  );
  const existing = new Set(existingChecks.filter((c) => c.exists).map((c) => c.hash));
  const fresh = chunks.filter((c) => !existing.has(c.hash));
  await Promise.all(fresh.map((chunk) => processChunk(env, chunk, userId, projectId)));
  await setChunkHashes(env, allHashes, userId, projectId, TTL_SECONDS);
  return { status: 200, body: { indexed: fresh.map((c) => c.hash), cached: [...existing] } };
}

/** routes/index-sync.ts */
async function handleSync(
  env: Env,
  body: { phase: number; projectId: string; chunks: ChunkIn[] },
  userId: string,
): Promise<Answer> {
  const hashes = body.chunks.map((c) => c.hash);
  if (body.phase === 1) {
    return { status: 200, body: await categorizeChunkHashes(env, hashes, userId, body.projectId, TTL_SECONDS) };
  }
  await Promise.all(body.chunks.map((chunk) => processChunk(env, chunk, userId, body.projectId)));
  await setChunkHashes(env, hashes, userId, body.projectId, TTL_SECONDS);
  return { status: 200, body: { indexed: hashes } };
}

/** The seed's Worker over the given bindings; request bodies are JSON text. */
export function baselineServer(env: Env): Server {
  return {
    init: (body, userId) => handleInit(env, JSON.parse(body) as Parameters<typeof handleInit>[1], userId),
    sync: (body, userId) => handleSync(env, JSON.parse(body) as Parameters<typeof handleSync>[1], userId),
    completeSync: false,
  };
}

/**
 * A client of one server over one world: sends requests, resends what the engine deferred,
 * and counts invocations, chunks sent, the server's own time (request time minus time
 * inside the fakes) and, per request, the fewest invocations its calls would need under a
 * budget (for the seed's algorithm, which has none).
 */
import type { Chunk } from "./data.js";
import type { World } from "./fakes.js";
import type { Server } from "./server.js";

/** Subrequests per invocation on the free and paid plans; KV operations per invocation. */
export const PLAN_LIMITS = { free: 50, paid: 1000, kv: 1000 } as const;

type Body = Record<string, unknown>;

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export class Client {
  invocations = 0;
  chunks = 0;
  serverMs = 0;
  /** Sum over requests of the fewest invocations its calls need, per plan. */
  readonly leastInvocations = { free: 0, paid: 0 };

  constructor(
    readonly server: Server,
    readonly world: World,
  ) {}

  private async request(kind: "init" | "sync", userId: string, body: Body): Promise<Record<string, unknown>> {
    const text = JSON.stringify(body);
    const before = this.world.calls();
    const ioBefore = this.world.ioMs;
    const start = performance.now();
    const answer = await this.server[kind](text, userId);
    this.serverMs += performance.now() - start - (this.world.ioMs - ioBefore);
    this.invocations++;
    const after = this.world.calls();
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    const kvOps = delta("kv.get") + delta("kv.put") + delta("kv.delete") + delta("kv.list");
    const sub = kvOps + delta("ai.run") + delta("vectorize.upsert") + delta("vectorize.query") + delta("vectorize.deleteByIds");
    const least = (budget: number) => Math.max(1, Math.ceil(sub / budget), Math.ceil(kvOps / PLAN_LIMITS.kv));
    this.leastInvocations.free += least(PLAN_LIMITS.free);
    this.leastInvocations.paid += least(PLAN_LIMITS.paid);
    const out = answer.body as Record<string, unknown>;
    if (answer.status !== 200 || (Array.isArray(out.failed) && out.failed.length > 0)) {
      throw new Error(`${kind}: ${answer.status} ${JSON.stringify(out).slice(0, 300)}`);
    }
    return out;
  }

  /** Indexes `chunks` (init, or phase 2), resending what was deferred. */
  async index(userId: string, projectId: string, chunks: Chunk[], phase2 = false): Promise<void> {
    this.chunks += chunks.length;
    let pending = chunks;
    while (pending.length > 0) {
      const body = phase2 ? { phase: 2, projectId, chunks: pending } : { projectId, chunks: pending };
      const answer = await this.request(phase2 ? "sync" : "init", userId, body);
      const deferred = new Set(list(answer.deferred));
      if (deferred.size >= pending.length) throw new Error("no progress");
      pending = pending.filter((c) => deferred.has(c.hash));
    }
  }

  /** A complete sync, as `index-sync index` makes it: the whole listing (every chunk with
   * its file) in one phase 1, sent again while the engine says there is more to remove or
   * deferred something, then phase 2 of the needed ones. Resolves to the first phase 1's
   * `unchanged` and how many were needed. */
  async completeSync(userId: string, projectId: string, chunks: Chunk[]): Promise<{ unchanged: boolean; needed: number }> {
    this.chunks += chunks.length;
    const body = {
      phase: 1,
      complete: true,
      projectId,
      chunks: chunks.map(({ hash, filePath }) => ({ hash, filePath })),
    };
    const needed = new Set<string>();
    let unchanged: boolean | undefined;
    for (;;) {
      const answer = await this.request("sync", userId, body);
      unchanged ??= answer.unchanged === true;
      for (const hash of list(answer.needed)) needed.add(hash);
      if (answer.moreToRemove !== true && list(answer.deferred).length === 0) break;
    }
    const send = chunks.filter((c) => needed.has(c.hash));
    if (send.length > 0) {
      this.chunks -= send.length;
      await this.index(userId, projectId, send, true);
    }
    return { unchanged, needed: send.length };
  }

  /** Phase 1 over the hashes (resending what was deferred), then phase 2 of the needed
   * ones; returns how many were needed. */
  async sync(userId: string, projectId: string, chunks: Chunk[]): Promise<number> {
    this.chunks += chunks.length;
    let pending = chunks.map((c) => c.hash);
    const needed = new Set<string>();
    while (pending.length > 0) {
      const body = { phase: 1, projectId, chunks: pending.map((hash) => ({ hash })) };
      const answer = await this.request("sync", userId, body);
      for (const hash of list(answer.needed)) needed.add(hash);
      const deferred = new Set(list(answer.deferred));
      if (deferred.size >= pending.length) throw new Error("no progress");
      pending = pending.filter((h) => deferred.has(h));
    }
    const send = chunks.filter((c) => needed.has(c.hash));
    if (send.length > 0) {
      await this.index(userId, projectId, send, true);
    }
    return send.length;
  }
}

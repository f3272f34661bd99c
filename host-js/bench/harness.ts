/**
 * One workload on one host, in steps a caller outside the runtime can time one by one:
 * `prepare` (the world as the workload starts, made by the host itself, uncounted),
 * `ready` (a fresh copy of it, the server made), `run` (the workload). In Node, main.ts
 * times each request from inside (Client, `ioMs`); in workerd no clock can time a fake's
 * call (Date.now() and performance.now() there are one clock, of whole milliseconds), so
 * worker.ts serves these steps and workerd.ts times whole `run`s from Node, in three modes:
 *
 * - `real`: the workload on a copy of the prepared world; what the client was answered is
 *   kept for `replayed`;
 * - `doubled`: the same, every fake call also made on a second copy (World.shadow): the
 *   fakes' work twice, the rest once;
 * - `replayed`: the same client and world with no engine behind it: each request answered
 *   at once with what `real` was answered (the client's own work, and the request's
 *   overhead).
 *
 * So the engine's own time is real - (doubled - real) - replayed.
 */
import { Client } from "./client.js";
import { type AiUsage, World } from "./fakes.js";
import type { Server } from "./server.js";
import { PAID, RAISED, type Workload } from "./workloads.js";
import { indexResponse } from "../ts/wire.js";

/** A host's server over a world, for an engine config (JSON text). */
export type MakeServer = (world: World, config: string) => Server;

export type Mode = "real" | "doubled" | "replayed";
export const MODES: readonly Mode[] = ["real", "doubled", "replayed"];

/** What a run counted. */
export interface RunCounts {
  calls: Record<string, number>;
  ai: AiUsage;
  invocations: number;
  chunks: number;
}

/** What two runs must share to have counted the same: every call and billed count that is
 * not zero, the invocations and the chunks sent. */
export function countsKey(c: Pick<RunCounts, "calls" | "invocations" | "chunks">): string {
  const calls = Object.entries(c.calls).filter(([, v]) => v > 0).sort(([a], [b]) => (a < b ? -1 : 1));
  return `${JSON.stringify(calls)}, ${c.invocations} invocations, ${c.chunks} chunks`;
}

/** The world as `workload` starts on `make`'s host: prepared by that host, under the
 * raised budget, its calls not counted. */
export async function prepareWorld(workload: Workload, make: MakeServer): Promise<World> {
  const prepared = new World();
  if (workload.prepare) await workload.prepare(new Client(make(prepared, RAISED.config), prepared));
  return prepared;
}

/** What a client was answered, request by request. */
interface Answered {
  status: number;
  json: string;
}

/** Workloads on hosts, step by step, under the paid budget (the timed one). */
export class Harness {
  private readonly prepared = new Map<string, World>();
  private readonly answered = new Map<string, Answered[]>();
  private pending: (() => Promise<RunCounts>) | undefined;

  constructor(
    private readonly hosts: Readonly<Record<string, MakeServer>>,
    private readonly workloads: readonly Workload[],
  ) {}

  async prepare(host: string, workload: string): Promise<void> {
    this.prepared.set(`${host} ${workload}`, await prepareWorld(this.workload(workload), this.host(host)));
  }

  /** Makes the next `run`: a fresh copy of the prepared world, and the server over it. */
  ready(host: string, name: string, mode: Mode): void {
    const key = `${host} ${name}`;
    const prepared = this.prepared.get(key);
    if (prepared === undefined) throw new Error(`${key} is not prepared`);
    const workload = this.workload(name);
    const world = prepared.clone();
    let server: Server;
    const answers: Answered[] = [];
    if (mode === "replayed") {
      const recorded = this.answered.get(key);
      if (recorded === undefined) throw new Error(`${key}: replayed before a real run`);
      server = replaying(recorded);
    } else {
      if (mode === "doubled") world.shadow = prepared.clone();
      const made = this.host(host)(world, PAID.config);
      server = mode === "real" ? recording(made, answers) : made;
    }
    const client = new Client(server, world);
    this.pending = async () => {
      await workload.run(client);
      if (mode === "real") this.answered.set(key, answers);
      return {
        calls: Object.fromEntries(world.calls()),
        ai: { ...world.aiUsage },
        invocations: client.invocations,
        chunks: client.chunks,
      };
    };
  }

  /** Runs what `ready` made. */
  async run(): Promise<RunCounts> {
    const run = this.pending;
    this.pending = undefined;
    if (run === undefined) throw new Error("run before ready");
    return run();
  }

  private host(name: string): MakeServer {
    const make = this.hosts[name];
    if (make === undefined) throw new Error(`no host ${name}`);
    return make;
  }

  private workload(name: string): Workload {
    const found = this.workloads.find((w) => w.name === name);
    if (found === undefined) throw new Error(`no workload ${name}`);
    return found;
  }
}

/** `server`, with each answer's status and JSON text kept in `answers`. */
function recording(server: Server, answers: Answered[]): Server {
  const kept = async (answer: Promise<{ status: number; body: unknown; json?: string }>) => {
    const { status, json } = await answer;
    if (json === undefined) throw new Error("an answer without its JSON text");
    answers.push({ status, json });
    return indexResponse(status, json);
  };
  return {
    init: (body, userId) => kept(server.init(body, userId)),
    sync: (body, userId) => kept(server.sync(body, userId)),
  };
}

/** A server with nothing behind it: the recorded answers, in order, at once. */
function replaying(answers: readonly Answered[]): Server {
  let next = 0;
  const answer = async () => {
    const found = answers[next++];
    if (found === undefined) throw new Error("the replay ran out of answers");
    return indexResponse(found.status, found.json);
  };
  return { init: answer, sync: answer };
}

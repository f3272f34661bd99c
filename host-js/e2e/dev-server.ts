/**
 * A Worker under `wrangler dev` on a loopback port: workerd, local KV persisted to a folder
 * of the caller's, and whatever the config's environment binds. Started, waited for until
 * it answers, stopped with its process group.
 *
 * `directUrl` is the Worker's own workerd socket, past wrangler's ProxyWorker: on a loaded
 * machine the ProxyWorker turns a connection workerd dropped under a request (which a
 * client resends) into a fatal error that ends `wrangler dev` whole, with an empty
 * `✘ [ERROR]` (cloudflare/workers-sdk#15317, #15203; wrangler 4.124). Seen here with the
 * example Worker as committed, under a load average of 8 on 2 cores, mid-push.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "./checks.js";

export interface DevServer {
  url: string;
  /** The Worker's workerd socket itself, not through wrangler's ProxyWorker. */
  directUrl: string;
  /** What wrangler printed so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface DevOptions {
  /** The project folder (where its wrangler config and node_modules are). */
  cwd: string;
  /** The wrangler config, relative to `cwd`. */
  config: string;
  /** The config's environment (`--env`). */
  environment: string;
  /** `--var NAME:VALUE` for each. */
  vars: Record<string, string>;
  /** Where local KV lives (`--persist-to`). */
  persistTo: string;
}

/** How long wrangler may take to answer its first request. */
const READY_WITHIN_MS = 90_000;

export async function startDev(options: DevOptions): Promise<DevServer> {
  const port = await freePort();
  const args = ["wrangler", "dev", "-c", options.config, "--env", options.environment, "--ip", "127.0.0.1", "--port", String(port)];
  // At debug level wrangler names the Worker's own socket (`userWorkerUrl`).
  args.push("--persist-to", options.persistTo, "--show-interactive-dev-session=false", "--log-level", "debug");
  for (const [name, value] of Object.entries(options.vars)) args.push("--var", `${name}:${value}`);
  let output = "";
  const child: ChildProcess = spawn("npx", args, {
    cwd: options.cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (data: Buffer) => (output += data.toString()));
  child.stderr?.on("data", (data: Buffer) => (output += data.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  };
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${url}/`, { method: "GET" });
      const port = [...output.matchAll(/"userWorkerUrl":\{"protocol":"http:","hostname":"127\.0\.0\.1","port":"(\d+)"/g)].pop()?.[1];
      if (port === undefined) throw new Error("wrangler has not named the Worker's socket yet");
      return { url, directUrl: `http://127.0.0.1:${port}`, log: () => output, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev did not answer within ${READY_WITHIN_MS} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

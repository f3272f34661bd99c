/**
 * What the end-to-end programs share: named checks counted into the `N passed, N failed`
 * line scripts/test reads, commands run with their output kept, and a free loopback port.
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { createServer } from "node:net";

let passed = 0;
let failed = 0;

/** The value after `name` on the command line; throws when it is missing. */
export function arg(name: string): string {
  const at = process.argv.indexOf(name);
  const value = at === -1 ? undefined : process.argv[at + 1];
  if (value === undefined) throw new Error(`missing ${name}`);
  return value;
}

/** Records one check: `ok`, or a failure with what was seen. */
export function check(name: string, ok: boolean, seen?: unknown): void {
  if (ok) {
    passed++;
    console.log(`PASS ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${seen === undefined ? "" : `: ${typeof seen === "string" ? seen : JSON.stringify(seen)}`}`);
  }
}

/** Prints the closing line and sets the exit status. */
export function summary(): void {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

/** Runs `command`, returning its status and output; throws with the output when it cannot
 * start or when `mustSucceed` and it fails. */
export function run(
  command: string,
  args: string[],
  options: SpawnSyncOptions & { mustSucceed?: boolean } = {},
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  const out = { status: result.status ?? 1, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
  if (options.mustSucceed && out.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${out.status}\n${out.stdout}\n${out.stderr}`);
  }
  return out;
}

/** A loopback port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** The number after `label` on its line of a report (`index-sync push` prints them). */
export function figure(report: string, label: string): number {
  const line = report.split("\n").find((l) => l.startsWith(label));
  const n = line === undefined ? Number.NaN : Number.parseInt(line.slice(label.length).trim().replace(/,/g, ""), 10);
  if (Number.isNaN(n)) throw new Error(`no ${label} figure in\n${report}`);
  return n;
}

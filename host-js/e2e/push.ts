/**
 * End to end: the example Worker under `wrangler dev --env dev` (workerd, local KV, the
 * development fakes, a TOKENS secret), and `index-sync push` of a real folder to it: a first
 * push indexes everything, an edit (a file deleted, one moved, one changed) is pushed as
 * removals, a move and a change, search through the Worker follows the folder, an unchanged
 * push costs one request, and a wrong token gets 401 and changes nothing. Then four pushes of
 * four versions of another folder run at once (each resending what the Worker refuses while
 * another holds the project's lease), and one more push of the last version leaves exactly
 * that version in the index: search over every vector of the project names exactly its
 * files, one result per chunk, nothing left over.
 *
 *   node push.mjs --package DIR --bin INDEX_SYNC --folder DIR --work DIR
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arg, check, figure, run, summary } from "./checks.js";
import { startDev } from "./dev-server.js";

const work = arg("--work");
const bin = arg("--bin");
const folder = join(work, "project");
const token = randomBytes(24).toString("hex");
const tokens = JSON.stringify({ [createHash("sha256").update(token).digest("hex")]: "alice@example.com" });

async function main(): Promise<void> {
  cpSync(arg("--folder"), folder, { recursive: true });
  const dev = await startDev({
    cwd: arg("--package"),
    config: "example/wrangler.jsonc",
    environment: "dev",
    vars: { TOKENS: tokens },
    persistTo: join(work, "state"),
  });
  try {
    // The Worker's own socket: wrangler's ProxyWorker can end `wrangler dev` mid-push on a
    // loaded machine (dev-server.ts); push resends what a dropped connection lost.
    await scenario(dev.directUrl);
    await overlapping(dev.directUrl);
  } finally {
    await dev.stop();
  }
  summary();
}

function push(url: string, withToken = token, dir = folder, project = "e2e") {
  const started = Date.now();
  const out = run(bin, ["push", dir, "--url", url, "--project", project], { env: { ...process.env, INDEX_SYNC_TOKEN: withToken } });
  console.log(`push (${((Date.now() - started) / 1000).toFixed(1)} s, exit ${out.status}):\n${out.stdout}${out.stderr}`);
  return out;
}

async function search(url: string, query: string, withToken = token) {
  const response = await fetch(`${url}/v1/index/search`, {
    method: "POST",
    headers: { authorization: `Bearer ${withToken}` },
    body: JSON.stringify({ projectId: "e2e", query, topK: 20 }),
  });
  const body = (await response.json()) as { results?: { filePath: string; filePaths?: string[] }[] };
  return { status: response.status, files: (body.results ?? []).flatMap((r) => r.filePaths ?? [r.filePath]) };
}

/** A query made of a file's first lines: the fake embedding ranks that file first. */
function queryFor(path: string): string {
  return readFileSync(join(folder, path), "utf8").slice(0, 400);
}

async function scenario(url: string): Promise<void> {
  const [deleted, moved, changed] = ["record_state.rs", "marker.rs", "config.rs"];
  const first = push(url);
  check("a first push indexes the folder", first.status === 0 && figure(first.stdout, "phase 2:") > 0 && first.stdout.includes(" 0 not indexed"), first.stdout);
  const files = readdirSync(folder, { recursive: true }).map(String);
  const deletedQuery = queryFor(deleted);
  const found = await search(url, deletedQuery);
  check("search through the Worker finds the folder's files", found.status === 200 && found.files.includes(deleted) && found.files.every((f) => files.includes(f)), found);

  rmSync(join(folder, deleted));
  mkdirSync(join(folder, "moved"));
  renameSync(join(folder, moved), join(folder, "moved", moved));
  appendFileSync(join(folder, changed), "\n/// Added by the end-to-end test.\npub fn end_to_end_marker() -> u32 {\n    42\n}\n");
  const edit = push(url);
  check("the edit is pushed", edit.status === 0, edit.stderr);
  check("the deleted file's chunks are removed", /\d+ cached, [1-9]\d* removed/.test(edit.stdout), edit.stdout);
  const afterEdit = await search(url, deletedQuery);
  check("search no longer finds the deleted file", afterEdit.status === 200 && !afterEdit.files.includes(deleted), afterEdit);
  const movedHits = await search(url, queryFor(join("moved", moved)));
  check("search finds the moved file at its new path", movedHits.files.includes(`moved/${moved}`) && !movedHits.files.includes(moved), movedHits);
  const changedHits = await search(url, "end_to_end_marker Added by the end to end test");
  check("search finds the changed code", changedHits.files.includes(changed), changedHits);

  push(url); // an all-cached listing records the clean state
  const unchanged = push(url);
  // One sync request (the listing's digest, answered unchanged) and the usage at the end.
  check("an unchanged push is one sync request and the usage", unchanged.status === 0 && figure(unchanged.stdout, "requests:") === 2, unchanged.stdout);

  writeFileSync(join(folder, "new.rs"), "pub fn written_while_refused() {}\n");
  const refused = push(url, "not-the-token");
  check("a wrong token gets 401 and the push fails", refused.status !== 0 && refused.stderr.includes("answered 401"), refused.stderr);
  const removeAll = await fetch(`${url}/v1/index/remove`, {
    method: "POST",
    headers: { authorization: "Bearer not-the-token" },
    body: JSON.stringify({ projectId: "e2e", all: true }),
  });
  check("a wrong token's remove gets 401", removeAll.status === 401, removeAll.status);
  rmSync(join(folder, "new.rs"));
  const after = push(url);
  check("nothing changed while refused: still one sync request and the usage", after.status === 0 && figure(after.stdout, "requests:") === 2, after.stdout);
  const still = await search(url, queryFor(join("moved", moved)));
  check("search still answers as before", same(still.files, movedHits.files), { before: movedHits, after: still });
}

/** Versions of a small project: twelve files of one chunk each, every version deleting,
 * moving, changing and adding some, so that the four versions disagree on most chunks. */
function version(n: number): Map<string, string> {
  const files = new Map<string, string>();
  for (let i = 0; i < 12; i++) {
    if (i % 4 === n % 4) continue; // deleted in this version
    const dir = i % 3 === n % 3 ? `moved${n}` : "src";
    const body = i % 5 === n % 5 ? `    changed_in_version_${n}()` : `    step_${i}(input)`;
    files.set(`${dir}/part_${i}.rs`, `pub fn part_${i}(input: u32) -> u32 {\n${body}\n}\n`);
  }
  files.set(`added_${n}.rs`, `pub fn added_in_version_${n}() -> u32 {\n    ${n}\n}\n`);
  return files;
}

function writeVersion(n: number): string {
  const dir = join(work, `version-${n}`);
  for (const [path, text] of version(n)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** `index-sync push` without waiting for it, so that several run at once. */
function pushAsync(url: string, dir: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["push", dir, "--url", url, "--project", "overlap"], {
      env: { ...process.env, INDEX_SYNC_TOKEN: token },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status: status ?? 1, stdout, stderr }));
  });
}

/** Every result of a query asking for more vectors than the project has. */
async function everything(url: string): Promise<{ status: number; results: { hash: string; filePaths: string[] }[] }> {
  const response = await fetch(`${url}/v1/index/search`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ projectId: "overlap", query: "pub fn part input u32 changed in version added step", topK: 50 }),
  });
  const body = (await response.json()) as { results?: { hash: string; filePath: string; filePaths?: string[] }[] };
  return { status: response.status, results: (body.results ?? []).map((r) => ({ hash: r.hash, filePaths: r.filePaths ?? [r.filePath] })) };
}

async function overlapping(url: string): Promise<void> {
  const dirs = [1, 2, 3, 4].map(writeVersion);
  const started = Date.now();
  const outs = await Promise.all(dirs.map((dir) => pushAsync(url, dir)));
  console.log(`four pushes at once (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  for (const out of outs) console.log(`exit ${out.status}\n${out.stdout}${out.stderr}`);
  check("four overlapping pushes of four versions all complete", outs.every((o) => o.status === 0), outs.map((o) => o.stderr));
  const refused = outs.reduce((n, o) => n + (Number(/(\d+) of them while another client held the project/.exec(o.stdout)?.[1]) || 0), 0);
  const busy = outs.some((o) => o.stderr.includes("tenant_busy"));
  check("pushes refused while another held the project waited and resent", refused > 0 && busy, { refused });
  const last = dirs[dirs.length - 1] ?? "";
  const final = push(url, token, last, "overlap");
  check("one more push of the last version completes", final.status === 0, final.stderr);
  const files = [...version(4).keys()].sort();
  const found = await everything(url);
  const named = found.results.flatMap((r) => r.filePaths).sort();
  check("search names exactly the last version's files, one result per chunk", found.status === 200 && same(named, files) && found.results.length === files.length, { named, files });
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

main().catch((error: unknown) => {
  check("the end-to-end run", false, error instanceof Error ? error.stack : String(error));
  summary();
});

/**
 * End to end: the example Worker under `wrangler dev --env dev` (workerd, local KV, the
 * development fakes, a TOKENS secret), and `index-sync push` of a real folder to it: a first
 * push indexes everything, an edit (a file deleted, one moved, one changed) is pushed as
 * removals, a move and a change, search through the Worker follows the folder, an unchanged
 * push costs one request, and a wrong token gets 401 and changes nothing.
 *
 *   node push.mjs --package DIR --bin INDEX_SYNC --folder DIR --work DIR
 */
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
    await scenario(dev.url);
  } finally {
    await dev.stop();
  }
  summary();
}

function push(url: string, withToken = token) {
  const started = Date.now();
  const out = run(bin, ["push", folder, "--url", url, "--project", "e2e"], { env: { ...process.env, INDEX_SYNC_TOKEN: withToken } });
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
  check("an unchanged push is one request", unchanged.status === 0 && figure(unchanged.stdout, "requests:") === 1, unchanged.stdout);

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
  check("nothing changed while refused: still one request", after.status === 0 && figure(after.stdout, "requests:") === 1, after.stdout);
  const still = await search(url, queryFor(join("moved", moved)));
  check("search still answers as before", same(still.files, movedHits.files), { before: movedHits, after: still });
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

main().catch((error: unknown) => {
  check("the end-to-end run", false, error instanceof Error ? error.stack : String(error));
  summary();
});

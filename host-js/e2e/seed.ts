/**
 * The seed's curl examples against a running Worker: alice indexes, bob indexes the same
 * code, bob's phase 1 says "cached" only for what bob indexed, and bob's search finds bob's
 * file, never alice's. Each user is known by a bearer token.
 */
import { check as counted } from "./checks.js";

const ABC = "abc123";
const DEF = "def456";
const CODE = "export function parseConfig(text) {\n  return JSON.parse(text);\n}";

export async function seedExamples(url: string, tokens: Record<string, string>, label: string): Promise<void> {
  const check = (name: string, ok: boolean, seen?: unknown) => counted(`${label}: ${name}`, ok, seen);
  const post = async (path: string, user: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens[user] ?? ""}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const init = (user: string, projectId: string, filePath: string) =>
    post("/v1/index/init", user, { userId: user, projectId, chunks: [{ hash: ABC, code: CODE, filePath }] });
  const phase1 = (user: string, projectId: string) =>
    post("/v1/index/sync", user, { phase: 1, userId: user, projectId, chunks: [{ hash: ABC }, { hash: DEF }] });

  const alice = await init("alice@example.com", "alice-project", "src/a.ts");
  check("Test 1: alice indexes", alice.status === 200 && same(alice.body.indexed, [ABC]), alice);
  const bobBefore = await phase1("bob@company.com", "bob-project");
  check("alice's code is not bob's", same([bobBefore.body.needed, bobBefore.body.cached], [[ABC, DEF], []]), bobBefore);
  const bob = await init("bob@company.com", "bob-project", "lib/b.ts");
  check("Test 2: bob indexes the same code", bob.status === 200 && same(bob.body.indexed, [ABC]), bob);
  const bobAfter = await phase1("bob@company.com", "bob-project");
  check("Test 3: bob's phase 1", same([bobAfter.body.needed, bobAfter.body.cached], [[DEF], [ABC]]), bobAfter);
  const aliceAgain = await phase1("alice@example.com", "alice-project");
  check("Test 4: alice's phase 1", same([aliceAgain.body.needed, aliceAgain.body.cached], [[DEF], [ABC]]), aliceAgain);
  const search = await post("/v1/index/search", "bob@company.com", { projectId: "bob-project", query: "parse config", topK: 5 });
  const files = (search.body.results as { filePath?: string }[] | undefined)?.map((r) => r.filePath);
  check("bob's search finds bob's file only", search.status === 200 && same(files, ["lib/b.ts"]), search);
}

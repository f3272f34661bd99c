/**
 * Bearer tokens checked against the `TOKENS` secret: a JSON object mapping the SHA-256 (hex)
 * of each token to the user id it stands for, e.g.
 *
 *   {"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8": "alice@example.com"}
 *
 * The Worker keeps no token itself, only digests; a leaked secret does not leak tokens.
 * Every digest is compared, in constant time, whatever matches, so the time taken says
 * nothing about which entry came close. No header is trusted on its own, and a missing or
 * malformed secret refuses every request: authentication fails closed.
 */

/** Why a request was not let in: the status and body to answer with. */
export interface Refusal {
  status: 401 | 500;
  code: "unauthenticated" | "auth_not_configured";
  message: string;
}

/** A SHA-256 digest is 32 bytes, 64 hex digits. */
const DIGEST_HEX_LENGTH = 64;
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** The digests the `TOKENS` secret lists, with their users, or why the secret will not do. */
export function parseTokens(secret: string | undefined): { digest: Uint8Array; user: string }[] | Refusal {
  const unusable = (why: string): Refusal => ({
    status: 500,
    code: "auth_not_configured",
    message: `${why}: every request is refused (README: "Tokens")`,
  });
  if (secret === undefined || secret.trim() === "") return unusable("the TOKENS secret is not set");
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    return unusable("the TOKENS secret is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return unusable("the TOKENS secret is not an object of token digests to user ids");
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) return unusable("the TOKENS secret lists no token");
  const tokens: { digest: Uint8Array; user: string }[] = [];
  for (const [digest, user] of entries) {
    if (!HEX_DIGEST.test(digest) || typeof user !== "string" || user === "") {
      return unusable(`the TOKENS secret has an entry that is not {"<${DIGEST_HEX_LENGTH} hex digits>": "<user id>"}`);
    }
    tokens.push({ digest: fromHex(digest), user });
  }
  return tokens;
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** The SHA-256 of `token`'s UTF-8, as `TOKENS` lists it. */
export async function tokenDigest(token: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

/** Constant-time equality of two digests of the same length. */
function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (a: BufferSource, b: BufferSource) => boolean };
  if (subtle.timingSafeEqual !== undefined) return subtle.timingSafeEqual(a, b);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** The user `request`'s bearer token stands for, or why it is refused. */
export async function authenticate(request: Request, secret: string | undefined): Promise<string | Refusal> {
  const tokens = parseTokens(secret);
  if (!Array.isArray(tokens)) return tokens;
  const unauthenticated = (message: string): Refusal => ({ status: 401, code: "unauthenticated", message });
  const header = request.headers.get("authorization");
  const match = header === null ? null : /^Bearer +(\S+) *$/i.exec(header);
  const token = match?.[1];
  if (token === undefined) return unauthenticated("send Authorization: Bearer <token>");
  const digest = await tokenDigest(token);
  let user: string | undefined;
  for (const entry of tokens) {
    // Every entry is compared: no early exit.
    if (sameDigest(digest, entry.digest) && user === undefined) user = entry.user;
  }
  return user ?? unauthenticated("the token is not known");
}

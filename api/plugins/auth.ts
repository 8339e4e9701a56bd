/**
 * Access control for party data, on when the API is given a key file (`--auth-config`), off otherwise (the
 * local demo: everything is public, as without this plugin).
 *
 * Every route has an access level, `config: { access }`, checked by the one `onRequest` hook below:
 *
 * - `public`  — anyone, no key: health, docs, licences, the dashboard's files. A route that does not say is
 *               public, unless it lies under a protected prefix (`/sales`, `/parties`, `/disputes`, `/audit`,
 *               `/metrics`), where it is auditor-only: new static routes need no change here, and a data route
 *               that forgot to say is closed, not open.
 * - `party`   — a party key or an auditor key. A party key sees its own address's data only: a route with
 *               `config.owner` (the name of its address parameter) answers 403 for any other address, and
 *               list/item handlers filter with `viewerOf(request)` (sales and disputes of its licences).
 * - `auditor` — an auditor key only.
 *
 * No key → 401 with `WWW-Authenticate: Bearer`; a key that is not in the file → 401; a key without the
 * route's scope → 403. Every answer is a problem document.
 *
 * Keys are `rsk_<id>_<secret>`: the id finds the file's entry, the secret is 32 random bytes. The file keeps
 * `sha256:<hex>` of the whole key, never the key, and the presented key's hash is compared in constant time.
 * A fast hash is enough here, and a slow one (scrypt) would buy nothing: a slow hash protects secrets a
 * person chose, which an attacker holding the file can guess; a 256-bit random secret cannot be guessed or
 * brute-forced from its SHA-256 whatever the hash costs, while scrypt would cost milliseconds on every
 * request (and hand anyone sending bad keys a way to burn CPU).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import fp from "fastify-plugin";
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { getAddress } from "viem";
import { problem } from "./problems";

export type Access = "public" | "party" | "auditor";
export type Role = "auditor" | "party";

/** One key in the key file. */
export interface KeyEntry {
  /** Names the key (it is part of the key); letters, digits and `-`. */
  id: string;
  /** `sha256:` and the 64 hex digits of SHA-256 over the whole key string. */
  hash: string;
  role: Role;
  /** A party key's address (the rights holder, MCN or platform it belongs to). */
  address?: string;
  /** Free text: who holds it. */
  note?: string;
  created?: string;
}

export interface AuthConfig {
  keys: KeyEntry[];
}

/** Who made a request, once its key is verified. */
export interface Principal {
  keyId: string;
  role: Role;
  /** checksummed; null for an auditor */
  address: string | null;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call this route (see api/plugins/auth.ts); public if not said, outside protected prefixes. */
    access?: Access;
    /** For `party` routes about one address: the path parameter holding it; a party key must own it. */
    owner?: string;
  }
  interface FastifyRequest {
    /** The verified key of this request; null without one or when access control is off. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Whether keys are required (a key file was given). */
    authEnabled: boolean;
  }
}

/** Routes under these prefixes are auditor-only unless they say otherwise. */
export const PROTECTED_PREFIXES = ["/sales", "/parties", "/disputes", "/audit", "/metrics"];

export const KEY_PREFIX = "rsk";
const ID_PATTERN = /^[A-Za-z0-9-]{1,40}$/;
const KEY_PATTERN = /^rsk_([A-Za-z0-9-]{1,40})_([A-Za-z0-9_-]{43})$/;
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;

/** The access level of a route: what it says, else auditor under a protected prefix, else public. */
export function accessOf(url: string | undefined, config: { access?: Access } | undefined): Access {
  if (config?.access) return config.access;
  if (url && PROTECTED_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`))) return "auditor";
  return "public";
}

/** The address a request's data must be restricted to: a party key's; undefined for an auditor or with access control off. */
export function viewerOf(request: FastifyRequest): string | undefined {
  return request.principal?.role === "party" ? (request.principal.address ?? undefined) : undefined;
}

// ------------------------------------------------------------------------------------------------ keys

export function hashKey(key: string): string {
  return `sha256:${crypto.createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/** A new key: `rsk_<id>_<43 base64url characters of 32 random bytes>`, with the entry to store for it. */
export function generateKey(options: { role: Role; address?: string; id?: string; note?: string }): { key: string; entry: KeyEntry } {
  const id = options.id ?? crypto.randomBytes(6).toString("hex");
  const key = `${KEY_PREFIX}_${id}_${crypto.randomBytes(32).toString("base64url")}`;
  const entry = checkEntry(
    {
      id,
      hash: hashKey(key),
      role: options.role,
      ...(options.address !== undefined ? { address: options.address } : {}),
      ...(options.note !== undefined ? { note: options.note } : {}),
      created: new Date().toISOString(),
    },
    "the new key",
  );
  return { key, entry };
}

/** An entry as the file holds it, checked; the address checksummed. */
function checkEntry(raw: unknown, where: string): KeyEntry {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${where} is not an object`);
  const e = raw as Record<string, unknown>;
  if ("key" in e || "secret" in e)
    throw new Error(`${where} holds a plaintext key: keep only its hash (npm run apikey writes entries), and replace that key`);
  if (typeof e.id !== "string" || !ID_PATTERN.test(e.id)) throw new Error(`${where}: id must be 1 to 40 letters, digits or "-"`);
  if (typeof e.hash !== "string" || !HASH_PATTERN.test(e.hash))
    throw new Error(`${where} (${e.id}): hash must be "sha256:" and 64 lower-case hex digits`);
  if (e.role !== "auditor" && e.role !== "party") throw new Error(`${where} (${e.id}): role must be "auditor" or "party"`);
  if (e.role === "party" && (typeof e.address !== "string" || !ADDRESS_PATTERN.test(e.address)))
    throw new Error(`${where} (${e.id}): a party key needs its address, 0x and 40 hex digits`);
  if (e.role === "auditor" && e.address !== undefined) throw new Error(`${where} (${e.id}): an auditor key has no address`);
  if (e.note !== undefined && typeof e.note !== "string") throw new Error(`${where} (${e.id}): note must be a string`);
  return {
    id: e.id,
    hash: e.hash,
    role: e.role,
    ...(e.role === "party" ? { address: getAddress(e.address as string) } : {}),
    ...(typeof e.note === "string" ? { note: e.note } : {}),
    ...(typeof e.created === "string" ? { created: e.created } : {}),
  };
}

/** A key file's content, checked: every entry well-formed, ids unique. */
export function parseAuthConfig(json: unknown, where = "the key file"): AuthConfig {
  if (!json || typeof json !== "object" || !Array.isArray((json as { keys?: unknown }).keys))
    throw new Error(`${where} must be a JSON object with a "keys" list`);
  const keys = (json as { keys: unknown[] }).keys.map((k, i) => checkEntry(k, `${where}, key ${i + 1}`));
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.id)) throw new Error(`${where}: the id ${k.id} is used twice`);
    seen.add(k.id);
  }
  return { keys };
}

export function loadAuthConfig(file: string): AuthConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read the API key file ${file} (${(err as Error).message}): create keys with npm run apikey`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`the API key file ${file} is not JSON (${(err as Error).message})`);
  }
  return parseAuthConfig(json, file);
}

/** Adds an entry to a key file (created if missing, readable by its owner only), replacing it atomically. */
export function appendKey(file: string, entry: KeyEntry) {
  const config = fs.existsSync(file) ? loadAuthConfig(file) : { keys: [] };
  if (config.keys.some((k) => k.id === entry.id)) throw new Error(`${file} already has a key ${entry.id}: choose another --id`);
  config.keys.push(entry);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === "string") {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    return m ? m[1] : auth; // a malformed header is a wrong key, not a missing one
  }
  const header = request.headers["x-api-key"];
  return typeof header === "string" ? header.trim() : undefined;
}

/** Verifies keys against a config: the entry by id, then its hash compared in constant time. */
export function keyVerifier(config: AuthConfig) {
  const byId = new Map(config.keys.map((k) => [k.id, { entry: k, hash: Buffer.from(k.hash.slice("sha256:".length), "hex") }]));
  const dummy = Buffer.alloc(32);
  return (key: string): Principal | undefined => {
    const m = KEY_PATTERN.exec(key);
    if (!m) return undefined;
    const found = byId.get(m[1]!);
    const digest = crypto.createHash("sha256").update(key, "utf8").digest();
    // compare even for an unknown id, so that the answer takes as long either way
    const equal = crypto.timingSafeEqual(digest, found?.hash ?? dummy);
    if (!found || !equal) return undefined;
    return { keyId: found.entry.id, role: found.entry.role, address: found.entry.address ?? null };
  };
}

// ---------------------------------------------------------------------------------------------- plugin

export interface AuthOptions {
  /** Path of the key file, or its content; access control is off without either. */
  authConfig?: string | AuthConfig;
}

const SECURITY: Record<string, string[]>[] = [{ bearerKey: [] }, { apiKeyHeader: [] }];

const ACCESS_TEXT: Record<Access, string> = {
  public: "Access: public, no key needed.",
  party:
    "Access: with access control on (the API started with --auth-config), a party key, which sees only its own address's data " +
    "(its payouts, the sales and disputes of licences it is a party of), or an auditor key.",
  auditor: "Access: with access control on (the API started with --auth-config), an auditor key.",
};

/** Documents a route's access level in the OpenAPI document: `security`, the 401/403 problems and a sentence. */
function document(route: RouteOptions, access: Access) {
  const schema = route.schema as (Record<string, unknown> & { hide?: boolean; response?: Record<string, unknown> }) | undefined;
  if (!schema || schema.hide) return;
  const description = typeof schema.description === "string" ? `${schema.description}\n\n` : "";
  route.schema = {
    ...schema,
    description: `${description}${ACCESS_TEXT[access]}`,
    security: access === "public" ? [] : SECURITY,
    ...(access === "public" || !schema.response
      ? {}
      : { response: { ...schema.response, 401: { $ref: "Problem" }, 403: { $ref: "Problem" } } }),
  };
}

function unauthorized(reply: FastifyReply, error: string | undefined, detail: string) {
  reply.header("www-authenticate", error ? `Bearer realm="reelsplit", error="${error}"` : 'Bearer realm="reelsplit"');
  return problem(reply, 401, detail);
}

export default fp<AuthOptions>(
  async (app, options) => {
    const config = typeof options.authConfig === "string" ? loadAuthConfig(options.authConfig) : options.authConfig;
    app.decorate("authEnabled", config !== undefined);
    app.decorateRequest("principal", null);

    app.addHook("onRoute", (route) => {
      const access = accessOf(route.url, route.config);
      route.config = { ...route.config, access };
      document(route, access);
    });
    if (!config) return;

    const verify = keyVerifier(config);
    app.addHook("onRequest", async (request, reply) => {
      const { url, config: routeConfig } = request.routeOptions;
      const access = accessOf(url, routeConfig);
      if (access === "public") return;
      const key = presentedKey(request);
      if (key === undefined || key === "")
        return unauthorized(reply, undefined, "this route needs an API key: send it as Authorization: Bearer <key> (or x-api-key)");
      const principal = verify(key);
      if (!principal) return unauthorized(reply, "invalid_token", "this API key is not valid: check it, or ask for a new one");
      request.principal = principal;
      const route = `${request.method} ${url}`;
      if (principal.role === "auditor") return;
      if (access === "auditor")
        return problem(reply, 403, `${route} is for auditor keys; key ${principal.keyId} is a party key of ${principal.address}`);
      const owner = routeConfig.owner;
      if (owner) {
        const asked = (request.params as Record<string, string | undefined>)[owner];
        if (asked?.toLowerCase() !== principal.address?.toLowerCase())
          return problem(
            reply,
            403,
            `key ${principal.keyId} belongs to ${principal.address}: it can read ${url?.replace(`:${owner}`, principal.address ?? "")} only`,
          );
      }
    });
  },
  { name: "auth" },
);

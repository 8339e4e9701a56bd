/**
 * Access control for party data (issue #7, part 5), over the scenario's database (scenario.ts): with a key
 * file, payouts, sales and disputes need a key and a party key sees only its own; without one, all is public.
 * Keys are made by scripts/apikey.ts's exported function, as `npm run apikey` makes them.
 */
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import SwaggerParser from "@apidevtools/swagger-parser";
import { getAddress } from "ethers";
import type { LightMyRequestResponse } from "fastify";
import { build, type App } from "../../api/app";
import { loadAuthConfig, parseAuthConfig } from "../../api/plugins/auth";
import { createApiKey } from "../../scripts/apikey";
import { sharedScenario, type Scenario } from "./scenario";

interface PageJson<T> {
  items: T[];
  nextCursor: string | null;
}

let s: Scenario;
let app: App;
let configPath: string;
/** MCN of licence A (and of C); platform of licence B; an auditor */
const keys = { mcn: "", platform2: "", auditor: "" };
let mcnKeyId: string;
const apps: App[] = [];

const as = (key: string | undefined) => (key ? { authorization: `Bearer ${key}` } : {});
const get = (url: string, key?: string, on: App = app) => on.inject({ method: "GET", url, headers: as(key) });

function expectProblem(res: LightMyRequestResponse, status: number, what: string) {
  expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).to.equal(status);
  expect(res.headers["content-type"], what).to.match(/^application\/problem\+json/);
  const p = res.json() as { type: string; title: string; status: number; detail: string };
  expect(p.status, what).to.equal(status);
  expect(p.title, what).to.be.a("string").and.not.be.empty;
  expect(p.detail, what).to.be.a("string").and.not.be.empty;
  return p;
}

async function walk<T>(url: string, key: string | undefined): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = url.includes("?") ? "&" : "?";
    const res = await get(`${url}${sep}limit=20${cursor ? `&cursor=${cursor}` : ""}`, key);
    expect(res.statusCode, res.body).to.equal(200);
    const page = res.json() as PageJson<T>;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** The licences in which `address` is the rights holder, the MCN or the platform. */
const licencesOf = (address: string) =>
  new Set(s.licences.filter((l) => [l.rightsHolder, l.mcn, l.platform].includes(address)).map((l) => l.licenceId));

/** The disputes `address` takes part in: opened, added evidence, or of a licence it is a party of. */
const disputesOf = (address: string) =>
  s.disputes
    .filter((d) => d.openedBy === address || d.evidence.some((e) => e.by === address) || licencesOf(address).has(d.licenceId))
    .map((d) => d.disputeId);

describe("API access control", function () {
  this.timeout(300_000);

  before(async function () {
    s = await sharedScenario();
    configPath = path.join(s.dir, "keys", "api-keys.json");
    const mcn = createApiKey({ role: "party", address: s.address.mcn.toLowerCase(), config: configPath, note: "MCN of A" });
    keys.mcn = mcn.key;
    mcnKeyId = mcn.entry.id;
    keys.platform2 = createApiKey({ role: "party", address: s.address.platform2, config: configPath, id: "platform2" }).key;
    keys.auditor = createApiKey({ role: "auditor", config: configPath, id: "auditor" }).key;
    app = await build({ dbPath: s.dbPath, rpcUrl: s.chain.url, authConfig: configPath, rateLimit: false });
    apps.push(app);
  });

  after(async function () {
    for (const a of apps) await a.close();
    await s?.stop();
  });

  it("has the parties the tests rely on", function () {
    const a = s.licences.find((l) => l.licenceId === s.licence.A)!;
    const b = s.licences.find((l) => l.licenceId === s.licence.B)!;
    expect(a.mcn).to.equal(s.address.mcn);
    expect(b.platform).to.equal(s.address.platform2);
    expect(licencesOf(s.address.mcn)).to.deep.equal(new Set([s.licence.A, s.licence.C]));
    expect(licencesOf(s.address.platform2)).to.deep.equal(new Set([s.licence.B]));
  });

  describe("public routes", function () {
    it("answer without a key: health, licences, docs, the OpenAPI document", async function () {
      for (const url of [
        "/health",
        "/licences",
        `/licences/${s.licence.A}`,
        `/licences?mcn=${s.address.mcn}`,
        "/openapi.json",
        "/docs",
        "/docs/json",
      ])
        expect((await get(url)).statusCode, url).to.equal(200);
    });

    it("ignore a key, even a bad one", async function () {
      expect((await get("/licences", "not a key")).statusCode).to.equal(200);
    });

    it("answer an unknown path with a 404 problem, not a 401", async function () {
      expectProblem(await get("/nowhere"), 404, "/nowhere");
    });
  });

  describe("without a valid key", function () {
    const protectedUrls = () => [
      `/parties/${s.address.mcn}/payouts`,
      "/sales",
      `/sales/${s.sales[0]!.saleId}`,
      "/disputes",
      "/disputes/1",
      "/audit/events",
      `/audit/sales/${s.sales[0]!.saleId}/verify`,
      "/metrics",
    ];

    it("answers 401 problem+json with WWW-Authenticate: Bearer to a request without a key", async function () {
      for (const url of protectedUrls()) {
        const res = await get(url);
        expectProblem(res, 401, url);
        expect(res.headers["www-authenticate"], url).to.match(/^Bearer realm="reelsplit"$/);
      }
      const head = await app.inject({ method: "HEAD", url: "/sales" });
      expect(head.statusCode, "HEAD is protected too").to.equal(401);
    });

    it("answers 401 to a wrong key, whatever its shape", async function () {
      const [, id, secret] = /^rsk_([^_]+)_(.+)$/.exec(keys.mcn)!;
      const flipped = secret!.slice(0, -1) + (secret!.endsWith("A") ? "B" : "A");
      for (const key of [
        "garbage",
        `rsk_${id}_${flipped}`, // the right id, a wrong secret
        `rsk_nobody_${secret}`, // an unknown id
        `rsk_${id}_${secret}x`,
        keys.mcn.toUpperCase(),
        `rsk_auditor_${secret}`, // another key's id with this secret
      ]) {
        for (const headers of [{ authorization: `Bearer ${key}` }, { "x-api-key": key }]) {
          const res = await app.inject({ url: "/sales", headers });
          expectProblem(res, 401, key);
          expect(res.headers["www-authenticate"]).to.include('error="invalid_token"');
        }
      }
      for (const authorization of [`Basic ${Buffer.from("a:b").toString("base64")}`, "Bearer", `Token ${keys.mcn}`]) {
        expectProblem(await app.inject({ url: "/sales", headers: { authorization } }), 401, authorization);
      }
    });
  });

  describe("a party key", function () {
    it("reads its own payouts, in any case of its address", async function () {
      for (const url of [`/parties/${s.address.mcn}/payouts`, `/parties/${s.address.mcn.toLowerCase()}/payouts`]) {
        const res = await get(url, keys.mcn);
        expect(res.statusCode, url).to.equal(200);
        expect((res.json() as { party: string }).party).to.equal(s.address.mcn);
      }
      expect(
        (await app.inject({ url: `/parties/${s.address.platform2}/payouts`, headers: { "x-api-key": keys.platform2 } })).statusCode,
      ).to.equal(200);
    });

    it("never reads another party's payouts: 403 naming the address the key belongs to (every scenario address, and random ones)", async function () {
      const parties = [
        { key: keys.mcn, address: s.address.mcn, id: mcnKeyId },
        { key: keys.platform2, address: s.address.platform2, id: "platform2" },
      ];
      const address = fc.oneof(
        fc.constantFrom(...Object.values(s.address)),
        fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(`0x${Buffer.from(b).toString("hex")}`)),
      );
      const casing = fc.constantFrom(
        (a: string) => a,
        (a: string) => a.toLowerCase(),
        (a: string) => `0x${a.slice(2).toUpperCase()}`,
      );
      let denied = 0;
      const check = async (party: (typeof parties)[number], target: string, cased: (a: string) => string) => {
        const res = await get(`/parties/${cased(target)}/payouts`, party.key);
        if (target === party.address) {
          expect(res.statusCode).to.equal(200);
          return;
        }
        denied++;
        const p = expectProblem(res, 403, `${party.id} → ${target}`);
        expect(p.detail).to.include(party.address);
        expect(p.detail).to.include(party.id);
        expect(res.body).not.to.include('"tokens"');
      };
      for (const party of parties) for (const target of Object.values(s.address)) await check(party, target, (a) => a.toLowerCase());
      await fc.assert(fc.asyncProperty(fc.constantFrom(...parties), address, casing, check), { numRuns: 300 });
      expect(denied).to.be.greaterThan(200);
    });

    it("lists only the sales of licences it is a party of", async function () {
      for (const [key, address] of [
        [keys.mcn, s.address.mcn],
        [keys.platform2, s.address.platform2],
      ] as const) {
        const mine = licencesOf(address);
        const expected = s.sales.filter((x) => mine.has(x.licenceId)).map((x) => x.saleId);
        expect(expected.length, address).to.be.greaterThan(10);
        const listed = (await walk<{ saleId: string }>("/sales", key)).map((x) => x.saleId);
        expect(listed, address).to.deep.equal(expected);
        // filters narrow what it sees, never widen it
        const other = address === s.address.mcn ? s.address.platform2 : s.address.mcn;
        expect(await walk(`/sales?party=${other}`, key), `party=${other}`).to.deep.equal([]);
        expect(await walk(`/sales?licenceId=${address === s.address.mcn ? s.licence.B : s.licence.A}`, key)).to.deep.equal([]);
      }
    });

    it("reads a sale of its licences, and gets a 404 for any other", async function () {
      const mine = licencesOf(s.address.platform2);
      for (const sale of s.sales) {
        const res = await get(`/sales/${sale.saleId}`, keys.platform2);
        if (mine.has(sale.licenceId)) {
          expect(res.statusCode, sale.saleId).to.equal(200);
          expect((res.json() as { saleId: string }).saleId).to.equal(sale.saleId);
        } else {
          expectProblem(res, 404, sale.saleId);
        }
      }
    });

    it("sees only the disputes it takes part in", async function () {
      for (const [key, address] of [
        [keys.mcn, s.address.mcn],
        [keys.platform2, s.address.platform2],
      ] as const) {
        const expected = disputesOf(address);
        expect(expected.length, address).to.be.greaterThan(0);
        expect(expected.length, address).to.be.lessThan(s.disputes.length);
        const listed = (await walk<{ disputeId: number }>("/disputes", key)).map((d) => d.disputeId);
        expect(listed, address).to.deep.equal(expected);
        for (const d of s.disputes) {
          const res = await get(`/disputes/${d.disputeId}`, key);
          if (expected.includes(d.disputeId)) expect(res.statusCode).to.equal(200);
          else expectProblem(res, 404, `dispute ${d.disputeId}`);
        }
      }
    });

    it("gets a 403 from the auditor's routes", async function () {
      for (const url of ["/audit/events", "/audit/events?format=csv", `/audit/sales/${s.sales[0]!.saleId}/verify`, "/metrics"]) {
        const p = expectProblem(await get(url, keys.mcn), 403, url);
        expect(p.detail).to.include("auditor");
      }
    });

    it("still reads the public routes", async function () {
      expect((await get("/licences", keys.platform2)).statusCode).to.equal(200);
    });
  });

  describe("an auditor key", function () {
    it("reads everything: every party's payouts, every sale and dispute, the trail, verification and metrics", async function () {
      for (const address of Object.values(s.address))
        expect((await get(`/parties/${address}/payouts`, keys.auditor)).statusCode).to.equal(200);
      expect((await walk<{ saleId: string }>("/sales", keys.auditor)).map((x) => x.saleId)).to.deep.equal(s.sales.map((x) => x.saleId));
      expect((await walk<{ disputeId: number }>("/disputes", keys.auditor)).map((x) => x.disputeId)).to.deep.equal(
        s.disputes.map((d) => d.disputeId),
      );
      expect((await walk("/audit/events", keys.auditor)).length).to.equal(s.events.length);
      const csv = await get("/audit/events?format=csv", keys.auditor);
      expect(csv.statusCode).to.equal(200);
      const verify = await get(`/audit/sales/${s.sales[0]!.saleId}/verify`, keys.auditor);
      expect(verify.statusCode).to.equal(200);
      expect((verify.json() as { verified: boolean }).verified).to.equal(true);
      expect((await get("/metrics", keys.auditor)).statusCode).to.equal(200);
      for (const sale of s.sales.slice(0, 20)) expect((await get(`/sales/${sale.saleId}`, keys.auditor)).statusCode).to.equal(200);
    });
  });

  describe("keys and the key file", function () {
    it("stores hashes only, never a key, readable by its owner only", function () {
      const text = fs.readFileSync(configPath, "utf8");
      const stored = JSON.parse(text) as { keys: { id: string; hash: string; role: string; address?: string }[] };
      expect(stored.keys.map((k) => k.role)).to.deep.equal(["party", "party", "auditor"]);
      for (const key of Object.values(keys)) {
        expect(text).not.to.include(key);
        expect(text).not.to.include(key.split("_").slice(2).join("_")); // nor its secret part
        const hash = `sha256:${crypto.createHash("sha256").update(key).digest("hex")}`;
        expect(stored.keys.map((k) => k.hash)).to.include(hash);
      }
      for (const entry of stored.keys) expect(Object.keys(entry)).not.to.include.members(["key", "secret"]);
      expect(stored.keys[0]!.address, "addresses are stored checksummed").to.equal(s.address.mcn);
      expect(fs.statSync(configPath).mode & 0o077, "no access for group or others").to.equal(0);
      expect(loadAuthConfig(configPath).keys).to.have.lengthOf(3);
    });

    it("npm run apikey's function makes a key that works at once, and refuses a second key with the same id", async function () {
      const file = path.join(s.dir, "keys", "second.json");
      const { key, entry } = createApiKey({ role: "party", address: s.address.rightsHolder2, config: file, id: "rh2" });
      expect(key).to.match(/^rsk_rh2_[A-Za-z0-9_-]{43}$/);
      expect(entry).to.include({ id: "rh2", role: "party", address: s.address.rightsHolder2 });
      const other = await build({ dbPath: s.dbPath, authConfig: file, rateLimit: false });
      apps.push(other);
      expect((await get(`/parties/${s.address.rightsHolder2}/payouts`, key, other)).statusCode).to.equal(200);
      expect((await get(`/parties/${s.address.mcn}/payouts`, key, other)).statusCode).to.equal(403);
      expect((await get(`/parties/${s.address.rightsHolder2}/payouts`, keys.auditor, other)).statusCode, "a key of another file").to.equal(
        401,
      );
      expect(() => createApiKey({ role: "auditor", config: file, id: "rh2" })).to.throw(/already has a key rh2/);
    });

    it("refuses a key file with a plaintext key, a bad hash, a party without an address, or a duplicate id", function () {
      const hash = `sha256:${"a".repeat(64)}`;
      const bad: [unknown, RegExp][] = [
        [{ keys: [{ id: "a", hash, role: "auditor", key: "rsk_a_secret" }] }, /plaintext key/],
        [{ keys: [{ id: "a", hash: "5f4dcc3b5aa765d61d8327deb882cf99", role: "auditor" }] }, /hash must be/],
        [{ keys: [{ id: "a", hash, role: "party" }] }, /needs its address/],
        [{ keys: [{ id: "a", hash, role: "admin" }] }, /role must be/],
        [{ keys: [{ id: "a_b", hash, role: "auditor" }] }, /id must be/],
        [
          {
            keys: [
              { id: "a", hash, role: "auditor" },
              { id: "a", hash, role: "auditor" },
            ],
          },
          /used twice/,
        ],
        [[], /"keys" list/],
      ];
      for (const [json, message] of bad) expect(() => parseAuthConfig(json), JSON.stringify(json)).to.throw(message);
    });

    it("refuses to start with a missing key file", async function () {
      let error: unknown;
      try {
        apps.push(await build({ dbPath: s.dbPath, authConfig: path.join(s.dir, "missing.json") }));
      } catch (err) {
        error = err;
      }
      expect(String(error)).to.include("cannot read the API key file");
    });
  });

  describe("without a key file (the local demo)", function () {
    it("serves every route without a key, and ignores keys", async function () {
      const open = await build({ dbPath: s.dbPath, rateLimit: false });
      apps.push(open);
      for (const url of [`/parties/${s.address.mcn}/payouts`, "/sales", "/disputes/1", "/audit/events", "/metrics"]) {
        expect((await get(url, undefined, open)).statusCode, url).to.equal(200);
        expect((await get(url, "not a key", open)).statusCode, url).to.equal(200);
      }
    });
  });

  describe("the OpenAPI document", function () {
    it("declares the key schemes and each route's access", async function () {
      const doc = (await get("/openapi.json")).json() as {
        components: { securitySchemes: Record<string, { type: string }> };
        paths: Record<string, { get: { security?: unknown[]; description?: string; responses: Record<string, unknown> } }>;
      };
      await SwaggerParser.validate(structuredClone(doc) as never);
      expect(doc.components.securitySchemes).to.have.keys(["bearerKey", "apiKeyHeader"]);
      for (const route of ["/health", "/licences", "/licences/{licenceId}"]) {
        expect(doc.paths[route]!.get.security, route).to.deep.equal([]);
        expect(doc.paths[route]!.get.description, route).to.include("Access: public");
      }
      for (const route of [
        "/sales",
        "/sales/{saleId}",
        "/parties/{address}/payouts",
        "/disputes",
        "/disputes/{disputeId}",
        "/audit/events",
        "/metrics",
      ]) {
        expect(doc.paths[route]!.get.security, route).to.deep.equal([{ bearerKey: [] }, { apiKeyHeader: [] }]);
        if (route !== "/metrics") expect(doc.paths[route]!.get.responses, route).to.include.keys(["401", "403"]); // metrics has no response schemas
      }
      expect(doc.paths["/audit/events"]!.get.description).to.include("an auditor key");
      expect(doc.paths["/sales"]!.get.description).to.include("a party key");
    });
  });
});

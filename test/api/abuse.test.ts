/**
 * The API under abuse (issue #7, part 4): thousands of generated malformed and hostile requests against a
 * database the real indexer built (scenario.ts) must never get a 5xx, and every error must be a problem
 * document; then the limits one by one — rate limit, CORS, helmet's headers, Swagger UI under the CSP, body,
 * path and header sizes.
 */
import http from "node:http";
import net from "node:net";
import { expect } from "chai";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { build, type App } from "../../api/app";
import { generateKey } from "../../api/plugins/auth";
import { DEFAULT_RATE_LIMIT, LIMITS } from "../../api/plugins/security";
import { sharedScenario, type Scenario } from "./scenario";

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] as const;
type Method = (typeof METHODS)[number];

interface Req {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Every numeric parameter of the API: [route, query field] or [route with :param, ":param"]. */
const NUMERIC_FIELDS: [string, string][] = [
  ["/licences", "limit"],
  ["/sales", "limit"],
  ["/sales", "licenceId"],
  ["/disputes", "limit"],
  ["/disputes", "licenceId"],
  ["/audit/events", "limit"],
  ["/audit/events", "fromBlock"],
  ["/audit/events", "toBlock"],
  ["/stats/sales-per-minute", "minutes"],
  ["/licences/:licenceId", ":licenceId"],
  ["/disputes/:disputeId", ":disputeId"],
  ["/stats/licences/:licenceId/channels", ":licenceId"],
];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** encodeURIComponent, with lone surrogates (which it refuses) written as the bytes a sloppy client would send. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s
      .split("")
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          return "%ED%A0%80";
        }
      })
      .join("");
  }
}

function expectNoStack(text: string) {
  expect(text).not.to.match(/\n\s+at /);
  expect(text).not.to.match(/\bat [^\s]+ \(.*:\d+:\d+\)/);
  expect(text).not.to.include("node_modules");
}

/** A problem document: the content type, and (except for HEAD, which has no body) its four members. */
function expectProblem(
  res: LightMyRequestResponse | { statusCode: number; headers: http.IncomingHttpHeaders; body: string },
  what: string,
) {
  expect(res.headers["content-type"], `${what}: content type`).to.match(/^application\/problem\+json/);
  if (res.body === "") return;
  const p = JSON.parse(res.body) as Record<string, unknown>;
  expect(p.type, what).to.be.a("string");
  expect(p.title, what).to.be.a("string").and.not.be.empty;
  expect(p.status, what).to.equal(res.statusCode);
  expect(p.detail, what).to.be.a("string").and.not.be.empty;
  expectNoStack(res.body);
}

/** A raw HTTP exchange (what `inject` cannot do: Node's own limits apply only to a real socket). */
function raw(port: number, request: string): Promise<{ statusCode: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined); // the server closes after answering; what it sent is what counts
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head, ...rest] = text.split("\r\n\r\n");
      const lines = (head ?? "").split("\r\n");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "");
      if (!status) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const headers: http.IncomingHttpHeaders = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(":");
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ statusCode: Number(status[1]), headers, body: rest.join("\r\n\r\n") });
    });
    socket.write(request);
  });
}

let s: Scenario;
/** no rate limit, so the generated traffic reaches the routes */
let app: App;
/** the same with access control on */
let authApp: App;
const keys: { auditor: string; party: string } = { auditor: "", party: "" };
const apps: App[] = [];
const cursors: string[] = [];

async function make(options: Partial<Parameters<typeof build>[0]> = {}) {
  const a = await build({ dbPath: s.dbPath, rpcUrl: s.chain.url, ...options });
  apps.push(a);
  return a;
}

// ------------------------------------------------------------------------------------------- the generator

function arbitraries() {
  const addresses = Object.values(s.address);
  const saleIds = s.sales.map((x) => x.saleId);
  const good = fc.oneof(
    fc.constantFrom(...addresses, ...addresses.map((a) => a.toLowerCase())),
    fc.constantFrom(...saleIds.slice(0, 20)),
    fc.constantFrom("1", "2", "3", "5", "50", "500", "taobao", "jd", "escrowed", "open", "active", "csv", "json", "SaleSettled"),
    fc.constantFrom("Settlement", "DisputeRegistry", "2026-01-01T00:00:00Z", new Date().toISOString()),
  );
  const numbers = fc.oneof(
    fc.constantFrom(
      "1e400",
      "-1e400",
      (2n ** 256n + 1n).toString(),
      "-" + (2n ** 256n + 1n).toString(),
      "9".repeat(400),
      "9007199254740993",
      "1.7976931348623157e308",
      "5e-324",
      "NaN",
      "Infinity",
      "-Infinity",
      "0x1f",
      "0b101",
      "1_000",
      "+1",
      "-0",
      "01",
      "1.5",
      "-1",
      "0",
      "501",
      "100000000",
      "-2147483649",
      "true",
      "null",
      "[]",
      "{}",
    ),
    fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map(String),
    fc.double().map(String),
    fc.integer().map(String),
  );
  const unicode = fc.oneof(
    fc
      .constantFrom(
        "\u202Eevil\u202C",
        "مرحبا",
        "שלום",
        "😀",
        "👨‍👩‍👧‍👦",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "\u0000",
        "\uFEFF",
        "\u200B",
        "淘宝",
        "Ω≈ç√∫",
        "\uD800",
        "\uDFFF",
        "a\uD83Dz",
      )
      .map(enc),
    fc.string({ unit: "binary", maxLength: 40 }).map(enc),
    fc.string({ unit: "grapheme", maxLength: 40 }).map(enc),
    // not valid percent-encoded UTF-8 at all
    fc.constantFrom("%00", "%ED%A0%80", "%F4%90%80%80", "%C0%AF", "%FF", "%", "%zz", "%E0%A4%A", "%%", "%u0041", "%0d%0a", "%0A"),
  );
  const overlong = fc.oneof(
    fc.integer({ min: 10_000, max: 20_000 }).map((n) => "a".repeat(n)),
    fc.integer({ min: 10_000, max: 12_000 }).map((n) => `0x${"f".repeat(n)}`),
    fc.constant(enc("é".repeat(5_000))),
    fc.integer({ min: 101, max: 300 }).map((n) => "1".repeat(n)),
  );
  const sql = fc
    .constantFrom(
      "' OR 1=1 --",
      "'; DROP TABLE sales; --",
      "1 UNION SELECT * FROM events --",
      '" OR ""="',
      "1; ATTACH DATABASE '/tmp/x.db' AS x; --",
      "%' AND 1=0 UNION SELECT sqlite_version() --",
      "1) OR (1=1",
      "*/ SELECT 1 /*",
      "@party",
      ":licenceId",
      "?",
      "\\",
      "`",
    )
    .map(enc);
  const traversal = fc.constantFrom(
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252f",
    "....//....//etc/passwd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "%c0%ae%c0%ae/",
    "%2Fetc%2Fpasswd",
    "file%3A%2F%2F%2Fetc%2Fpasswd",
    "%2F%2Fevil.example",
    "..",
    ".",
    "%2e",
    "~",
  );
  const cursor = fc.oneof(
    fc.constantFrom(...cursors),
    fc.uint8Array({ maxLength: 150 }).map((b) => Buffer.from(b).toString("base64url")),
    fc.uint8Array({ maxLength: 150 }).map((b) => enc(Buffer.from(b).toString("base64"))),
    fc.jsonValue({ maxDepth: 2 }).map(b64),
    fc.constantFrom(
      b64({ block: 1 }),
      b64([1]),
      b64([1, 2, 3]),
      b64(["a", "b"]),
      b64([-1, 0]),
      b64([1e308, 0]),
      b64([2 ** 53 + 2, 0]),
      b64([1.5, 0]),
      b64([null, null]),
      b64("[1,0]"),
      b64(["x".repeat(101)]),
      b64([{}, []]),
      "",
      "=",
      "====",
      "A".repeat(201),
    ),
  );
  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
  const idLike = fc.oneof(
    hex(40).map((h) => `0x${h}`),
    hex(64).map((h) => `0x${h}`),
    fc.constantFrom("0x", "0X" + "a".repeat(40), "0x" + "a".repeat(39), "0x" + "a".repeat(41), "0x" + "g".repeat(40), " 0x1"),
    fc.constantFrom("2026-13-45T00:00:00Z", "2026-02-30T00:00:00Z", "9999-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "yesterday"),
    fc.constantFrom("2026-01-01T00:00:00+99:99", "2026-01-01", "T", "2026-01-01T00:00:00.1234567891234Z"),
  );
  const value = fc.oneof(
    { arbitrary: good, weight: 4 },
    { arbitrary: numbers, weight: 3 },
    { arbitrary: unicode, weight: 3 },
    { arbitrary: overlong, weight: 1 },
    { arbitrary: sql, weight: 2 },
    { arbitrary: traversal, weight: 2 },
    { arbitrary: cursor, weight: 2 },
    { arbitrary: idLike, weight: 2 },
    { arbitrary: fc.string({ maxLength: 20 }).map(enc), weight: 2 },
  );

  const known = [
    "limit",
    "cursor",
    "party",
    "licenceId",
    "channel",
    "status",
    "from",
    "to",
    "rightsHolder",
    "mcn",
    "platform",
    "fromBlock",
    "toBlock",
    "contract",
    "event",
    "format",
    "saleId",
    "minutes",
  ];
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 8 },
    {
      arbitrary: fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "a[b]",
        "limit[]",
        "limit[0]",
        "",
        "%00",
        enc("😀"),
        "x".repeat(1000),
      ),
      weight: 2,
    },
  );
  const pair = fc.oneof(
    { arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}=${v}`), weight: 8 },
    { arbitrary: fc.constantFrom("limit", "=", "&", "==", "limit==1", ";", "a=%", "cursor"), weight: 1 },
  );
  // a hostile number in a numeric field, the rest of the request valid: what got past Ajv (?limit=Infinity)
  const numeric = fc
    .tuple(fc.constantFrom(...NUMERIC_FIELDS), numbers)
    .map(([[route, field], v]) => (field.startsWith(":") ? route.replace(field, v) : `${route}?${field}=${v}`));
  const query = fc.oneof(
    { arbitrary: fc.constant(""), weight: 1 },
    { arbitrary: fc.array(pair, { minLength: 1, maxLength: 6 }).map((ps) => `?${ps.join("&")}`), weight: 6 },
    // the same parameter twice or more
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...known), fc.array(value, { minLength: 2, maxLength: 4 }))
        .map(([n, vs]) => `?${vs.map((v) => `${n}=${v}`).join("&")}`),
      weight: 2,
    },
  );

  const param = value;
  const path = fc.oneof(
    {
      arbitrary: fc.constantFrom(
        "/health",
        "/metrics",
        "/licences",
        "/sales",
        "/disputes",
        "/audit/events",
        "/openapi.json",
        "/docs",
        "/docs/",
        "/docs/json",
        "/",
        "/stats/overview",
        "/stats/sales-per-minute",
      ),
      weight: 4,
    },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            "/licences/:",
            "/sales/:",
            "/parties/:/payouts",
            "/disputes/:",
            "/audit/sales/:/verify",
            "/stats/licences/:/channels",
            "/docs/static/:",
            "/docs/:",
            "/vendor/:",
            "/:",
          ),
          param,
        )
        .map(([t, p]) => t.replace(":", p)),
      weight: 8,
    },
    { arbitrary: fc.array(fc.oneof(param, traversal), { minLength: 1, maxLength: 5 }).map((xs) => `/${xs.join("/")}`), weight: 2 },
    { arbitrary: numeric, weight: 3 },
    {
      arbitrary: fc.constantFrom("//sales", "/sales/", "/SALES", "/sales//x", "/sales?", "/%2Fsales", "/sales%2F1", "/./sales", "/sales/."),
      weight: 1,
    },
  );

  const printable = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
  const headers = fc.record(
    {
      accept: fc.oneof(fc.constantFrom("application/xml", "*/*", "text/html", "application/problem+json", ";;;", "*/*;q=x"), printable),
      "content-type": fc.oneof(
        fc.constantFrom(
          "application/json",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/json; charset=utf-16",
        ),
        printable,
      ),
      authorization: fc.oneof(
        fc.constantFrom("Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer rsk_x_y", `Bearer rsk_${"a".repeat(40)}_${"b".repeat(43)}`),
        printable,
      ),
      "x-api-key": printable,
      origin: fc.constantFrom("https://evil.example", "null", "http://127.0.0.1:3000"),
      "x-fill": fc.integer({ min: 8_000, max: 20_000 }).map((n) => "h".repeat(n)),
      "x-forwarded-for": fc.constantFrom("1.2.3.4", "garbage", "::1, 10.0.0.1"),
      cookie: printable,
      range: fc.constantFrom("bytes=0-10", "bytes=-1", "bytes=99999999999-", "garbage"),
      "if-none-match": printable,
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string>>;

  const body = fc.oneof(
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', "{", "null", ""),
    fc.integer({ min: LIMITS.bodyLimit + 1, max: LIMITS.bodyLimit * 2 }).map((n) => `"${"x".repeat(n)}"`),
  );

  const method = fc.oneof(
    { arbitrary: fc.constant<Method>("GET"), weight: 6 },
    { arbitrary: fc.constantFrom<Method>(...METHODS), weight: 4 },
  );
  return fc
    .record({ method, path, query, headers, body: fc.option(body, { nil: undefined }) })
    .map(({ method, path, query, headers, body }): Req => {
      const withBody = body !== undefined && method !== "GET" && method !== "HEAD";
      return { method, url: `${path}${query}`, headers, ...(withBody ? { payload: body } : {}) };
    });
}

// ----------------------------------------------------------------------------------------------- tests

describe("API abuse", function () {
  this.timeout(600_000);

  before(async function () {
    s = await sharedScenario();
    app = await make({ rateLimit: false });
    const auditor = generateKey({ role: "auditor", id: "auditor" });
    const party = generateKey({ role: "party", address: s.address.mcn, id: "mcn" });
    keys.auditor = auditor.key;
    keys.party = party.key;
    authApp = await make({ rateLimit: false, authConfig: { keys: [auditor.entry, party.entry] } });
    for (const url of ["/sales?limit=2", "/licences?limit=1", "/disputes?limit=1", "/audit/events?limit=2"]) {
      const page = (await app.inject({ url })).json() as { nextCursor: string | null };
      if (page.nextCursor) cursors.push(page.nextCursor);
    }
    expect(cursors).to.have.lengthOf(4);
  });

  after(async function () {
    for (const a of apps) await a.close();
    await s?.stop();
  });

  it("answers ≥ 5,000 generated hostile requests on every route and method without a 5xx, every error a problem document", async function () {
    const known = [
      "/health",
      "/licences",
      `/licences/${s.licence.A}`,
      "/sales?limit=5",
      `/sales/${s.sales[0]!.saleId}`,
      `/parties/${s.address.mcn}/payouts`,
      "/disputes",
      "/disputes/1",
      "/audit/events?limit=3",
      `/audit/events?cursor=${cursors[3]}`,
      "/openapi.json",
      "/metrics",
    ];
    const histogram = new Map<number, number>();
    const byMethod = new Map<string, number>();
    let hostile = 0;
    let goodChecks = 0;
    let slowest = { ms: 0, what: "" };
    const authHeaders = fc.oneof(
      fc.constant<Record<string, string>>({}),
      fc.constant({ authorization: `Bearer ${keys.auditor}` }),
      fc.constant({ authorization: `Bearer ${keys.party}` }),
      fc.constant({ "x-api-key": keys.party }),
      fc.constant({ authorization: `Bearer ${keys.party.slice(0, -1)}A` }),
      fc.stringMatching(/^[\x21-\x7e]{1,80}$/).map((k) => ({ authorization: `Bearer ${k}` })),
    );

    const send = async (on: App, r: Req, label: string) => {
      const started = performance.now();
      const res = await on.inject({
        method: r.method,
        url: r.url,
        headers: r.headers,
        ...(r.payload !== undefined ? { payload: r.payload } : {}),
      });
      hostile++;
      const ms = performance.now() - started;
      if (ms > slowest.ms) slowest = { ms, what: `${r.method} ${r.url.slice(0, 100)}` };
      histogram.set(res.statusCode, (histogram.get(res.statusCode) ?? 0) + 1);
      byMethod.set(r.method, (byMethod.get(r.method) ?? 0) + 1);
      const what = `${label} ${r.method} ${r.url.slice(0, 300)} (${Object.keys(r.headers).join(",")}) → ${res.statusCode} ${res.body.slice(0, 300)}`;
      expect(res.statusCode, what).to.be.below(500);
      if (res.statusCode >= 400) expectProblem(res, what);
      if (res.statusCode === 401) expect(res.headers["www-authenticate"], what).to.match(/^Bearer/);
      expectNoStack(res.body);
      // between hostile requests, a well-formed one still answers: the generator is not just hitting 404s
      if (hostile % 25 === 0) {
        const url = known[(hostile / 25) % known.length]!;
        const ok = await app.inject({ method: "GET", url });
        expect(ok.statusCode, `${url} after ${what}`).to.equal(200);
        goodChecks++;
      }
    };

    const request = arbitraries();
    await fc.assert(
      fc.asyncProperty(request, (r) => send(app, r, "open")),
      { numRuns: 5_000 },
    );
    await fc.assert(
      fc.asyncProperty(request, authHeaders, (r, auth) => send(authApp, { ...r, headers: { ...r.headers, ...auth } }, "keys")),
      { numRuns: 1_000 },
    );

    const statuses = [...histogram.entries()].sort((x, y) => x[0] - y[0]);
    console.log(
      `      ${hostile} generated requests (${[...byMethod.entries()].map(([m, n]) => `${m} ${n}`).join(", ")}), ` +
        `${goodChecks} well-formed ones in between; statuses: ${statuses.map(([st, n]) => `${st}×${n}`).join(", ")}; ` +
        `slowest ${slowest.ms.toFixed(0)} ms (${slowest.what})`,
    );
    expect(hostile).to.be.at.least(5_000);
    expect(statuses.filter(([st]) => st >= 500)).to.deep.equal([]);
    expect(histogram.get(200) ?? 0, "some generated requests are well-formed enough to succeed").to.be.greaterThan(100);
    for (const st of [400, 401, 403, 404, 413]) expect(histogram.get(st) ?? 0, `status ${st} was reached`).to.be.greaterThan(0);
  });

  it("refuses a non-finite or overflowing number in every numeric field with a 400 naming it", async function () {
    const values = ["Infinity", "-Infinity", "1e400", "-1e400", `0x${"f".repeat(300)}`, "9".repeat(400)];
    for (const [route, field] of NUMERIC_FIELDS) {
      // a path segment over 100 characters is a 414 before any validation (tested below)
      for (const v of field.startsWith(":") ? values.filter((x) => x.length <= 100) : values) {
        const url = field.startsWith(":") ? route.replace(field, v) : `${route}?${field}=${v}`;
        const res = await app.inject({ url });
        expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).to.equal(400);
        expectProblem(res, url);
        expect((res.json() as { detail: string }).detail, url).to.include(field.replace(":", ""));
      }
    }
    // big but finite numbers are only out of range, or unknown ids
    expect((await app.inject({ url: `/licences/${2n ** 256n + 1n}` })).statusCode).to.equal(404);
    expect((await app.inject({ url: `/sales?limit=${2n ** 256n + 1n}` })).statusCode).to.equal(400);
  });

  describe("rate limit", function () {
    it(`allows ${DEFAULT_RATE_LIMIT.max} requests a minute per address by default, then answers 429 problem+json with Retry-After`, async function () {
      const limited = await make();
      for (let i = 0; i < DEFAULT_RATE_LIMIT.max; i++) {
        const res = await limited.inject({ url: i % 2 ? "/health" : "/nowhere" });
        expect(res.statusCode, `request ${i + 1}`).to.be.oneOf([200, 404]);
      }
      const res = await limited.inject({ url: "/health" });
      expect(res.statusCode).to.equal(429);
      expectProblem(res, "429");
      expect(Number(res.headers["retry-after"])).to.be.within(1, 60);
      expect((res.json() as { detail: string }).detail).to.include(`${DEFAULT_RATE_LIMIT.max} requests`);
      // another address is not limited by this one
      expect((await limited.inject({ url: "/health", remoteAddress: "10.1.2.3" })).statusCode).to.equal(200);
    });

    it("answers 429 after N requests with a low configured limit, on every route (unknown ones and bad requests too)", async function () {
      const limited = await make({ rateLimit: { max: 5, timeWindowMs: 30_000 } });
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await limited.inject({ url: "/licences" });
        expect(res.statusCode).to.equal(200);
        expect(res.headers["x-ratelimit-limit"]).to.equal("5");
        remaining.push(Number(res.headers["x-ratelimit-remaining"]));
      }
      expect(remaining).to.deep.equal([4, 3, 2, 1, 0]);
      for (const url of ["/licences", "/nowhere", "/sales?limit=-1", `/sales/${s.sales[0]!.saleId}`]) {
        const res = await limited.inject({ url });
        expect(res.statusCode, url).to.equal(429);
        expectProblem(res, url);
        expect(Number(res.headers["retry-after"]), url).to.be.within(1, 30);
        expect(res.headers["content-security-policy"], "helmet's headers are on a 429 too").to.be.a("string");
      }
    });

    it("can be turned off (benchmarks): no limit headers, no 429", async function () {
      for (let i = 0; i < 50; i++) expect((await app.inject({ url: "/health" })).statusCode).to.equal(200);
      const res = await app.inject({ url: "/health" });
      expect(res.headers).not.to.have.property("x-ratelimit-limit");
    });

    it("refuses a nonsensical limit at start-up", async function () {
      let error: unknown;
      try {
        await make({ rateLimit: { max: 0 } });
      } catch (err) {
        error = err;
      }
      expect(String(error)).to.match(/rate limit/);
    });
  });

  describe("CORS", function () {
    it("is closed by default: no Access-Control-* header, and a preflight is a 404 problem", async function () {
      const res = await app.inject({ url: "/licences", headers: { origin: "https://evil.example" } });
      expect(res.statusCode).to.equal(200);
      expect(Object.keys(res.headers).filter((h) => h.startsWith("access-control-"))).to.deep.equal([]);
      const pre = await app.inject({
        method: "OPTIONS",
        url: "/licences",
        headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
      });
      expect(pre.statusCode).to.equal(404);
      expectProblem(pre, "preflight");
      expect(pre.headers).not.to.have.property("access-control-allow-origin");
    });

    it("opens to the configured origins only", async function () {
      const open = await make({ rateLimit: false, corsOrigins: ["https://dash.example.com"] });
      const ok = await open.inject({ url: "/licences", headers: { origin: "https://dash.example.com" } });
      expect(ok.headers["access-control-allow-origin"]).to.equal("https://dash.example.com");
      expect(String(ok.headers.vary)).to.match(/origin/i);
      const other = await open.inject({ url: "/licences", headers: { origin: "https://evil.example" } });
      expect(other.headers).not.to.have.property("access-control-allow-origin");
      const pre = await open.inject({
        method: "OPTIONS",
        url: "/sales",
        headers: {
          origin: "https://dash.example.com",
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
      expect(pre.statusCode).to.equal(204);
      expect(pre.headers["access-control-allow-origin"]).to.equal("https://dash.example.com");
      expect(String(pre.headers["access-control-allow-headers"])).to.include("authorization");
      expect(String(pre.headers["access-control-allow-methods"]).replaceAll(" ", "")).to.equal("GET,HEAD");
    });

    it("refuses an origin that is not one at start-up", async function () {
      for (const origin of ["dash.example.com", "https://dash.example.com/", "ftp://x.example"]) {
        let error: unknown;
        try {
          await make({ corsOrigins: [origin] });
        } catch (err) {
          error = err;
        }
        expect(String(error), origin).to.include("is not an origin");
      }
    });
  });

  describe("helmet", function () {
    it("sets its headers, the default CSP included, on answers and on problems", async function () {
      for (const url of ["/health", "/nowhere", "/sales?limit=0"]) {
        const res = await app.inject({ url });
        const csp = String(res.headers["content-security-policy"]);
        expect(csp, url).to.include("default-src 'self'");
        expect(csp, url).to.include("script-src 'self'");
        expect(csp, url).to.include("object-src 'none'");
        expect(csp, url).to.include("frame-ancestors 'self'");
        expect(csp, url).not.to.match(/script-src[^;]*unsafe/);
        expect(res.headers["x-content-type-options"], url).to.equal("nosniff");
        expect(res.headers["x-frame-options"], url).to.equal("SAMEORIGIN");
        expect(res.headers["strict-transport-security"], url).to.match(/max-age=\d+/);
        expect(res.headers["referrer-policy"], url).to.equal("no-referrer");
        expect(res.headers["cross-origin-opener-policy"], url).to.equal("same-origin");
        expect(res.headers, url).not.to.have.property("x-powered-by");
      }
    });

    it("lets Swagger UI work under the CSP: no inline script, every asset same-origin and served", async function () {
      let res = await app.inject({ url: "/docs" });
      expect(res.statusCode).to.equal(200);
      const html = res.body;
      expect(res.headers["content-security-policy"]).to.include("script-src 'self'");
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).to.be.greaterThan(0);
      for (const [, attrs, inner] of scripts) {
        expect(attrs, "every script is a file").to.match(/\ssrc="/);
        expect(inner!.trim(), "no inline script").to.equal("");
      }
      expect(html).not.to.match(/\son[a-z]+="/i); // no inline event handlers
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).to.be.greaterThan(3);
      for (const asset of assets) {
        expect(asset, "same origin").not.to.match(/^(https?:)?\/\//);
        const url = asset.startsWith("/") ? asset : `/docs/${asset.replace(/^\.\//, "")}`;
        res = await app.inject({ url });
        expect(res.statusCode, url).to.equal(200);
        expect(res.headers["content-type"], url).to.match(/javascript|css|image/);
      }
      // the initializer fetches the spec from the same origin, and nothing else (comments aside)
      res = await app.inject({ url: "/docs/static/swagger-initializer.js" });
      expect(res.body).to.include("url: resolveUrl('./json')");
      expect(res.body.replace(/\/\/ .*$/gm, "")).not.to.match(/https?:\/\//);
      res = await app.inject({ url: "/docs/json" });
      expect(res.statusCode).to.equal(200);
      expect((res.json() as { openapi: string }).openapi).to.match(/^3\./);
    });
  });

  describe("size limits", function () {
    it(`answers 413 problem+json to a body over ${LIMITS.bodyLimit / 1024} KiB, on any route and method`, async function () {
      for (const [method, url] of [
        ["POST", "/sales"],
        ["PUT", `/licences/${s.licence.A}`],
        ["PATCH", "/nowhere"],
        ["DELETE", "/disputes/1"],
      ] as const) {
        const res = await app.inject({
          method,
          url,
          payload: JSON.stringify({ x: "y".repeat(LIMITS.bodyLimit) }),
          headers: { "content-type": "application/json" },
        });
        expect(res.statusCode, `${method} ${url}`).to.equal(413);
        expectProblem(res, `${method} ${url}`);
      }
      const small = await app.inject({ method: "POST", url: "/sales", payload: { x: 1 } });
      expect(small.statusCode).to.equal(404);
      expectProblem(small, "small body");
    });

    it("answers 414 problem+json to a path segment longer than any id", async function () {
      for (const url of [`/sales/0x${"ab".repeat(60)}`, `/parties/${"x".repeat(LIMITS.maxParamLength + 1)}/payouts`]) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).to.equal(414);
        expectProblem(res, url);
      }
    });

    it(`answers 431 problem+json to headers over ${LIMITS.maxHeaderSize / 1024} KiB on a real socket, and 400 problem+json to garbage`, async function () {
      const server = await make({ rateLimit: false });
      await server.listen({ host: "127.0.0.1", port: 0 });
      const port = (server.server.address() as net.AddressInfo).port;

      const under = await raw(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Fill: ${"a".repeat(8_000)}\r\nConnection: close\r\n\r\n`);
      expect(under.statusCode).to.equal(200);

      const over = await raw(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Fill: ${"a".repeat(LIMITS.maxHeaderSize + 1_000)}\r\n\r\n`);
      expect(over.statusCode).to.equal(431);
      expectProblem(over, "431");

      const many = await raw(
        port,
        `GET /health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 4_000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`,
      );
      expect(many.statusCode).to.equal(431);
      expectProblem(many, "431, many headers");

      const garbage = await raw(port, "NOT HTTP AT ALL\r\n\r\n");
      expect(garbage.statusCode).to.equal(400);
      expectProblem(garbage, "garbage");

      const longUrl = await raw(port, `GET /sales?cursor=${"A".repeat(LIMITS.maxHeaderSize + 10)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(longUrl.statusCode).to.equal(431);
      expectProblem(longUrl, "431, long URL");
    });
  });
});

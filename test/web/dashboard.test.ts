/**
 * The web dashboard (web/), served by the API, in a real browser: Debian's Chromium driven by
 * playwright-core, against the API scenario's chain (test/api/scenario.ts) with the real indexer following
 * it live. Every number the page shows is compared with the API's JSON for the same thing; a sale settled
 * on the chain while the party view is open must appear there without a reload.
 *
 * Also the routes the dashboard added to the API (api/routes/stats.ts), checked with app.inject against
 * the scenario's own expectations from the chain.
 *
 * Screenshots of every view, desktop and phone, go to test-artifacts/dashboard/ (git-ignored).
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers, Wallet } from "ethers";
import fastifyHelmet from "@fastify/helmet";
import SwaggerParser from "@apidevtools/swagger-parser";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { build, type App, type AppOptions } from "../../api/app";
import { generateKey } from "../../api/plugins/auth";
import { createIndexer, type Indexer } from "../../indexer/indexer";
import { openStore } from "../../indexer/store/store";
import { saleIdOf, testIndexerConfig } from "../indexer/harness";
import { runScenario, type Scenario } from "../api/scenario";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.join(__dirname, "..", "..", "test-artifacts", "dashboard");
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

// ------------------------------------------------------------------------------------------- formatting

/** The dashboard's formatting, written again here (exact, with bigint) to check what the page shows. */
function fmt(amount: string | bigint, decimals: number | null, symbol?: string | null): string {
  const value = BigInt(amount);
  const abs = value < 0n ? -value : value;
  const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let text: string;
  if (!decimals) text = group(abs.toString());
  else {
    const base = 10n ** BigInt(decimals);
    let fraction = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
    fraction = fraction.padEnd(Math.min(decimals, 2), "0");
    text = `${group((abs / base).toString())}${fraction ? `.${fraction}` : ""}`;
  }
  return `${value < 0n ? "-" : ""}${text}${symbol ? ` ${symbol}` : ""}`;
}
const count = (n: number) => n.toLocaleString("en-US");
const bps = (n: number) =>
  `${Math.trunc(n / 100)}${
    n % 100
      ? `.${String(n % 100)
          .padStart(2, "0")
          .replace(/0+$/, "")}`
      : ""
  } %`;
const sum = (xs: bigint[]) => xs.reduce((t, x) => t + x, 0n);
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

// ----------------------------------------------------------------------------------------------- types

interface TokenTotalsJson {
  token: string;
  symbol: string | null;
  decimals: number | null;
  allowed: boolean;
  sales: number;
  gross: string;
  commission: string;
  escrowed: string;
  claimable: string;
  withdrawn: string;
}
interface OverviewJson {
  chainId: number | null;
  indexedBlock: number | null;
  latestEventAt: string | null;
  sales: { total: number; refunded: number; latestAt: string | null };
  licences: Record<string, number>;
  disputes: { open: number; upheld: number; rejected: number };
  channels: { channelId: number; name: string; active: boolean }[];
  tokens: TokenTotalsJson[];
  latestSales: { saleId: string; grossAmount: string; commissionAmount: string; decimals: number; token: string }[];
}
interface PerMinuteJson {
  from: string;
  to: string;
  bucketSeconds: number;
  total: number;
  buckets: { start: string; sales: number }[];
}
interface ChannelsJson {
  licenceId: number;
  channels: {
    channelId: number;
    name: string | null;
    inScope: boolean;
    sales: number;
    totals: { token: string; decimals: number | null; sales: number; gross: string; commission: string }[];
  }[];
}
interface LicenceJson {
  licenceId: number;
  splitBps: { rightsHolder: number; mcn: number; platform: number };
  commissionBps: number;
  totals: {
    token: string;
    decimals: number;
    sales: number;
    gross: string;
    commission: string;
    rightsHolder: string;
    mcn: string;
    platform: string;
  }[];
}
interface PayoutsJson {
  tokens: {
    token: string;
    symbol: string;
    decimals: number;
    claimable: string;
    escrowed: string;
    withdrawn: string;
    earned: string;
    nextReleaseAt: string | null;
  }[];
  recentCredits: { saleId: string; amount: string; decimals: number }[];
}
interface DisputeJson {
  disputeId: number;
  status: string;
  evidence: unknown[];
  ruling: string | null;
}
interface AuditPageJson {
  items: { blockNumber: number; logIndex: number; event: string; args: Record<string, string> }[];
  nextCursor: string | null;
}
interface VerificationJson {
  verified: boolean;
  checks: { field: string; equal: boolean }[];
}

/** What the page functions below use of the browser (the project's TypeScript has no DOM library). */
interface Win {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): Iterable<unknown>;
    documentElement: { scrollWidth: number; scrollHeight: number };
    addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void;
  };
  innerWidth: number;
  Chart: { getChart(canvas: unknown): { config: { type: string }; data: { datasets: { data: number[] }[] } } | undefined };
  localStorage: { getItem(key: string): string | null };
  location: { hash: string };
  marker?: string;
}

// -------------------------------------------------------------------------------------------- the stack

let s: Scenario;
let app: App;
let base: string;
let indexer: Indexer;
let indexing: Promise<void>;
let symbol: string;
let decimals: number;
const extraApps: App[] = [];

/** helmet's default Content-Security-Policy, as the API serves it once @fastify/helmet is registered. */
const HELMET_CSP = Object.entries(fastifyHelmet.contentSecurityPolicy.getDefaultDirectives())
  .map(([name, values]) => [name, ...[...(values as Iterable<string>)]].join(" "))
  .join(";");

/**
 * The API on a free port, its pages under helmet's default CSP (script-src 'self', no inline script or
 * handler): added here unless the API already sends a policy of its own.
 */
async function serve(options: AppOptions): Promise<{ app: App; url: string }> {
  const a = await build(options);
  a.addHook("onSend", async (_req, reply, payload) => {
    if (!reply.hasHeader("content-security-policy")) reply.header("content-security-policy", HELMET_CSP);
    return payload;
  });
  await a.listen({ port: 0, host: "127.0.0.1" });
  const address = a.server.address() as { port: number };
  return { app: a, url: `http://127.0.0.1:${address.port}` };
}

async function getJson<T>(url: string, on: App = app): Promise<T> {
  const res = await on.inject({ method: "GET", url });
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).to.equal(200);
  return res.json() as T;
}

describe("web dashboard", function () {
  this.timeout(120_000);

  before(async function () {
    s = await runScenario();
    symbol = await s.c.token.symbol();
    decimals = Number(await s.c.token.decimals());
    // The real indexer follows the chain from where the scenario's catch-up left it.
    indexer = createIndexer(testIndexerConfig(s.chain.url, s.dbPath, s.c.deployment, { once: false, pollIntervalMs: 100 }));
    indexing = indexer.run();
    ({ app, url: base } = await serve({ dbPath: s.dbPath, rpcUrl: s.chain.url }));
  });

  after(async function () {
    indexer?.stop();
    await indexing;
    for (const a of extraApps) await a.close();
    await app?.close();
    await s?.stop();
  });

  // ------------------------------------------------------------------------------------ the stats API
  describe("stats routes", function () {
    const live = () => s.sales.filter((x) => x.status !== "refunded");

    it("GET /stats/overview totals the ledger as the chain has it", async function () {
      const o = await getJson<OverviewJson>("/stats/overview");
      expect(o.chainId).to.equal(31337);
      expect(o.indexedBlock).to.be.at.least(s.headBlock);
      expect(o.sales).to.deep.equal({
        total: s.sales.length,
        refunded: s.sales.filter((x) => x.status === "refunded").length,
        latestAt: iso(s.sales.at(-1)!.timestamp),
      });
      expect(o.licences).to.deep.equal({
        total: 3,
        proposed: 1,
        active: 2,
        expired: 0,
        superseded: 0,
        suspended: 0,
        terminated: 0,
        cancelled: 0,
      });
      expect(o.disputes).to.deep.equal({ open: 1, upheld: 1, rejected: 1 });
      expect(o.channels.map((c) => c.name)).to.deep.equal(["taobao", "jd", "pdd"]);
      const inEscrow = s.sales.filter((x) => x.status === "escrowed" || x.status === "frozen");
      expect(o.tokens).to.deep.equal([
        {
          token: s.token,
          symbol,
          decimals,
          allowed: true,
          sales: live().length,
          gross: sum(live().map((x) => x.gross)).toString(),
          commission: sum(live().map((x) => x.commission)).toString(),
          escrowed: sum(inEscrow.map((x) => x.commission)).toString(),
          claimable: sum([...s.claimable.values()]).toString(),
          withdrawn: sum([...s.withdrawn.values()]).toString(),
        },
      ]);
      // Past 2^53 and summed exactly: the scenario has a sale of 100,000,000,000,000,007.
      expect(BigInt(o.tokens[0]!.gross) > 100_000_000_000_000_000n).to.be.true;
      expect(o.latestSales.map((x) => x.saleId)).to.deep.equal(
        s.sales
          .slice(-10)
          .reverse()
          .map((x) => x.saleId),
      );
    });

    it("GET /stats/sales-per-minute counts each minute's sales by block time, zeros included", async function () {
      const to = s.cut.afterPhase1;
      const p = await getJson<PerMinuteJson>(`/stats/sales-per-minute?minutes=60&to=${iso(to)}`);
      expect(p.from).to.equal(iso(to - 3600));
      expect(p.to).to.equal(iso(to));
      expect(p.bucketSeconds).to.equal(60);
      expect(p.buckets).to.have.lengthOf(60);
      const expected = p.buckets.map((_, i) => {
        const start = to - 3600 + i * 60;
        return { start: iso(start), sales: s.sales.filter((x) => x.timestamp >= start && x.timestamp < start + 60).length };
      });
      expect(p.buckets).to.deep.equal(expected);
      expect(p.total)
        .to.equal(s.sales.filter((x) => x.timestamp >= to - 3600 && x.timestamp < to).length)
        .and.to.be.greaterThan(50);

      // By default the window ends with the newest block's minute (this chain's clock is 8 days ahead).
      const now = await getJson<PerMinuteJson>("/stats/sales-per-minute?minutes=5");
      expect(now.buckets).to.have.lengthOf(5);
      expect(Date.parse(now.to)).to.be.greaterThan(s.sales.at(-1)!.timestamp * 1000);
      expect(now.total)
        .to.equal(s.sales.filter((x) => x.timestamp * 1000 >= Date.parse(now.from)).length)
        .and.to.be.greaterThan(0);
    });

    it("GET /stats/licences/:licenceId/channels splits each licence's totals by channel", async function () {
      for (const l of s.licences) {
        const c = await getJson<ChannelsJson>(`/stats/licences/${l.licenceId}/channels`);
        const licence = await getJson<LicenceJson>(`/licences/${l.licenceId}`);
        const channelIds = [
          ...new Set([
            ...l.channels.map((x) => x.channelId),
            ...live()
              .filter((x) => x.licenceId === l.licenceId)
              .map((x) => x.channelId),
          ]),
        ].sort();
        expect(c.licenceId).to.equal(l.licenceId);
        expect(c.channels).to.deep.equal(
          channelIds.map((channelId) => {
            const sold = live().filter((x) => x.licenceId === l.licenceId && x.channelId === channelId);
            return {
              channelId,
              name: s.channelNames.get(channelId)!,
              inScope: l.channels.some((x) => x.channelId === channelId),
              sales: sold.length,
              totals: sold.length
                ? [
                    {
                      token: s.token,
                      decimals,
                      sales: sold.length,
                      gross: sum(sold.map((x) => x.gross)).toString(),
                      commission: sum(sold.map((x) => x.commission)).toString(),
                    },
                  ]
                : [],
            };
          }),
        );
        // …and they add up to the licence's own totals.
        for (const t of licence.totals) {
          const parts = c.channels.flatMap((x) => x.totals.filter((y) => y.token === t.token));
          expect(sum(parts.map((x) => BigInt(x.gross))).toString()).to.equal(t.gross);
          expect(sum(parts.map((x) => BigInt(x.commission))).toString()).to.equal(t.commission);
          expect(parts.reduce((n, x) => n + x.sales, 0)).to.equal(t.sales);
        }
      }
      const proposed = await getJson<ChannelsJson>(`/stats/licences/${s.licence.C}/channels`);
      expect(proposed.channels.map((x) => [x.name, x.sales])).to.deep.equal([
        ["taobao", 0],
        ["pdd", 0],
      ]);
    });

    for (const [url, status, field] of [
      ["/stats/sales-per-minute?minutes=0", 400, "minutes"],
      ["/stats/sales-per-minute?minutes=1441", 400, "minutes"],
      ["/stats/sales-per-minute?to=yesterday", 400, "to"],
      ["/stats/sales-per-minute?foo=1", 400, "foo"],
      ["/stats/overview?foo=1", 400, "foo"],
      ["/stats/licences/abc/channels", 400, "licenceId"],
      ["/stats/licences/999/channels", 404, "999"],
    ] as const) {
      it(`answers ${status} problem+json to ${url}`, async function () {
        const res = await app.inject({ method: "GET", url });
        expect(res.statusCode, res.body).to.equal(status);
        expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
        expect((res.json() as { detail: string }).detail).to.include(field);
      });
    }

    it("with API keys: the overview wants a key and shows a party only its own licences' sales; the rest is public", async function () {
      const party = generateKey({ role: "party", address: s.address.mcn2, id: "mcn2" });
      const auditor = generateKey({ role: "auditor", id: "auditor" });
      const keyed = await build({ dbPath: s.dbPath, authConfig: { keys: [party.entry, auditor.entry] } });
      extraApps.push(keyed);
      const as = async (url: string, key?: string) =>
        keyed.inject({ method: "GET", url, headers: key ? { authorization: `Bearer ${key}` } : {} });

      const anonymous = await as("/stats/overview");
      expect(anonymous.statusCode).to.equal(401);
      expect(anonymous.headers["content-type"]).to.match(/^application\/problem\+json/);

      const open = await getJson<OverviewJson>("/stats/overview");
      const mine = (await as("/stats/overview", party.key)).json() as OverviewJson;
      const B = s.sales.filter((x) => x.licenceId === s.licence.B);
      expect(mine.latestSales.map((x) => x.saleId)).to.deep.equal(
        B.slice(-10)
          .reverse()
          .map((x) => x.saleId),
      );
      expect({ ...mine, latestSales: [] }).to.deep.equal({ ...open, latestSales: [] });
      const all = (await as("/stats/overview", auditor.key)).json() as OverviewJson;
      expect(all).to.deep.equal(open);

      for (const url of [`/stats/licences/${s.licence.A}/channels`, "/stats/sales-per-minute", "/", "/app.js", "/vendor/chart.js"])
        expect((await as(url)).statusCode, url).to.equal(200);
    });

    it("documents the stats routes in the OpenAPI document, and hides the page's files from it", async function () {
      const doc = await getJson<{
        paths: Record<string, { get?: { summary?: string; tags?: string[]; responses: Record<string, unknown> } }>;
      }>("/openapi.json");
      await SwaggerParser.validate(structuredClone(doc) as never);
      for (const route of ["/stats/overview", "/stats/sales-per-minute", "/stats/licences/{licenceId}/channels"]) {
        const op = doc.paths[route]?.get;
        expect(op, route).to.be.an("object");
        expect(op!.summary).to.be.a("string").and.not.be.empty;
        expect(op!.tags).to.include("stats");
        expect(op!.responses).to.have.property("200");
        expect(op!.responses).to.have.property("400");
      }
      for (const hidden of ["/", "/index.html", "/app.js", "/styles.css", "/vendor/chart.js"])
        expect(doc.paths).not.to.have.property(hidden);
    });

    it("serves the page, its modules and Chart.js from the API itself, and still 404s unknown paths as problems", async function () {
      const page = await app.inject({ method: "GET", url: "/" });
      expect(page.statusCode).to.equal(200);
      expect(page.headers["content-type"]).to.match(/^text\/html/);
      expect(page.body).to.include('<script type="module" src="/app.js">');
      expect(page.body, "no inline script").not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.body, "no inline handler").not.to.match(/\son[a-z]+=/i);
      expect(page.body, "nothing from another origin").not.to.match(/(src|href)="(https?:)?\/\//);
      const chart = await app.inject({ method: "GET", url: "/vendor/chart.js" });
      expect(chart.statusCode).to.equal(200);
      expect(chart.headers["content-type"]).to.match(/javascript/);
      expect(chart.body).to.include("Chart.js v4");
      const js = await app.inject({ method: "GET", url: "/app.js" });
      expect(js.headers["content-type"]).to.match(/javascript/);
      const missing = await app.inject({ method: "GET", url: "/nowhere.js" });
      expect(missing.statusCode).to.equal(404);
      expect(missing.headers["content-type"]).to.match(/^application\/problem\+json/);
    });
  });

  // -------------------------------------------------------------------------------------- the browser
  describe("in Chromium", function () {
    let browser: Browser;
    let desktop: BrowserContext;
    let phone: BrowserContext;
    /** One page per width, moved from view to view by its hash like a user would (no reload). */
    let page: Page;
    let phonePage: Page;
    const problems: string[] = [];
    /**
     * The one error the pages are expected to log: the browser logs every 4xx response, and a test asks for
     * an unknown licence on purpose (its messages may arrive after that test ended).
     */
    const EXPECTED = /status of 404 .*\/licences\/999[/)]/;

    before(async function () {
      if (!fs.existsSync(CHROMIUM)) {
        console.log(`    ${CHROMIUM} is missing: the dashboard's browser tests are skipped. Install it with: apt-get install -y chromium`);
        this.skip();
      }
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-background-networking",
          "--disable-gpu",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      desktop = await browser.newContext({ viewport: DESKTOP });
      phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      [page, phonePage] = await Promise.all([watched(desktop), watched(phone)]);
    });

    after(async function () {
      await browser?.close();
    });

    /** A test in the browser that also fails if a page logged an error or violated its CSP meanwhile. */
    function check(title: string, body: () => Promise<void>) {
      it(title, async function () {
        problems.length = 0;
        await body();
        expect(problems.splice(0), "the page logged errors or violated its Content-Security-Policy").to.deep.equal([]);
      });
    }

    /** A page of `context` with every console error, page error and CSP violation recorded. */
    async function watched(context: BrowserContext): Promise<Page> {
      const p = await context.newPage();
      p.on("console", (m) => {
        const text = `${m.text()} (${m.location().url})`;
        if (m.type() === "error" && !EXPECTED.test(text)) problems.push(`console: ${text}`);
      });
      p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await p.addInitScript(() => {
        const w = globalThis as unknown as Win;
        w.document.addEventListener("securitypolicyviolation", (e) =>
          console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
        );
      });
      return p;
    }

    /** Opens the view at `hash`: loads the dashboard the first time, then only changes the hash. */
    async function go(p: Page, hash: string) {
      if (p.url().startsWith(`${base}/`)) {
        await p.evaluate((h) => {
          (globalThis as unknown as Win).location.hash = h;
        }, hash);
      } else {
        await p.goto(`${base}/#${hash}`);
      }
      await p.locator(`.view[data-path="${hash}"]`).waitFor({ state: "attached" });
    }

    /** The text of `selector`, once it equals `expected` (polled; the page fills itself in from the API). */
    async function expectText(page: Page, selector: string, expected: string, timeout = 10_000) {
      try {
        await page.waitForFunction(
          ([sel, text]) => (globalThis as unknown as Win).document.querySelector(sel)?.textContent?.trim() === text,
          [selector, expected] as const,
          { timeout, polling: 100 },
        );
      } catch {
        const actual = await page
          .locator(selector)
          .first()
          .textContent({ timeout: 100 })
          .catch(() => null);
        throw new Error(`${selector}: expected "${expected}", the page shows ${JSON.stringify(actual?.trim() ?? null)}`);
      }
    }

    const texts = (page: Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => e.textContent!.trim()));

    /** A full-page screenshot, cut at 2,400 CSS px (a phone's long pages would take seconds to encode). */
    async function shoot(p: Page, name: string) {
      const height = await p.evaluate(() => (globalThis as unknown as Win).document.documentElement.scrollHeight);
      const width = p.viewportSize()!.width;
      await p.screenshot({
        path: path.join(ARTIFACTS, `${name}.png`),
        fullPage: true,
        clip: { x: 0, y: 0, width, height: Math.min(height, 2400) },
      });
    }

    async function noSideways(p: Page, what: string) {
      const { scrollWidth, innerWidth, wide } = await p.evaluate((limit) => {
        const w = globalThis as unknown as Win;
        // What sticks out, for the failure message: the innermost elements past the right edge.
        const wide = [...w.document.querySelectorAll("body *")]
          .map((e) => e as { tagName: string; className: string; textContent: string; getBoundingClientRect(): { right: number } })
          .filter((e) => e.getBoundingClientRect().right > limit + 0.5)
          .slice(-5)
          .map(
            (e) =>
              `${e.tagName.toLowerCase()}.${e.className} "${e.textContent.slice(0, 40)}" to ${Math.round(e.getBoundingClientRect().right)} px`,
          );
        return { scrollWidth: w.document.documentElement.scrollWidth, innerWidth: w.innerWidth, wide };
      }, PHONE.width);
      // A phone widens its layout viewport to fit wide content: innerWidth must still be the phone's.
      expect(innerWidth, `${what} widened the layout viewport: ${wide.join("; ")}`).to.equal(PHONE.width);
      expect(scrollWidth, `${what} overflows sideways: ${wide.join("; ")}`).to.be.at.most(PHONE.width);
    }

    check("overview: the totals, the sales per minute and the latest sales are the API's", async () => {
      await go(page, "/overview");
      const o = await getJson<OverviewJson>("/stats/overview");
      const t = o.tokens[0]!;
      await expectText(page, '[data-metric="sales-total"]', count(o.sales.total));
      await expectText(page, '[data-metric="licences-active"]', String(o.licences.active));
      await expectText(page, '[data-metric="disputes-open"]', String(o.disputes.open));
      for (const key of ["gross", "commission", "escrowed", "claimable", "withdrawn"] as const)
        await expectText(page, `[data-token="${t.token}"] [data-metric="${key}"]`, fmt(t[key], t.decimals, t.symbol));
      expect(fmt(t.gross, t.decimals, t.symbol)).to.match(/^\d{1,3}(,\d{3})+\.\d{2} dCNY$/);

      const rows = page.locator("tr[data-sale]");
      expect(await rows.count()).to.equal(10);
      expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-sale")))).to.deep.equal(
        o.latestSales.map((x) => x.saleId),
      );
      const first = o.latestSales[0]!;
      expect(await texts(page, "tr[data-sale] td.num .amount")).to.include.members([
        fmt(first.grossAmount, first.decimals, symbol),
        fmt(first.commissionAmount, first.decimals, symbol),
      ]);

      const perMinute = await getJson<PerMinuteJson>("/stats/sales-per-minute?minutes=60");
      const chart = await page.waitForFunction(() => {
        const w = globalThis as unknown as Win;
        const canvas = w.document.querySelector("canvas");
        const c = canvas && w.Chart.getChart(canvas);
        return c ? c.data.datasets[0]!.data : null;
      });
      expect((await chart.jsonValue())!.reduce((a, b) => a + b, 0)).to.equal(perMinute.total);
      await expectText(page, '[data-nav="overview"][aria-current="page"]', "Overview");
      await shoot(page, "overview-desktop");
    });

    check("licences: the list and a licence's split, scope and sales by channel are the API's", async () => {
      await go(page, "/licences");
      const list = await getJson<{ items: LicenceJson[] }>("/licences");
      await page
        .locator("tr[data-licence]")
        .nth(list.items.length - 1)
        .waitFor();
      expect(await page.locator("tr[data-licence]").count()).to.equal(list.items.length);
      await shoot(page, "licences-desktop");

      const B = s.licence.B;
      await page.click(`a[href="#/licences/${B}"]`);
      await page.locator(`.view[data-path="/licences/${B}"]`).waitFor();
      const l = await getJson<LicenceJson>(`/licences/${B}`);
      const t = l.totals[0]!;
      await expectText(page, '[data-metric="commission-rate"]', bps(l.commissionBps));
      await expectText(page, '[data-metric="sales"]', count(t.sales));
      await expectText(page, '[data-metric="gross"]', fmt(t.gross, t.decimals, symbol));
      for (const role of ["rightsHolder", "mcn", "platform"] as const) {
        await expectText(page, `[data-metric="bps-${role}"]`, bps(l.splitBps[role]));
        await expectText(page, `[data-metric="earned-${role}"]`, fmt(t[role], t.decimals, symbol));
      }
      const c = await getJson<ChannelsJson>(`/stats/licences/${B}/channels`);
      for (const ch of c.channels) {
        const cells = await texts(page, `tr[data-channel="${ch.name}"] td`);
        expect(cells, ch.name!).to.deep.equal([
          ch.name,
          count(ch.sales),
          fmt(ch.totals[0]!.gross, decimals, symbol),
          fmt(ch.totals[0]!.commission, decimals, symbol),
        ]);
      }
      const types = await page.evaluate(() => {
        const w = globalThis as unknown as Win;
        return [...w.document.querySelectorAll("canvas")].map((canvas) => w.Chart.getChart(canvas)?.config.type);
      });
      expect(types).to.deep.equal(["doughnut", "bar"]);
      expect(await page.locator(".chips .chip").allTextContents()).to.deep.equal(c.channels.filter((x) => x.inScope).map((x) => x.name));
      await shoot(page, "licence-desktop");
    });

    check("disputes: each timeline shows the opening, every piece of evidence and the ruling", async () => {
      await go(page, "/disputes");
      const list = await getJson<{ items: DisputeJson[] }>("/disputes");
      await page
        .locator("article[data-dispute]")
        .nth(list.items.length - 1)
        .waitFor();
      for (const d of list.items) {
        const card = page.locator(`article[data-dispute="${d.disputeId}"]`);
        expect(await card.locator(".badge").first().textContent()).to.equal(d.status.charAt(0).toUpperCase() + d.status.slice(1));
        expect(await card.locator(".step-evidence").count()).to.equal(d.evidence.length);
        expect(await card.locator(".step-opened").count()).to.equal(1);
        if (d.status === "open") expect(await card.locator(".step-pending").count()).to.equal(1);
        else expect(await card.locator(`.step-${d.status}`).textContent()).to.include(`Ruling: ${d.status}`);
      }
      await shoot(page, "disputes-desktop");
    });

    check("audit: the trail is the API's, the CSV link exports it, and Verify shows every field matching the chain", async () => {
      await go(page, "/audit");
      const trail = await getJson<AuditPageJson>("/audit/events?limit=50");
      await page.locator("tr[data-position]").nth(49).waitFor();
      expect(await page.locator("tr[data-position]").evaluateAll((els) => els.map((e) => e.getAttribute("data-position")))).to.deep.equal(
        trail.items.map((e) => `${e.blockNumber}:${e.logIndex}`),
      );
      const csvHref = await page.getAttribute("a[download]", "href");
      expect(csvHref).to.equal("/audit/events?format=csv");
      const csv = await page.request.get(`${base}${csvHref}`);
      expect(csv.status()).to.equal(200);
      expect(csv.headers()["content-type"]).to.match(/^text\/csv/);
      expect((await csv.text()).trimEnd().split("\n").length - 1).to.be.at.least(s.events.length);

      const saleId = trail.items.find((e) => e.event === "SaleSettled")!.args.saleId!;
      await page.click(`button[data-verify="${saleId}"]`);
      const verdict = page.locator(`tr[data-verify-of="${saleId}"] [data-verified]`);
      await verdict.waitFor({ timeout: 15_000 });
      const v = await getJson<VerificationJson>(`/audit/sales/${saleId}/verify`);
      expect(v.verified).to.be.true;
      expect(await verdict.getAttribute("data-verified")).to.equal("true");
      expect(await verdict.textContent()).to.equal(`✓ Verified: all ${v.checks.length} fields match the chain`);
      const checks = page.locator(`tr[data-verify-of="${saleId}"] tr[data-check]`);
      expect(
        await checks.evaluateAll((els) =>
          els.map((e) => [e.getAttribute("data-check"), e.getAttribute("data-equal"), e.lastElementChild!.textContent]),
        ),
      ).to.deep.equal(v.checks.map((c) => [c.field, "true", "✓ Matches"]));
      await shoot(page, "audit-desktop");
    });

    check("party: an MCN's payouts are the API's and a sale settled on the chain shows up without a reload", async () => {
      const mcn = s.address.mcn;
      await go(page, `/parties/${mcn}`);
      const before = await getJson<PayoutsJson>(`/parties/${mcn}/payouts`);
      const t = before.tokens[0]!;
      for (const key of ["claimable", "escrowed", "withdrawn", "earned"] as const)
        await expectText(page, `[data-metric="${key}"]`, fmt(t[key], t.decimals, t.symbol));
      await page.evaluate(() => ((globalThis as unknown as Win).marker = "not reloaded"));

      // A new sale under licence A (20 % commission, the MCN's 35 % of it), settled by taobao now.
      const gross = 1_234_567n;
      const orderRef = ethers.id(`dashboard:${Date.now()}`);
      await (await s.c.as(s.c.settlement, "taobao").settleSale(s.licence.A, orderRef, s.token, gross)).wait();
      const saleId = saleIdOf(s.c.channel.taobao, orderRef);
      const share = (((gross * 2000n) / 10_000n) * 3500n) / 10_000n;
      const claimable = BigInt(t.claimable) + share;

      const started = Date.now();
      await expectText(page, '[data-metric="claimable"]', fmt(claimable, t.decimals, t.symbol), 8000);
      await expectText(page, '[data-metric="earned"]', fmt(BigInt(t.earned) + share, t.decimals, t.symbol), 1000);
      const latency = Date.now() - started;
      await page.locator(`tr[data-sale="${saleId}"]`).first().waitFor({ timeout: 2000 });
      expect(await page.locator("tr[data-sale]").first().getAttribute("data-sale"), "the new credit is listed first").to.equal(saleId);
      expect(await page.locator(`tr[data-sale="${saleId}"] td.num .amount`).textContent()).to.equal(fmt(share, t.decimals, t.symbol));
      expect(await page.evaluate(() => (globalThis as unknown as Win).marker)).to.equal("not reloaded");
      const after = await getJson<PayoutsJson>(`/parties/${mcn}/payouts`);
      expect(after.tokens[0]!.claimable).to.equal(claimable.toString());
      console.log(`      the party view showed the new sale ${latency} ms after it was mined`);

      await shoot(page, "party-desktop");

      // The MCN of B has money in escrow: a countdown to the next release.
      await go(page, `/parties/${s.address.mcn2}`);
      await page.locator('[data-metric="next-release"]:has-text("next release in")').waitFor();
      await shoot(page, "party-escrow-desktop");
    });

    check("says so for an address never credited, for something that is not an address, and for an unknown licence", async () => {
      const stranger = Wallet.createRandom().address;
      await go(page, `/parties/${stranger}`);
      await page.locator(".empty-title", { hasText: "Nothing credited to this address yet" }).waitFor();
      await shoot(page, "party-unknown-desktop");
      await go(page, "/parties/0x1234");
      await page.locator(".error-box", { hasText: "is not an address" }).waitFor();
      expect(await page.locator("#party-address").inputValue()).to.equal("0x1234");

      await go(page, "/licences/999");
      await page
        .locator("#view-error:not([hidden])", { hasText: "There is no licence 999. Check the link, or go back to the licences." })
        .waitFor();
      expect(await page.locator('.view[data-path="/licences/999"]').isHidden(), "no empty frame under the error").to.be.true;
      await go(page, "/overview"); // and stop asking for licence 999 every 2 s
    });

    check("fits a phone (390 px): no view scrolls sideways", async () => {
      const views: [string, string, string][] = [
        ["overview", "/overview", '[data-metric="sales-total"]'],
        ["licences", "/licences", "tr[data-licence]"],
        ["licence", `/licences/${s.licence.B}`, 'tr[data-channel="pdd"]'],
        ["party", `/parties/${s.address.mcn2}`, '[data-metric="claimable"]'],
        ["disputes", "/disputes", "article[data-dispute]"],
        ["audit", "/audit", "tr[data-position]"],
      ];
      for (const [name, hash, ready] of views) {
        await go(phonePage, hash);
        await phonePage.locator(ready).first().waitFor();
        if (name === "audit") {
          await phonePage.locator("button[data-verify]").first().click();
          await phonePage.locator("[data-verified]").waitFor({ timeout: 15_000 });
        }
        await noSideways(phonePage, name);
        await shoot(phonePage, `${name}-phone`);
      }
    });

    check("asks for an API key when the API wants one, then shows what that key may see", async () => {
      const partyKey = generateKey({ role: "party", address: s.address.mcn2, id: "mcn2" });
      const keyed = await serve({ dbPath: s.dbPath, authConfig: { keys: [partyKey.entry] } });
      extraApps.push(keyed.app);
      // A context of its own (the key it stores must not reach the other pages), and a page that is not
      // watched for console errors: the browser logs each 401 and 403 it receives, as it should.
      const context = await browser.newContext({ viewport: DESKTOP });
      const p = await context.newPage();
      const sent: (string | undefined)[] = [];
      p.on("request", (r) => {
        if (r.url().includes("/stats/overview")) sent.push(r.headers().authorization);
      });
      await p.goto(`${keyed.url}/#/overview`);
      await p.locator("#api-key:not([hidden])").waitFor();
      expect(await p.textContent("#api-key-message")).to.include("This API needs an API key");
      await shoot(p, "api-key-desktop");

      await p.fill("#api-key-input", partyKey.key);
      await p.click("#api-key-form button[type=submit]");
      await p.locator("tr[data-sale]").first().waitFor();
      expect(sent.at(-1)).to.equal(`Bearer ${partyKey.key}`);
      expect(await p.locator("#api-key").isHidden()).to.be.true;
      // the MCN of B sees B's sales only
      const licences = await p.locator("tr[data-sale] td:nth-child(2)").allTextContents();
      expect(new Set(licences)).to.deep.equal(new Set([`#${s.licence.B}`]));
      expect(await p.evaluate(() => (globalThis as unknown as Win).localStorage.getItem("reelsplit.apiKey"))).to.equal(partyKey.key);

      // The audit trail is for auditor keys: the view says so.
      await p.evaluate(() => {
        (globalThis as unknown as Win).location.hash = "/audit";
      });
      await p.locator("#view-error:not([hidden])", { hasText: "Your API key cannot see this" }).waitFor();
      await shoot(p, "api-key-forbidden-desktop");

      await p.click("#api-key-clear");
      await p.locator("#api-key:not([hidden])").waitFor();
      await context.close();
    });

    check("says the indexer is syncing, then that the API is down, in words that say what to do", async () => {
      const dbPath = path.join(s.dir, "syncing.db");
      const store = openStore(dbPath);
      store.setMeta("chain_id", "31337");
      store.setHealth({ headBlock: 1000, indexedBlock: 400, caughtUp: false });
      store.close();
      const syncing = await serve({ dbPath });
      extraApps.push(syncing.app);
      // Its own page: the browser logs the 503s and the refused connections as errors, as it should.
      const down = await desktop.newPage();
      await down.goto(`${syncing.url}/#/overview`);
      await down.locator("#banner", { hasText: "The indexer has not caught up yet — start it with npm run indexer" }).waitFor();
      expect(await down.textContent("#banner")).to.include("Indexed block 400 of 1,000 (600 behind)");
      await down.locator(".empty-title", { hasText: "No sales yet" }).waitFor();
      await shoot(down, "syncing-desktop");

      extraApps.splice(extraApps.indexOf(syncing.app), 1);
      await syncing.app.close();
      await down
        .locator("#banner", { hasText: `Cannot reach the API at ${syncing.url} — start it with npm run api` })
        .waitFor({ timeout: 10_000 });
      expect(await down.textContent("#status")).to.include("API unreachable");
      await shoot(down, "api-down-desktop");
      await down.close();
    });
  });
});

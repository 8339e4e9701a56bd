/**
 * Aggregates the dashboard (web/) shows and no other route gives: totals across the ledger, sales per
 * minute, and a licence's sales by channel. Public routes like the others, documented in /docs.
 *
 * Amounts are summed exactly in SQL without ever going through a floating-point or 64-bit overflow:
 * each decimal TEXT amount is cut into 12-digit limbs, each limb summed as an integer (exact up to
 * 9 million rows per group), and the limbs recombined with bigint.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type Database from "better-sqlite3";
import { Address, Amount, BlockNumber, Decimals, ErrorResponses, IsoTime, NoQuery, Nullable } from "../schemas/common";
import { iso } from "../lib/format";
import { problem } from "../plugins/problems";
import { viewerOf } from "../plugins/auth";

const LIMB_DIGITS = 12;
/** uint256 has at most 78 decimal digits: 7 limbs of 12. */
const LIMBS = 7;

/** `SUM`s of each limb of the decimal TEXT `column`, as columns named `${alias}_0` … `${alias}_6`. */
function limbSums(column: string, alias: string): string {
  return Array.from(
    { length: LIMBS },
    (_, k) => `SUM(CAST(substr(${column}, ${-(k + 1) * LIMB_DIGITS}, ${LIMB_DIGITS}) AS INTEGER)) AS ${alias}_${k}`,
  ).join(", ");
}

/** Recombines the limb sums of `alias` in `row` into the exact decimal total. */
function fromLimbs(row: Record<string, unknown>, alias: string): string {
  let total = 0n;
  for (let k = LIMBS - 1; k >= 0; k--) total = total * 10n ** BigInt(LIMB_DIGITS) + BigInt((row[`${alias}_${k}`] as number | null) ?? 0);
  return total.toString();
}

const TokenTotals = Type.Object({
  token: Address,
  symbol: Nullable(Type.String()),
  decimals: Decimals,
  allowed: Type.Boolean({ description: "whether the token may be used to settle new sales" }),
  sales: Type.Integer({ description: "sales settled in this token, refunded ones taken out" }),
  gross: Amount,
  commission: Amount,
  escrowed: Amount,
  claimable: Amount,
  withdrawn: Amount,
});

const LicenceCounts = Type.Object({
  total: Type.Integer(),
  proposed: Type.Integer(),
  active: Type.Integer(),
  expired: Type.Integer(),
  superseded: Type.Integer(),
  suspended: Type.Integer(),
  terminated: Type.Integer(),
  cancelled: Type.Integer(),
});

const Overview = Type.Object({
  chainId: Nullable(Type.Integer()),
  indexedBlock: Nullable(BlockNumber),
  latestEventAt: Nullable(IsoTime),
  sales: Type.Object({
    total: Type.Integer({ description: "every sale ever settled, refunded ones included" }),
    refunded: Type.Integer(),
    latestAt: Nullable(IsoTime),
  }),
  licences: LicenceCounts,
  disputes: Type.Object({ open: Type.Integer(), upheld: Type.Integer(), rejected: Type.Integer() }),
  channels: Type.Array(Type.Object({ channelId: Type.Integer(), name: Type.String(), active: Type.Boolean() })),
  tokens: Type.Array(TokenTotals, {
    description:
      "per settlement token: gross and commission of the sales (refunded ones taken out); escrowed, claimable and withdrawn " +
      "summed over every party. The vault holds escrowed + claimable.",
  }),
  latestSales: Type.Array(Type.Ref("Sale"), {
    description: "the 10 most recent sales, newest first; for a party key, the 10 most recent under its own licences",
  }),
});

const SalesPerMinute = Type.Object({
  from: IsoTime,
  to: IsoTime,
  bucketSeconds: Type.Integer(),
  total: Type.Integer(),
  buckets: Type.Array(Type.Object({ start: IsoTime, sales: Type.Integer() }), { description: "one per minute, oldest first" }),
});

const ChannelTotals = Type.Object({
  channelId: Type.Integer(),
  name: Nullable(Type.String()),
  inScope: Type.Boolean({ description: "the licence names this channel" }),
  sales: Type.Integer({ description: "sales in every token, refunded ones taken out" }),
  totals: Type.Array(Type.Object({ token: Address, decimals: Decimals, sales: Type.Integer(), gross: Amount, commission: Amount }), {
    description: "per settlement token",
  }),
});

const LicenceChannels = Type.Object({ licenceId: Type.Integer(), channels: Type.Array(ChannelTotals) });

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = app.db.prepare(sql)));
    return s;
  };
  /** Block time of the newest event indexed (the chain's "now" as far as the API knows), unix seconds. */
  const latestEventTime = () =>
    (stmt("SELECT block_timestamp AS t FROM events ORDER BY block_number DESC, log_index DESC LIMIT 1").get() as { t: number } | undefined)
      ?.t ?? null;

  app.get(
    "/stats/overview",
    {
      // Party-level like /sales: the latest sales are individual sales, so a party key sees its own only.
      config: { access: "party" },
      schema: {
        tags: ["stats"],
        summary: "Ledger totals: sales, licences by status, disputes, per-token amounts, channels, and the latest sales",
        description:
          "The totals are over the whole ledger (as the licences' totals are); the latest sales are, for a party key, those of " +
          "licences it is a party of.",
        querystring: NoQuery,
        response: { 200: Overview, 400: ErrorResponses[400] },
      },
    },
    async (req) => {
      const now = Math.floor(Date.now() / 1000);
      const viewer = viewerOf(req);
      const { health, chainId } = app.repos.health();
      const counts = stmt(
        "SELECT COUNT(*) AS total, COALESCE(SUM(status = 'refunded'), 0) AS refunded, MAX(timestamp) AS latest FROM sales",
      ).get() as { total: number; refunded: number; latest: number | null };
      const licences = { total: 0, proposed: 0, active: 0, expired: 0, superseded: 0, suspended: 0, terminated: 0, cancelled: 0 };
      for (const r of stmt(
        "SELECT CASE WHEN status = 'active' AND valid_until < ? THEN 'expired' ELSE status END AS s, COUNT(*) AS n FROM licences GROUP BY s",
      ).all(now) as { s: keyof typeof licences; n: number }[]) {
        if (r.s in licences) licences[r.s] += r.n;
        licences.total += r.n;
      }
      const disputes = { open: 0, upheld: 0, rejected: 0 };
      for (const r of stmt("SELECT status, COUNT(*) AS n FROM disputes GROUP BY status").all() as {
        status: keyof typeof disputes;
        n: number;
      }[])
        if (r.status in disputes) disputes[r.status] = r.n;

      const sold = new Map(
        (
          stmt(`SELECT token, SUM(sales) AS sales, ${limbSums("gross", "gross")}, ${limbSums("commission", "commission")}
                FROM licence_totals GROUP BY token`).all() as Record<string, unknown>[]
        ).map((r) => [r.token as string, r]),
      );
      const held = new Map(
        (
          stmt(`SELECT token, ${limbSums("escrowed", "escrowed")}, ${limbSums("claimable", "claimable")}, ${limbSums("withdrawn", "withdrawn")}
                FROM balances GROUP BY token`).all() as Record<string, unknown>[]
        ).map((r) => [r.token as string, r]),
      );
      const tokenRows = stmt(
        "SELECT t.address, t.allowed, m.symbol, m.decimals FROM tokens t LEFT JOIN token_metadata m ON m.address = t.address ORDER BY t.token_id",
      ).all() as { address: string; allowed: number; symbol: string | null; decimals: number | null }[];
      const tokens = tokenRows.map((t) => {
        const s = sold.get(t.address) ?? {};
        const h = held.get(t.address) ?? {};
        return {
          token: t.address,
          symbol: t.symbol,
          decimals: t.decimals,
          allowed: t.allowed === 1,
          sales: (s.sales as number | undefined) ?? 0,
          gross: fromLimbs(s, "gross"),
          commission: fromLimbs(s, "commission"),
          escrowed: fromLimbs(h, "escrowed"),
          claimable: fromLimbs(h, "claimable"),
          withdrawn: fromLimbs(h, "withdrawn"),
        };
      });
      const channels = (
        stmt("SELECT channel_id, name, active FROM channels ORDER BY channel_id").all() as {
          channel_id: number;
          name: string;
          active: number;
        }[]
      ).map((c) => ({ channelId: c.channel_id, name: c.name, active: c.active === 1 }));
      const latestIds = (
        viewer
          ? stmt(
              "SELECT sale_id FROM sales WHERE licence_id IN (SELECT licence_id FROM licences WHERE rights_holder = @viewer " +
                "UNION SELECT licence_id FROM licences WHERE mcn = @viewer UNION SELECT licence_id FROM licences WHERE platform = @viewer) " +
                "ORDER BY block_number DESC, log_index DESC LIMIT 10",
            ).all({ viewer })
          : stmt("SELECT sale_id FROM sales ORDER BY block_number DESC, log_index DESC LIMIT 10").all()
      ) as { sale_id: string }[];
      // byId applies the viewer's own rule again: never a sale the viewer may not see.
      const latestSales = latestIds.flatMap((r) => app.repos.sales.byId(r.sale_id, viewer) ?? []);
      return {
        chainId,
        indexedBlock: health?.indexed_block ?? null,
        latestEventAt: iso(latestEventTime()),
        sales: { total: counts.total, refunded: counts.refunded, latestAt: iso(counts.latest) },
        licences,
        disputes,
        channels,
        tokens,
        latestSales,
      };
    },
  );

  app.get(
    "/stats/sales-per-minute",
    {
      schema: {
        tags: ["stats"],
        summary: "How many sales were settled in each minute of a window, by block time",
        description:
          "The window ends at `to` (default: the end of the current minute, or of the newest indexed block's minute if the chain's " +
          "clock is ahead) and spans `minutes` whole minutes. Refunded sales count: they were sold.",
        querystring: Type.Object(
          {
            minutes: Type.Integer({ minimum: 1, maximum: 1440, default: 60, description: "window length in minutes, 1 to 1440" }),
            to: Type.Optional(IsoTime),
          },
          { additionalProperties: false },
        ),
        response: { 200: SalesPerMinute, 400: ErrorResponses[400] },
      },
    },
    async (req, reply) => {
      let end: number;
      if (req.query.to !== undefined) {
        const ms = Date.parse(req.query.to);
        if (Number.isNaN(ms)) return problem(reply, 400, "querystring.to must be an ISO-8601 date-time, e.g. 2026-12-02T08:00:00Z");
        end = Math.ceil(ms / 1000);
      } else {
        const latest = Math.max(Math.floor(Date.now() / 1000), latestEventTime() ?? 0);
        end = (Math.floor(latest / 60) + 1) * 60;
      }
      const start = end - req.query.minutes * 60;
      const counts = new Map(
        (
          stmt(
            // JavaScript numbers bind as REAL: the bucket is cast back to an integer division.
            "SELECT CAST((timestamp - @start) / 60 AS INTEGER) AS bucket, COUNT(*) AS n FROM sales " +
              "WHERE timestamp >= @start AND timestamp < @end GROUP BY bucket",
          ).all({ start, end }) as { bucket: number; n: number }[]
        ).map((r) => [r.bucket, r.n]),
      );
      const buckets = Array.from({ length: req.query.minutes }, (_, i) => ({
        start: new Date((start + i * 60) * 1000).toISOString(),
        sales: counts.get(i) ?? 0,
      }));
      return {
        from: new Date(start * 1000).toISOString(),
        to: new Date(end * 1000).toISOString(),
        bucketSeconds: 60,
        total: buckets.reduce((t, b) => t + b.sales, 0),
        buckets,
      };
    },
  );

  app.get(
    "/stats/licences/:licenceId/channels",
    {
      schema: {
        tags: ["stats", "licences"],
        summary: "A licence's sales by channel, per token (refunded ones taken out): they sum to the licence's totals",
        description: "Every channel in the licence's scope is listed, with zeros if it has sold nothing yet.",
        params: Type.Object({ licenceId: Type.Integer({ minimum: 1 }) }),
        querystring: NoQuery,
        response: { 200: LicenceChannels, ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const { licenceId } = req.params;
      if (!stmt("SELECT 1 FROM licences WHERE licence_id = ?").get(licenceId))
        return problem(reply, 404, `there is no licence ${licenceId}`);
      const channels = new Map<number, Static<typeof ChannelTotals>>();
      const channel = (channelId: number, name: string | null, inScope: boolean) => {
        let c = channels.get(channelId);
        if (!c) channels.set(channelId, (c = { channelId, name, inScope, sales: 0, totals: [] }));
        return c;
      };
      for (const r of stmt(
        "SELECT c.channel_id, c.name FROM licence_channels lc JOIN channels c ON c.channel_id = lc.channel_id WHERE lc.licence_id = ?",
      ).all(licenceId) as { channel_id: number; name: string }[])
        channel(r.channel_id, r.name, true);
      const rows = stmt(
        `SELECT s.channel_id, c.name, s.token, m.decimals, COUNT(*) AS sales, ${limbSums("s.gross", "gross")}, ${limbSums("s.commission", "commission")}
         FROM sales s LEFT JOIN channels c ON c.channel_id = s.channel_id LEFT JOIN token_metadata m ON m.address = s.token
         WHERE s.licence_id = ? AND s.status <> 'refunded' GROUP BY s.channel_id, s.token ORDER BY s.channel_id, s.token`,
      ).all(licenceId) as Record<string, unknown>[];
      for (const r of rows) {
        const c = channel(r.channel_id as number, (r.name as string | null) ?? null, false);
        c.sales += r.sales as number;
        c.totals.push({
          token: r.token as string,
          decimals: (r.decimals as number | null) ?? null,
          sales: r.sales as number,
          gross: fromLimbs(r, "gross"),
          commission: fromLimbs(r, "commission"),
        });
      }
      return { licenceId, channels: [...channels.values()].sort((x, y) => x.channelId - y.channelId) };
    },
  );
};
export default routes;

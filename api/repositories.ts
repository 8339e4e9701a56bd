import type Database from "better-sqlite3";
import { decodeCursor, encodeCursor } from "./lib/cursor";
import { iso, isoRequired } from "./lib/format";

/**
 * Read models over the indexer's tables. Every list is keyset-paginated on an indexed sort key; filters
 * are bound parameters of prepared statements (cached per shape of query).
 */
export function createRepositories(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const now = () => Math.floor(Date.now() / 1000);

  // Token metadata and channel names never change once written: remember them (misses are asked again,
  // since the indexer may add a token or a channel at any time).
  const tokens = new Map<string, { symbol: string | null; decimals: number | null }>();
  const tokenInfo = (address: string) => {
    let info = tokens.get(address);
    if (!info) {
      info = stmt("SELECT symbol, decimals FROM token_metadata WHERE address = ?").get(address) as typeof info;
      if (!info) return { symbol: null, decimals: null };
      tokens.set(address, info);
    }
    return info;
  };
  const channelNames = new Map<number, string>();
  const channelName = (id: number): string | null => {
    let name = channelNames.get(id);
    if (name === undefined) {
      name = (stmt("SELECT name FROM channels WHERE channel_id = ?").get(id) as { name: string } | undefined)?.name;
      if (name === undefined) return null;
      channelNames.set(id, name);
    }
    return name;
  };
  /** A channel given by id or by name. */
  const channelId = (channel: string): number | undefined => {
    if (/^\d+$/.test(channel)) return Number(channel);
    return (stmt("SELECT channel_id FROM channels WHERE name = ?").get(channel) as { channel_id: number } | undefined)?.channel_id;
  };

  // ---------------------------------------------------------------------------------------------- licences
  interface LicenceRow {
    licence_id: number;
    content_id: string;
    rights_holder: string;
    mcn: string;
    platform: string;
    rights_holder_bps: number;
    mcn_bps: number;
    platform_bps: number;
    commission_bps: number;
    valid_from: number;
    valid_until: number;
    hold_seconds: number;
    supersedes: number | null;
    superseded_by: number | null;
    terms_hash: string;
    terms_uri: string;
    status: string;
    mcn_accepted: number;
    platform_accepted: number;
    registered_at: number;
    registered_block: number;
    activated_at: number | null;
    tx_hash: string;
  }
  const licenceStatus = (r: LicenceRow) => (r.status === "active" && r.valid_until < now() ? "expired" : r.status);
  interface TotalsRow {
    licence_id: number;
    token: string;
    sales: number;
    gross: string;
    commission: string;
    rights_holder: string;
    mcn: string;
    platform: string;
  }
  /** A page of licences with their channels and totals: two statements for the page, not two per licence. */
  const licenceViews = (rows: LicenceRow[]) => {
    const ids = JSON.stringify(rows.map((r) => r.licence_id));
    const channels = groupBy(
      stmt(
        "SELECT lc.licence_id, c.channel_id AS channelId, c.name FROM licence_channels lc JOIN channels c ON c.channel_id = lc.channel_id " +
          "WHERE lc.licence_id IN (SELECT value FROM json_each(?)) ORDER BY lc.licence_id, lc.channel_id",
      ).all(ids) as { licence_id: number; channelId: number; name: string }[],
    );
    const totals = groupBy(
      stmt("SELECT * FROM licence_totals WHERE licence_id IN (SELECT value FROM json_each(?)) ORDER BY licence_id, token").all(
        ids,
      ) as TotalsRow[],
    );
    return rows.map((r) =>
      licenceView(
        r,
        (channels.get(r.licence_id) ?? []).map((c) => ({ channelId: c.channelId, name: c.name })),
        totals.get(r.licence_id) ?? [],
      ),
    );
  };
  const licenceView = (r: LicenceRow, channels: { channelId: number; name: string }[], totalRows: TotalsRow[]) => {
    const totals = totalRows.map((t) => ({
      token: t.token,
      decimals: tokenInfo(t.token).decimals,
      sales: t.sales,
      gross: t.gross,
      commission: t.commission,
      rightsHolder: t.rights_holder,
      mcn: t.mcn,
      platform: t.platform,
    }));
    return {
      licenceId: r.licence_id,
      contentId: r.content_id,
      registeredAt: isoRequired(r.registered_at),
      registeredBlock: r.registered_block,
      rightsHolder: r.rights_holder,
      mcn: r.mcn,
      platform: r.platform,
      splitBps: { rightsHolder: r.rights_holder_bps, mcn: r.mcn_bps, platform: r.platform_bps },
      commissionBps: r.commission_bps,
      channels,
      validFrom: isoRequired(r.valid_from),
      validUntil: isoRequired(r.valid_until),
      holdSeconds: r.hold_seconds,
      status: licenceStatus(r),
      accepted: { mcn: r.mcn_accepted === 1, platform: r.platform_accepted === 1 },
      activatedAt: iso(r.activated_at),
      supersedes: r.supersedes,
      supersededBy: r.superseded_by,
      termsHash: r.terms_hash,
      termsURI: r.terms_uri,
      txHash: r.tx_hash,
      totals,
    };
  };

  // ------------------------------------------------------------------------------------------------- sales
  const saleView = (r: SaleRow, withDisputes: boolean) => ({
    saleId: r.sale_id,
    licenceId: r.licence_id,
    channel: { channelId: r.channel_id, name: channelName(r.channel_id) },
    orderRef: r.order_ref,
    token: r.token,
    decimals: tokenInfo(r.token).decimals,
    grossAmount: r.gross,
    commissionAmount: r.commission,
    shares: { rightsHolder: r.rights_holder_share, mcn: r.mcn_share, platform: r.platform_share },
    status: r.status,
    releaseAt: iso(r.release_at),
    releasedAt: iso(r.released_at),
    refundedAt: iso(r.refunded_at),
    refundedTo: r.refunded_to,
    txHash: r.tx_hash,
    blockNumber: r.block_number,
    logIndex: r.log_index,
    timestamp: isoRequired(r.timestamp),
    ...(withDisputes
      ? {
          disputes: stmt("SELECT dispute_id AS disputeId, status FROM disputes WHERE target = ? ORDER BY dispute_id").all(r.sale_id) as {
            disputeId: number;
            status: string;
          }[],
        }
      : {}),
  });

  // ---------------------------------------------------------------------------------------------- disputes
  interface DisputeRow {
    dispute_id: number;
    kind: string;
    target: string;
    licence_id: number | null;
    opened_by: string;
    reason: string;
    status: string;
    remedy: string | null;
    ruling: string | null;
    resolved_by: string | null;
    opened_at: number;
    resolved_at: number | null;
    suspended_licence: number;
    block_number: number;
    tx_hash: string;
  }
  const disputeView = (r: DisputeRow) => ({
    disputeId: r.dispute_id,
    target: { kind: r.kind, id: r.target },
    licenceId: r.licence_id,
    openedBy: r.opened_by,
    reason: r.reason,
    evidence: (
      stmt("SELECT hash, added_by, added_at, block_number FROM evidence WHERE dispute_id = ? ORDER BY block_number, log_index").all(
        r.dispute_id,
      ) as {
        hash: string;
        added_by: string;
        added_at: number;
        block_number: number;
      }[]
    ).map((e) => ({ hash: e.hash, by: e.added_by, at: isoRequired(e.added_at), blockNumber: e.block_number })),
    status: r.status,
    remedy: r.remedy,
    ruling: r.ruling,
    resolvedBy: r.resolved_by,
    licenceSuspendedPendingRuling: r.suspended_licence === 1,
    openedAt: isoRequired(r.opened_at),
    openedBlock: r.block_number,
    resolvedAt: iso(r.resolved_at),
    txHash: r.tx_hash,
  });

  /** Licences in which the address bound to `@param` is the rights holder, the MCN or the platform (index-backed union). */
  const partyLicences = (param: string) =>
    `SELECT licence_id FROM licences WHERE rights_holder = @${param} UNION SELECT licence_id FROM licences WHERE mcn = @${param} ` +
    `UNION SELECT licence_id FROM licences WHERE platform = @${param}`;
  const PARTY_LICENCES = partyLicences("party");

  /**
   * Disputes a party takes part in, as the contract counts them: it opened it or added evidence, it is a
   * party of the licence concerned, or it reports for the sale's channel (a sale dispute) or for a channel
   * in the licence's scope (a licence dispute).
   */
  const disputeParty = (param: string) =>
    `d.opened_by = @${param} OR d.dispute_id IN (SELECT dispute_id FROM evidence WHERE added_by = @${param}) ` +
    `OR d.licence_id IN (${partyLicences(param)}) ` +
    `OR d.channel_id IN (SELECT channel_id FROM channels WHERE reporter = @${param}) ` +
    `OR (d.kind = 'licence' AND d.licence_id IN (SELECT lc.licence_id FROM licence_channels lc ` +
    `JOIN channels c ON c.channel_id = lc.channel_id WHERE c.reporter = @${param}))`;
  const DISPUTE_PARTY = disputeParty("party");
  /**
   * What a party key may see (`viewer`, see api/plugins/auth.ts): the sales of licences it is a party of, and
   * the disputes it takes part in. The `party` filters above are the user's choice; these are imposed.
   */
  const VIEWER_SALE = `s.licence_id IN (${partyLicences("viewer")})`;
  const VIEWER_DISPUTE = `(${disputeParty("viewer")})`;

  /** A keyset page; `views` renders the page's rows together, so it can fetch their details in one go. */
  function page<R, V>(
    sql: string,
    params: Record<string, unknown>,
    limit: number,
    key: (r: R) => (number | string)[],
    views: (rows: R[]) => V[],
  ) {
    const rows = stmt(sql).all({ ...params, limit: limit + 1 }) as R[];
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return { items: views(items), nextCursor: more ? encodeCursor(key(items[items.length - 1]!)) : null };
  }

  return {
    licences: {
      list(f: {
        rightsHolder?: string;
        mcn?: string;
        platform?: string;
        channel?: string;
        status?: string;
        limit: number;
        cursor?: string;
      }) {
        const after = decodeCursor(f.cursor, ["number"]);
        const where = new Where();
        if (after) where.add("l.licence_id > @after", { after: after[0] });
        if (f.rightsHolder) where.add("l.rights_holder = @rightsHolder", { rightsHolder: f.rightsHolder });
        if (f.mcn) where.add("l.mcn = @mcn", { mcn: f.mcn });
        if (f.platform) where.add("l.platform = @platform", { platform: f.platform });
        if (f.channel !== undefined) {
          where.add("l.licence_id IN (SELECT licence_id FROM licence_channels WHERE channel_id = @channel)", {
            channel: channelId(f.channel) ?? -1,
          });
        }
        if (f.status === "expired") where.add("l.status = 'active' AND l.valid_until < @now", { now: now() });
        else if (f.status === "active") where.add("l.status = 'active' AND l.valid_until >= @now", { now: now() });
        else if (f.status) where.add("l.status = @status", { status: f.status });
        const sql = `SELECT l.* FROM licences l ${where.sql} ORDER BY l.licence_id LIMIT @limit`;
        return page<LicenceRow, ReturnType<typeof licenceView>>(sql, where.params, f.limit, (r) => [r.licence_id], licenceViews);
      },
      byId(id: number) {
        const r = stmt("SELECT * FROM licences WHERE licence_id = ?").get(id) as LicenceRow | undefined;
        return r && licenceViews([r])[0];
      },
    },
    sales: {
      list(f: {
        licenceId?: number;
        channel?: string;
        party?: string;
        status?: string;
        from?: string;
        to?: string;
        limit: number;
        cursor?: string;
        /** a party key's address: only the sales of its licences */
        viewer?: string;
      }) {
        const after = decodeCursor(f.cursor, ["number", "number"]);
        const where = new Where();
        if (after) where.add("(s.block_number, s.log_index) > (@afterBlock, @afterLog)", { afterBlock: after[0], afterLog: after[1] });
        if (f.licenceId !== undefined) where.add("s.licence_id = @licenceId", { licenceId: f.licenceId });
        if (f.channel !== undefined) where.add("s.channel_id = @channel", { channel: channelId(f.channel) ?? -1 });
        if (f.party) where.add(`s.licence_id IN (${PARTY_LICENCES})`, { party: f.party });
        if (f.viewer) where.add(VIEWER_SALE, { viewer: f.viewer });
        if (f.status) where.add("s.status = @status", { status: f.status });
        // Block times are whole seconds: a sale at second T is at or after `from` when T >= ceil(from), and
        // before `to` when T < ceil(to).
        if (f.from) where.add("s.timestamp >= @from", { from: Math.ceil(Date.parse(f.from) / 1000) });
        if (f.to) where.add("s.timestamp < @to", { to: Math.ceil(Date.parse(f.to) / 1000) });
        const sql = `SELECT s.* FROM sales s ${where.sql} ORDER BY s.block_number, s.log_index LIMIT @limit`;
        return page<SaleRow, ReturnType<typeof saleView>>(
          sql,
          where.params,
          f.limit,
          (r) => [r.block_number, r.log_index],
          (rows) => rows.map((r) => saleView(r, false)),
        );
      },
      /** A sale; with `viewer`, undefined unless it is under one of the viewer's licences. */
      byId(saleId: string, viewer?: string) {
        const r = (
          viewer
            ? stmt(`SELECT s.* FROM sales s WHERE s.sale_id = @saleId AND ${VIEWER_SALE}`).get({ saleId: saleId.toLowerCase(), viewer })
            : stmt("SELECT * FROM sales WHERE sale_id = ?").get(saleId.toLowerCase())
        ) as SaleRow | undefined;
        return r && saleView(r, true);
      },
      row(saleId: string) {
        return stmt("SELECT * FROM sales WHERE sale_id = ?").get(saleId.toLowerCase()) as SaleRow | undefined;
      },
    },
    parties: {
      payouts(party: string) {
        const balances = stmt("SELECT * FROM balances WHERE party = ? ORDER BY token").all(party) as {
          token: string;
          claimable: string;
          escrowed: string;
          withdrawn: string;
          earned: string;
        }[];
        const nextRelease = stmt(
          `SELECT MIN(s.release_at) AS at FROM sales s
           WHERE s.token = @token AND s.status = 'escrowed' AND s.licence_id IN (${PARTY_LICENCES})`,
        );
        const tokens = balances.map((b) => {
          const info = tokenInfo(b.token);
          const next = (nextRelease.get({ token: b.token, party }) as { at: number | null }).at;
          return {
            token: b.token,
            symbol: info.symbol,
            decimals: info.decimals,
            claimable: b.claimable,
            escrowed: b.escrowed,
            nextReleaseAt: iso(next),
            withdrawn: b.withdrawn,
            earned: b.earned,
          };
        });
        const licences = (
          stmt(
            "SELECT licence_id, token, role, credited, escrowed FROM party_licences WHERE party = ? ORDER BY licence_id, token, role",
          ).all(party) as {
            licence_id: number;
            token: string;
            role: string;
            credited: string;
            escrowed: string;
          }[]
        ).map((l) => ({
          licenceId: l.licence_id,
          role: l.role,
          token: l.token,
          decimals: tokenInfo(l.token).decimals,
          credited: l.credited,
          escrowed: l.escrowed,
        }));
        const recentCredits = (
          stmt("SELECT * FROM credits WHERE party = ? ORDER BY block_number DESC, log_index DESC LIMIT 20").all(party) as {
            token: string;
            amount: string;
            reason: string;
            sale_id: string;
            licence_id: number;
            block_number: number;
            tx_hash: string;
            timestamp: number;
          }[]
        ).map((c) => ({
          amount: c.amount,
          token: c.token,
          decimals: tokenInfo(c.token).decimals,
          reason: c.reason,
          saleId: c.sale_id,
          licenceId: c.licence_id,
          txHash: c.tx_hash,
          blockNumber: c.block_number,
          timestamp: isoRequired(c.timestamp),
        }));
        return { party, tokens, licences, recentCredits };
      },
    },
    disputes: {
      list(f: { status?: string; licenceId?: number; saleId?: string; party?: string; limit: number; cursor?: string; viewer?: string }) {
        const after = decodeCursor(f.cursor, ["number"]);
        const where = new Where();
        if (after) where.add("d.dispute_id > @after", { after: after[0] });
        if (f.status) where.add("d.status = @status", { status: f.status });
        if (f.licenceId !== undefined) where.add("d.licence_id = @licenceId", { licenceId: f.licenceId });
        if (f.saleId) where.add("d.target = @saleId", { saleId: f.saleId.toLowerCase() });
        if (f.party) where.add(`(${DISPUTE_PARTY})`, { party: f.party });
        if (f.viewer) where.add(VIEWER_DISPUTE, { viewer: f.viewer });
        const sql = `SELECT d.* FROM disputes d ${where.sql} ORDER BY d.dispute_id LIMIT @limit`;
        return page<DisputeRow, ReturnType<typeof disputeView>>(
          sql,
          where.params,
          f.limit,
          (r) => [r.dispute_id],
          (rows) => rows.map(disputeView),
        );
      },
      /** A dispute; with `viewer`, undefined unless the viewer takes part in it. */
      byId(id: number, viewer?: string) {
        const r = (
          viewer
            ? stmt(`SELECT d.* FROM disputes d WHERE d.dispute_id = @id AND ${VIEWER_DISPUTE}`).get({ id, viewer })
            : stmt("SELECT * FROM disputes WHERE dispute_id = ?").get(id)
        ) as DisputeRow | undefined;
        return r && disputeView(r);
      },
    },
    audit: {
      /** The query of the trail; `limit` undefined for the CSV export (streamed, all rows). */
      eventsQuery(f: { fromBlock?: number; toBlock?: number; contract?: string; event?: string; cursor?: string }) {
        const after = decodeCursor(f.cursor, ["number", "number"]);
        const where = new Where();
        if (after) where.add("(block_number, log_index) > (@afterBlock, @afterLog)", { afterBlock: after[0], afterLog: after[1] });
        if (f.fromBlock !== undefined) where.add("block_number >= @fromBlock", { fromBlock: f.fromBlock });
        if (f.toBlock !== undefined) where.add("block_number <= @toBlock", { toBlock: f.toBlock });
        if (f.contract) {
          const byName = "contract = (SELECT contract FROM events WHERE contract_name = @contract LIMIT 1)";
          where.add(f.contract.startsWith("0x") ? "contract = @contract" : byName, { contract: f.contract });
        }
        if (f.event) where.add("event_name = @event", { event: f.event });
        return where;
      },
      events(f: { fromBlock?: number; toBlock?: number; contract?: string; event?: string; cursor?: string; limit: number }) {
        const where = this.eventsQuery(f);
        const sql = `SELECT * FROM events ${where.sql} ORDER BY block_number, log_index LIMIT @limit`;
        return page<EventRow, ReturnType<typeof eventView>>(
          sql,
          where.params,
          f.limit,
          (r) => [r.block_number, r.log_index],
          (rows) => rows.map(eventView),
        );
      },
      iterate(f: { fromBlock?: number; toBlock?: number; contract?: string; event?: string }) {
        const where = this.eventsQuery(f);
        return stmt(`SELECT * FROM events ${where.sql} ORDER BY block_number, log_index`).iterate(
          where.params,
        ) as IterableIterator<EventRow>;
      },
      settledEvent(blockNumber: number, logIndex: number) {
        return stmt("SELECT * FROM events WHERE block_number = ? AND log_index = ?").get(blockNumber, logIndex) as EventRow | undefined;
      },
    },
    health() {
      const h = stmt("SELECT * FROM health WHERE id = 1").get() as
        | { head_block: number | null; indexed_block: number | null; caught_up: number; last_error: string | null; updated_at: string }
        | undefined;
      const chainId = (stmt("SELECT value FROM meta WHERE key = 'chain_id'").get() as { value: string } | undefined)?.value;
      return { health: h, chainId: chainId === undefined ? null : Number(chainId) };
    },
    counts() {
      return {
        ...(stmt("SELECT events, sales FROM stats WHERE id = 1").get() as { events: number; sales: number }),
        openDisputes: (stmt("SELECT COUNT(*) AS n FROM disputes WHERE status = 'open'").get() as { n: number }).n,
      };
    },
  };
}

/** A row of the indexer's `sales` table. */
export interface SaleRow {
  sale_id: string;
  licence_id: number;
  channel_id: number;
  order_ref: string;
  token: string;
  gross: string;
  commission: string;
  rights_holder_share: string;
  mcn_share: string;
  platform_share: string;
  status: string;
  release_at: number | null;
  released_at: number | null;
  refunded_at: number | null;
  refunded_to: string | null;
  block_number: number;
  log_index: number;
  tx_hash: string;
  timestamp: number;
}

/** Rows grouped by their licence id, in the order given. */
function groupBy<T extends { licence_id: number }>(rows: T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const group = groups.get(row.licence_id);
    if (group) group.push(row);
    else groups.set(row.licence_id, [row]);
  }
  return groups;
}

/** The WHERE clause of a list query, built from its filters, with the parameters it binds. */
class Where {
  readonly params: Record<string, unknown> = {};
  private readonly parts: string[] = [];

  add(condition: string, params: Record<string, unknown>) {
    this.parts.push(condition);
    Object.assign(this.params, params);
  }

  get sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(" AND ")}` : "";
  }
}

export interface EventRow {
  block_number: number;
  log_index: number;
  chain_id: number;
  block_hash: string;
  block_timestamp: number;
  tx_hash: string;
  contract: string;
  contract_name: string;
  event_name: string;
  args: string;
}

export function eventView(r: EventRow) {
  return {
    chainId: r.chain_id,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    logIndex: r.log_index,
    txHash: r.tx_hash,
    timestamp: isoRequired(r.block_timestamp),
    contract: r.contract,
    contractName: r.contract_name,
    event: r.event_name,
    args: JSON.parse(r.args) as Record<string, unknown>,
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

import type { Database, Statement } from "better-sqlite3";
import { keccak256, toBytes } from "viem";

/**
 * How each event changes the derived tables. Handlers are keyed "Contract:Event" and take the event as
 * stored in the audit trail (args JSON-safe: uint256 as decimal strings), so the same code applies a
 * fresh range and replays the trail after a reorg. Amounts are BigInt arithmetic on TEXT columns.
 */
export interface StoredEvent {
  blockNumber: number;
  logIndex: number;
  blockHash: string;
  blockTimestamp: number;
  txHash: string;
  contract: string;
  contractName: string;
  eventName: string;
  args: Record<string, unknown>;
}

const ROLE_NAMES = new Map<string, string>(
  [
    ["DEFAULT_ADMIN_ROLE", `0x${"0".repeat(64)}`],
    ...["RIGHTS_HOLDER_ROLE", "MCN_ROLE", "PLATFORM_ROLE", "ARBITER_ROLE", "DISPUTE_REGISTRY_ROLE"].map((r) => [r, keccak256(toBytes(r))]),
  ].map(([name, hash]) => [hash!, name!]),
);

export const LICENCE_STATUS = ["none", "proposed", "active", "superseded", "suspended", "terminated", "cancelled", "expired"] as const;
export const DISPUTE_REASON = [
  "other",
  "ownership-claim",
  "unlicensed-channel",
  "misreported-sale",
  "refund-abuse",
  "terms-breach",
] as const;
export const DISPUTE_STATUS = ["none", "open", "upheld", "rejected"] as const;
export const LICENCE_REMEDY = ["none", "suspend", "terminate"] as const;

interface Balance {
  claimable: bigint;
  escrowed: bigint;
  withdrawn: bigint;
  earned: bigint;
}

interface SaleRow {
  sale_id: string;
  licence_id: number;
  channel_id: number;
  token: string;
  gross: string;
  commission: string;
  rights_holder_share: string;
  mcn_share: string;
  platform_share: string;
}

interface LicenceParties {
  rights_holder: string;
  mcn: string;
  platform: string;
  mcn_accepted: number;
}

interface Totals {
  sales: number;
  gross: bigint;
  commission: bigint;
  rights_holder: bigint;
  mcn: bigint;
  platform: bigint;
}

/** The capacity in which a party was credited under a licence. */
type Role = "rightsHolder" | "mcn" | "platform" | "channel";

/** A uint256 id (licence, dispute) as an exact JavaScript integer, or a refusal: never a rounded number. */
function id(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || String(n) !== String(value))
    throw new Error(`id ${String(value)} is beyond 2^53: the schema cannot hold it`);
  return n;
}

type Handler = (e: StoredEvent, a: Record<string, string>) => void;

/** Applies events to the derived tables. Balances are cached for the transaction and written by `flush`. */
export interface Applier {
  apply(event: StoredEvent): void;
  /** Writes the cached balances; call before the transaction commits. */
  flush(): void;
}

export function createApplier(db: Database): Applier {
  const st = (sql: string): Statement => db.prepare(sql);
  const q = {
    roleGrant: st("INSERT OR REPLACE INTO roles (role, account, granted_at) VALUES (?, ?, ?)"),
    roleRevoke: st("DELETE FROM roles WHERE role = ? AND account = ?"),
    setting: st("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"),
    channelAdd: st("INSERT INTO channels (channel_id, name, reporter, active, added_at, added_block) VALUES (?, ?, ?, 1, ?, ?)"),
    channelReporter: st("UPDATE channels SET reporter = ? WHERE channel_id = ?"),
    channelActive: st("UPDATE channels SET active = ? WHERE channel_id = ?"),
    tokenAllow: st(
      "INSERT INTO tokens (address, token_id, allowed, allowed_at) VALUES (?, ?, 1, ?) " +
        "ON CONFLICT (address) DO UPDATE SET allowed = 1, allowed_at = excluded.allowed_at",
    ),
    tokenDisallow: st("UPDATE tokens SET allowed = 0 WHERE address = ?"),
    content: st("INSERT INTO contents (content_id, rights_holder, registered_at, block_number) VALUES (?, ?, ?, ?)"),
    licence: st(
      `INSERT INTO licences (licence_id, content_id, rights_holder, mcn, platform, rights_holder_bps, mcn_bps, platform_bps,
         commission_bps, valid_from, valid_until, hold_seconds, supersedes, superseded_by, terms_hash, terms_uri, status,
         mcn_accepted, platform_accepted, registered_at, registered_block, activated_at, tx_hash)
       VALUES (@licenceId, @contentId, @rightsHolder, @mcn, @platform, @rightsHolderBps, @mcnBps, @platformBps, @commissionBps,
         @validFrom, @validUntil, @holdSeconds, @supersedes, NULL, @termsHash, @termsURI, 'proposed', 0, 0, @registeredAt,
         @registeredBlock, NULL, @txHash)`,
    ),
    licenceChannel: st("INSERT INTO licence_channels (licence_id, channel_id) VALUES (?, ?)"),
    licenceParties: st("SELECT rights_holder, mcn, platform, mcn_accepted FROM licences WHERE licence_id = ?"),
    licenceAccept: st(
      "UPDATE licences SET mcn_accepted = mcn_accepted OR ?, platform_accepted = platform_accepted OR ? WHERE licence_id = ?",
    ),
    licenceStatus: st("UPDATE licences SET status = ? WHERE licence_id = ?"),
    licenceActivated: st("UPDATE licences SET status = 'active', activated_at = ? WHERE licence_id = ?"),
    licenceSuperseded: st("UPDATE licences SET status = 'superseded', superseded_by = ? WHERE licence_id = ?"),
    sale: st(
      `INSERT INTO sales (sale_id, licence_id, channel_id, order_ref, token, gross, commission, rights_holder_share, mcn_share,
         platform_share, status, release_at, block_number, log_index, tx_hash, timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    saleGet: st(
      "SELECT sale_id, licence_id, channel_id, token, gross, commission, rights_holder_share, mcn_share, platform_share FROM sales WHERE sale_id = ?",
    ),
    saleStatus: st("UPDATE sales SET status = ? WHERE sale_id = ?"),
    saleReleased: st("UPDATE sales SET status = 'claimable', released_at = ? WHERE sale_id = ?"),
    saleRefunded: st("UPDATE sales SET status = 'refunded', refunded_at = ?, refunded_to = ? WHERE sale_id = ?"),
    credit: st(
      `INSERT INTO credits (party, token, amount, reason, sale_id, licence_id, block_number, log_index, tx_hash, timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    withdrawal: st(
      `INSERT INTO withdrawals (account, token, recipient, amount, block_number, log_index, tx_hash, timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    balanceGet: st("SELECT claimable, escrowed, withdrawn, earned FROM balances WHERE party = ? AND token = ?"),
    balancePut: st("INSERT OR REPLACE INTO balances (party, token, claimable, escrowed, withdrawn, earned) VALUES (?, ?, ?, ?, ?, ?)"),
    totalsGet: st("SELECT sales, gross, commission, rights_holder, mcn, platform FROM licence_totals WHERE licence_id = ? AND token = ?"),
    totalsPut: st(
      "INSERT OR REPLACE INTO licence_totals (licence_id, token, sales, gross, commission, rights_holder, mcn, platform) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    partyLicenceGet: st("SELECT credited, escrowed FROM party_licences WHERE party = ? AND licence_id = ? AND token = ? AND role = ?"),
    partyLicencePut: st(
      "INSERT OR REPLACE INTO party_licences (party, licence_id, token, role, credited, escrowed) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    disputeOpen: st(
      `INSERT INTO disputes (dispute_id, kind, target, licence_id, channel_id, opened_by, reason, status, opened_at,
         suspended_licence, block_number, tx_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, 0, ?, ?)`,
    ),
    disputeSuspended: st("UPDATE disputes SET suspended_licence = 1 WHERE dispute_id = ?"),
    disputeResolved: st("UPDATE disputes SET status = ?, remedy = ?, ruling = ?, resolved_by = ?, resolved_at = ? WHERE dispute_id = ?"),
    evidence: st("INSERT INTO evidence (dispute_id, hash, added_by, added_at, block_number, log_index) VALUES (?, ?, ?, ?, ?, ?)"),
  };

  const balances = new Map<string, Balance>();
  const balance = (party: string, token: string): Balance => {
    const key = `${party}|${token}`;
    let b = balances.get(key);
    if (!b) {
      const row = q.balanceGet.get(party, token) as Record<keyof Balance, string> | undefined;
      b = row
        ? { claimable: BigInt(row.claimable), escrowed: BigInt(row.escrowed), withdrawn: BigInt(row.withdrawn), earned: BigInt(row.earned) }
        : { claimable: 0n, escrowed: 0n, withdrawn: 0n, earned: 0n };
      balances.set(key, b);
    }
    return b;
  };

  const totals = new Map<string, Totals>();
  const totalsOf = (licenceId: number, token: string): Totals => {
    const key = `${licenceId}|${token}`;
    let t = totals.get(key);
    if (!t) {
      const row = q.totalsGet.get(licenceId, token) as Record<keyof Totals, string | number> | undefined;
      t = row
        ? {
            sales: Number(row.sales),
            gross: BigInt(row.gross),
            commission: BigInt(row.commission),
            rights_holder: BigInt(row.rights_holder),
            mcn: BigInt(row.mcn),
            platform: BigInt(row.platform),
          }
        : { sales: 0, gross: 0n, commission: 0n, rights_holder: 0n, mcn: 0n, platform: 0n };
      totals.set(key, t);
    }
    return t;
  };
  /** Adds (sign 1) or takes out (sign -1) one sale's amounts from its licence's totals. */
  const count = (licenceId: number, token: string, sign: 1n | -1n, gross: bigint, shares: [bigint, bigint, bigint]) => {
    const t = totalsOf(licenceId, token);
    t.sales += Number(sign);
    t.gross += sign * gross;
    t.commission += sign * (shares[0] + shares[1] + shares[2]);
    t.rights_holder += sign * shares[0];
    t.mcn += sign * shares[1];
    t.platform += sign * shares[2];
  };

  const byLicence = new Map<string, { credited: bigint; escrowed: bigint }>();
  const partyLicence = (party: string, licenceId: number, token: string, role: Role) => {
    const key = `${party}|${licenceId}|${token}|${role}`;
    let b = byLicence.get(key);
    if (!b) {
      const row = q.partyLicenceGet.get(party, licenceId, token, role) as { credited: string; escrowed: string } | undefined;
      b = row ? { credited: BigInt(row.credited), escrowed: BigInt(row.escrowed) } : { credited: 0n, escrowed: 0n };
      byLicence.set(key, b);
    }
    return b;
  };

  const parties = (licenceId: string | number): LicenceParties => {
    const row = q.licenceParties.get(Number(licenceId)) as LicenceParties | undefined;
    if (!row) throw new Error(`licence ${licenceId} is not indexed: the audit trail is missing its LicenceRegistered event`);
    return row;
  };
  const sale = (saleId: string): SaleRow => {
    const row = q.saleGet.get(saleId) as SaleRow | undefined;
    if (!row) throw new Error(`sale ${saleId} is not indexed: the audit trail is missing its SaleSettled event`);
    return row;
  };
  const shares = (s: SaleRow, p: LicenceParties): [string, Role, bigint][] => [
    [p.rights_holder, "rightsHolder", BigInt(s.rights_holder_share)],
    [p.mcn, "mcn", BigInt(s.mcn_share)],
    [p.platform, "platform", BigInt(s.platform_share)],
  ];
  const credit = (
    e: StoredEvent,
    party: string,
    role: Role,
    token: string,
    amount: bigint,
    reason: string,
    saleId: string,
    licenceId: number,
  ) => {
    const b = balance(party, token);
    b.claimable += amount;
    b.earned += amount;
    partyLicence(party, licenceId, token, role).credited += amount;
    q.credit.run(party, token, amount.toString(), reason, saleId, licenceId, e.blockNumber, e.logIndex, e.txHash, e.blockTimestamp);
  };
  const escrow = (party: string, role: Role, token: string, amount: bigint, licenceId: number) => {
    balance(party, token).escrowed += amount;
    partyLicence(party, licenceId, token, role).escrowed += amount;
  };

  const handlers: Record<string, Handler> = {
    "Settlement:RoleGranted": (e, a) => q.roleGrant.run(ROLE_NAMES.get(a.role!) ?? a.role, a.account, e.blockTimestamp),
    "Settlement:RoleRevoked": (_e, a) => q.roleRevoke.run(ROLE_NAMES.get(a.role!) ?? a.role, a.account),
    "Settlement:RoleAdminChanged": () => {},
    "Settlement:Paused": () => q.setting.run("paused", "true"),
    "Settlement:Unpaused": () => q.setting.run("paused", "false"),
    "Settlement:CommissionBandSet": (_e, a) => {
      q.setting.run("minCommissionBps", String(a.minBps));
      q.setting.run("maxCommissionBps", String(a.maxBps));
    },
    "Settlement:ChannelAdded": (e, a) => q.channelAdd.run(Number(a.channelId), a.name, a.reporter, e.blockTimestamp, e.blockNumber),
    "Settlement:ChannelReporterChanged": (_e, a) => q.channelReporter.run(a.reporter, Number(a.channelId)),
    "Settlement:ChannelActiveSet": (_e, a) => q.channelActive.run(a.active ? 1 : 0, Number(a.channelId)),
    "Settlement:TokenAllowed": (e, a) => q.tokenAllow.run(a.token, Number(a.tokenId), e.blockTimestamp),
    "Settlement:TokenDisallowed": (_e, a) => q.tokenDisallow.run(a.token),
    "Settlement:ContentRegistered": (e, a) => q.content.run(a.contentId, a.rightsHolder, Number(a.registeredAt), e.blockNumber),
    "Settlement:LicenceRegistered": (e, a) => {
      const t = a.terms as unknown as Record<string, unknown>;
      const supersedes = BigInt(t.supersedes as string);
      q.licence.run({
        licenceId: id(a.licenceId),
        contentId: a.contentId,
        rightsHolder: a.rightsHolder,
        mcn: t.mcn,
        platform: t.platform,
        rightsHolderBps: t.rightsHolderBps,
        mcnBps: t.mcnBps,
        platformBps: t.platformBps,
        commissionBps: t.commissionBps,
        validFrom: Number(t.validFrom),
        validUntil: Number(t.validUntil),
        holdSeconds: Number(t.holdSeconds),
        supersedes: supersedes === 0n ? null : id(t.supersedes),
        termsHash: t.termsHash,
        termsURI: t.termsURI,
        registeredAt: e.blockTimestamp,
        registeredBlock: e.blockNumber,
        txHash: e.txHash,
      });
      for (const channelId of t.channels as number[]) q.licenceChannel.run(id(a.licenceId), channelId);
    },
    "Settlement:LicenceAccepted": (_e, a) => {
      // The contract records the MCN's consent first when one account is both MCN and platform.
      const p = parties(a.licenceId!);
      const asMcn = a.party === p.mcn && !p.mcn_accepted;
      q.licenceAccept.run(asMcn ? 1 : 0, asMcn ? 0 : 1, id(a.licenceId));
    },
    "Settlement:LicenceActivated": (_e, a) => q.licenceActivated.run(Number(a.activatedAt), id(a.licenceId)),
    "Settlement:LicenceSuperseded": (_e, a) => q.licenceSuperseded.run(id(a.supersededBy), id(a.licenceId)),
    "Settlement:LicenceCancelled": (_e, a) => q.licenceStatus.run("cancelled", id(a.licenceId)),
    "Settlement:LicenceSuspended": (_e, a) => q.licenceStatus.run("suspended", id(a.licenceId)),
    "Settlement:LicenceReinstated": (_e, a) => q.licenceStatus.run("active", id(a.licenceId)),
    "Settlement:LicenceTerminated": (_e, a) => q.licenceStatus.run("terminated", id(a.licenceId)),
    "Settlement:SaleSettled": (e, a) => {
      const releaseAt = Number(a.releaseAt);
      const licenceId = id(a.licenceId);
      q.sale.run(
        a.saleId,
        licenceId,
        Number(a.channelId),
        a.orderRef,
        a.token,
        a.gross,
        a.commission,
        a.rightsHolderShare,
        a.mcnShare,
        a.platformShare,
        releaseAt === 0 ? "claimable" : "escrowed",
        releaseAt === 0 ? null : releaseAt,
        e.blockNumber,
        e.logIndex,
        e.txHash,
        e.blockTimestamp,
      );
      const p = parties(licenceId);
      const split: [string, Role, bigint][] = [
        [p.rights_holder, "rightsHolder", BigInt(a.rightsHolderShare!)],
        [p.mcn, "mcn", BigInt(a.mcnShare!)],
        [p.platform, "platform", BigInt(a.platformShare!)],
      ];
      for (const [party, role, amount] of split) {
        if (releaseAt === 0) credit(e, party, role, a.token!, amount, "sale", a.saleId!, licenceId);
        else escrow(party, role, a.token!, amount, licenceId);
      }
      count(licenceId, a.token!, 1n, BigInt(a.gross!), [split[0]![2], split[1]![2], split[2]![2]]);
    },
    "Settlement:SaleReleased": (e, a) => {
      const s = sale(a.saleId!);
      for (const [party, role, amount] of shares(s, parties(s.licence_id))) {
        escrow(party, role, s.token, -amount, s.licence_id);
        credit(e, party, role, s.token, amount, "release", s.sale_id, s.licence_id);
      }
      q.saleReleased.run(e.blockTimestamp, s.sale_id);
    },
    "Settlement:SaleRefunded": (e, a) => {
      const s = sale(a.saleId!);
      const split = shares(s, parties(s.licence_id));
      for (const [party, role, amount] of split) escrow(party, role, s.token, -amount, s.licence_id);
      credit(e, a.to!, "channel", s.token, BigInt(a.amount!), "refund", s.sale_id, s.licence_id);
      count(s.licence_id, s.token, -1n, BigInt(s.gross), [split[0]![2], split[1]![2], split[2]![2]]);
      q.saleRefunded.run(e.blockTimestamp, a.to, s.sale_id);
    },
    "Settlement:SaleFrozen": (_e, a) => q.saleStatus.run("frozen", a.saleId),
    "Settlement:SaleUnfrozen": (_e, a) => q.saleStatus.run("escrowed", a.saleId),
    "Settlement:Withdrawn": (e, a) => {
      const b = balance(a.account!, a.token!);
      const amount = BigInt(a.amount!);
      b.claimable -= amount;
      b.withdrawn += amount;
      q.withdrawal.run(a.account, a.token, a.to, a.amount, e.blockNumber, e.logIndex, e.txHash, e.blockTimestamp);
    },
    "DisputeRegistry:DisputeOpened": (e, a) => {
      const isSale = Number(a.kind) === 1;
      const target = isSale ? a.target! : BigInt(a.target!).toString();
      const disputed = isSale ? sale(a.target!) : undefined;
      q.disputeOpen.run(
        id(a.disputeId),
        isSale ? "sale" : "licence",
        target,
        disputed ? disputed.licence_id : id(BigInt(a.target!).toString()),
        disputed ? disputed.channel_id : null,
        a.openedBy,
        DISPUTE_REASON[Number(a.reason)] ?? String(a.reason),
        Number(a.openedAt),
        e.blockNumber,
        e.txHash,
      );
    },
    "DisputeRegistry:EvidenceAdded": (e, a) => q.evidence.run(id(a.disputeId), a.evidence, a.by, Number(a.at), e.blockNumber, e.logIndex),
    "DisputeRegistry:LicenceSuspendedPendingRuling": (_e, a) => q.disputeSuspended.run(id(a.disputeId)),
    "DisputeRegistry:DisputeResolved": (_e, a) =>
      q.disputeResolved.run(
        DISPUTE_STATUS[Number(a.status)],
        LICENCE_REMEDY[Number(a.remedy)],
        a.ruling,
        a.arbiter,
        Number(a.resolvedAt),
        id(a.disputeId),
      ),
  };

  return {
    apply(event) {
      const handler = handlers[`${event.contractName}:${event.eventName}`];
      if (!handler) throw new Error(`no handler for ${event.contractName}:${event.eventName}; the indexer is older than the contracts`);
      handler(event, event.args as Record<string, string>);
    },
    flush() {
      for (const [key, b] of balances) {
        const [party, token] = key.split("|");
        q.balancePut.run(party, token, b.claimable.toString(), b.escrowed.toString(), b.withdrawn.toString(), b.earned.toString());
      }
      balances.clear();
      for (const [key, t] of totals) {
        const [licenceId, token] = key.split("|");
        q.totalsPut.run(
          Number(licenceId),
          token,
          t.sales,
          t.gross.toString(),
          t.commission.toString(),
          t.rights_holder.toString(),
          t.mcn.toString(),
          t.platform.toString(),
        );
      }
      totals.clear();
      for (const [key, b] of byLicence) {
        const [party, licenceId, token, role] = key.split("|");
        q.partyLicencePut.run(party, Number(licenceId), token, role, b.credited.toString(), b.escrowed.toString());
      }
      byLicence.clear();
    },
  };
}

/** Decoded args made JSON-safe: uint256 and other bigints become decimal strings, recursively. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

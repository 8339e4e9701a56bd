/**
 * The indexer against real nodes (Hardhat's and anvil, each a child process): every event the contracts
 * emit lands in the right tables with the right values, the audit trail is the chain's, and after a seeded
 * random scenario every derived balance and status equals what the contracts say. The indexer runs in
 * this process with `once: true`, which returns when it has caught up with the node.
 */
import { expect } from "chai";
import {
  ethers,
  FeeData,
  getAddress,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Log,
  type ParamType,
} from "ethers";
import path from "node:path";
import { DERIVED_TABLES } from "../../indexer/store/schema";
import { openStore, type Store } from "../../indexer/store/store";
import type { ILicenceRegistry } from "../../typechain-types/contracts/Settlement";
import {
  activeLicence,
  deployConsortium,
  saleIdOf,
  startChain,
  tempDir,
  type AccountName,
  type Consortium,
  type NodeKind,
  indexOnce,
} from "./harness";
import { prng } from "../../scripts/lib/prng";

const DAY = 86_400;
const HOLD = 7 * DAY;
const BPS = 10_000n;
/** The random scenario's seed; REELSPLIT_SCENARIO_SEED=<n> replays another (the seed is in the test's title). */
const SEED = Number(process.env.REELSPLIT_SCENARIO_SEED ?? 0x5eed);

type Row = Record<string, unknown>;
type Terms = ILicenceRegistry.LicenceTermsStruct;
type Reporter = "taobao" | "jd";

/** SaleStatus as the contract numbers it, as the indexer names it. */
const SALE_STATUS: Record<number, string> = { 1: "escrowed", 2: "frozen", 3: "claimable", 4: "refunded" };
/** LicenceStatus as the contract numbers it, as the indexer stores it (expiry is derived from time, never stored). */
const LICENCE_STATUS: Record<number, string> = {
  1: "proposed",
  2: "active",
  3: "superseded",
  4: "suspended",
  5: "terminated",
  6: "cancelled",
  7: "active",
};

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

async function indexChain(c: Consortium, dbPath: string): Promise<void> {
  await indexOnce(c.chain.url, dbPath, c.deployment);
}

function withStore<T>(dbPath: string, fn: (store: Store) => T): T {
  const store = openStore(dbPath, { readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const all = (dbPath: string, sql: string, ...params: unknown[]): Row[] =>
  withStore(dbPath, (s) => s.db.prepare(sql).all(...params) as Row[]);
const one = (dbPath: string, sql: string, ...params: unknown[]): Row | undefined =>
  withStore(dbPath, (s) => s.db.prepare(sql).get(...params) as Row | undefined);
const digestOf = (dbPath: string): string => withStore(dbPath, (s) => s.digest());

interface Mined {
  hash: string;
  block: number;
  blockHash: string;
  timestamp: number;
  receipt: ContractTransactionReceipt;
}

async function mined(c: Consortium, tx: Promise<ContractTransactionResponse>): Promise<Mined> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("transaction failed");
  const block = await c.chain.provider.getBlock(receipt.blockNumber);
  return { hash: receipt.hash, block: receipt.blockNumber, blockHash: receipt.blockHash, timestamp: block!.timestamp, receipt };
}

/** Waits for a transaction that must succeed; its receipt. */
async function sent(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("transaction failed");
  return receipt;
}

async function latestTimestamp(c: Consortium): Promise<number> {
  return (await c.chain.provider.getBlock("latest"))!.timestamp;
}

async function advance(c: Consortium, seconds: number): Promise<void> {
  await c.chain.send("evm_increaseTime", [seconds]);
  await c.chain.send("evm_mine", []);
}

/** SplitMath, in bigint: the commission on gross and its three shares (the platform takes the remainder). */
const commissionOf = (gross: bigint, commissionBps: bigint) => (gross * commissionBps) / BPS;
function split(commission: bigint, rightsHolderBps: bigint, mcnBps: bigint): [bigint, bigint, bigint] {
  const rightsHolder = (commission * rightsHolderBps) / BPS;
  const mcn = (commission * mcnBps) / BPS;
  return [rightsHolder, mcn, commission - rightsHolder - mcn];
}

async function licenceTerms(c: Consortium, over: Partial<Terms> = {}): Promise<Terms> {
  const now = await latestTimestamp(c);
  return {
    contentId: ethers.id(`content:${Math.random()}`),
    mcn: c.accounts.mcn.address,
    platform: c.accounts.platform.address,
    rightsHolderBps: 1500,
    mcnBps: 3500,
    platformBps: 5000,
    commissionBps: 2000,
    channels: [1, 2],
    validFrom: now - 60,
    validUntil: now + 365 * DAY,
    holdSeconds: 0,
    supersedes: 0,
    termsHash: ethers.id("terms"),
    termsURI: "ipfs://terms",
    ...over,
  };
}

async function register(c: Consortium, who: AccountName, terms: Terms): Promise<{ id: bigint; m: Mined }> {
  const id = (await c.settlement.licenceCount()) + 1n;
  const m = await mined(c, c.as(c.settlement, who).registerLicence(terms));
  return { id, m };
}

async function settle(
  c: Consortium,
  channel: Reporter,
  licenceId: bigint,
  orderRef: string,
  gross: bigint,
): Promise<{ saleId: string; m: Mined }> {
  const m = await mined(c, c.as(c.settlement, channel).settleSale(licenceId, orderRef, c.tokenAddress, gross));
  return { saleId: saleIdOf(c.channel[channel], orderRef), m };
}

interface SettledSale {
  saleId: string;
  licenceId: bigint;
  channelId: number;
  releaseAt: number;
}

function settledIn(c: Consortium, receipt: ContractTransactionReceipt): SettledSale[] {
  return receipt.logs
    .map((l) => c.settlement.interface.parseLog(l))
    .filter((p) => p?.name === "SaleSettled")
    .map((p) => ({
      saleId: p!.args.saleId as string,
      licenceId: p!.args.licenceId as bigint,
      channelId: Number(p!.args.channelId),
      releaseAt: Number(p!.args.releaseAt),
    }));
}

interface Balance {
  claimable: string;
  escrowed: string;
  withdrawn: string;
  earned: string;
}

function balanceOf(dbPath: string, party: string, token: string): Balance {
  const row = one(dbPath, "SELECT claimable, escrowed, withdrawn, earned FROM balances WHERE party = ? AND token = ?", party, token);
  return (row as Balance | undefined) ?? { claimable: "0", escrowed: "0", withdrawn: "0", earned: "0" };
}

const plus = (a: string, b: bigint) => (BigInt(a) + b).toString();

/**
 * What the indexer should store for an event argument, from the value ethers decodes independently: uint256
 * (any uint wider than 48 bits) as a decimal string, narrower uints as numbers, addresses checksummed,
 * structs as objects keyed by field name.
 */
function storedForm(p: ParamType, value: unknown): unknown {
  if (p.isTuple()) return Object.fromEntries(p.components.map((q, i) => [q.name, storedForm(q, (value as unknown[])[i])]));
  if (p.isArray()) return (value as unknown[]).map((v) => storedForm(p.arrayChildren, v));
  if (p.type.startsWith("uint")) return Number(p.type.slice(4) || 256) > 48 ? (value as bigint).toString() : Number(value);
  if (p.type === "address") return getAddress(value as string);
  if (p.type === "bytes32") return (value as string).toLowerCase();
  return value;
}

/** JSON with object keys sorted, so that two values compare as strings. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Row)[k])]),
          )
        : v;
  return JSON.stringify(sort(value));
}

// ---------------------------------------------------------------------------------------------------------
// The suite, once per node
// ---------------------------------------------------------------------------------------------------------

for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
  describe(`indexer (${kind})`, function () {
    let c: Consortium;
    let tmp: { dir: string; remove(): void };
    let db: string;
    let token: string;
    const index = () => indexChain(c, db);
    const addr = (name: AccountName) => c.accounts[name].address;
    const sale = (saleId: string) => one(db, "SELECT * FROM sales WHERE sale_id = ?", saleId)!;
    const licence = (id: bigint) => one(db, "SELECT * FROM licences WHERE licence_id = ?", Number(id))!;
    const setting = (key: string) => one(db, "SELECT value FROM settings WHERE key = ?", key)?.value;

    before(async function () {
      const chain = await startChain(kind);
      // Fixed fees well above a local node's base fee spare every transaction three look-ups (latest block,
      // gas price, priority fee): the many transactions below take half the time.
      chain.provider.getFeeData = async () => new FeeData(null, 100n * 10n ** 9n, 10n ** 9n);
      try {
        c = await deployConsortium(chain);
      } catch (err) {
        await chain.stop();
        throw err;
      }
      tmp = tempDir();
      db = path.join(tmp.dir, "indexer.db");
      token = c.tokenAddress;
    });

    after(async function () {
      await c?.chain.stop();
      tmp?.remove();
    });

    describe("consortium", function () {
      it("records the roles granted at deployment under their names, with the time of the grant", async function () {
        await index();
        const granted = await c.settlement.queryFilter(c.settlement.filters.RoleGranted(), c.deployment.deploymentBlock);
        const name = new Map(
          ["RIGHTS_HOLDER_ROLE", "MCN_ROLE", "PLATFORM_ROLE", "ARBITER_ROLE", "DISPUTE_REGISTRY_ROLE"].map(
            (r) => [ethers.id(r), r] as [string, string],
          ),
        ).set(ethers.ZeroHash, "DEFAULT_ADMIN_ROLE");
        const expected = await Promise.all(
          granted.map(async (l) => ({
            role: name.get(l.args.role)!,
            account: l.args.account,
            granted_at: (await l.getBlock()).timestamp,
          })),
        );
        const disputes = await c.disputes.getAddress();
        expect(expected.map((r) => `${r.role} ${r.account}`).sort()).to.deep.equal(
          [
            `DEFAULT_ADMIN_ROLE ${addr("admin")}`,
            `DISPUTE_REGISTRY_ROLE ${disputes}`,
            `RIGHTS_HOLDER_ROLE ${addr("rightsHolder")}`,
            `RIGHTS_HOLDER_ROLE ${addr("rightsHolder2")}`,
            `MCN_ROLE ${addr("mcn")}`,
            `MCN_ROLE ${addr("mcn2")}`,
            `PLATFORM_ROLE ${addr("platform")}`,
            `PLATFORM_ROLE ${addr("platform2")}`,
            `ARBITER_ROLE ${addr("arbiter")}`,
          ].sort(),
        );
        const byKey = (r: Row) => `${String(r.role)} ${String(r.account)}`;
        const sorted = (rows: Row[]) => [...rows].sort((a, b) => byKey(a).localeCompare(byKey(b)));
        expect(sorted(all(db, "SELECT role, account, granted_at FROM roles"))).to.deep.equal(sorted(expected));
      });

      it("adds a granted role and removes it again when revoked", async function () {
        const account = c.chain.wallet(16).address;
        const role = await c.settlement.ARBITER_ROLE();
        const grant = await mined(c, c.settlement.grantRole(role, account));
        await index();
        expect(one(db, "SELECT * FROM roles WHERE role = 'ARBITER_ROLE' AND account = ?", account)).to.deep.equal({
          role: "ARBITER_ROLE",
          account,
          granted_at: grant.timestamp,
        });
        expect(all(db, "SELECT account FROM roles WHERE role = 'ARBITER_ROLE' ORDER BY account")).to.have.length(2);

        await mined(c, c.settlement.revokeRole(role, account));
        await index();
        expect(all(db, "SELECT account FROM roles WHERE role = 'ARBITER_ROLE'")).to.deep.equal([{ account: addr("arbiter") }]);
        expect(all(db, "SELECT * FROM roles")).to.have.length(9);
      });

      it("states the commission band from the deployment block, then as the admin sets it", async function () {
        await index();
        expect([setting("minCommissionBps"), setting("maxCommissionBps")]).to.deep.equal(["1500", "2500"]);
        const first = one(
          db,
          "SELECT block_number, args FROM events WHERE event_name = 'CommissionBandSet' ORDER BY block_number, log_index LIMIT 1",
        )!;
        expect(first.block_number).to.equal(c.deployment.deploymentBlock);
        expect(JSON.parse(first.args as string)).to.deep.equal({ minBps: 1500, maxBps: 2500 });

        await mined(c, c.settlement.setCommissionBand(1000, 3000));
        await index();
        expect([setting("minCommissionBps"), setting("maxCommissionBps")]).to.deep.equal(["1000", "3000"]);
      });

      it("records a pause and its end in settings.paused", async function () {
        await mined(c, c.settlement.pause());
        await index();
        expect(setting("paused")).to.equal("true");
        await mined(c, c.settlement.unpause());
        await index();
        expect(setting("paused")).to.equal("false");
      });

      it("records the channels, a change of reporter and a channel switched off and on", async function () {
        await index();
        const added = await c.settlement.queryFilter(c.settlement.filters.ChannelAdded(), c.deployment.deploymentBlock);
        const expected = await Promise.all(
          added.map(async (l) => ({
            channel_id: Number(l.args.channelId),
            name: l.args.name,
            reporter: l.args.reporter,
            active: 1,
            added_at: (await l.getBlock()).timestamp,
            added_block: l.blockNumber,
          })),
        );
        expect(expected.map((ch) => [ch.channel_id, ch.name, ch.reporter])).to.deep.equal([
          [1, "taobao", addr("taobao")],
          [2, "jd", addr("jd")],
          [3, "pdd", addr("pdd")],
        ]);
        expect(all(db, "SELECT * FROM channels ORDER BY channel_id")).to.deep.equal(expected);

        const rotated = c.chain.wallet(15).address;
        await mined(c, c.settlement.setChannelReporter(3, rotated));
        await mined(c, c.settlement.setChannelActive(3, false));
        await index();
        expect(one(db, "SELECT reporter, active FROM channels WHERE channel_id = 3")).to.deep.equal({ reporter: rotated, active: 0 });

        await mined(c, c.settlement.setChannelActive(3, true));
        await mined(c, c.settlement.setChannelReporter(3, addr("pdd")));
        await index();
        expect(one(db, "SELECT * FROM channels WHERE channel_id = 3")).to.deep.equal(expected[2]);
      });

      it("lists the settlement token with its symbol and decimals, disallowed and allowed again", async function () {
        await index();
        const [allowedLog] = await c.settlement.queryFilter(c.settlement.filters.TokenAllowed(), c.deployment.deploymentBlock);
        expect(one(db, "SELECT * FROM tokens WHERE address = ?", token)).to.deep.equal({
          address: token,
          token_id: 1,
          allowed: 1,
          allowed_at: (await allowedLog!.getBlock()).timestamp,
        });
        expect(all(db, "SELECT * FROM token_metadata")).to.deep.equal([{ address: token, symbol: "dCNY", decimals: 2 }]);

        await mined(c, c.settlement.disallowToken(token));
        await index();
        expect(one(db, "SELECT allowed FROM tokens WHERE address = ?", token)).to.deep.equal({ allowed: 0 });

        const again = await mined(c, c.settlement.allowToken(token));
        await index();
        expect(one(db, "SELECT * FROM tokens WHERE address = ?", token)).to.deep.equal({
          address: token,
          token_id: 1,
          allowed: 1,
          allowed_at: again.timestamp,
        });
        expect(all(db, "SELECT * FROM token_metadata")).to.deep.equal([{ address: token, symbol: "dCNY", decimals: 2 }]);
      });
    });

    describe("licences", function () {
      let first: { id: bigint; m: Mined; terms: Terms };

      it("registers a licence with all its terms, its channels and its content", async function () {
        const terms = await licenceTerms(c, {
          contentId: ethers.id(`drama:${kind}:palace-revenge`),
          mcn: addr("mcn2"),
          platform: addr("platform"),
          rightsHolderBps: 2500,
          mcnBps: 2500,
          platformBps: 5000,
          commissionBps: 1800,
          channels: [2, 1],
          holdSeconds: 3 * DAY,
          termsHash: ethers.id("terms:palace-revenge:v1"),
          termsURI: "ipfs://bafy-palace-revenge-v1",
        });
        const { id, m } = await register(c, "rightsHolder2", terms);
        first = { id, m, terms };
        await index();
        expect(licence(id)).to.deep.equal({
          licence_id: Number(id),
          content_id: terms.contentId,
          rights_holder: addr("rightsHolder2"),
          mcn: addr("mcn2"),
          platform: addr("platform"),
          rights_holder_bps: 2500,
          mcn_bps: 2500,
          platform_bps: 5000,
          commission_bps: 1800,
          valid_from: terms.validFrom,
          valid_until: terms.validUntil,
          hold_seconds: 3 * DAY,
          supersedes: null,
          superseded_by: null,
          terms_hash: terms.termsHash,
          terms_uri: "ipfs://bafy-palace-revenge-v1",
          status: "proposed",
          mcn_accepted: 0,
          platform_accepted: 0,
          registered_at: m.timestamp,
          registered_block: m.block,
          activated_at: null,
          tx_hash: m.hash,
        });
        expect(all(db, "SELECT channel_id FROM licence_channels WHERE licence_id = ? ORDER BY channel_id", Number(id))).to.deep.equal([
          { channel_id: 1 },
          { channel_id: 2 },
        ]);
        expect(all(db, "SELECT * FROM contents WHERE content_id = ?", terms.contentId)).to.deep.equal([
          { content_id: terms.contentId, rights_holder: addr("rightsHolder2"), registered_at: m.timestamp, block_number: m.block },
        ]);
      });

      it("records each party's acceptance, then the activation", async function () {
        await mined(c, c.as(c.settlement, "platform").acceptLicence(first.id));
        await index();
        expect(licence(first.id)).to.deep.include({ status: "proposed", mcn_accepted: 0, platform_accepted: 1, activated_at: null });

        const m = await mined(c, c.as(c.settlement, "mcn2").acceptLicence(first.id));
        await index();
        expect(licence(first.id)).to.deep.include({ status: "active", mcn_accepted: 1, platform_accepted: 1, activated_at: m.timestamp });
      });

      it("marks a licence superseded by the one that replaces it", async function () {
        const terms = await licenceTerms(c, {
          ...first.terms,
          rightsHolderBps: 3000,
          mcnBps: 2000,
          platformBps: 5000,
          supersedes: first.id,
          termsHash: ethers.id("terms:palace-revenge:v2"),
          termsURI: "ipfs://bafy-palace-revenge-v2",
        });
        const { id } = await register(c, "rightsHolder2", terms);
        await mined(c, c.as(c.settlement, "mcn2").acceptLicence(id));
        await index();
        expect(licence(first.id)).to.deep.include({ status: "active", superseded_by: null });
        expect(licence(id)).to.deep.include({ status: "proposed", supersedes: Number(first.id), mcn_accepted: 1, platform_accepted: 0 });

        const m = await mined(c, c.as(c.settlement, "platform").acceptLicence(id));
        await index();
        expect(licence(first.id)).to.deep.include({ status: "superseded", superseded_by: Number(id) });
        expect(licence(id)).to.deep.include({
          status: "active",
          supersedes: Number(first.id),
          activated_at: m.timestamp,
          rights_holder_bps: 3000,
        });
        // The content was registered once, by the first licence.
        expect(all(db, "SELECT registered_at FROM contents WHERE content_id = ?", first.terms.contentId)).to.deep.equal([
          { registered_at: first.m.timestamp },
        ]);
      });

      it("records both acceptances of one account that is the licence's MCN and its platform", async function () {
        await mined(c, c.settlement.grantRole(await c.settlement.PLATFORM_ROLE(), addr("mcn2")));
        const { id } = await register(c, "rightsHolder", await licenceTerms(c, { mcn: addr("mcn2"), platform: addr("mcn2") }));
        await mined(c, c.as(c.settlement, "mcn2").acceptLicence(id));
        await index();
        expect(licence(id)).to.deep.include({
          mcn: addr("mcn2"),
          platform: addr("mcn2"),
          status: "proposed",
          mcn_accepted: 1,
          platform_accepted: 0,
        });
        const m = await mined(c, c.as(c.settlement, "mcn2").acceptLicence(id));
        await index();
        expect(licence(id)).to.deep.include({ status: "active", mcn_accepted: 1, platform_accepted: 1, activated_at: m.timestamp });
      });

      it("cancels a proposed licence", async function () {
        const { id } = await register(c, "rightsHolder", await licenceTerms(c));
        await mined(c, c.as(c.settlement, "mcn").acceptLicence(id));
        await mined(c, c.as(c.settlement, "rightsHolder").cancelLicence(id));
        await index();
        expect(licence(id)).to.deep.include({ status: "cancelled", mcn_accepted: 1, platform_accepted: 0, activated_at: null });
      });
    });

    describe("sales", function () {
      let instant: bigint;
      let escrow: bigint;

      before(async function () {
        instant = await activeLicence(c, { holdSeconds: 0 });
        escrow = await activeLicence(c, { holdSeconds: HOLD });
      });

      const parties = () => [addr("rightsHolder"), addr("mcn"), addr("platform")];

      it("credits the three parties of an instant sale exactly", async function () {
        await index();
        const before = parties().map((p) => balanceOf(db, p, token));
        const orderRef = ethers.id(`order:${kind}:instant`);
        const { saleId, m } = await settle(c, "taobao", instant, orderRef, 19900n);
        await index();

        const settledLog = m.receipt.logs.find((l) => c.settlement.interface.parseLog(l)?.name === "SaleSettled")!;
        expect(sale(saleId)).to.deep.equal({
          sale_id: saleId,
          licence_id: Number(instant),
          channel_id: 1,
          order_ref: orderRef,
          token,
          gross: "19900",
          commission: "3980",
          rights_holder_share: "597",
          mcn_share: "1393",
          platform_share: "1990",
          status: "claimable",
          release_at: null,
          released_at: null,
          refunded_at: null,
          refunded_to: null,
          block_number: m.block,
          log_index: settledLog.index,
          tx_hash: m.hash,
          timestamp: m.timestamp,
        });
        expect(
          all(
            db,
            "SELECT party, token, amount, reason, licence_id, block_number, tx_hash, timestamp FROM credits WHERE sale_id = ? ORDER BY party",
            saleId,
          ),
        ).to.deep.equal(
          [
            [addr("rightsHolder"), "597"],
            [addr("mcn"), "1393"],
            [addr("platform"), "1990"],
          ]
            .map(([party, amount]) => ({
              party,
              token,
              amount,
              reason: "sale",
              licence_id: Number(instant),
              block_number: m.block,
              tx_hash: m.hash,
              timestamp: m.timestamp,
            }))
            .sort((a, b) => a.party!.localeCompare(b.party!)),
        );
        const shares = [597n, 1393n, 1990n];
        for (const [i, party] of parties().entries()) {
          const b = balanceOf(db, party, token);
          expect(b).to.deep.equal({
            claimable: plus(before[i]!.claimable, shares[i]!),
            escrowed: before[i]!.escrowed,
            withdrawn: before[i]!.withdrawn,
            earned: plus(before[i]!.earned, shares[i]!),
          });
          expect(b.claimable).to.equal((await c.settlement.claimable(party, token)).toString());
        }
      });

      it("holds an escrowed sale until its refund window ends, then releases it to the parties", async function () {
        await index();
        const before = parties().map((p) => balanceOf(db, p, token));
        const { saleId, m } = await settle(c, "jd", escrow, ethers.id(`order:${kind}:escrow`), 12345n);
        await index();
        // 12345 at 20 % = 2469: 370 / 864 / 1235 (the platform takes the rounding).
        const shares = [370n, 864n, 1235n];
        expect(sale(saleId)).to.deep.include({
          channel_id: 2,
          gross: "12345",
          commission: "2469",
          rights_holder_share: "370",
          mcn_share: "864",
          platform_share: "1235",
          status: "escrowed",
          release_at: m.timestamp + HOLD,
          released_at: null,
        });
        expect(all(db, "SELECT * FROM credits WHERE sale_id = ?", saleId)).to.deep.equal([]);
        for (const [i, party] of parties().entries()) {
          expect(balanceOf(db, party, token)).to.deep.equal({ ...before[i]!, escrowed: plus(before[i]!.escrowed, shares[i]!) });
        }

        await advance(c, 8 * DAY);
        const release = await mined(c, c.as(c.settlement, "outsider").releaseSales([saleId]));
        await index();
        expect(sale(saleId)).to.deep.include({ status: "claimable", release_at: m.timestamp + HOLD, released_at: release.timestamp });
        expect(
          all(db, "SELECT party, amount, reason, tx_hash FROM credits WHERE sale_id = ? ORDER BY log_index, party", saleId),
        ).to.have.deep.members([
          { party: addr("rightsHolder"), amount: "370", reason: "release", tx_hash: release.hash },
          { party: addr("mcn"), amount: "864", reason: "release", tx_hash: release.hash },
          { party: addr("platform"), amount: "1235", reason: "release", tx_hash: release.hash },
        ]);
        for (const [i, party] of parties().entries()) {
          expect(balanceOf(db, party, token)).to.deep.equal({
            claimable: plus(before[i]!.claimable, shares[i]!),
            escrowed: before[i]!.escrowed,
            withdrawn: before[i]!.withdrawn,
            earned: plus(before[i]!.earned, shares[i]!),
          });
          expect(balanceOf(db, party, token).claimable).to.equal((await c.settlement.claimable(party, token)).toString());
        }
      });

      it("records every order of a batch as its own sale, in log order", async function () {
        const orders = [
          { licenceId: instant, gross: 7n },
          { licenceId: instant, gross: 333n },
          { licenceId: escrow, gross: 99_999n },
          { licenceId: instant, gross: 123_456_789n },
          { licenceId: escrow, gross: 1_001n },
        ].map((o, i) => ({ ...o, orderRef: ethers.id(`order:${kind}:batch:${i}`) }));
        const m = await mined(c, c.as(c.settlement, "taobao").settleSales(token, orders));
        await index();
        const rows = orders.map((o) => sale(saleIdOf(1, o.orderRef)));
        const logIndexes = rows.map((r) => r.log_index as number);
        expect(logIndexes).to.deep.equal([...logIndexes].sort((a, b) => a - b));
        expect(new Set(logIndexes).size).to.equal(orders.length);
        for (const [i, o] of orders.entries()) {
          const commission = commissionOf(o.gross, 2000n);
          const [rh, mcn, pf] = split(commission, 1500n, 3500n);
          const isInstant = o.licenceId === instant;
          expect(rows[i]).to.deep.include({
            licence_id: Number(o.licenceId),
            order_ref: o.orderRef,
            gross: o.gross.toString(),
            commission: commission.toString(),
            rights_holder_share: rh.toString(),
            mcn_share: mcn.toString(),
            platform_share: pf.toString(),
            status: isInstant ? "claimable" : "escrowed",
            release_at: isInstant ? null : m.timestamp + HOLD,
            block_number: m.block,
            tx_hash: m.hash,
          });
          const credited = all(db, "SELECT party, amount FROM credits WHERE sale_id = ? AND reason = 'sale'", saleIdOf(1, o.orderRef));
          const sum = (party: string) => credited.filter((r) => r.party === party).reduce((s, r) => s + BigInt(r.amount as string), 0n);
          expect([sum(addr("rightsHolder")), sum(addr("mcn")), sum(addr("platform"))]).to.deep.equal(
            isInstant ? [rh, mcn, pf] : [0n, 0n, 0n],
          );
        }
        for (const party of parties()) {
          expect(balanceOf(db, party, token).claimable).to.equal((await c.settlement.claimable(party, token)).toString());
        }
      });

      it("refunds an escrowed sale to the channel that reported it", async function () {
        const { saleId } = await settle(c, "jd", escrow, ethers.id(`order:${kind}:refund`), 50_000n);
        await index();
        const before = parties().map((p) => balanceOf(db, p, token));
        const jdBefore = balanceOf(db, addr("jd"), token);
        const refund = await mined(c, c.as(c.settlement, "jd").refundSale(saleId));
        await index();
        expect(sale(saleId)).to.deep.include({
          status: "refunded",
          commission: "10000",
          refunded_at: refund.timestamp,
          refunded_to: addr("jd"),
          released_at: null,
        });
        expect(all(db, "SELECT party, amount, reason, licence_id, tx_hash FROM credits WHERE sale_id = ?", saleId)).to.deep.equal([
          { party: addr("jd"), amount: "10000", reason: "refund", licence_id: Number(escrow), tx_hash: refund.hash },
        ]);
        // 10000 at 15/35/50 was in escrow for the parties; it leaves their escrow.
        for (const [i, party] of parties().entries()) {
          expect(balanceOf(db, party, token)).to.deep.equal({
            ...before[i]!,
            escrowed: plus(before[i]!.escrowed, -[1500n, 3500n, 5000n][i]!),
          });
        }
        expect(balanceOf(db, addr("jd"), token)).to.deep.equal({
          ...jdBefore,
          claimable: plus(jdBefore.claimable, 10_000n),
          earned: plus(jdBefore.earned, 10_000n),
        });
        expect(balanceOf(db, addr("jd"), token).claimable).to.equal((await c.settlement.claimable(addr("jd"), token)).toString());
      });

      it("records a withdrawal and moves the amount from claimable to withdrawn", async function () {
        const account = addr("rightsHolder");
        const recipient = c.chain.wallet(17).address;
        const amount = await c.settlement.claimable(account, token);
        expect(amount > 0n).to.equal(true);
        await index();
        const before = balanceOf(db, account, token);
        const m = await mined(c, c.as(c.settlement, "rightsHolder").withdraw(token, recipient));
        await index();
        const withdrawnLog = m.receipt.logs.find((l) => c.settlement.interface.parseLog(l)?.name === "Withdrawn")!;
        expect(all(db, "SELECT * FROM withdrawals WHERE tx_hash = ?", m.hash)).to.deep.equal([
          {
            account,
            token,
            recipient,
            amount: amount.toString(),
            block_number: m.block,
            log_index: withdrawnLog.index,
            tx_hash: m.hash,
            timestamp: m.timestamp,
          },
        ]);
        const after = balanceOf(db, account, token);
        expect(after).to.deep.equal({
          claimable: "0",
          escrowed: before.escrowed,
          withdrawn: plus(before.withdrawn, amount),
          earned: before.earned,
        });
        expect(plus(after.claimable, BigInt(after.withdrawn))).to.equal(after.earned);
      });
    });

    describe("disputes", function () {
      let disputed: bigint;
      let escrow: bigint;
      const evidence = (name: string) => ethers.id(`evidence:${kind}:${name}`);
      const dispute = (id: bigint) => one(db, "SELECT * FROM disputes WHERE dispute_id = ?", Number(id))!;
      const openedId = async () => c.disputes.disputeCount();

      before(async function () {
        disputed = await activeLicence(c, { holdSeconds: HOLD });
        escrow = await activeLicence(c, { holdSeconds: HOLD, rightsHolder: "rightsHolder2", mcn: "mcn2", platform: "platform2" });
      });

      it("suspends a disputed licence pending the ruling, with evidence, and reinstates it when rejected", async function () {
        const open = await mined(c, c.as(c.disputes, "mcn").openLicenceDispute(disputed, 5, evidence("breach")));
        const id = await openedId();
        const more = await mined(c, c.as(c.disputes, "taobao").addEvidence(id, evidence("breach:channel")));
        await index();
        expect(dispute(id)).to.deep.equal({
          dispute_id: Number(id),
          kind: "licence",
          target: disputed.toString(),
          licence_id: Number(disputed),
          channel_id: null,
          opened_by: addr("mcn"),
          reason: "terms-breach",
          status: "open",
          remedy: null,
          ruling: null,
          resolved_by: null,
          opened_at: open.timestamp,
          resolved_at: null,
          suspended_licence: 0,
          block_number: open.block,
          tx_hash: open.hash,
        });
        expect(
          all(
            db,
            "SELECT hash, added_by, added_at, block_number FROM evidence WHERE dispute_id = ? ORDER BY block_number, log_index",
            Number(id),
          ),
        ).to.deep.equal([
          { hash: evidence("breach"), added_by: addr("mcn"), added_at: open.timestamp, block_number: open.block },
          { hash: evidence("breach:channel"), added_by: addr("taobao"), added_at: more.timestamp, block_number: more.block },
        ]);

        await mined(c, c.as(c.disputes, "arbiter").suspendLicence(id));
        await index();
        expect(licence(disputed).status).to.equal("suspended");
        expect(dispute(id)).to.deep.include({ suspended_licence: 1, status: "open" });

        const ruling = ethers.id("ruling:breach:rejected");
        const resolved = await mined(c, c.as(c.disputes, "arbiter").resolve(id, false, ruling, 0));
        await index();
        expect(licence(disputed).status).to.equal("active");
        expect(dispute(id)).to.deep.include({
          status: "rejected",
          remedy: "none",
          ruling,
          resolved_by: addr("arbiter"),
          resolved_at: resolved.timestamp,
        });
      });

      it("suspends, then terminates a licence as upheld rulings order", async function () {
        await mined(c, c.as(c.disputes, "rightsHolder").openLicenceDispute(disputed, 1, evidence("ownership")));
        const suspendId = await openedId();
        const ruling = ethers.id("ruling:ownership:upheld");
        await mined(c, c.as(c.disputes, "arbiter").resolve(suspendId, true, ruling, 1));
        await index();
        expect(licence(disputed).status).to.equal("suspended");
        expect(dispute(suspendId)).to.deep.include({
          reason: "ownership-claim",
          status: "upheld",
          remedy: "suspend",
          ruling,
          suspended_licence: 0,
        });

        await mined(c, c.as(c.disputes, "platform").openLicenceDispute(disputed, 0, evidence("other")));
        const terminateId = await openedId();
        await mined(c, c.as(c.disputes, "arbiter").resolve(terminateId, true, ethers.id("ruling:other:upheld"), 2));
        await index();
        expect(licence(disputed).status).to.equal("terminated");
        expect(dispute(terminateId)).to.deep.include({
          opened_by: addr("platform"),
          reason: "other",
          status: "upheld",
          remedy: "terminate",
        });
      });

      it("freezes a disputed sale and refunds it to the channel when the dispute is upheld", async function () {
        const { saleId } = await settle(c, "taobao", escrow, ethers.id(`order:${kind}:disputed-upheld`), 30_000n);
        await index();
        const parties = [addr("rightsHolder2"), addr("mcn2"), addr("platform2")];
        const escrowedBefore = parties.map((p) => balanceOf(db, p, token).escrowed);
        const taobaoBefore = balanceOf(db, addr("taobao"), token);

        const open = await mined(c, c.as(c.disputes, "rightsHolder2").openSaleDispute(saleId, 3, evidence("misreported")));
        const id = await openedId();
        await index();
        expect(sale(saleId).status).to.equal("frozen");
        expect(dispute(id)).to.deep.include({
          kind: "sale",
          target: saleId,
          licence_id: Number(escrow),
          channel_id: 1,
          opened_by: addr("rightsHolder2"),
          reason: "misreported-sale",
          status: "open",
          opened_at: open.timestamp,
        });
        // Frozen money is still in escrow.
        expect(parties.map((p) => balanceOf(db, p, token).escrowed)).to.deep.equal(escrowedBefore);

        const resolved = await mined(c, c.as(c.disputes, "arbiter").resolve(id, true, ethers.id("ruling:misreported:upheld"), 0));
        await index();
        expect(sale(saleId)).to.deep.include({ status: "refunded", refunded_to: addr("taobao"), refunded_at: resolved.timestamp });
        expect(dispute(id)).to.deep.include({ status: "upheld", remedy: "none", resolved_by: addr("arbiter") });
        expect(all(db, "SELECT party, amount, reason FROM credits WHERE sale_id = ?", saleId)).to.deep.equal([
          { party: addr("taobao"), amount: "6000", reason: "refund" },
        ]);
        // 6000 at 15/35/50: 900 / 2100 / 3000 leave the parties' escrow.
        expect(parties.map((p) => balanceOf(db, p, token).escrowed)).to.deep.equal(
          escrowedBefore.map((e, i) => plus(e, -[900n, 2100n, 3000n][i]!)),
        );
        expect(balanceOf(db, addr("taobao"), token)).to.deep.equal({
          ...taobaoBefore,
          claimable: plus(taobaoBefore.claimable, 6000n),
          earned: plus(taobaoBefore.earned, 6000n),
        });
      });

      it("unfreezes a disputed sale back into escrow when the dispute is rejected", async function () {
        const { saleId, m } = await settle(c, "jd", escrow, ethers.id(`order:${kind}:disputed-rejected`), 40_000n);
        await mined(c, c.as(c.disputes, "jd").openSaleDispute(saleId, 4, evidence("refund-abuse")));
        const id = await openedId();
        await mined(c, c.as(c.disputes, "mcn2").addEvidence(id, evidence("refund-abuse:mcn")));
        await index();
        expect(sale(saleId).status).to.equal("frozen");
        expect(dispute(id)).to.deep.include({ reason: "refund-abuse", opened_by: addr("jd") });
        expect(all(db, "SELECT added_by FROM evidence WHERE dispute_id = ? ORDER BY block_number, log_index", Number(id))).to.deep.equal([
          { added_by: addr("jd") },
          { added_by: addr("mcn2") },
        ]);

        await mined(c, c.as(c.disputes, "arbiter").resolve(id, false, ethers.id("ruling:refund-abuse:rejected"), 0));
        await index();
        expect(sale(saleId)).to.deep.include({ status: "escrowed", release_at: m.timestamp + HOLD, released_at: null, refunded_to: null });
        expect(dispute(id)).to.deep.include({ status: "rejected", remedy: "none" });
        for (const party of [addr("rightsHolder2"), addr("mcn2"), addr("platform2")]) {
          expect(balanceOf(db, party, token).claimable).to.equal((await c.settlement.claimable(party, token)).toString());
        }
      });
    });

    describe("disputes after the refund window", function () {
      const parties = () => [addr("rightsHolder2"), addr("mcn2"), addr("platform2")];

      it("releases a frozen sale at once when its dispute is rejected after the window closed", async function () {
        const escrow = await activeLicence(c, { holdSeconds: HOLD, rightsHolder: "rightsHolder2", mcn: "mcn2", platform: "platform2" });
        await index();
        const before = parties().map((p) => balanceOf(db, p, token));
        const { saleId, m } = await settle(c, "taobao", escrow, ethers.id(`order:${kind}:late-ruling`), 77_777n);
        await mined(c, c.as(c.disputes, "platform2").openSaleDispute(saleId, 3, ethers.id(`evidence:${kind}:late`)));
        const id = await c.disputes.disputeCount();
        await advance(c, 8 * DAY);
        const resolved = await mined(c, c.as(c.disputes, "arbiter").resolve(id, false, ethers.id("ruling:late:rejected"), 0));
        await index();
        // 77777 at 20 % = 15555: 2333 / 5444 / 7778.
        expect(sale(saleId)).to.deep.include({ status: "claimable", release_at: m.timestamp + HOLD, released_at: resolved.timestamp });
        expect(
          all(db, "SELECT party, amount, reason, tx_hash FROM credits WHERE sale_id = ?", saleId).map(
            (r) => `${String(r.party)} ${String(r.amount)} ${String(r.reason)}`,
          ),
        ).to.have.members([`${addr("rightsHolder2")} 2333 release`, `${addr("mcn2")} 5444 release`, `${addr("platform2")} 7778 release`]);
        const shares = [2333n, 5444n, 7778n];
        for (const [i, party] of parties().entries()) {
          expect(balanceOf(db, party, token)).to.deep.equal({
            claimable: plus(before[i]!.claimable, shares[i]!),
            escrowed: before[i]!.escrowed,
            withdrawn: before[i]!.withdrawn,
            earned: plus(before[i]!.earned, shares[i]!),
          });
          expect(balanceOf(db, party, token).claimable).to.equal((await c.settlement.claimable(party, token)).toString());
        }
      });

      it("records a dispute on a sale already paid out without touching the sale", async function () {
        const instant = await activeLicence(c, { holdSeconds: 0, rightsHolder: "rightsHolder2", mcn: "mcn2", platform: "platform2" });
        const { saleId } = await settle(c, "jd", instant, ethers.id(`order:${kind}:paid-out`), 10_000n);
        await mined(c, c.as(c.disputes, "mcn2").openSaleDispute(saleId, 3, ethers.id(`evidence:${kind}:paid-out`)));
        const id = await c.disputes.disputeCount();
        await mined(c, c.as(c.disputes, "arbiter").resolve(id, true, ethers.id("ruling:paid-out:upheld"), 0));
        await index();
        expect(
          one(db, "SELECT kind, target, licence_id, channel_id, status, remedy FROM disputes WHERE dispute_id = ?", Number(id)),
        ).to.deep.equal({
          kind: "sale",
          target: saleId,
          licence_id: Number(instant),
          channel_id: 2,
          status: "upheld",
          remedy: "none",
        });
        expect(sale(saleId)).to.deep.include({ status: "claimable", refunded_to: null, refunded_at: null });
        expect(all(db, "SELECT reason FROM credits WHERE sale_id = ?", saleId).map((r) => r.reason)).to.deep.equal([
          "sale",
          "sale",
          "sale",
        ]);
      });
    });

    describe(`random scenario (seed ${SEED})`, function () {
      const done: Record<string, number> = {};
      /** Every sale as the contract has it now, read once after the scenario. */
      let sales: {
        saleId: string;
        gross: bigint;
        shares: [bigint, bigint, bigint];
        view: Awaited<ReturnType<Consortium["settlement"]["getSale"]>>;
      }[];

      before(async function () {
        Object.assign(done, await runScenario(c, SEED));
        await index();
        const settled = await c.settlement.queryFilter(c.settlement.filters.SaleSettled(), c.deployment.deploymentBlock);
        sales = await Promise.all(
          settled.map(async (l) => ({
            saleId: l.args.saleId,
            gross: l.args.gross,
            shares: [l.args.rightsHolderShare, l.args.mcnShare, l.args.platformShare] as [bigint, bigint, bigint],
            view: await c.settlement.getSale(l.args.saleId),
          })),
        );
      });

      it("exercised every kind of operation", function () {
        for (const op of [
          "settle",
          "batch",
          "refund",
          "advance",
          "release",
          "withdraw",
          "dispute-upheld",
          "dispute-rejected",
          "dispute-open",
        ]) {
          expect(done[op] ?? 0, op).to.be.greaterThan(0);
        }
      });

      it("keeps every balance equal to the contract's books", async function () {
        const refunds = await c.settlement.queryFilter(c.settlement.filters.SaleRefunded(), c.deployment.deploymentBlock);
        const withdrawals = await c.settlement.queryFilter(c.settlement.filters.Withdrawn(), c.deployment.deploymentBlock);
        const views = sales.map((s) => s.view);
        const licenceIds = [...new Set(views.map((v) => v.licenceId))];
        const licences = new Map(await Promise.all(licenceIds.map(async (id) => [id, await c.settlement.getLicence(id)] as const)));

        const escrowed = new Map<string, bigint>();
        const earned = new Map<string, bigint>();
        const withdrawn = new Map<string, bigint>();
        const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
        for (const v of views) {
          expect(v.token).to.equal(token);
          const l = licences.get(v.licenceId)!;
          const shares = split(v.commission, l.rightsHolderBps, l.mcnBps);
          const status = Number(v.status);
          [l.rightsHolder, l.mcn, l.platform].forEach((party, i) => {
            if (status === 1 || status === 2) add(escrowed, party, shares[i]!);
            if (status === 3) add(earned, party, shares[i]!);
          });
        }
        for (const r of refunds) add(earned, r.args.to, r.args.amount);
        for (const w of withdrawals) add(withdrawn, w.args.account, w.args.amount);

        const indexed = all(db, "SELECT * FROM balances");
        expect(new Set(indexed.map((r) => r.token))).to.deep.equal(new Set([token]));
        const accounts = new Set<string>([
          ...indexed.map((r) => r.party as string),
          ...Object.values(c.accounts).map((a) => a.address),
          ...escrowed.keys(),
          ...earned.keys(),
          ...withdrawn.keys(),
          ...withdrawals.map((w) => w.args.to),
        ]);
        expect(accounts.size).to.be.greaterThan(10);
        const onChain = new Map(await Promise.all([...accounts].map(async (a) => [a, await c.settlement.claimable(a, token)] as const)));
        for (const account of accounts) {
          const b = balanceOf(db, account, token);
          expect(b.claimable, `claimable of ${account}`).to.equal(onChain.get(account)!.toString());
          expect(b.escrowed, `escrowed of ${account}`).to.equal((escrowed.get(account) ?? 0n).toString());
          expect(b.withdrawn, `withdrawn of ${account}`).to.equal((withdrawn.get(account) ?? 0n).toString());
          expect(b.earned, `earned of ${account}`).to.equal((earned.get(account) ?? 0n).toString());
          expect(plus(b.claimable, BigInt(b.withdrawn)), `claimable + withdrawn of ${account}`).to.equal(b.earned);
        }
        // The credits trail adds up to what each party earned.
        const credited = new Map<string, bigint>();
        for (const r of all(db, "SELECT party, amount FROM credits WHERE token = ?", token))
          add(credited, r.party as string, BigInt(r.amount as string));
        for (const r of indexed)
          expect((credited.get(r.party as string) ?? 0n).toString(), `credits of ${String(r.party)}`).to.equal(r.earned);
      });

      it("keeps each licence's totals and each party's amounts per licence equal to the contract's sales", async function () {
        const refunds = await c.settlement.queryFilter(c.settlement.filters.SaleRefunded(), c.deployment.deploymentBlock);
        const licences = new Map<bigint, Awaited<ReturnType<Consortium["settlement"]["getLicence"]>>>();
        for (const s of sales)
          if (!licences.has(s.view.licenceId)) licences.set(s.view.licenceId, await c.settlement.getLicence(s.view.licenceId));

        // Totals of a licence's sales, refunded sales taken out: count, gross, commission, shares.
        const totals = new Map<string, bigint[]>();
        // Per party, licence, token and role: [credited, escrowed].
        const perLicence = new Map<string, [bigint, bigint]>();
        const at = (key: string) => perLicence.get(key) ?? perLicence.set(key, [0n, 0n]).get(key)!;
        for (const s of sales) {
          const status = Number(s.view.status);
          const l = licences.get(s.view.licenceId)!;
          if (status !== 4) {
            const key = `${s.view.licenceId} ${token}`;
            const t = totals.get(key) ?? [0n, 0n, 0n, 0n, 0n, 0n];
            [1n, s.gross, s.view.commission, ...s.shares].forEach((v, i) => (t[i] = t[i]! + v));
            totals.set(key, t);
          }
          (["rightsHolder", "mcn", "platform"] as const).forEach((role, i) => {
            const entry = at(`${l[role]} ${s.view.licenceId} ${token} ${role}`);
            if (status === 3) entry[0] += s.shares[i]!;
            if (status === 1 || status === 2) entry[1] += s.shares[i]!;
          });
        }
        for (const r of refunds) at(`${r.args.to} ${r.args.licenceId} ${token} channel`)[0] += r.args.amount;

        const totalRows = all(db, "SELECT * FROM licence_totals");
        expect(
          Object.fromEntries(
            totalRows.map((r) => [
              `${String(r.licence_id)} ${String(r.token)}`,
              [r.sales, r.gross, r.commission, r.rights_holder, r.mcn, r.platform].map(String).join(" "),
            ]),
          ),
        ).to.deep.equal(Object.fromEntries([...totals].map(([k, t]) => [k, t.join(" ")])));

        const partyRows = all(db, "SELECT * FROM party_licences");
        const indexed = new Map(
          partyRows.map((r) => [
            `${String(r.party)} ${String(r.licence_id)} ${String(r.token)} ${String(r.role)}`,
            `${String(r.credited)} ${String(r.escrowed)}`,
          ]),
        );
        const keys = new Set([...indexed.keys(), ...[...perLicence].filter(([, [cr, es]]) => cr !== 0n || es !== 0n).map(([k]) => k)]);
        for (const key of keys) {
          const [credited, escrowed] = perLicence.get(key) ?? [0n, 0n];
          expect(indexed.get(key), key).to.equal(`${credited} ${escrowed}`);
        }
      });

      it("gives every sale the status the contract has", function () {
        const rows = all(db, "SELECT sale_id, status FROM sales");
        expect(rows).to.have.length(sales.length);
        const statuses = new Map(rows.map((r) => [r.sale_id as string, r.status as string]));
        const expected = sales.map((s) => `${s.saleId} ${SALE_STATUS[Number(s.view.status)]}`);
        expect(sales.map((s) => `${s.saleId} ${statuses.get(s.saleId)}`)).to.deep.equal(expected);
        const seen = new Set(sales.map((s) => SALE_STATUS[Number(s.view.status)]));
        expect([...seen].sort()).to.deep.equal(["claimable", "escrowed", "frozen", "refunded"]);
      });

      it("gives every licence the status the contract has", async function () {
        const count = Number(await c.settlement.licenceCount());
        const rows = all(db, "SELECT licence_id, status FROM licences ORDER BY licence_id");
        expect(rows).to.have.length(count);
        for (const r of rows) {
          const status = Number(await c.settlement.licenceStatus(r.licence_id as number));
          expect(r.status, `licence ${String(r.licence_id)}`).to.equal(LICENCE_STATUS[status]);
        }
      });

      it("indexes the same chain into the same database twice, and as it did bit by bit", async function () {
        const a = path.join(tmp.dir, "fresh-a.db");
        const b = path.join(tmp.dir, "fresh-b.db");
        await Promise.all([indexChain(c, a), indexChain(c, b)]);
        expect(digestOf(a)).to.equal(digestOf(b));
        // The database built in many small runs holds the same trail and the same derived rows.
        const dump = (file: string) =>
          withStore(file, (s) =>
            Object.fromEntries(
              ["events", ...DERIVED_TABLES].map((t) => [
                t,
                s.db
                  .prepare(`SELECT * FROM ${t}`)
                  .raw()
                  .all()
                  .map((r) => JSON.stringify(r))
                  .sort(),
              ]),
            ),
          );
        const [incremental, fresh] = [dump(db), dump(a)];
        for (const table of Object.keys(fresh)) expect(incremental[table], table).to.deep.equal(fresh[table]);
      });

      it("adds nothing when run again on an up-to-date database", async function () {
        const before = digestOf(db);
        const events = withStore(db, (s) => s.eventCount());
        await index();
        expect(withStore(db, (s) => s.eventCount())).to.equal(events);
        expect(digestOf(db)).to.equal(before);
      });
    });

    describe("audit trail", function () {
      let logs: Log[];
      let rows: Row[];

      before(async function () {
        await index();
        const head = await c.chain.provider.getBlockNumber();
        logs = await c.chain.provider.getLogs({
          address: [c.deployment.contracts.Settlement, c.deployment.contracts.DisputeRegistry],
          fromBlock: c.deployment.deploymentBlock,
          toBlock: head,
        });
        rows = all(db, "SELECT * FROM events ORDER BY block_number, log_index");
      });

      const parse = (l: Log) => {
        const iface =
          getAddress(l.address) === getAddress(c.deployment.contracts.Settlement) ? c.settlement.interface : c.disputes.interface;
        return iface.parseLog({ topics: [...l.topics], data: l.data })!;
      };

      it("holds every event of both contracts, once, in chain order", async function () {
        const chainId = Number((await c.chain.provider.getNetwork()).chainId);
        const settlement = c.deployment.contracts.Settlement;
        const disputes = c.deployment.contracts.DisputeRegistry;
        expect(settlement).to.equal(getAddress(settlement));
        const position = (r: Row) => `${String(r.block_number)}:${String(r.log_index)}`;
        expect(rows.map(position)).to.deep.equal(logs.map((l) => `${l.blockNumber}:${l.index}`));
        expect(rows.map((r) => canonical({ ...r, args: undefined, block_timestamp: undefined }))).to.deep.equal(
          logs.map((l) =>
            canonical({
              block_number: l.blockNumber,
              log_index: l.index,
              chain_id: chainId,
              block_hash: l.blockHash,
              tx_hash: l.transactionHash,
              contract: getAddress(l.address) === settlement ? settlement : disputes,
              contract_name: getAddress(l.address) === settlement ? "Settlement" : "DisputeRegistry",
              event_name: parse(l).name,
            }),
          ),
        );
      });

      it("stamps every event with the hash and time of its block and the hash of its transaction", async function () {
        const blocks = [...new Set(rows.map((r) => r.block_number as number))];
        const headers = await Promise.all(blocks.map((n) => c.chain.provider.getBlock(n)));
        const byNumber = new Map(headers.map((h) => [h!.number, h!]));
        expect(rows.map((r) => `${String(r.block_number)} ${String(r.block_hash)} ${String(r.block_timestamp)}`)).to.deep.equal(
          rows.map((r) => {
            const h = byNumber.get(r.block_number as number)!;
            return `${h.number} ${h.hash} ${h.timestamp}`;
          }),
        );
        // A few transactions: the receipt places the event where the trail does.
        const sample = [rows[0]!, rows[Math.floor(rows.length / 3)]!, rows[Math.floor((2 * rows.length) / 3)]!, rows[rows.length - 1]!];
        for (const r of sample) {
          const receipt = (await c.chain.provider.getTransactionReceipt(r.tx_hash as string))!;
          expect([receipt.blockNumber, receipt.blockHash]).to.deep.equal([r.block_number, r.block_hash]);
          const log = receipt.logs.find((l) => l.index === r.log_index)!;
          expect(parse(log).name).to.equal(r.event_name);
          expect(r.block_timestamp).to.equal((await receipt.getBlock()).timestamp);
        }
      });

      it("stores each event's args as JSON, uint256 as decimal strings and addresses checksummed", function () {
        expect(rows.map((r) => canonical(JSON.parse(r.args as string)))).to.deep.equal(
          logs.map((l) => {
            const parsed = parse(l);
            return canonical(Object.fromEntries(parsed.fragment.inputs.map((p, j) => [p.name, storedForm(p, parsed.args[j])])));
          }),
        );
        const settledSale = JSON.parse(rows.find((r) => r.event_name === "SaleSettled")!.args as string) as Row;
        expect(settledSale).to.deep.include({
          gross: "19900",
          commission: "3980",
          rightsHolderShare: "597",
          mcnShare: "1393",
          platformShare: "1990",
        });
        const registered = JSON.parse(rows.find((r) => r.event_name === "LicenceRegistered")!.args as string) as {
          licenceId: unknown;
          terms: Row;
        };
        expect(registered.licenceId).to.be.a("string");
        expect(registered.terms.supersedes).to.be.a("string");
      });

      it("has seen every event the contracts declare", function () {
        const declared = new Set<string>();
        c.settlement.interface.forEachEvent((e) => declared.add(e.name));
        c.disputes.interface.forEachEvent((e) => declared.add(e.name));
        declared.delete("RoleAdminChanged"); // the contracts never change a role's admin
        const seen = new Set(rows.map((r) => r.event_name as string));
        expect([...declared].filter((e) => !seen.has(e))).to.deep.equal([]);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// The random scenario
// ---------------------------------------------------------------------------------------------------------

/**
 * A fixed gas limit for the scenario's many transactions: no estimate per transaction. A transaction that
 * would revert is then mined as failed, and `sent` throws.
 */
const FAST = { gasLimit: 6_000_000n };

interface LocalSale {
  status: "escrowed" | "frozen" | "claimable" | "refunded";
  releaseAt: number;
  channel: Reporter;
  licenceId: bigint;
}

/**
 * A seeded sequence of operations on two licences with different parties (one paid at once, one held in
 * escrow) across taobao and jd: sales one by one and in batches, refunds inside the window, time passing,
 * releases, withdrawals, and sale disputes (one upheld, one rejected, one left open). Returns how many of
 * each operation ran. Every transaction is one that succeeds: the harness's nonce managers cannot skip one.
 */
async function runScenario(c: Consortium, seed: number): Promise<Record<string, number>> {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const done: Record<string, number> = {};
  const count = (op: string) => (done[op] = (done[op] ?? 0) + 1);
  const channelName: Record<number, Reporter> = { 1: "taobao", 2: "jd" };
  const tag = `${c.chain.kind}:${seed}`;

  const activate = async (rightsHolder: AccountName, mcn: AccountName, platform: AccountName, over: Partial<Terms>) => {
    const { id } = await register(
      c,
      rightsHolder,
      await licenceTerms(c, { mcn: c.accounts[mcn].address, platform: c.accounts[platform].address, ...over }),
    );
    await sent(c.as(c.settlement, mcn).acceptLicence(id));
    await sent(c.as(c.settlement, platform).acceptLicence(id));
    return id;
  };
  const instant = await activate("rightsHolder", "mcn", "platform2", {
    contentId: ethers.id(`scenario:${tag}:instant`),
    rightsHolderBps: 1234,
    mcnBps: 4321,
    platformBps: 4445,
    commissionBps: 1750,
  });
  const escrow = await activate("rightsHolder2", "mcn2", "platform", {
    contentId: ethers.id(`scenario:${tag}:escrow`),
    rightsHolderBps: 3333,
    mcnBps: 3333,
    platformBps: 3334,
    commissionBps: 2250,
    holdSeconds: 3 * DAY,
  });
  const partiesOf: Record<string, AccountName[]> = {
    [instant.toString()]: ["rightsHolder", "mcn", "platform2"],
    [escrow.toString()]: ["rightsHolder2", "mcn2", "platform"],
  };

  const sales = new Map<string, LocalSale>();
  let orders = 0;
  const nextOrder = () => ethers.id(`scenario:${tag}:order:${orders++}`);
  const gross = () => BigInt(1 + int(1_000_000)) * BigInt(1 + int(100));
  const record = (receipt: ContractTransactionReceipt) => {
    for (const s of settledIn(c, receipt)) {
      sales.set(s.saleId, {
        status: s.releaseAt === 0 ? "claimable" : "escrowed",
        releaseAt: s.releaseAt,
        channel: channelName[s.channelId]!,
        licenceId: s.licenceId,
      });
    }
  };
  const refresh = async (saleId: string) => {
    const v = await c.settlement.getSale(saleId);
    sales.get(saleId)!.status = (["escrowed", "frozen", "claimable", "refunded"] as const)[Number(v.status) - 1]!;
  };
  const inWindow = async () => {
    const now = await latestTimestamp(c);
    return [...sales.entries()].filter(([, s]) => s.status === "escrowed" && s.releaseAt > now + 3600).map(([id]) => id);
  };
  const due = async () => {
    const now = await latestTimestamp(c);
    return [...sales.entries()].filter(([, s]) => s.status === "escrowed" && s.releaseAt <= now).map(([id]) => id);
  };

  const settleOne = async (licenceId = pick([instant, escrow])) => {
    const channel = pick(["taobao", "jd"] as const);
    record(await sent(c.as(c.settlement, channel).settleSale(licenceId, nextOrder(), c.tokenAddress, gross(), FAST)));
    count("settle");
  };
  const batch = async () => {
    const channel = pick(["taobao", "jd"] as const);
    const list = Array.from({ length: 2 + int(14) }, () => ({ licenceId: pick([instant, escrow]), orderRef: nextOrder(), gross: gross() }));
    record(await sent(c.as(c.settlement, channel).settleSales(c.tokenAddress, list, FAST)));
    count("batch");
  };
  const refund = async () => {
    const candidates = await inWindow();
    if (candidates.length === 0) return settleOne(escrow);
    const saleId = pick(candidates);
    await sent(c.as(c.settlement, sales.get(saleId)!.channel).refundSale(saleId, FAST));
    sales.get(saleId)!.status = "refunded";
    count("refund");
  };
  const advanceTime = async () => {
    await advance(c, 6 * 3600 + int(2 * DAY));
    count("advance");
  };
  const release = async () => {
    const candidates = await due();
    if (candidates.length === 0) return advanceTime();
    const chosen = [...new Set(Array.from({ length: 1 + int(6) }, () => pick(candidates)))];
    await sent(c.as(c.settlement, pick(["outsider", "admin", "arbiter"] as const)).releaseSales(chosen, FAST));
    for (const id of chosen) sales.get(id)!.status = "claimable";
    count("release");
  };
  const elsewhere = c.chain.wallet(18).address; // a recipient that is no member
  const withdrawers: AccountName[] = ["rightsHolder", "mcn", "platform2", "rightsHolder2", "mcn2", "platform", "taobao", "jd"];
  const withdraw = async () => {
    const balances = await Promise.all(withdrawers.map((w) => c.settlement.claimable(c.accounts[w].address, c.tokenAddress)));
    const owed = withdrawers.filter((_w, i) => balances[i]! > 0n);
    if (owed.length === 0) return settleOne(instant);
    const who = pick(owed);
    const to = pick([c.accounts[who].address, c.accounts.outsider.address, elsewhere]);
    await sent(c.as(c.settlement, who).withdraw(c.tokenAddress, to, FAST));
    count("withdraw");
  };
  const openDispute = async (): Promise<{ id: bigint; saleId: string }> => {
    let candidates = await inWindow();
    if (candidates.length === 0) {
      await settleOne(escrow);
      candidates = await inWindow();
    }
    const saleId = pick(candidates);
    const s = sales.get(saleId)!;
    const side: AccountName[] = [...partiesOf[s.licenceId.toString()]!, s.channel];
    const opener = pick(side);
    await mined(
      c,
      c.as(c.disputes, opener).openSaleDispute(saleId, pick([2, 3, 4]), ethers.id(`scenario:${tag}:evidence:${saleId}`), FAST),
    );
    const id = await c.disputes.disputeCount();
    const other = pick(side.filter((a) => a !== opener));
    await sent(c.as(c.disputes, other).addEvidence(id, ethers.id(`scenario:${tag}:evidence:${saleId}:2`), FAST));
    s.status = "frozen";
    return { id, saleId };
  };
  const resolve = async (d: { id: bigint; saleId: string }, upheld: boolean) => {
    await sent(c.as(c.disputes, "arbiter").resolve(d.id, upheld, ethers.id(`scenario:${tag}:ruling:${d.id}`), 0, FAST));
    await refresh(d.saleId);
    count(upheld ? "dispute-upheld" : "dispute-rejected");
  };

  const STEPS = 70;
  let upheld: { id: bigint; saleId: string } | undefined;
  let rejected: { id: bigint; saleId: string } | undefined;
  for (let step = 0; step < STEPS; step++) {
    if (step === 10) upheld = await openDispute();
    else if (step === 18) rejected = await openDispute();
    else if (step === 36) await resolve(upheld!, true);
    else if (step === 52) await resolve(rejected!, false);
    else if (step === 60) {
      await openDispute(); // left open: its sale stays frozen
      count("dispute-open");
    } else {
      const r = rand();
      if (r < 0.24) await settleOne();
      else if (r < 0.4) await batch();
      else if (r < 0.54) await refund();
      else if (r < 0.64) await advanceTime();
      else if (r < 0.8) await release();
      else await withdraw();
    }
  }
  return done;
}

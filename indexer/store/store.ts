import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import Database from "better-sqlite3";
import { createApplier, type StoredEvent } from "../handlers";
import { DERIVED_TABLES, MIGRATIONS } from "./schema";

export interface BlockRef {
  number: number;
  hash: string;
}

/** One range of blocks, fetched and decoded, ready to be applied in one transaction. */
export interface RangeCommit {
  events: StoredEvent[];
  /** Hashes of blocks of the range to remember for reorg detection (blocks with events, the last block). */
  blocks: BlockRef[];
  checkpoint: BlockRef;
  tokenMetadata?: { address: string; symbol: string | null; decimals: number | null }[];
  /** Keep block hashes this many blocks below the checkpoint (the finality depth). */
  keepBlocks: number;
}

export interface Health {
  headBlock: number | null;
  indexedBlock: number | null;
  caughtUp: boolean;
  lastError: string | null;
  lastErrorAt: string | null;
  updatedAt: string;
}

export interface Store {
  db: Database.Database;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  checkpoint(): BlockRef | undefined;
  /** Sets the starting point of an empty database (the block before the deployment). */
  initCheckpoint(ref: BlockRef): void;
  commitRange(commit: RangeCommit): void;
  /** Remembered block hashes at or below `from`, highest first. */
  blocksDesc(from: number): BlockRef[];
  /** Drops every block above `ancestor` and rebuilds the derived tables from the remaining trail. */
  revertTo(ancestor: BlockRef): { removedEvents: number };
  knownTokens(): Set<string>;
  setHealth(patch: Partial<Omit<Health, "updatedAt">>): void;
  health(): Health | undefined;
  /** SHA-256 over every row of every table but health, in key order: equal digests, equal databases. */
  digest(): string;
  eventCount(): number;
  close(): void;
}

/** Deterministic crash points for tests: REELSPLIT_CRASH_AT=before-commit:N or after-commit:N. */
function crashPoint(): { when: "before-commit" | "after-commit"; n: number } | undefined {
  const spec = process.env.REELSPLIT_CRASH_AT;
  const m = spec && /^(before-commit|after-commit):(\d+)$/.exec(spec);
  return m ? { when: m[1] as "before-commit" | "after-commit", n: Number(m[2]) } : undefined;
}

export function openStore(file: string, options: { readonly?: boolean } = {}): Store {
  if (!options.readonly) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (!options.readonly) {
    db.pragma("journal_mode = WAL");
    // WAL + NORMAL: a killed process never loses a committed transaction and never corrupts the file;
    // only a power cut may drop the last commits, which the indexer then re-applies.
    db.pragma("synchronous = NORMAL");
    migrate(db);
  }
  db.pragma("foreign_keys = OFF");
  const crash = crashPoint();
  let commits = 0;

  const q = {
    getMeta: db.prepare("SELECT value FROM meta WHERE key = ?"),
    setMeta: db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"),
    checkpoint: db.prepare("SELECT block_number AS number, block_hash AS hash FROM checkpoint WHERE id = 1"),
    setCheckpoint: db.prepare(
      "INSERT OR REPLACE INTO checkpoint (id, block_number, block_hash, updated_at) VALUES (1, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (block_number, log_index, chain_id, block_hash, block_timestamp, tx_hash, contract, contract_name, event_name, args)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertBlock: db.prepare("INSERT OR REPLACE INTO blocks (number, hash) VALUES (?, ?)"),
    countRows: db.prepare("UPDATE stats SET events = events + ?, sales = sales + ? WHERE id = 1"),
    recountRows: db.prepare("UPDATE stats SET events = (SELECT COUNT(*) FROM events), sales = (SELECT COUNT(*) FROM sales) WHERE id = 1"),
    pruneBlocks: db.prepare("DELETE FROM blocks WHERE number < (SELECT MAX(number) FROM blocks WHERE number <= ?)"),
    blocksDesc: db.prepare("SELECT number, hash FROM blocks WHERE number <= ? ORDER BY number DESC"),
    tokenMeta: db.prepare("INSERT OR REPLACE INTO token_metadata (address, symbol, decimals) VALUES (?, ?, ?)"),
    knownTokens: db.prepare("SELECT address FROM token_metadata"),
    eventCount: db.prepare("SELECT COUNT(*) AS n FROM events"),
    health: db.prepare(
      `SELECT head_block AS headBlock, indexed_block AS indexedBlock, caught_up AS caughtUp, last_error AS lastError,
              last_error_at AS lastErrorAt, updated_at AS updatedAt FROM health WHERE id = 1`,
    ),
  };
  const chainId = () => Number(q.getMeta.get("chain_id") ? (q.getMeta.get("chain_id") as { value: string }).value : 0);
  const applier = options.readonly ? undefined : createApplier(db);

  const insertEvents = (events: StoredEvent[]) => {
    const id = chainId();
    for (const e of events) {
      q.insertEvent.run(
        e.blockNumber,
        e.logIndex,
        id,
        e.blockHash,
        e.blockTimestamp,
        e.txHash,
        e.contract,
        e.contractName,
        e.eventName,
        JSON.stringify(e.args),
      );
      applier!.apply(e);
    }
    applier!.flush();
  };

  const commitRange = db.transaction((c: RangeCommit) => {
    for (const t of c.tokenMetadata ?? []) q.tokenMeta.run(t.address, t.symbol, t.decimals);
    insertEvents(c.events);
    q.countRows.run(c.events.length, c.events.filter((e) => e.eventName === "SaleSettled").length);
    for (const b of c.blocks) q.insertBlock.run(b.number, b.hash);
    q.insertBlock.run(c.checkpoint.number, c.checkpoint.hash);
    q.pruneBlocks.run(c.checkpoint.number - c.keepBlocks);
    q.setCheckpoint.run(c.checkpoint.number, c.checkpoint.hash);
    if (crash?.when === "before-commit" && ++commits === crash.n) process.kill(process.pid, "SIGKILL");
  });

  const revertTo = db.transaction((ancestor: BlockRef) => {
    const removed = db.prepare("DELETE FROM events WHERE block_number > ?").run(ancestor.number).changes;
    db.prepare("DELETE FROM blocks WHERE number > ?").run(ancestor.number);
    q.insertBlock.run(ancestor.number, ancestor.hash);
    q.setCheckpoint.run(ancestor.number, ancestor.hash);
    for (const table of DERIVED_TABLES) db.prepare(`DELETE FROM ${table}`).run();
    // The trail is read a page at a time (an open iterator would keep the connection busy while the
    // handlers write).
    const replay = db.prepare("SELECT * FROM events WHERE (block_number, log_index) > (?, ?) ORDER BY block_number, log_index LIMIT 10000");
    let after = [-1, -1];
    for (let rows; (rows = replay.all(after[0], after[1]) as Record<string, string | number>[]).length > 0;) {
      const last = rows[rows.length - 1]!;
      after = [last.block_number as number, last.log_index as number];
      for (const row of rows)
        applier!.apply({
          blockNumber: row.block_number as number,
          logIndex: row.log_index as number,
          blockHash: row.block_hash as string,
          blockTimestamp: row.block_timestamp as number,
          txHash: row.tx_hash as string,
          contract: row.contract as string,
          contractName: row.contract_name as string,
          eventName: row.event_name as string,
          args: JSON.parse(row.args as string) as Record<string, unknown>,
        });
    }
    applier!.flush();
    q.recountRows.run();
    return { removedEvents: removed };
  });

  return {
    db,
    getMeta: (key) => (q.getMeta.get(key) as { value: string } | undefined)?.value,
    setMeta: (key, value) => void q.setMeta.run(key, value),
    checkpoint: () => q.checkpoint.get() as BlockRef | undefined,
    initCheckpoint: db.transaction((ref: BlockRef) => {
      q.setCheckpoint.run(ref.number, ref.hash);
      q.insertBlock.run(ref.number, ref.hash);
    }),
    commitRange(c) {
      commitRange(c);
      if (crash?.when === "after-commit" && ++commits === crash.n) process.kill(process.pid, "SIGKILL");
    },
    blocksDesc: (from) => q.blocksDesc.all(from) as BlockRef[],
    revertTo: (ancestor) => revertTo(ancestor),
    knownTokens: () => new Set((q.knownTokens.all() as { address: string }[]).map((r) => r.address)),
    setHealth(patch) {
      const current = (q.health.get() as Health | undefined) ?? {
        headBlock: null,
        indexedBlock: null,
        caughtUp: false,
        lastError: null,
        lastErrorAt: null,
      };
      const next = { ...current, ...patch };
      db.prepare(
        `INSERT OR REPLACE INTO health (id, head_block, indexed_block, caught_up, last_error, last_error_at, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))`,
      ).run(next.headBlock, next.indexedBlock, next.caughtUp ? 1 : 0, next.lastError, next.lastErrorAt);
    },
    health() {
      const h = q.health.get() as (Omit<Health, "caughtUp"> & { caughtUp: number }) | undefined;
      return h && { ...h, caughtUp: h.caughtUp === 1 };
    },
    digest() {
      const hash = crypto.createHash("sha256");
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('health') ORDER BY name").all() as {
        name: string;
      }[];
      for (const { name } of tables) {
        const cols = (db.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[])
          .map((c) => c.name)
          .filter((c) => c !== "updated_at");
        hash.update(`table ${name}\n`);
        for (const row of db
          .prepare(`SELECT ${cols.join(", ")} FROM ${name} ORDER BY ${cols.join(", ")}`)
          .raw()
          .iterate()) {
          hash.update(JSON.stringify(row) + "\n");
        }
      }
      return hash.digest("hex");
    },
    eventCount: () => (q.eventCount.get() as { n: number }).n,
    close: () => db.close(),
  };
}

function migrate(db: Database.Database) {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (current > latest) {
    throw new Error(`the database is at schema version ${current}, newer than this indexer knows (${latest}): upgrade reelsplit`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

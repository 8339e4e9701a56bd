/**
 * The database schema, as numbered migrations applied in order (PRAGMA user_version records the last one).
 * A migration is never edited once released: change the schema with a new one.
 *
 * Conventions: amounts are decimal TEXT in the token's smallest unit (never a JavaScript number);
 * addresses are checksummed TEXT; hashes and ids are 0x-hex TEXT; times are unix seconds (INTEGER).
 * `events` is the append-only audit trail; every other table except `meta`, `token_metadata` and
 * `health` is derived from it and can be rebuilt by replaying it.
 */
export const MIGRATIONS: { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: "audit trail, checkpoint and derived tables",
    sql: `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Where indexing has got to: every block up to and including block_number is applied.
CREATE TABLE checkpoint (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  block_number INTEGER NOT NULL,
  block_hash   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);

-- Hashes of applied blocks that may still be reorganised away (pruned below the finality depth).
CREATE TABLE blocks (
  number INTEGER PRIMARY KEY,
  hash   TEXT NOT NULL
);

-- The audit trail: every event of the indexed contracts, decoded, in chain order. Append-only but for
-- reorgs, which delete the rows of blocks that left the canonical chain.
CREATE TABLE events (
  block_number    INTEGER NOT NULL,
  log_index       INTEGER NOT NULL,
  chain_id        INTEGER NOT NULL,
  block_hash      TEXT NOT NULL,
  block_timestamp INTEGER NOT NULL,
  tx_hash         TEXT NOT NULL,
  contract        TEXT NOT NULL,
  contract_name   TEXT NOT NULL,
  event_name      TEXT NOT NULL,
  args            TEXT NOT NULL,
  PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX events_by_name ON events (event_name, block_number, log_index);
CREATE INDEX events_by_tx ON events (tx_hash);
CREATE INDEX events_by_contract ON events (contract, block_number, log_index);

CREATE TABLE roles (
  role       TEXT NOT NULL,
  account    TEXT NOT NULL,
  granted_at INTEGER NOT NULL,
  PRIMARY KEY (role, account)
) WITHOUT ROWID;

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE channels (
  channel_id  INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  reporter    TEXT NOT NULL,
  active      INTEGER NOT NULL,
  added_at    INTEGER NOT NULL,
  added_block INTEGER NOT NULL
);

CREATE TABLE tokens (
  address    TEXT PRIMARY KEY,
  token_id   INTEGER NOT NULL,
  allowed    INTEGER NOT NULL,
  allowed_at INTEGER NOT NULL
) WITHOUT ROWID;

-- ERC-20 symbol and decimals, read once from the token: immutable, so not derived from events.
CREATE TABLE token_metadata (
  address  TEXT PRIMARY KEY,
  symbol   TEXT,
  decimals INTEGER
) WITHOUT ROWID;

CREATE TABLE contents (
  content_id    TEXT PRIMARY KEY,
  rights_holder TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  block_number  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE licences (
  licence_id         INTEGER PRIMARY KEY,
  content_id         TEXT NOT NULL,
  rights_holder      TEXT NOT NULL,
  mcn                TEXT NOT NULL,
  platform           TEXT NOT NULL,
  rights_holder_bps  INTEGER NOT NULL,
  mcn_bps            INTEGER NOT NULL,
  platform_bps       INTEGER NOT NULL,
  commission_bps     INTEGER NOT NULL,
  valid_from         INTEGER NOT NULL,
  valid_until        INTEGER NOT NULL,
  hold_seconds       INTEGER NOT NULL,
  supersedes         INTEGER,
  superseded_by      INTEGER,
  terms_hash         TEXT NOT NULL,
  terms_uri          TEXT NOT NULL,
  -- proposed | active | superseded | suspended | terminated | cancelled (expired is derived from time)
  status             TEXT NOT NULL,
  mcn_accepted       INTEGER NOT NULL,
  platform_accepted  INTEGER NOT NULL,
  registered_at      INTEGER NOT NULL,
  registered_block   INTEGER NOT NULL,
  activated_at       INTEGER,
  tx_hash            TEXT NOT NULL
);
CREATE INDEX licences_by_rights_holder ON licences (rights_holder, licence_id);
CREATE INDEX licences_by_mcn ON licences (mcn, licence_id);
CREATE INDEX licences_by_platform ON licences (platform, licence_id);
CREATE INDEX licences_by_status ON licences (status, licence_id);

CREATE TABLE licence_channels (
  licence_id INTEGER NOT NULL,
  channel_id INTEGER NOT NULL,
  PRIMARY KEY (licence_id, channel_id)
) WITHOUT ROWID;
CREATE INDEX licence_channels_by_channel ON licence_channels (channel_id, licence_id);

CREATE TABLE sales (
  sale_id             TEXT PRIMARY KEY,
  licence_id          INTEGER NOT NULL,
  channel_id          INTEGER NOT NULL,
  order_ref           TEXT NOT NULL,
  token               TEXT NOT NULL,
  gross               TEXT NOT NULL,
  commission          TEXT NOT NULL,
  rights_holder_share TEXT NOT NULL,
  mcn_share           TEXT NOT NULL,
  platform_share      TEXT NOT NULL,
  -- escrowed | frozen | claimable | refunded
  status              TEXT NOT NULL,
  release_at          INTEGER,
  released_at         INTEGER,
  refunded_at         INTEGER,
  refunded_to         TEXT,
  block_number        INTEGER NOT NULL,
  log_index           INTEGER NOT NULL,
  tx_hash             TEXT NOT NULL,
  timestamp           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX sales_by_position ON sales (block_number, log_index);
CREATE INDEX sales_by_licence ON sales (licence_id, block_number, log_index);
CREATE INDEX sales_by_channel ON sales (channel_id, block_number, log_index);
CREATE INDEX sales_by_status ON sales (status, block_number, log_index);
CREATE INDEX sales_by_time ON sales (timestamp, block_number, log_index);
CREATE INDEX sales_by_licence_status ON sales (licence_id, status, release_at);

-- Running totals of a licence's sales per token (refunded sales taken out again): exact TEXT sums.
CREATE TABLE licence_totals (
  licence_id    INTEGER NOT NULL,
  token         TEXT NOT NULL,
  sales         INTEGER NOT NULL,
  gross         TEXT NOT NULL,
  commission    TEXT NOT NULL,
  rights_holder TEXT NOT NULL,
  mcn           TEXT NOT NULL,
  platform      TEXT NOT NULL,
  PRIMARY KEY (licence_id, token)
) WITHOUT ROWID;

-- Per party, licence and token: what the party was credited under the licence and what is in escrow.
CREATE TABLE party_licences (
  party      TEXT NOT NULL,
  licence_id INTEGER NOT NULL,
  token      TEXT NOT NULL,
  role       TEXT NOT NULL, -- rightsHolder | mcn | platform | channel
  credited   TEXT NOT NULL,
  escrowed   TEXT NOT NULL,
  PRIMARY KEY (party, licence_id, token, role)
) WITHOUT ROWID;

-- Per party and token: what it can withdraw now, what is in escrow for it, what it withdrew, and what
-- it was ever credited (claimable + withdrawn == earned).
CREATE TABLE balances (
  party     TEXT NOT NULL,
  token     TEXT NOT NULL,
  claimable TEXT NOT NULL,
  escrowed  TEXT NOT NULL,
  withdrawn TEXT NOT NULL,
  earned    TEXT NOT NULL,
  PRIMARY KEY (party, token)
) WITHOUT ROWID;

-- Every credit to a party's claimable balance: a share of an instant sale, a released sale, a refund.
CREATE TABLE credits (
  party        TEXT NOT NULL,
  token        TEXT NOT NULL,
  amount       TEXT NOT NULL,
  reason       TEXT NOT NULL, -- sale | release | refund
  sale_id      TEXT NOT NULL,
  licence_id   INTEGER NOT NULL,
  block_number INTEGER NOT NULL,
  log_index    INTEGER NOT NULL,
  tx_hash      TEXT NOT NULL,
  timestamp    INTEGER NOT NULL
);
CREATE INDEX credits_by_party ON credits (party, block_number DESC, log_index DESC);

CREATE TABLE withdrawals (
  account      TEXT NOT NULL,
  token        TEXT NOT NULL,
  recipient    TEXT NOT NULL,
  amount       TEXT NOT NULL,
  block_number INTEGER NOT NULL,
  log_index    INTEGER NOT NULL,
  tx_hash      TEXT NOT NULL,
  timestamp    INTEGER NOT NULL,
  PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX withdrawals_by_account ON withdrawals (account, block_number, log_index);

CREATE TABLE disputes (
  dispute_id        INTEGER PRIMARY KEY,
  kind              TEXT NOT NULL, -- licence | sale
  target            TEXT NOT NULL, -- licence id (decimal) or sale id
  licence_id        INTEGER,       -- the licence concerned (of the sale, for a sale dispute)
  channel_id        INTEGER,       -- the channel that reported the sale, for a sale dispute
  opened_by         TEXT NOT NULL,
  reason            TEXT NOT NULL,
  status            TEXT NOT NULL, -- open | upheld | rejected
  remedy            TEXT,
  ruling            TEXT,
  resolved_by       TEXT,
  opened_at         INTEGER NOT NULL,
  resolved_at       INTEGER,
  suspended_licence INTEGER NOT NULL,
  block_number      INTEGER NOT NULL,
  tx_hash           TEXT NOT NULL
);
CREATE INDEX disputes_by_status ON disputes (status, dispute_id);
CREATE INDEX disputes_by_target ON disputes (target, dispute_id);
CREATE INDEX disputes_by_licence ON disputes (licence_id, dispute_id);
CREATE INDEX disputes_by_channel ON disputes (channel_id, dispute_id);
CREATE INDEX disputes_by_opener ON disputes (opened_by, dispute_id);

CREATE TABLE evidence (
  dispute_id   INTEGER NOT NULL,
  hash         TEXT NOT NULL,
  added_by     TEXT NOT NULL,
  added_at     INTEGER NOT NULL,
  block_number INTEGER NOT NULL,
  log_index    INTEGER NOT NULL,
  PRIMARY KEY (dispute_id, block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX evidence_by_adder ON evidence (added_by, dispute_id);

-- Row counts kept as rows are written, so /metrics never counts a million-row table.
CREATE TABLE stats (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  events INTEGER NOT NULL,
  sales  INTEGER NOT NULL
);
INSERT INTO stats (id, events, sales) VALUES (1, 0, 0);

-- What the API shows as health; written by the indexer as it goes.
CREATE TABLE health (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  head_block    INTEGER,
  indexed_block INTEGER,
  caught_up     INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  last_error_at TEXT,
  updated_at    TEXT NOT NULL
);
`,
  },
];

/** Tables rebuilt from `events` after a reorg (everything derived). */
export const DERIVED_TABLES = [
  "roles",
  "settings",
  "channels",
  "tokens",
  "contents",
  "licences",
  "licence_channels",
  "sales",
  "licence_totals",
  "party_licences",
  "balances",
  "credits",
  "withdrawals",
  "disputes",
  "evidence",
] as const;

/**
 * `npm run apikey -- --role party --address 0x… [--config file] [--id name] [--note text]`: creates an API key,
 * prints it once on stdout, and adds its hash (never the key) to the API's key file. Start the API with
 * `--auth-config <file>` (or API_AUTH_CONFIG) to require keys.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { appendKey, generateKey, type KeyEntry, type Role } from "../api/plugins/auth";

const USAGE = `Usage: npm run apikey -- --role <auditor|party> [options]

Creates an API key, prints it once (store it: it cannot be shown again), and adds its SHA-256 hash to the key file.

Options (environment variable in brackets):
  --role <role>      auditor (reads everything) or party (its own payouts, its licences' sales and disputes)
  --address <0x…>    a party key's address: the rights holder, MCN or platform it belongs to
  --config <file>    the key file [API_AUTH_CONFIG] (default data/api-keys.json; created if missing)
  --id <name>        the key's id, part of the key (letters, digits, -; default random)
  --note <text>      who holds it
  --help`;

export const DEFAULT_KEY_FILE = path.join("data", "api-keys.json");

/** Generates a key and appends its entry to `config`; returns the key (shown once) and the stored entry. */
export function createApiKey(options: { role: Role; address?: string; config: string; id?: string; note?: string }): {
  key: string;
  entry: KeyEntry;
} {
  const { key, entry } = generateKey(options);
  appendKey(options.config, entry);
  return { key, entry };
}

function main() {
  const { values } = parseArgs({
    options: {
      role: { type: "string" },
      address: { type: "string" },
      config: { type: "string" },
      id: { type: "string" },
      note: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.role !== "auditor" && values.role !== "party") throw new Error(`--role must be auditor or party\n\n${USAGE}`);
  if (values.role === "party" && !values.address) throw new Error("a party key needs --address 0x…: the party it belongs to");
  if (values.role === "auditor" && values.address) throw new Error("an auditor key reads every address: drop --address");
  const config = values.config ?? (process.env.API_AUTH_CONFIG || DEFAULT_KEY_FILE);
  const { key, entry } = createApiKey({ role: values.role, address: values.address, config, id: values.id, note: values.note });
  console.log(key);
  console.error(
    `added key ${entry.id} (${entry.role}${entry.address ? ` of ${entry.address}` : ""}) to ${config}: the line above is the key, ` +
      `shown this once. Send it as "Authorization: Bearer <key>"; start the API with --auth-config ${config}`,
  );
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}

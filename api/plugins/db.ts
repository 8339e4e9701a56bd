import fp from "fastify-plugin";
import Database from "better-sqlite3";

declare module "fastify" {
  interface FastifyInstance {
    db: Database.Database;
  }
}

/**
 * The indexer's SQLite file, opened read-only: WAL lets the indexer keep writing while the API reads, and
 * the API can never change the trail it serves.
 */
export default fp<{ dbPath: string }>(
  async (app, options) => {
    let db: Database.Database;
    try {
      db = new Database(options.dbPath, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new Error(
        `cannot open the indexer's database ${options.dbPath} (${(err as Error).message}): run the indexer first (npm run indexer)`,
      );
    }
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version < 1)
      throw new Error(`${options.dbPath} is not an indexer database (schema version ${version}): point --db at the indexer's file`);
    app.decorate("db", db);
    app.addHook("onClose", async () => db.close());
  },
  { name: "db" },
);

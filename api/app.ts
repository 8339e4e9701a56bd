import Fastify, { type FastifyServerOptions } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import db from "./plugins/db";
import problems, { frameworkErrors } from "./plugins/problems";
import security, { clientErrorHandler, LIMITS, type RateLimitOption } from "./plugins/security";
import auth, { type AuthConfig } from "./plugins/auth";
import metrics from "./plugins/metrics";
import { createRepositories, type Repositories } from "./repositories";
import { createVerifier, type Verifier } from "./lib/verify";
import { Problem } from "./schemas/common";
import * as R from "./schemas/resources";
import healthRoutes from "./routes/health";
import licenceRoutes from "./routes/licences";
import saleRoutes from "./routes/sales";
import partyRoutes from "./routes/parties";
import disputeRoutes from "./routes/disputes";
import auditRoutes from "./routes/audit";

declare module "fastify" {
  interface FastifyInstance {
    repos: Repositories;
    verifier: Verifier | undefined;
  }
}

export interface AppOptions {
  /** The indexer's SQLite file (opened read-only). */
  dbPath: string;
  /** JSON-RPC endpoint for `/audit/sales/:saleId/verify`; without it that route answers 503. */
  rpcUrl?: string;
  logger?: FastifyServerOptions["logger"];
  /** API keys (a key file's path, or its content): with it, party data needs a key; without, all is public. */
  authConfig?: string | AuthConfig;
  /** Origins allowed to call the API from a browser; CORS is closed without them. */
  corsOrigins?: string[];
  /** Requests per minute (or window) per client IP; default 600 a minute; `false` for none (benchmarks). */
  rateLimit?: RateLimitOption;
}

/** The API as a Fastify instance, not listening: `server.ts` listens, tests `inject`. */
export async function build(options: AppOptions) {
  const app = Fastify({
    logger: options.logger ?? false,
    // Unknown query parameters are refused with a 400, not silently stripped; query strings are coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, verbose: true } },
    return503OnClosing: true,
    bodyLimit: LIMITS.bodyLimit,
    routerOptions: { maxParamLength: LIMITS.maxParamLength },
    http: { maxHeaderSize: LIMITS.maxHeaderSize },
    requestTimeout: LIMITS.requestTimeoutMs,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(problems);
  await app.register(security, { corsOrigins: options.corsOrigins, rateLimit: options.rateLimit });
  await app.register(auth, { authConfig: options.authConfig });
  await app.register(db, { dbPath: options.dbPath });
  app.decorate("repos", createRepositories(app.db));
  app.decorate("verifier", options.rpcUrl ? createVerifier(options.rpcUrl) : undefined);
  for (const schema of [Problem, R.Licence, R.Sale, R.Payouts, R.Dispute, R.AuditEvent, R.Health, R.Verification]) app.addSchema(schema);
  for (const schema of [R.LicencePage, R.SalePage, R.DisputePage, R.AuditEventPage]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "reelsplit API",
        version: "1.0.0",
        description:
          "Settlement status, party payouts, disputes and a verifiable audit trail of the reelsplit consortium ledger. " +
          "Amounts are decimal strings in the token's smallest unit, with the token and its decimals alongside; addresses are " +
          "checksummed; times are ISO-8601 UTC with the block number. Errors are RFC 9457 problem documents.",
      },
      tags: [
        { name: "licences", description: "the rights holder's view" },
        { name: "sales", description: "every settled sale" },
        { name: "parties", description: "the MCN's (and every party's) payout view" },
        { name: "disputes" },
        { name: "audit", description: "the raw trail, and proof against the chain" },
        { name: "operations" },
      ],
      components: {
        securitySchemes: {
          bearerKey: { type: "http", scheme: "bearer", description: "an API key (rsk_…) from npm run apikey" },
          apiKeyHeader: { type: "apiKey", in: "header", name: "x-api-key", description: "the same key in an x-api-key header" },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string | undefined) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(metrics);

  await app.register(healthRoutes);
  await app.register(licenceRoutes);
  await app.register(saleRoutes);
  await app.register(partyRoutes);
  await app.register(disputeRoutes);
  await app.register(auditRoutes);
  await app.register(import("./routes/stats"));
  await app.register(import("./plugins/dashboard"));
  app.get("/openapi.json", { schema: { hide: true }, config: { access: "public" } }, async () => app.swagger());
  return app;
}

export type App = Awaited<ReturnType<typeof build>>;

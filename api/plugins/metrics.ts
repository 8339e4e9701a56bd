import fp from "fastify-plugin";
import { NoQuery } from "../schemas/common";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** `GET /metrics` in Prometheus text format: indexing progress, trail size and HTTP traffic. */
export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "reelsplit_api_" });
    const requests = new Counter({
      name: "reelsplit_api_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    });
    const duration = new Histogram({
      name: "reelsplit_api_request_duration_seconds",
      help: "HTTP request duration by route",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    const gauge = (name: string, help: string, value: () => number | null) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const v = value();
          if (v !== null) this.set(v);
        },
      });
    gauge("reelsplit_head_block", "chain head seen by the indexer", () => app.repos.health().health?.head_block ?? null);
    gauge("reelsplit_indexed_block", "last block indexed", () => app.repos.health().health?.indexed_block ?? null);
    gauge("reelsplit_lag_blocks", "blocks the indexer is behind the head", () => {
      const h = app.repos.health().health;
      return h && h.head_block !== null && h.indexed_block !== null ? h.head_block - h.indexed_block : null;
    });
    gauge("reelsplit_events_total", "events in the audit trail", () => app.repos.counts().events);
    gauge("reelsplit_sales_total", "sales settled", () => app.repos.counts().sales);
    gauge("reelsplit_open_disputes", "disputes awaiting a ruling", () => app.repos.counts().openDisputes);

    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unknown";
      requests.inc({ method: request.method, route, status: reply.statusCode });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
    app.get(
      "/metrics",
      { schema: { tags: ["operations"], summary: "Prometheus metrics", produces: ["text/plain"], querystring: NoQuery } },
      async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: "metrics", dependencies: ["db"] },
);

/**
 * Abuse limits and browser protections, registered before every route:
 *
 * - a rate limit per client IP (default 600 requests a minute), answered with a 429 problem and Retry-After;
 *   it covers unknown routes too, so a flood of 404s is limited like any other;
 * - helmet's default headers, its default Content-Security-Policy included (same-origin scripts and styles,
 *   no inline scripts): Swagger UI at /docs and the dashboard at / load only same-origin files, so they work
 *   under it. `upgrade-insecure-requests` is left out because the API is served over plain HTTP by default;
 * - CORS closed unless origins are configured: without them no Access-Control-* header is ever sent and a
 *   preflight is a 404;
 * - request size limits (the API is read-only, so 16 KiB of body is plenty), and answers as problems where
 *   Node answers before Fastify (431 for oversized headers, 400 for a request that is not HTTP, 408);
 * - no non-finite number reaches a handler (see `nonFinite`).
 */
import http from "node:http";
import type { Socket } from "node:net";
import fp from "fastify-plugin";
import helmet from "@fastify/helmet";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { problem } from "./problems";

/** Requests per window per client IP, or `false` for no limit (benchmarks). */
export type RateLimitOption = false | { max: number; timeWindowMs?: number };

export interface SecurityOptions {
  /** Origins allowed to call the API from a browser (`https://dash.example.com`), or `["*"]`; none by default. */
  corsOrigins?: string[];
  rateLimit?: RateLimitOption;
}

export const DEFAULT_RATE_LIMIT = { max: 600, timeWindowMs: 60_000 } as const;

/** Size limits, set on the Fastify instance and its HTTP server in `app.ts`. */
export const LIMITS = {
  /** Request bodies: every route is a GET, so a body is never needed. */
  bodyLimit: 16 * 1024,
  /** The request line and headers together (Node's `maxHeaderSize`); more is a 431. */
  maxHeaderSize: 16 * 1024,
  /** A path parameter: the longest id (a sale id) is 66 characters; more is a 414. */
  maxParamLength: 100,
  /** Time to receive a whole request (slow-loris); Fastify's default would be none. */
  requestTimeoutMs: 30_000,
} as const;

/** An origin as a browser sends it: scheme, host and port, nothing else. */
function checkOrigin(origin: string): string {
  if (origin === "*") return origin;
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (!url || url.origin !== origin || !/^https?:$/.test(url.protocol))
    throw new Error(`CORS origin "${origin}" is not an origin: give scheme, host and port only, e.g. https://dash.example.com`);
  return origin;
}

/** "1 minute", "30 seconds": for the 429 problem's sentence. */
function duration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s % 60 === 0 ? `${s / 60} minute${s === 60 ? "" : "s"}` : `${s} second${s === 1 ? "" : "s"}`;
}

/**
 * Node's `clientError`: a request Node refused before Fastify saw it, answered as a problem document
 * (Fastify's default answers with its own JSON shape). A reset connection gets nothing.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, detail] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, `the request line and headers are larger than ${LIMITS.maxHeaderSize / 1024} KiB: send fewer or shorter headers`]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, `the request was not received within ${LIMITS.requestTimeoutMs / 1000} s: send it again`]
        : [400, "the request is not valid HTTP/1.1"];
  const title = http.STATUS_CODES[status] ?? "Error";
  const body = JSON.stringify({ type: "about:blank", title, status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * Ajv coerces `Infinity`, `-Infinity` and numbers too large for a double (`1e400`) to ±Infinity and then skips
 * `minimum`/`maximum` for a non-finite number, so `?limit=Infinity` would pass validation as an integer. Every
 * number the API takes is finite: any that is not is refused here, after validation, naming the field.
 */
function nonFinite(part: unknown): string | undefined {
  if (!part || typeof part !== "object") return undefined;
  for (const [key, value] of Object.entries(part)) if (typeof value === "number" && !Number.isFinite(value)) return key;
  return undefined;
}

export default fp<SecurityOptions>(
  async (app, options) => {
    app.addHook("preHandler", async (request, reply) => {
      for (const [where, part] of [
        ["querystring", request.query],
        ["params", request.params],
      ] as const) {
        const key = nonFinite(part);
        if (key !== undefined)
          return problem(reply, 400, `${where}.${key} must be a finite number: Infinity and numbers beyond 1e308 are refused`);
      }
    });

    // Hooks run in this order: helmet's headers go on every answer (429s included), CORS headers too (so a
    // browser can read a 429 and its Retry-After), then the rate limit, before anything costlier (key checks,
    // validation, queries). CORS preflights are answered by their hook, before the rate limit.
    await app.register(helmet, {
      contentSecurityPolicy: { directives: { "upgrade-insecure-requests": null } },
    });

    const origins = (options.corsOrigins ?? []).map(checkOrigin);
    if (origins.length > 0) {
      await app.register(cors, {
        origin: origins.includes("*") ? "*" : origins,
        methods: ["GET", "HEAD"],
        allowedHeaders: ["authorization", "x-api-key"],
        exposedHeaders: ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"],
        maxAge: 600,
      });
    }

    if (options.rateLimit !== false) {
      const { max, timeWindowMs } = { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
      if (!Number.isInteger(max) || max < 1) throw new Error(`the rate limit must be a whole number of requests, at least 1, not ${max}`);
      await app.register(rateLimit, {
        // Not per route (routes registered before the plugin, and the 404 handler, would escape it): one
        // global hook below covers every request, matched or not.
        global: false,
        max,
        timeWindow: timeWindowMs,
        errorResponseBuilder: (_req, context) =>
          Object.assign(
            new Error(
              `more than ${context.max} requests in ${duration(timeWindowMs)} from this address: retry in ${duration(context.ttl)} ` +
                "(see the Retry-After header)",
            ),
            { statusCode: context.statusCode },
          ),
      });
      app.addHook("onRequest", app.rateLimit());
    }
  },
  { name: "security" },
);

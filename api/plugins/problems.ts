import fp from "fastify-plugin";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { BadCursorError } from "../lib/cursor";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Sends an RFC 9457 problem: `application/problem+json` with a sentence that says what to do. */
export function problem(reply: FastifyReply, status: number, detail: string) {
  return reply
    .code(status)
    .type("application/problem+json")
    .send(JSON.stringify({ type: "about:blank", title: TITLES[status] ?? "Error", status, detail, instance: reply.request.url }));
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or hook runs — a path that is not
 * valid percent-encoded UTF-8 (400) or a path segment longer than `maxParamLength` (414) — as problems too.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH")
    return problem(reply, 414, "a path segment is longer than any id this API takes (100 characters at most): check the URL");
  if (err.code === "FST_ERR_BAD_URL")
    return problem(reply, 400, "the URL is not valid percent-encoded UTF-8: encode each byte of a non-ASCII character as %XX");
  const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  return problem(reply, status, "the request could not be routed: check the URL against /docs");
}

/**
 * Every error becomes a problem document: validation errors and bad cursors are 400 with the offending
 * field, unknown routes 404, and anything unexpected a 500 that is logged but never shows a stack trace.
 */
export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err.validation) {
        const first = err.validation[0]!;
        const where = `${err.validationContext ?? "request"}${first.instancePath.replaceAll("/", ".")}`;
        const extra = first.params as { additionalProperty?: string; allowedValues?: unknown[] };
        const described = (first as { parentSchema?: { description?: string } }).parentSchema?.description;
        const detail = extra.additionalProperty
          ? `${where} has an unknown field "${extra.additionalProperty}": remove it (see /docs for the fields this route takes)`
          : (first.keyword === "pattern" || first.keyword === "format") && described
            ? `${where} must be ${described}`
            : `${where} ${first.message}${extra.allowedValues ? ` (${extra.allowedValues.join(", ")})` : ""}`;
        return problem(reply, 400, detail);
      }
      if (err instanceof BadCursorError) return problem(reply, 400, err.message);
      if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE")
        return problem(reply, 413, "the request body is too large: every route of this API is a GET and takes no body");
      const status = err.statusCode ?? 500;
      if (status >= 400 && status < 500) return problem(reply, status, err.message);
      request.log.error({ err }, "request failed");
      return problem(reply, status >= 500 && status < 600 ? status : 500, "the server failed to answer this request; it has been logged");
    });
    app.setNotFoundHandler((request, reply) =>
      problem(reply, 404, `there is no ${request.method} ${request.url.split("?")[0]}: see /docs for the routes`),
    );
  },
  { name: "problems" },
);

import fp from "fastify-plugin";
import type { FastifyError, FastifyReply } from "fastify";
import { BadCursorError } from "../lib/cursor";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
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

import fs from "node:fs";
import path from "node:path";
import fp from "fastify-plugin";
import fastifyStatic from "@fastify/static";

/**
 * The dashboard's source folder: plain ES modules and CSS, served as they are (no build step). Found next
 * to the sources (ts-node), or in the working directory when this file runs from a compiled copy.
 */
export const WEB_ROOT = [path.join(__dirname, "..", "..", "web"), path.resolve("web")].find((dir) =>
  fs.existsSync(path.join(dir, "index.html")),
);

/** Chart.js's self-contained UMD build, from the installed package: the page never loads anything from a CDN. */
const CHART_JS = path.join(path.dirname(require.resolve("chart.js")), "chart.umd.js");

/**
 * The web dashboard at `/` (web/index.html and its modules) and `/vendor/chart.js`. Only the files present
 * at start-up are routed (no wildcard route), so unknown paths still get the API's problem+json 404, and
 * none of these routes appear in the OpenAPI document. The page reads the public API only.
 */
export default fp(
  async (app) => {
    if (!WEB_ROOT) throw new Error("the dashboard's files (web/index.html) are missing: run the API from the repository's folder");
    await app.register(fastifyStatic, {
      root: WEB_ROOT,
      prefix: "/",
      wildcard: false,
      index: ["index.html"],
      decorateReply: false,
      schemaHide: true,
      cacheControl: true,
      maxAge: 0,
    });
    const chart = fs.readFileSync(CHART_JS);
    app.get("/vendor/chart.js", { schema: { hide: true } }, async (_req, reply) =>
      reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=86400").send(chart),
    );
  },
  { name: "dashboard" },
);

import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { NoQuery } from "../schemas/common";

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/health",
    {
      config: { access: "public" },
      schema: {
        tags: ["operations"],
        summary: "Is the indexer caught up with the chain?",
        description: "200 with status ok once the indexer has caught up at least once; 503 with status syncing before that.",
        querystring: NoQuery,
        response: { 200: Type.Ref("Health"), 503: Type.Ref("Health") },
      },
    },
    async (_req, reply) => {
      const { health: h, chainId } = app.repos.health();
      const caughtUp = h?.caught_up === 1;
      const body = {
        status: caughtUp ? ("ok" as const) : ("syncing" as const),
        chainId,
        headBlock: h?.head_block ?? null,
        indexedBlock: h?.indexed_block ?? null,
        lagBlocks: h && h.head_block !== null && h.indexed_block !== null ? Math.max(0, h.head_block - h.indexed_block) : null,
        lastError: h?.last_error ?? null,
        updatedAt: h?.updated_at ?? null,
      };
      return reply.code(caughtUp ? 200 : 503).send(body);
    },
  );
};
export default routes;

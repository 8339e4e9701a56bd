import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Address, Bytes32, Cursor, ErrorResponses, Limit, NoQuery } from "../schemas/common";
import { DisputeStatus } from "../schemas/resources";
import { checksum } from "../lib/format";
import { problem } from "../plugins/problems";
import { viewerOf } from "../plugins/auth";

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/disputes",
    {
      config: { access: "party" },
      schema: {
        tags: ["disputes"],
        summary: "Disputes, filtered by status, licence, sale or party",
        description: "A party key lists only the disputes it takes part in (those of its licences included).",
        querystring: Type.Object(
          {
            status: Type.Optional(DisputeStatus),
            licenceId: Type.Optional(Type.Integer({ minimum: 1 })),
            saleId: Type.Optional(Bytes32),
            party: Type.Optional(Address),
            limit: Limit,
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref("DisputePage"), 400: ErrorResponses[400] },
      },
    },
    async (req) => app.repos.disputes.list({ ...req.query, party: req.query.party && checksum(req.query.party), viewer: viewerOf(req) }),
  );

  app.get(
    "/disputes/:disputeId",
    {
      config: { access: "party" },
      schema: {
        tags: ["disputes"],
        summary: "One dispute with its evidence and ruling",
        description: "A party key sees only the disputes it takes part in: any other is a 404.",
        params: Type.Object({ disputeId: Type.Integer({ minimum: 1 }) }),
        querystring: NoQuery,
        response: { 200: Type.Ref("Dispute"), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const viewer = viewerOf(req);
      return (
        app.repos.disputes.byId(req.params.disputeId, viewer) ??
        problem(reply, 404, `there is no dispute ${req.params.disputeId}${viewer ? ` that ${viewer} takes part in` : ""}`)
      );
    },
  );
};
export default routes;

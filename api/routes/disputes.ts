import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Address, Bytes32, Cursor, ErrorResponses, Limit, NoQuery } from "../schemas/common";
import { DisputeStatus } from "../schemas/resources";
import { checksum } from "../lib/format";
import { problem } from "../plugins/problems";

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/disputes",
    {
      schema: {
        tags: ["disputes"],
        summary: "Disputes, filtered by status, licence, sale or party",
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
    async (req) => app.repos.disputes.list({ ...req.query, party: req.query.party && checksum(req.query.party) }),
  );

  app.get(
    "/disputes/:disputeId",
    {
      schema: {
        tags: ["disputes"],
        summary: "One dispute with its evidence and ruling",
        params: Type.Object({ disputeId: Type.Integer({ minimum: 1 }) }),
        querystring: NoQuery,
        response: { 200: Type.Ref("Dispute"), ...ErrorResponses },
      },
    },
    async (req, reply) =>
      app.repos.disputes.byId(req.params.disputeId) ?? problem(reply, 404, `there is no dispute ${req.params.disputeId}`),
  );
};
export default routes;

import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Address, Bytes32, Cursor, ErrorResponses, IsoTime, Limit, NoQuery } from "../schemas/common";
import { SaleStatus } from "../schemas/resources";
import { checksum } from "../lib/format";
import { problem } from "../plugins/problems";

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/sales",
    {
      schema: {
        tags: ["sales"],
        summary: "Sales in chain order, filtered by licence, channel, party, status or time",
        querystring: Type.Object(
          {
            licenceId: Type.Optional(Type.Integer({ minimum: 1 })),
            channel: Type.Optional(Type.String({ pattern: "^([0-9]{1,2}|[a-z0-9_-]{1,32})$", description: "channel id or name" })),
            party: Type.Optional(Address),
            status: Type.Optional(SaleStatus),
            from: Type.Optional(IsoTime),
            to: Type.Optional(IsoTime),
            limit: Limit,
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref("SalePage"), 400: ErrorResponses[400] },
      },
    },
    async (req) => app.repos.sales.list({ ...req.query, party: req.query.party && checksum(req.query.party) }),
  );

  app.get(
    "/sales/:saleId",
    {
      schema: {
        tags: ["sales"],
        summary: "One sale: amounts, shares, status, release time, transaction and disputes",
        params: Type.Object({ saleId: Bytes32 }),
        querystring: NoQuery,
        response: { 200: Type.Ref("Sale"), ...ErrorResponses },
      },
    },
    async (req, reply) => app.repos.sales.byId(req.params.saleId) ?? problem(reply, 404, `there is no sale ${req.params.saleId}`),
  );
};
export default routes;

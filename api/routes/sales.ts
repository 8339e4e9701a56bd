import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Address, Bytes32, Cursor, ErrorResponses, IsoTime, Limit, NoQuery } from "../schemas/common";
import { SaleStatus } from "../schemas/resources";
import { checksum } from "../lib/format";
import { problem } from "../plugins/problems";
import { viewerOf } from "../plugins/auth";

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/sales",
    {
      config: { access: "party" },
      schema: {
        tags: ["sales"],
        summary: "Sales in chain order, filtered by licence, channel, party, status or time",
        description: "A party key lists only the sales of licences it is a party of.",
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
    async (req) => app.repos.sales.list({ ...req.query, party: req.query.party && checksum(req.query.party), viewer: viewerOf(req) }),
  );

  app.get(
    "/sales/:saleId",
    {
      config: { access: "party" },
      schema: {
        tags: ["sales"],
        summary: "One sale: amounts, shares, status, release time, transaction and disputes",
        description: "A party key sees only the sales of licences it is a party of: any other sale is a 404.",
        params: Type.Object({ saleId: Bytes32 }),
        querystring: NoQuery,
        response: { 200: Type.Ref("Sale"), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      const viewer = viewerOf(req);
      return (
        app.repos.sales.byId(req.params.saleId, viewer) ??
        problem(reply, 404, `there is no sale ${req.params.saleId}${viewer ? ` under a licence ${viewer} is a party of` : ""}`)
      );
    },
  );
};
export default routes;

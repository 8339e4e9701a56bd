import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Address, Cursor, ErrorResponses, Limit, NoQuery } from "../schemas/common";
import { LicenceStatus } from "../schemas/resources";
import { checksum } from "../lib/format";
import { problem } from "../plugins/problems";

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/licences",
    {
      config: { access: "public" },
      schema: {
        tags: ["licences"],
        summary: "Licences, filtered by party, channel or status",
        querystring: Type.Object(
          {
            rightsHolder: Type.Optional(Address),
            mcn: Type.Optional(Address),
            platform: Type.Optional(Address),
            channel: Type.Optional(Type.String({ pattern: "^([0-9]{1,2}|[a-z0-9_-]{1,32})$", description: "channel id or name (taobao)" })),
            status: Type.Optional(LicenceStatus),
            limit: Limit,
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref("LicencePage"), 400: ErrorResponses[400] },
      },
    },
    async (req) => {
      const q = req.query;
      return app.repos.licences.list({
        ...q,
        rightsHolder: q.rightsHolder && checksum(q.rightsHolder),
        mcn: q.mcn && checksum(q.mcn),
        platform: q.platform && checksum(q.platform),
      });
    },
  );

  app.get(
    "/licences/:licenceId",
    {
      config: { access: "public" },
      schema: {
        tags: ["licences"],
        summary: "One licence: parties, split, scope, window, status and sales totals",
        params: Type.Object({ licenceId: Type.Integer({ minimum: 1 }) }),
        querystring: NoQuery,
        response: { 200: Type.Ref("Licence"), ...ErrorResponses },
      },
    },
    async (req, reply) =>
      app.repos.licences.byId(req.params.licenceId) ?? problem(reply, 404, `there is no licence ${req.params.licenceId}`),
  );
};
export default routes;

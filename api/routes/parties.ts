import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Address, ErrorResponses, NoQuery } from "../schemas/common";
import { checksum } from "../lib/format";

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/parties/:address/payouts",
    {
      // a party key reads its own address only: 403 for any other
      config: { access: "party", owner: "address" },
      schema: {
        tags: ["parties"],
        summary: "What a party earned, can withdraw now, has in escrow (and until when), per token and per licence",
        description:
          "An address the ledger has never credited answers with empty lists. A party key reads its own address only: any other is a 403.",
        params: Type.Object({ address: Address }),
        querystring: NoQuery,
        response: { 200: Type.Ref("Payouts"), 400: ErrorResponses[400] },
      },
    },
    async (req) => app.repos.parties.payouts(checksum(req.params.address)),
  );
};
export default routes;

/** licence:show — a licence's terms, parties, consent and status as of now. */
import { ethers } from "ethers";
import { LICENCE_STATUS } from "../lib/explain";
import { type CommonArgs, action, parseId, reelsplitTask } from "../lib/task-context";
import { formatBps, formatDate, formatDuration } from "../lib/units";

interface Args extends CommonArgs {
  licence: string;
}

reelsplitTask("licence:show", "Show a licence: terms, parties, consent and status")
  .addParam("licence", "Licence id")
  .setAction(
    action<Args>("licence:show", async (args, ctx) => {
      const licenceId = parseId(args.licence, "licence", "--licence");
      const l = await ctx.read(() => ctx.settlement.getLicence(licenceId));
      const status = LICENCE_STATUS[Number(l.status)]!;
      const channels = await Promise.all(l.channels.map(async (id) => ({ id: Number(id), name: await ctx.channelName(id) })));
      const content = await ctx.settlement.contentRecord(l.contentId);

      const accepted = (yes: boolean) => (yes ? "accepted" : "not accepted yet");
      ctx.say(`Licence ${licenceId}: ${status}`);
      ctx.say(`  content        ${l.contentId} (first registered ${formatDate(content.registeredAt)} by ${content.rightsHolder})`);
      ctx.say(`  rights holder  ${l.rightsHolder}  ${formatBps(l.rightsHolderBps)}`);
      ctx.say(`  MCN            ${l.mcn}  ${formatBps(l.mcnBps)}, ${accepted(l.mcnAccepted)}`);
      ctx.say(`  platform       ${l.platform}  ${formatBps(l.platformBps)}, ${accepted(l.platformAccepted)}`);
      ctx.say(`  commission     ${formatBps(l.commissionBps)} of gross`);
      ctx.say(`  channels       ${channels.map((c) => `${c.name} (${c.id})`).join(", ")}`);
      ctx.say(`  valid          ${formatDate(l.validFrom)} to ${formatDate(l.validUntil)}`);
      ctx.say(`  hold           ${l.holdSeconds === 0n ? "none: shares are credited at once" : formatDuration(l.holdSeconds)}`);
      ctx.say(`  registered     ${formatDate(l.registeredAt)}`);
      if (l.supersedes !== 0n) ctx.say(`  supersedes     licence ${l.supersedes}`);
      if (l.supersededBy !== 0n) ctx.say(`  superseded by  licence ${l.supersededBy}`);
      if (l.termsHash !== ethers.ZeroHash) ctx.say(`  terms hash     ${l.termsHash}`);
      return {
        licenceId,
        status,
        contentId: l.contentId,
        rightsHolder: l.rightsHolder,
        mcn: l.mcn,
        platform: l.platform,
        rightsHolderBps: Number(l.rightsHolderBps),
        mcnBps: Number(l.mcnBps),
        platformBps: Number(l.platformBps),
        commissionBps: Number(l.commissionBps),
        channelIds: channels.map((c) => c.id),
        channels: channels.map((c) => c.name),
        validFrom: l.validFrom,
        validUntil: l.validUntil,
        validFromIso: formatDate(l.validFrom),
        validUntilIso: formatDate(l.validUntil),
        holdSeconds: l.holdSeconds,
        registeredAt: l.registeredAt,
        mcnAccepted: l.mcnAccepted,
        platformAccepted: l.platformAccepted,
        supersedes: l.supersedes,
        supersededBy: l.supersededBy,
        termsHash: l.termsHash,
      };
    }),
  );

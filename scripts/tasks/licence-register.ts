/**
 * licence:register — a rights holder proposes a licence: content fingerprint, MCN, platform, split,
 * commission, channel scope, validity window and refund hold.
 */
import { ethers } from "ethers";
import { type CommonArgs, action, hashInput, parseId, reelsplitTask, txFields, txLine } from "../lib/task-context";
import {
  InputError,
  formatBps,
  formatDate,
  formatDuration,
  formatSplit,
  parseDate,
  parseDuration,
  parsePercent,
  parseSplit,
} from "../lib/units";

interface Args extends CommonArgs {
  content?: string;
  contentFile?: string;
  mcn: string;
  platform: string;
  split: string;
  commission: string;
  channels: string;
  validFrom?: string;
  validUntil?: string;
  days?: string;
  hold: string;
  supersedes?: string;
  terms?: string;
  termsFile?: string;
  termsUri: string;
}

reelsplitTask("licence:register", "Rights holder: propose a licence for a drama to an MCN and a platform")
  .addOptionalParam("content", "Content fingerprint: 0x and 64 hex digits")
  .addOptionalParam("contentFile", "File whose keccak256 is the content fingerprint (the drama's master file)")
  .addParam("mcn", "The MCN: address or account index")
  .addParam("platform", "The platform: address or account index")
  .addParam("split", "Rights holder/MCN/platform shares of the commission in percent, summing to 100: 15/35/50")
  .addParam("commission", "Commission on gross in percent: 20 (12.5 allowed)")
  .addParam("channels", "Channels allowed to sell, by name or id: taobao,jd")
  .addOptionalParam("validFrom", "First day of validity, ISO 8601 (default: now)")
  .addOptionalParam("validUntil", "Last moment of validity, ISO 8601")
  .addOptionalParam("days", "Validity in days from --valid-from (instead of --valid-until)")
  .addOptionalParam("hold", "Refund window: 7d, 12h, or seconds (0 = paid at once)", "0")
  .addOptionalParam("supersedes", "Id of the active licence this one replaces once accepted")
  .addOptionalParam("terms", "Hash of the signed terms document: 0x and 64 hex digits")
  .addOptionalParam("termsFile", "The signed terms document (its keccak256 is recorded)")
  .addOptionalParam("termsUri", "Where the terms document can be fetched", "")
  .setAction(
    action<Args>("licence:register", async (args, ctx) => {
      const content = hashInput(
        { hex: args.content, file: args.contentFile },
        "content fingerprint",
        "--content 0x… or --content-file <file>",
      );
      const split = parseSplit(args.split);
      const commissionBps = parsePercent(args.commission, "commission");
      const names = args.channels
        .split(",")
        .map((c) => c.trim())
        .filter(Boolean);
      if (names.length === 0) throw new InputError("give at least one channel with --channels, like taobao,jd");
      const channelIds: number[] = [];
      for (const n of names) channelIds.push(await ctx.channelId(n));
      const now = await ctx.blockTime();
      const validFrom = args.validFrom !== undefined ? parseDate(args.validFrom, "--valid-from date") : now;
      if ((args.validUntil === undefined) === (args.days === undefined)) {
        throw new InputError("give the end of validity with exactly one of --valid-until <ISO date> or --days <n>");
      }
      let validUntil: number;
      if (args.days !== undefined) {
        if (!/^\d+$/.test(args.days.trim())) throw new InputError(`--days "${args.days}" is not a whole number of days`);
        validUntil = validFrom + Number(args.days) * 86_400;
      } else {
        validUntil = parseDate(args.validUntil!, "--valid-until date");
      }
      const holdSeconds = parseDuration(args.hold, "--hold");
      const supersedes = args.supersedes !== undefined ? parseId(args.supersedes, "superseded licence", "--supersedes") : 0n;
      const terms =
        args.terms === undefined && args.termsFile === undefined
          ? { hash: ethers.ZeroHash, source: "none" }
          : hashInput({ hex: args.terms, file: args.termsFile }, "terms hash", "--terms 0x… or --terms-file <file>");
      const mcn = await ctx.address(args.mcn, "--mcn");
      const platform = await ctx.address(args.platform, "--platform");
      const signer = await ctx.signer(args.from);

      const receipt = await ctx.send(() =>
        ctx.settlement.connect(signer).registerLicence({
          contentId: content.hash,
          mcn,
          platform,
          ...split,
          commissionBps,
          channels: channelIds,
          validFrom,
          validUntil,
          holdSeconds,
          supersedes,
          termsHash: terms.hash,
          termsURI: args.termsUri,
        }),
      );
      const registered = ctx.event(receipt, "LicenceRegistered");
      const licenceId = registered!.args.licenceId as bigint;
      const firstRegistration = ctx.event(receipt, "ContentRegistered") !== undefined;
      const channelNames = await Promise.all(channelIds.map((id) => ctx.channelName(id)));

      ctx.say(`Licence ${licenceId} proposed by ${signer.address} for content ${content.hash}`);
      if (content.source !== "given")
        ctx.say(`  content fingerprint: ${content.source}${firstRegistration ? " (first registration: timestamped for you)" : ""}`);
      ctx.say(
        `  split ${formatSplit(split)} (rights holder/MCN/platform) of a ${formatBps(commissionBps)} commission; channels ${channelNames.join(", ")}`,
      );
      ctx.say(`  valid ${formatDate(validFrom)} to ${formatDate(validUntil)}; hold ${formatDuration(holdSeconds)}`);
      ctx.say(txLine(receipt));
      ctx.say(
        `  next: the MCN ${mcn} and the platform ${platform} each run \`licence:accept --licence ${licenceId} --from <their account>\``,
      );
      return {
        ...txFields(receipt),
        licenceId,
        status: "proposed",
        contentId: content.hash,
        firstRegistration,
        rightsHolder: signer.address,
        mcn,
        platform,
        ...split,
        commissionBps,
        channelIds,
        channels: channelNames,
        validFrom: BigInt(validFrom),
        validUntil: BigInt(validUntil),
        validFromIso: formatDate(validFrom),
        validUntilIso: formatDate(validUntil),
        holdSeconds: BigInt(holdSeconds),
        supersedes,
        termsHash: terms.hash,
      };
    }),
  );

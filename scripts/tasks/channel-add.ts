/** channel:add — the consortium admin registers a sales channel and the account that reports its sales. */
import { type CommonArgs, action, reelsplitTask, txFields, txLine } from "../lib/task-context";

interface Args extends CommonArgs {
  name: string;
  reporter: string;
}

reelsplitTask("channel:add", "Admin: register a sales channel and its reporting account")
  .addParam("name", "Channel name: 1 to 32 lowercase letters, digits, - or _ (taobao, jd, pdd)")
  .addParam("reporter", "The account that reports the channel's sales: address or account index")
  .setAction(
    action<Args>("channel:add", async (args, ctx) => {
      const reporter = await ctx.address(args.reporter, "--reporter");
      const signer = await ctx.signer(args.from);
      const receipt = await ctx.send(() => ctx.settlement.connect(signer).addChannel(args.name, reporter));
      const channelId = Number(ctx.event(receipt, "ChannelAdded")!.args.channelId);
      ctx.say(`Channel ${args.name} added with id ${channelId}; its sales are reported by ${reporter}`);
      ctx.say(txLine(receipt));
      return { ...txFields(receipt), channelId, name: args.name, reporter };
    }),
  );

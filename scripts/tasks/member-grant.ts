/** member:grant — the consortium admin grants a member role (rights-holder, mcn, platform, arbiter, admin). */
import { ROLES, type RoleName, roleHash } from "../lib/explain";
import { type CommonArgs, action, reelsplitTask, txFields, txLine } from "../lib/task-context";
import { InputError } from "../lib/units";

interface Args extends CommonArgs {
  role: string;
  account: string;
}

const NAMES = Object.keys(ROLES) as RoleName[];

reelsplitTask("member:grant", "Admin: grant a member role to an account")
  .addParam("role", `Role: ${NAMES.join(", ")}`)
  .addParam("account", "Address or account index")
  .setAction(
    action<Args>("member:grant", async (args, ctx) => {
      const role = args.role.trim().toLowerCase() as RoleName;
      if (!NAMES.includes(role)) throw new InputError(`"${args.role}" is not a role: ${NAMES.join(", ")}`);
      const account = await ctx.address(args.account, "--account");
      const hash = roleHash(role);
      if (await ctx.settlement.hasRole(hash, account)) {
        ctx.say(`${account} already holds ${ROLES[role].words}: nothing to do`);
        return { role, account, granted: false, txHash: null, blockNumber: null };
      }
      const signer = await ctx.signer(args.from);
      const receipt = await ctx.send(() => ctx.settlement.connect(signer).grantRole(hash, account));
      ctx.say(`${account} now holds ${ROLES[role].words} (granted by ${signer.address})`);
      ctx.say(txLine(receipt));
      return { ...txFields(receipt), role, account, granted: true };
    }),
  );

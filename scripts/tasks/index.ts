/**
 * The reelsplit tasks: one file per action a consortium member takes. `hardhat.config.ts` imports this
 * file; `npx hardhat help` lists them and `npx hardhat help <task>` shows each one's parameters.
 */
import "./member-grant";
import "./channel-add";
import "./token-mint";
import "./licence-register";
import "./licence-accept";
import "./licence-show";
import "./sale-settle";
import "./sale-refund";
import "./sale-release";
import "./payout-balance";
import "./payout-withdraw";
import "./dispute-open";
import "./dispute-evidence";
import "./dispute-suspend";
import "./dispute-resolve";

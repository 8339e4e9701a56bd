// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DisputeRegistry} from "../../contracts/DisputeRegistry.sol";
import {Settlement} from "../../contracts/Settlement.sol";
import {SettlementHandler} from "./SettlementHandler.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {Cheats} from "./utils/Vm.sol";

/// @title SettlementInvariantsBase
/// @notice forge's invariant fuzzer drives `SettlementHandler` (every action of every role, over a
/// 2-decimal and an 18-decimal token) and, after every call, `invariantBooks` checks the rules that must
/// hold whatever happened:
/// - for every token, the vault's balance is Σ escrowed (including frozen) + Σ claimable;
/// - every sale's three shares sum to its commission, which is ⌊gross × commissionBps / 10,000⌋, split by
///   the licence's ratios (checked on each SaleSettled as it happens);
/// - no account ever withdrew more than it was credited, and its claimable is credited − withdrawn;
/// - a licence's terms never change once registered, so neither while it is active;
/// - a frozen sale's record (licence, channel, token, release time, commission, status) never changes
///   while it is frozen, and its money stays in the vault;
/// - the contracts refuse only with their custom errors, and never refuse a due release or a credited
///   withdrawal.
/// Two campaigns with different mixes of actions (SettlementInvariants, SettlementDisputeInvariants), which
/// forge runs on two cores at once. Volume: `npm test` runs the `default` profile of foundry.toml,
/// `npm run fuzz` the `fuzz` one.
abstract contract SettlementInvariantsBase is InvariantTest {
    SettlementHandler internal handler;

    function setUp() external {
        Cheats.VM.warp(1_750_000_000); // mid-2025: licence windows start "now" and end in the future
        address admin = address(uint160(uint256(keccak256("reelsplit-actor:admin"))));
        Settlement settlement = new Settlement(admin);
        DisputeRegistry disputes = new DisputeRegistry(settlement);
        handler = new SettlementHandler(settlement, disputes, admin);
        _target(address(handler), handler.selectors(_disputeMix()));
    }

    /// @notice The books balance, and no rule was broken, after every call.
    function invariantBooks() external view {
        handler.checkBooks();
    }

    /// @dev Whether the mix weights up escrow, refunds, disputes and rulings.
    function _disputeMix() internal pure virtual returns (bool);
}

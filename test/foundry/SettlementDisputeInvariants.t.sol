// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SettlementInvariantsBase} from "./SettlementInvariantsBase.sol";

/// @notice Every action, escrow, refunds, disputes and rulings weighted up. See SettlementInvariantsBase.
contract SettlementDisputeInvariants is SettlementInvariantsBase {
    function _disputeMix() internal pure override returns (bool) {
        return true;
    }
}

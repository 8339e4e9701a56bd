// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SettlementInvariantsBase} from "./SettlementInvariantsBase.sol";

/// @notice Every action, the money paths (settling, releasing) weighted up. See SettlementInvariantsBase.
contract SettlementInvariants is SettlementInvariantsBase {
    error SetUpNotAsExpected(uint256 licences, uint256 sales);

    /// @notice The set-up alone balances: three active licences, no sales.
    function testSetUpBalances() external view {
        handler.checkBooks();
        (uint256 sales, , uint256 licences, ) = handler.counts();
        if (licences != 3 || sales != 0) revert SetUpNotAsExpected(licences, sales);
    }

    function _disputeMix() internal pure override returns (bool) {
        return false;
    }
}

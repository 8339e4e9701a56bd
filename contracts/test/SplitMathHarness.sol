// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SplitMath} from "../libraries/SplitMath.sol";

/// @notice Test only: exposes the pure split arithmetic so tests can run it over tables of amounts.
contract SplitMathHarness {
    function commission(uint256 gross, uint256 commissionBps) external pure returns (uint256) {
        return SplitMath.commission(gross, commissionBps);
    }

    function split(uint256 amount, uint256 rightsHolderBps, uint256 mcnBps) external pure returns (uint256, uint256, uint256) {
        return SplitMath.split(amount, rightsHolderBps, mcnBps);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title SplitMath
/// @notice Pure arithmetic of a sale: the commission on a gross amount, and its split between the rights
/// holder, the MCN and the platform. Ratios are basis points of `BPS`.
/// @dev Rounding is always down, and always in a stated direction so the parts sum to the whole:
/// - the commission rounds down, in the channel's favour (it never pays more than `commissionBps` of gross);
/// - the rights holder's and the MCN's shares round down, and the platform takes the remainder, so
///   `rightsHolder + mcn + platform == amount` for every amount. The platform therefore receives at most
///   2 units more than its exact ratio would give, never less.
/// Multiplications are checked: an amount whose product with a ratio exceeds `type(uint256).max` reverts
/// instead of wrapping (settlement caps gross at 2^128 - 1, far below that).
library SplitMath {
    /// @notice Basis points in a whole (100 %).
    uint256 internal constant BPS = 10_000;

    /// @notice The commission a channel pays on `gross`: `gross * commissionBps / BPS`, rounded down.
    function commission(uint256 gross, uint256 commissionBps) internal pure returns (uint256) {
        return (gross * commissionBps) / BPS;
    }

    /// @notice Splits `amount` by the rights holder's and the MCN's ratios; the platform takes the remainder.
    /// @param amount The amount to split, in the token's smallest unit.
    /// @param rightsHolderBps The rights holder's ratio in basis points.
    /// @param mcnBps The MCN's ratio in basis points; `rightsHolderBps + mcnBps` must not exceed `BPS`.
    /// @return rightsHolder `amount * rightsHolderBps / BPS`, rounded down.
    /// @return mcn `amount * mcnBps / BPS`, rounded down.
    /// @return platform The remainder: `amount - rightsHolder - mcn`.
    function split(
        uint256 amount,
        uint256 rightsHolderBps,
        uint256 mcnBps
    ) internal pure returns (uint256 rightsHolder, uint256 mcn, uint256 platform) {
        rightsHolder = (amount * rightsHolderBps) / BPS;
        mcn = (amount * mcnBps) / BPS;
        platform = amount - rightsHolder - mcn; // remainder: the parts always sum to amount
    }
}

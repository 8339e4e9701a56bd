// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The few Foundry cheatcodes the invariant tests use (forge-std's `Vm`, cut down: the npm copy of
/// forge-std is years old and the git one cannot be fetched here).
interface IVm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice The next call's `msg.sender` is `sender`.
    function prank(address sender) external;

    /// @notice Sets `block.timestamp`.
    function warp(uint256 timestamp) external;

    /// @notice Starts recording every event emitted from here on.
    function recordLogs() external;

    /// @notice The events recorded since `recordLogs`, which it clears.
    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice Names an address in traces.
    function label(address account, string calldata name) external;
}

/// @notice Where the cheatcodes live: `address(uint160(uint256(keccak256("hevm cheat code"))))`.
library Cheats {
    IVm internal constant VM = IVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
}

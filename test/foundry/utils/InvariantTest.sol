// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What forge's invariant runner reads from a test contract to know which functions to fuzz (the
/// `targetContracts` / `targetSelectors` conventions of forge-std's `StdInvariant`, cut down to those two).
abstract contract InvariantTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetContracts;
    FuzzSelector[] private _targetSelectors;

    /// @notice The contracts the fuzzer calls (nothing else it finds deployed).
    function targetContracts() external view returns (address[] memory) {
        return _targetContracts;
    }

    /// @notice The functions of those contracts it calls.
    function targetSelectors() external view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function _target(address target, bytes4[] memory selectors) internal {
        _targetContracts.push(target);
        _targetSelectors.push(FuzzSelector({addr: target, selectors: selectors}));
    }
}

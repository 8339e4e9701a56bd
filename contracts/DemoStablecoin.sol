// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DemoStablecoin
/// @notice A yuan-pegged demo settlement token with 2 decimals (1 unit = 1 fen), so that splitting a
/// commission really rounds, as it does with real money. Its owner mints; nothing else is special.
contract DemoStablecoin is ERC20, Ownable {
    constructor(address owner) ERC20("Demo Yuan", "dCNY") Ownable(owner) {}

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @notice Mints `amount` fen to `to`. Owner only.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}

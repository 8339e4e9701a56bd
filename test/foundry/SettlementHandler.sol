// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DemoStablecoin} from "../../contracts/DemoStablecoin.sol";
import {DisputeRegistry} from "../../contracts/DisputeRegistry.sol";
import {Settlement} from "../../contracts/Settlement.sol";
import {IDisputeRegistry} from "../../contracts/interfaces/IDisputeRegistry.sol";
import {ILicenceRegistry} from "../../contracts/interfaces/ILicenceRegistry.sol";
import {ISettlement} from "../../contracts/interfaces/ISettlement.sol";
import {DecimalsToken} from "../../contracts/test/DecimalsToken.sol";
import {Cheats, IVm} from "./utils/Vm.sol";

/// @title SettlementHandler
/// @notice The only contract forge's invariant fuzzer calls: every action of the consortium (licences,
/// consent, sales one by one and in batches, refunds, releases, withdrawals, disputes and rulings, pauses,
/// tokens, channels, the commission band, time) by every role, with fuzzed inputs turned into mostly
/// meaningful calls. Next to the chain it keeps a model of the books, written from the rules in README.md,
/// not from the contracts: what each party was credited and withdrew, which sales are in escrow or frozen,
/// the terms each licence was registered with. `checkBooks` compares the chain with it.
/// @dev A refusal by the contracts is fine and is passed on as a revert (so forge counts it per function),
/// but only if it is a custom error: a panic, an `Error(string)`, a revert without data, or the refusal of
/// a call the rules say must go through (a due release, a withdrawal of a credit) is recorded as a
/// violation, which `checkBooks` reports. So is a success the model says was impossible.
// A handler keeps a model of the whole consortium, and a try whose success needs no bookkeeping has an
// empty success block.
// solhint-disable max-states-count, no-empty-blocks
contract SettlementHandler {
    /// @notice An action the contracts refused with a custom error (its selector).
    error Refused(bytes4 selector);
    /// @notice Something the rules forbid happened during an action.
    error Violation(string what);
    /// @notice `claimable` on chain is not credited − withdrawn in the model.
    error ClaimableMismatch(address account, address token, uint256 onChain, uint256 credited, uint256 withdrawn);
    /// @notice An account withdrew more than it was ever credited.
    error WithdrawnAboveCredit(address account, address token, uint256 withdrawn, uint256 credited);
    /// @notice The vault's token balance is not Σ escrowed + Σ claimable.
    error VaultUnbalanced(address token, uint256 balance, uint256 escrowed, uint256 claimable);
    /// @notice A sale in escrow or frozen is not, on chain, what the model says it is.
    error SaleMismatch(bytes32 saleId, ISettlement.SaleStatus modelStatus, ISettlement.SaleStatus chainStatus);
    /// @notice A frozen sale's record changed while it was frozen.
    error FrozenSaleMoved(bytes32 saleId);
    /// @notice Σ commission of the sales the model has in escrow is not what the chain holds for them.
    error EscrowMismatch(address token, uint256 model, uint256 onChain);
    /// @notice A licence's terms are no longer the ones it was registered (and accepted) with.
    error LicenceTermsChanged(uint256 licenceId, ILicenceRegistry.LicenceStatus status);
    /// @notice The chain has a different number of licences than the model.
    error LicenceCountMismatch(uint256 model, uint256 onChain);

    struct LicenceModel {
        address rightsHolder;
        address mcn;
        address platform;
        uint16 rightsHolderBps;
        uint16 mcnBps;
        uint16 commissionBps;
        uint32 holdSeconds;
        uint64 scope;
        bytes32 contentId;
        bytes32 termsDigest;
    }

    struct SaleModel {
        bytes32 id;
        uint256 licenceId;
        uint8 channelId;
        address token;
        ISettlement.SaleStatus status;
        uint40 releaseAt;
        uint256 commission;
    }

    struct DisputeModel {
        bool onSale;
        uint256 target; // licence id, or index of the sale in `_sales`
    }

    struct Terms {
        address rightsHolder;
        uint256 supersedes;
        ILicenceRegistry.LicenceTerms t;
    }

    IVm private constant VM = Cheats.VM;
    uint256 private constant BPS = 10_000;
    /// @notice Most licences a run registers (the checks read every one after every call).
    uint256 public constant MAX_LICENCES = 8;
    /// @notice The largest gross `settleSale` accepts: a sale's commission is stored in 128 bits.
    uint256 public constant MAX_GROSS = type(uint128).max;
    /// @notice What each reporter holds of each token: enough for ~2^120 sales at the largest gross.
    uint256 public constant FLOAT = 2 ** 248;
    bytes4 private constant PANIC = 0x4e487b71;
    bytes4 private constant ERROR_STRING = 0x08c379a0;

    Settlement public immutable settlement;
    DisputeRegistry public immutable disputes;
    address public immutable admin;
    address public immutable arbiter;
    address public immutable outsider;

    address[] public tokens; // [0] the 2-decimal demo yuan, [1] an 18-decimal token
    address[2] private _rightsHolders;
    address[2] private _mcns; // the second MCN is also an arbiter, who may not rule on its own disputes
    address[2] private _platforms;
    address[3] private _primaryReporters;
    address[3] private _spareReporters;
    address[4] private _reporterOf; // by channel id 1..3: the current one
    address[] private _actors; // everyone who can be credited or paid

    LicenceModel[] private _licences; // licence id = index + 1
    SaleModel[] private _sales;
    mapping(bytes32 saleId => uint256 indexPlusOne) private _saleIndex;
    uint256[] private _open; // indices into _sales of sales Escrowed or Frozen in the model
    mapping(uint256 saleIndex => uint256 positionPlusOne) private _openPosition;
    DisputeModel[] private _disputes; // dispute id = index + 1
    bytes32[] private _orderRefs;

    /// @notice Ghost books: what each account was credited and withdrew, per token, and what is in escrow.
    mapping(address account => mapping(address token => uint256 amount)) public credited;
    mapping(address account => mapping(address token => uint256 amount)) public withdrawn;
    mapping(address token => uint256 amount) public escrowed;
    /// @notice SaleSettled events whose shares were checked against the commission and the licence.
    uint256 public salesChecked;
    /// @notice The first rule broken during an action, empty while none was.
    string public violation;

    uint256 private _now;
    uint256 private _orderCounter;
    uint256 private _evidenceCounter;

    constructor(Settlement settlement_, DisputeRegistry disputes_, address admin_) {
        settlement = settlement_;
        disputes = disputes_;
        admin = admin_;
        arbiter = _actor("arbiter");
        outsider = _actor("outsider");
        _now = block.timestamp;

        address demoYuan = address(new DemoStablecoin(address(this)));
        address token18 = address(new DecimalsToken(18));
        tokens.push(demoYuan);
        tokens.push(token18);

        // Role ids are read before each prank: a prank applies to the very next call, a view one included.
        _grant(settlement_.DISPUTE_REGISTRY_ROLE(), address(disputes_));
        for (uint256 i; i < 2; ++i) {
            _rightsHolders[i] = _actor(i == 0 ? "rightsHolder" : "rightsHolder2");
            _mcns[i] = _actor(i == 0 ? "mcn" : "mcn2-arbiter");
            _platforms[i] = _actor(i == 0 ? "platform" : "platform2");
            _grant(settlement_.RIGHTS_HOLDER_ROLE(), _rightsHolders[i]);
            _grant(settlement_.MCN_ROLE(), _mcns[i]);
            _grant(settlement_.PLATFORM_ROLE(), _platforms[i]);
        }
        _grant(settlement_.ARBITER_ROLE(), arbiter);
        _grant(settlement_.ARBITER_ROLE(), _mcns[1]);

        string[3] memory names = ["taobao", "jd", "pdd"];
        for (uint8 c = 1; c <= 3; ++c) {
            address primary = _actor(names[c - 1]);
            address spare = _actor(string.concat(names[c - 1], "-spare"));
            _primaryReporters[c - 1] = primary;
            _spareReporters[c - 1] = spare;
            _reporterOf[c] = primary;
            VM.prank(admin_);
            settlement_.addChannel(names[c - 1], primary);
            _fund(primary);
            _fund(spare);
        }
        for (uint256 t; t < tokens.length; ++t) {
            VM.prank(admin_);
            settlement_.allowToken(tokens[t]);
        }

        // Licences to sell under from the first call on: one paid at once, one held three days, one 30.
        _registerAndActivate(0, 0, [uint16(1_500), 3_500, 5_000], 2_000, 0, 7);
        _registerAndActivate(1, 1, [uint16(1), 1, 9_998], 2_500, 3 days, 6);
        _registerAndActivate(0, 2, [uint16(3_333), 3_333, 3_334], 1_500, 30 days, 7);
    }

    // ----------------------------------------------------------------------------------------------------
    // Actions: licences
    // ----------------------------------------------------------------------------------------------------

    /// @notice A rights holder registers a licence: random parties, split (edges included), commission in
    /// or out of the band, scope, hold, content and window; sometimes superseding an existing licence.
    function registerLicence(uint256 partiesSeed, uint256 termsSeed, uint256 windowSeed) external timed {
        if (_licences.length >= MAX_LICENCES) return;
        Terms memory terms = _terms(_mix(partiesSeed), _mix(termsSeed), _mix(windowSeed));
        VM.prank(terms.rightsHolder);
        try settlement.registerLicence(terms.t) returns (uint256 licenceId) {
            _recordLicence(licenceId, terms.rightsHolder, terms.t);
        } catch (bytes memory reason) {
            _refused(reason, "registerLicence");
        }
    }

    /// @notice The MCN or the platform (or someone else) accepts a licence, mostly one still proposed.
    function acceptLicence(uint256 licenceSeed, uint256 bySeed) external timed {
        (licenceSeed, bySeed) = (_mix(licenceSeed), _mix(bySeed));
        uint256 licenceId = _pickLicence(licenceSeed, ILicenceRegistry.LicenceStatus.Proposed);
        address by = _licenceSide(licenceId, bySeed % 10 < 8 ? 1 + (bySeed % 2) : bySeed % 6);
        VM.prank(by);
        try settlement.acceptLicence(licenceId) {} catch (bytes memory reason) {
            _refused(reason, "acceptLicence");
        }
    }

    /// @notice The rights holder (or someone else) cancels a licence, mostly one still proposed.
    function cancelLicence(uint256 licenceSeed, uint256 bySeed) external timed {
        uint256 licenceId = _pickLicence(_mix(licenceSeed), ILicenceRegistry.LicenceStatus.Proposed);
        address by = _licenceSide(licenceId, _mix(bySeed) % 8 == 3 ? 5 : 0);
        VM.prank(by);
        try settlement.cancelLicence(licenceId) {} catch (bytes memory reason) {
            _refused(reason, "cancelLicence");
        }
    }

    // ----------------------------------------------------------------------------------------------------
    // Actions: sales
    // ----------------------------------------------------------------------------------------------------

    /// @notice A channel reports one sale: a licence it may sell under (mostly), either token, a gross from
    /// 0 to just past the 128-bit bound; sometimes an order reference already used.
    function settleSale(uint256 channelSeed, uint256 licenceSeed, uint256 tokenSeed, uint256 grossSeed, uint256 orderSeed) external timed {
        uint8 channelId = uint8(1 + (_mix(channelSeed) % 3));
        uint256 licenceId = _pickSellable(_mix(licenceSeed), channelId);
        address token = tokens[_mix(tokenSeed) % tokens.length];
        uint256 gross = _gross(grossSeed);
        orderSeed = _mix(orderSeed);
        bool reuse = orderSeed % 12 == 5 && _orderRefs.length > 0;
        bytes32 orderRef = reuse ? _orderRefs[(orderSeed >> 8) % _orderRefs.length] : _freshOrderRef();
        ISettlement.Order[] memory orders = new ISettlement.Order[](1);
        orders[0] = ISettlement.Order({licenceId: licenceId, orderRef: orderRef, gross: gross});

        VM.recordLogs();
        VM.prank(_reporterOf[channelId]);
        try settlement.settleSale(licenceId, orderRef, token, gross) returns (bytes32 saleId) {
            if (saleId != keccak256(abi.encode(channelId, orderRef))) _violate("settleSale: sale id is not keccak256(channelId, orderRef)");
            _recordSales(channelId, token, orders);
        } catch (bytes memory reason) {
            _refused(reason, "settleSale");
        }
    }

    /// @notice A channel reports a batch of up to 8 orders (or none) under one or two licences.
    function settleSales(uint256 channelSeed, uint256 tokenSeed, uint256 licenceSeed, uint256 grossSeed) external timed {
        uint8 channelId = uint8(1 + (_mix(channelSeed) % 3));
        address token = tokens[_mix(tokenSeed) % tokens.length];
        licenceSeed = _mix(licenceSeed);
        uint256 countSeed = _mix(grossSeed ^ 1);
        uint256 count = (countSeed % 32 == 9) ? 0 : 1 + ((countSeed >> 8) % 8);
        uint256[2] memory licenceIds = [_pickSellable(licenceSeed, channelId), _pickSellable(licenceSeed >> 128, channelId)];
        ISettlement.Order[] memory orders = new ISettlement.Order[](count);
        for (uint256 i; i < count; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(grossSeed, i)));
            orders[i] = ISettlement.Order({
                licenceId: licenceIds[(licenceSeed >> (64 + i)) & 1],
                orderRef: _freshOrderRef(),
                gross: _gross(seed)
            });
        }

        VM.recordLogs();
        VM.prank(_reporterOf[channelId]);
        try settlement.settleSales(token, orders) returns (uint256 total) {
            uint256 expected = _recordSales(channelId, token, orders);
            if (total != expected) _violate("settleSales: returned total is not the sum of the commissions");
        } catch (bytes memory reason) {
            _refused(reason, "settleSales");
        }
    }

    /// @notice A channel refunds a sale (mostly one in escrow), its own or another channel's.
    function refundSale(uint256 saleSeed, uint256 bySeed) external timed {
        bool byOwnChannel = _mix(bySeed) % 8 != 3;
        (uint256 index, bool found) = _pickSale(_mix(saleSeed), true);
        if (!found) return;
        SaleModel storage s = _sales[index];
        address by = _reporterOf[byOwnChannel ? s.channelId : 1 + (s.channelId % 3)];
        bool allowed = byOwnChannel && s.status == ISettlement.SaleStatus.Escrowed && _now < s.releaseAt;
        VM.prank(by);
        try settlement.refundSale(s.id) {
            if (!allowed) _violate("refundSale: went through outside the rules");
            _refundToChannel(index);
        } catch (bytes memory reason) {
            if (allowed) _violate("refundSale: the sale's own channel could not refund it inside its window");
            _refused(reason, "refundSale");
        }
    }

    /// @notice Anyone releases one to three sales, mostly escrowed ones whose window has passed.
    /// Half the time a sale still in its window is waited for: time jumps to its release time first.
    function releaseSales(uint256 saleSeed, uint256 countSeed, uint256 callerSeed) external timed {
        countSeed = _mix(countSeed);
        uint256 count = 1 + (countSeed % 3);
        uint256[] memory picked = new uint256[](count);
        bytes32[] memory ids = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            (uint256 index, bool found) = _pickDue(uint256(keccak256(abi.encode(saleSeed, i))));
            if (!found) return;
            picked[i] = index;
            ids[i] = _sales[index].id;
        }
        if ((countSeed >> 8) % 2 == 1 && _sales[picked[0]].releaseAt > _now) {
            _now = _sales[picked[0]].releaseAt;
            VM.warp(_now);
        }
        bool allDue = true;
        for (uint256 i; i < count; ++i) {
            SaleModel storage s = _sales[picked[i]];
            if (s.status != ISettlement.SaleStatus.Escrowed || _now < s.releaseAt) allDue = false;
            for (uint256 j; j < i; ++j) if (picked[j] == picked[i]) allDue = false;
        }
        address caller = _anyone(_mix(callerSeed));
        VM.prank(caller);
        try settlement.releaseSales(ids) {
            if (!allDue) _violate("releaseSales: released a sale not due or not in escrow");
            for (uint256 i; i < count; ++i) _release(picked[i]);
        } catch (bytes memory reason) {
            if (allDue) _violate("releaseSales: refused sales that are due");
            _refused(reason, "releaseSales");
        }
    }

    /// @notice An account withdraws a token, mostly one it was credited, mostly to itself, sometimes to the
    /// zero address or the vault; paused or not.
    function withdraw(uint256 accountSeed, uint256 tokenSeed, uint256 toSeed) external timed {
        address token = tokens[_mix(tokenSeed) % tokens.length];
        address account = _creditedAccount(_mix(accountSeed), token);
        toSeed = _mix(toSeed);
        uint256 toPick = toSeed % 16;
        address to =
            toPick < 10
                ? account
                : toPick == 14
                    ? address(0)
                    : toPick == 15
                        ? address(settlement)
                        : _anyone(toSeed >> 8);
        uint256 owed = credited[account][token] - withdrawn[account][token];
        bool mustPay = owed > 0 && to != address(0) && to != address(settlement);
        uint256 before = IERC20(token).balanceOf(to);
        VM.prank(account);
        try settlement.withdraw(token, to) returns (uint256 amount) {
            if (amount != owed || owed == 0) _violate("withdraw: paid other than the account's whole credit");
            if (IERC20(token).balanceOf(to) - before != amount) _violate("withdraw: the recipient did not receive the amount");
            withdrawn[account][token] += amount;
        } catch (bytes memory reason) {
            if (mustPay) _violate("withdraw: refused an account its credit");
            _refused(reason, "withdraw");
        }
    }

    /// @notice Time passes: up to 8 days, sometimes past the longest hold (90 days).
    function warp(uint256 secondsSeed) external {
        uint256 seconds_ = _mix(secondsSeed) % 10 == 3 ? 90 days + (secondsSeed % 1 days) : 1 + (secondsSeed % 8 days);
        _now += seconds_;
        VM.warp(_now);
    }

    // ----------------------------------------------------------------------------------------------------
    // Actions: disputes
    // ----------------------------------------------------------------------------------------------------

    /// @notice A side of a sale (its licence's parties, its channel, another channel, an outsider) disputes
    /// it, mostly while it is in escrow, which freezes it.
    function openSaleDispute(uint256 saleSeed, uint256 partySeed, uint8 reason) external timed {
        partySeed = _mix(partySeed);
        (uint256 index, bool found) = _pickSale(_mix(saleSeed), partySeed % 4 != 3);
        if (!found) return;
        SaleModel storage s = _sales[index];
        bool freezes = s.status == ISettlement.SaleStatus.Escrowed && _now < s.releaseAt;
        address by = _saleSide(index, partySeed >> 8);
        bytes32 evidence = _evidence();
        uint8 why = _reason(reason);
        VM.prank(by);
        try disputes.openSaleDispute(s.id, why, evidence) returns (uint256 disputeId) {
            _recordDispute(disputeId, true, index);
            if (freezes) {
                s.status = ISettlement.SaleStatus.Frozen;
            }
        } catch (bytes memory err) {
            _refused(err, "openSaleDispute");
        }
    }

    /// @notice A side of a licence (its parties, an in-scope or out-of-scope channel, an outsider) disputes it.
    function openLicenceDispute(uint256 licenceSeed, uint256 partySeed, uint8 reason) external timed {
        uint256 licenceId = _pickLicence(_mix(licenceSeed), ILicenceRegistry.LicenceStatus.Active);
        address by = _licenceSide(licenceId, _mix(partySeed));
        bytes32 evidence = _evidence();
        uint8 why = _reason(reason);
        VM.prank(by);
        try disputes.openLicenceDispute(licenceId, why, evidence) returns (uint256 disputeId) {
            _recordDispute(disputeId, false, licenceId);
        } catch (bytes memory err) {
            _refused(err, "openLicenceDispute");
        }
    }

    /// @notice A side of a dispute (or not) adds evidence, mostly to an open one.
    function addEvidence(uint256 disputeSeed, uint256 partySeed, uint256 hashSeed) external timed {
        uint256 disputeId = _pickDispute(_mix(disputeSeed), false);
        address by = _disputeSide(disputeId, _mix(partySeed));
        bytes32 evidence = _mix(hashSeed) % 16 == 9 ? bytes32(0) : _evidence();
        VM.prank(by);
        try disputes.addEvidence(disputeId, evidence) {} catch (bytes memory err) {
            _refused(err, "addEvidence");
        }
    }

    /// @notice An arbiter (sometimes a party who is also an arbiter, or an outsider) suspends a disputed licence.
    function suspendLicence(uint256 disputeSeed, uint256 arbiterSeed) external timed {
        uint256 disputeId = _pickDispute(_mix(disputeSeed), true);
        address by = _arbiter(_mix(arbiterSeed));
        VM.prank(by);
        try disputes.suspendLicence(disputeId) {} catch (bytes memory err) {
            _refused(err, "suspendLicence");
        }
    }

    /// @notice An arbiter rules on a dispute: upheld (half the sale disputes, a quarter of the licence ones)
    /// or rejected, with the fitting remedy (mostly). A ruling on a frozen sale refunds it to its channel
    /// (upheld) or unfreezes it, releasing it if it is due.
    function resolveDispute(uint256 disputeSeed, uint256 upheldSeed, uint256 remedySeed, uint256 arbiterSeed) external timed {
        (disputeSeed, remedySeed) = (_mix(disputeSeed), _mix(remedySeed));
        uint256 disputeId = _pickDispute(disputeSeed, false);
        bool known = disputeId <= _disputes.length;
        DisputeModel memory d = known ? _disputes[disputeId - 1] : DisputeModel(false, 0);
        bool upheld = d.onSale ? _mix(upheldSeed) % 2 == 1 : _mix(upheldSeed) % 4 == 3;
        IDisputeRegistry.LicenceRemedy remedy = IDisputeRegistry.LicenceRemedy(remedySeed % 3);
        if (remedySeed % 8 != 3) {
            bool fitting = upheld && known && !d.onSale;
            remedy =
                fitting
                    ? ((remedySeed >> 8) % 4 == 3 ? IDisputeRegistry.LicenceRemedy.Terminate : IDisputeRegistry.LicenceRemedy.Suspend)
                    : IDisputeRegistry.LicenceRemedy.None;
        }
        address by = _arbiter(_mix(arbiterSeed));
        bytes32 ruling = keccak256(abi.encode("ruling", disputeSeed));
        VM.prank(by);
        try disputes.resolve(disputeId, upheld, ruling, remedy) {
            if (!known) _violate("resolve: ruled on a dispute never opened");
            if (d.onSale && _sales[d.target].status == ISettlement.SaleStatus.Frozen) {
                if (upheld) {
                    _refundToChannel(d.target);
                } else {
                    _sales[d.target].status = ISettlement.SaleStatus.Escrowed;
                    if (_now >= _sales[d.target].releaseAt) _release(d.target);
                }
            }
        } catch (bytes memory err) {
            _refused(err, "resolveDispute");
        }
    }

    // ----------------------------------------------------------------------------------------------------
    // Actions: the consortium admin (or someone pretending to be)
    // ----------------------------------------------------------------------------------------------------

    /// @notice Pauses (1 in 8) or unpauses settlements.
    function setPaused(uint256 seed) external timed {
        seed = _mix(seed);
        bool pause = seed % 8 == 3;
        VM.prank((seed >> 8) % 8 == 3 ? outsider : admin);
        if (pause) {
            try settlement.pause() {} catch (bytes memory err) {
                _refused(err, "pause");
            }
        } else {
            try settlement.unpause() {} catch (bytes memory err) {
                _refused(err, "unpause");
            }
        }
    }

    /// @notice Allows or disallows (1 in 8) a settlement token (sales in escrow in it stay payable).
    function setTokenAllowed(uint256 tokenSeed, uint256 seed) external timed {
        address token = tokens[_mix(tokenSeed) % tokens.length];
        seed = _mix(seed);
        bool allow = seed % 8 != 3;
        VM.prank((seed >> 8) % 8 == 3 ? outsider : admin);
        if (allow) {
            try settlement.allowToken(token) {} catch (bytes memory err) {
                _refused(err, "allowToken");
            }
        } else {
            try settlement.disallowToken(token) {} catch (bytes memory err) {
                _refused(err, "disallowToken");
            }
        }
    }

    /// @notice Switches a channel off (1 in 8) or on (its reporter can then not settle; refunds still go to it).
    function setChannelActive(uint256 channelSeed, uint256 seed) external timed {
        uint8 channelId = uint8(1 + (_mix(channelSeed) % 3));
        bool active = _mix(seed) % 8 != 3;
        VM.prank(admin);
        try settlement.setChannelActive(channelId, active) {} catch (bytes memory err) {
            _refused(err, "setChannelActive");
        }
    }

    /// @notice Hands a channel to its spare reporting account, or back; refunds go to the current one.
    function setChannelReporter(uint256 channelSeed) external timed {
        uint8 channelId = uint8(1 + (_mix(channelSeed) % 3));
        address current = _reporterOf[channelId];
        address next = current == _primaryReporters[channelId - 1] ? _spareReporters[channelId - 1] : _primaryReporters[channelId - 1];
        VM.prank(admin);
        try settlement.setChannelReporter(channelId, next) {
            _reporterOf[channelId] = next;
        } catch (bytes memory err) {
            _refused(err, "setChannelReporter");
        }
    }

    /// @notice Moves the commission band (which must never change a registered licence).
    function setCommissionBand(uint256 minSeed, uint256 maxSeed) external timed {
        uint16 minBps = uint16(minSeed % 10_002);
        uint16 maxBps = uint16(maxSeed % 10_002);
        VM.prank(admin);
        try settlement.setCommissionBand(minBps, maxBps) {} catch (bytes memory err) {
            _refused(err, "setCommissionBand");
        }
    }

    // ----------------------------------------------------------------------------------------------------
    // The checks
    // ----------------------------------------------------------------------------------------------------

    /// @notice Reverts, naming what broke, unless the chain's books are the model's: for every token the
    /// vault holds exactly Σ escrowed + Σ claimable; every account's claimable is credited − withdrawn and
    /// withdrawn ≤ credited; every sale in escrow or frozen is as the model has it (a frozen one unchanged
    /// since it was frozen); every licence still has the terms it was registered with; and no action broke
    /// a rule (shares that do not sum to the commission, a refusal that was not a custom error, …).
    function checkBooks() external view {
        if (bytes(violation).length != 0) revert Violation(violation);
        uint256 licenceCount = settlement.licenceCount();
        if (licenceCount != _licences.length) revert LicenceCountMismatch(_licences.length, licenceCount);
        for (uint256 t; t < tokens.length; ++t) _checkToken(tokens[t]);
        for (uint256 id = 1; id <= _licences.length; ++id) {
            ILicenceRegistry.LicenceView memory v = settlement.getLicence(id);
            ILicenceRegistry.LicenceStatus status = v.status; // _digest clears it
            if (_digest(v) != _licences[id - 1].termsDigest) revert LicenceTermsChanged(id, status);
        }
    }

    /// @notice The handler's functions the fuzzer calls; one listed twice is called twice as often. Every
    /// action is in both mixes: `disputes` weights up escrow, refunds, disputes and rulings.
    function selectors(bool disputes_) external pure returns (bytes4[] memory s) {
        bytes4[21] memory all = [
            this.registerLicence.selector,
            this.acceptLicence.selector,
            this.cancelLicence.selector,
            this.settleSale.selector,
            this.settleSales.selector,
            this.refundSale.selector,
            this.releaseSales.selector,
            this.withdraw.selector,
            this.warp.selector,
            this.openSaleDispute.selector,
            this.openLicenceDispute.selector,
            this.addEvidence.selector,
            this.suspendLicence.selector,
            this.resolveDispute.selector,
            this.setPaused.selector,
            this.setTokenAllowed.selector,
            this.setChannelActive.selector,
            this.setChannelReporter.selector,
            this.setCommissionBand.selector,
            // weighted up in both mixes: the money paths
            this.settleSale.selector,
            this.releaseSales.selector
        ];
        bytes4[6] memory more = [
            this.refundSale.selector,
            this.openSaleDispute.selector,
            this.openSaleDispute.selector,
            this.resolveDispute.selector,
            this.resolveDispute.selector,
            this.settleSales.selector
        ];
        s = new bytes4[](disputes_ ? all.length + more.length : all.length);
        for (uint256 i; i < all.length; ++i) s[i] = all[i];
        if (disputes_) for (uint256 i; i < more.length; ++i) s[all.length + i] = more[i];
    }

    /// @notice How many sales, licences and disputes the run has made (for the test's own sanity checks).
    function counts() external view returns (uint256 sales, uint256 open, uint256 licences, uint256 disputeCount) {
        return (_sales.length, _open.length, _licences.length, _disputes.length);
    }

    function _checkToken(address token) private view {
        uint256 claimableSum;
        for (uint256 i; i < _actors.length; ++i) {
            address a = _actors[i];
            uint256 c = credited[a][token];
            uint256 w = withdrawn[a][token];
            if (w > c) revert WithdrawnAboveCredit(a, token, w, c);
            uint256 onChain = settlement.claimable(a, token);
            if (onChain != c - w) revert ClaimableMismatch(a, token, onChain, c, w);
            claimableSum += onChain;
        }
        uint256 escrowSum;
        for (uint256 i; i < _open.length; ++i) {
            SaleModel storage s = _sales[_open[i]];
            if (s.token != token) continue;
            ISettlement.SaleView memory v = settlement.getSale(s.id);
            if (v.status != s.status) revert SaleMismatch(s.id, s.status, v.status);
            if (
                v.licenceId != s.licenceId ||
                v.channelId != s.channelId ||
                v.token != s.token ||
                v.releaseAt != s.releaseAt ||
                v.commission != s.commission
            ) {
                if (s.status == ISettlement.SaleStatus.Frozen) revert FrozenSaleMoved(s.id);
                revert SaleMismatch(s.id, s.status, v.status);
            }
            escrowSum += v.commission;
        }
        if (escrowSum != escrowed[token]) revert EscrowMismatch(token, escrowed[token], escrowSum);
        uint256 balance = IERC20(token).balanceOf(address(settlement));
        if (balance != escrowSum + claimableSum) revert VaultUnbalanced(token, balance, escrowSum, claimableSum);
    }

    // ----------------------------------------------------------------------------------------------------
    // The model
    // ----------------------------------------------------------------------------------------------------

    /// @dev Records the sales of a successful settlement and checks each SaleSettled event against the
    /// rules: commission = ⌊gross × commissionBps / 10,000⌋, the rights holder's and the MCN's shares rounded
    /// down, the platform's the remainder, the three summing to the commission. Returns Σ commission.
    function _recordSales(uint8 channelId, address token, ISettlement.Order[] memory orders) private returns (uint256 total) {
        IVm.Log[] memory logs = VM.getRecordedLogs();
        uint256 n;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(settlement) || logs[i].topics[0] != ISettlement.SaleSettled.selector) continue;
            if (n == orders.length) {
                _violate("settle: more SaleSettled events than orders");
                return total;
            }
            total += _recordSale(channelId, token, orders[n], logs[i]);
            ++n;
        }
        if (n != orders.length) _violate("settle: fewer SaleSettled events than orders");
    }

    function _recordSale(uint8 channelId, address token, ISettlement.Order memory order, IVm.Log memory log) private returns (uint256) {
        LicenceModel storage lic = _licences[order.licenceId - 1];
        uint256 commission = (order.gross * lic.commissionBps) / BPS;
        uint256[3] memory shares;
        shares[0] = (commission * lic.rightsHolderBps) / BPS;
        shares[1] = (commission * lic.mcnBps) / BPS;
        shares[2] = commission - shares[0] - shares[1];
        bytes32 saleId = keccak256(abi.encode(channelId, order.orderRef));

        (, address evToken, uint256 evGross, uint256 evCommission, uint256 rh, uint256 mcn, uint256 platform, uint40 releaseAt) = abi
            .decode(log.data, (bytes32, address, uint256, uint256, uint256, uint256, uint256, uint40));
        ++salesChecked;
        if (rh + mcn + platform != evCommission) _violate("SaleSettled: shares do not sum to the commission");
        if (evCommission != commission || evGross != order.gross || evToken != token) _violate("SaleSettled: not gross x commissionBps");
        if (rh != shares[0] || mcn != shares[1] || platform != shares[2]) _violate("SaleSettled: shares are not the licence's split");
        if (log.topics[1] != saleId || uint256(log.topics[2]) != order.licenceId) _violate("SaleSettled: wrong sale or licence id");
        if (releaseAt != (lic.holdSeconds == 0 ? 0 : _now + lic.holdSeconds)) _violate("SaleSettled: wrong release time");
        if (_saleIndex[saleId] != 0) _violate("settle: an order was settled twice");

        _sales.push(
            SaleModel({
                id: saleId,
                licenceId: order.licenceId,
                channelId: channelId,
                token: token,
                status: lic.holdSeconds == 0 ? ISettlement.SaleStatus.Claimable : ISettlement.SaleStatus.Escrowed,
                releaseAt: releaseAt,
                commission: commission
            })
        );
        uint256 index = _sales.length - 1;
        _saleIndex[saleId] = index + 1;
        if (lic.holdSeconds == 0) {
            _creditShares(lic, token, shares);
        } else {
            escrowed[token] += commission;
            _open.push(index);
            _openPosition[index] = _open.length;
        }
        return commission;
    }

    function _release(uint256 index) private {
        SaleModel storage s = _sales[index];
        LicenceModel storage lic = _licences[s.licenceId - 1];
        uint256[3] memory shares;
        shares[0] = (s.commission * lic.rightsHolderBps) / BPS;
        shares[1] = (s.commission * lic.mcnBps) / BPS;
        shares[2] = s.commission - shares[0] - shares[1];
        s.status = ISettlement.SaleStatus.Claimable;
        _close(index);
        _creditShares(lic, s.token, shares);
    }

    function _refundToChannel(uint256 index) private {
        SaleModel storage s = _sales[index];
        s.status = ISettlement.SaleStatus.Refunded;
        _close(index);
        credited[_reporterOf[s.channelId]][s.token] += s.commission;
    }

    function _creditShares(LicenceModel storage lic, address token, uint256[3] memory shares) private {
        credited[lic.rightsHolder][token] += shares[0];
        credited[lic.mcn][token] += shares[1];
        credited[lic.platform][token] += shares[2];
    }

    /// @dev Takes a sale out of escrow in the model.
    function _close(uint256 index) private {
        uint256 position = _openPosition[index];
        if (position == 0) {
            _violate("a sale left escrow twice");
            return;
        }
        escrowed[_sales[index].token] -= _sales[index].commission;
        uint256 last = _open[_open.length - 1];
        _open[position - 1] = last;
        _openPosition[last] = position;
        _open.pop();
        delete _openPosition[index];
    }

    function _recordLicence(uint256 licenceId, address rightsHolder, ILicenceRegistry.LicenceTerms memory t) private {
        if (licenceId != _licences.length + 1) _violate("registerLicence: licence ids are not consecutive");
        uint64 scope;
        for (uint256 i; i < t.channels.length; ++i) scope |= uint64(1) << t.channels[i];
        _licences.push(
            LicenceModel({
                rightsHolder: rightsHolder,
                mcn: t.mcn,
                platform: t.platform,
                rightsHolderBps: t.rightsHolderBps,
                mcnBps: t.mcnBps,
                commissionBps: t.commissionBps,
                holdSeconds: t.holdSeconds,
                scope: scope,
                contentId: t.contentId,
                termsDigest: _termsDigest(rightsHolder, t, scope)
            })
        );
    }

    function _recordDispute(uint256 disputeId, bool onSale, uint256 target) private {
        if (disputeId != _disputes.length + 1) _violate("open dispute: dispute ids are not consecutive");
        _disputes.push(DisputeModel({onSale: onSale, target: target}));
    }

    /// @dev The registered terms, as getLicence must report them for as long as the licence exists (its
    /// status, consent flags and successor are the fields that may change, and are left out).
    function _termsDigest(address rightsHolder, ILicenceRegistry.LicenceTerms memory t, uint64 scope) private view returns (bytes32) {
        ILicenceRegistry.LicenceView memory v;
        v.contentId = t.contentId;
        v.rightsHolder = rightsHolder;
        v.mcn = t.mcn;
        v.platform = t.platform;
        v.rightsHolderBps = t.rightsHolderBps;
        v.mcnBps = t.mcnBps;
        v.platformBps = t.platformBps;
        v.commissionBps = t.commissionBps;
        v.channels = _channelsOf(scope);
        v.validFrom = t.validFrom;
        v.validUntil = t.validUntil;
        v.holdSeconds = t.holdSeconds;
        v.registeredAt = uint40(_now);
        v.supersedes = t.supersedes;
        v.termsHash = t.termsHash;
        return keccak256(abi.encode(v));
    }

    /// @dev The digest of a licence as read from the chain, its changeable fields cleared.
    function _digest(ILicenceRegistry.LicenceView memory v) private pure returns (bytes32) {
        v.licenceId = 0;
        v.status = ILicenceRegistry.LicenceStatus.None;
        v.mcnAccepted = false;
        v.platformAccepted = false;
        v.supersededBy = 0;
        return keccak256(abi.encode(v));
    }

    function _channelsOf(uint64 scope) private pure returns (uint8[] memory ids) {
        uint256 n;
        for (uint8 id = 1; id <= 63; ++id) if ((scope >> id) & 1 == 1) ++n;
        ids = new uint8[](n);
        n = 0;
        for (uint8 id = 1; id <= 63; ++id) if ((scope >> id) & 1 == 1) ids[n++] = id;
    }

    // ----------------------------------------------------------------------------------------------------
    // Turning fuzzed numbers into calls
    // ----------------------------------------------------------------------------------------------------

    modifier timed() {
        VM.warp(_now);
        _;
    }

    function _terms(uint256 partiesSeed, uint256 termsSeed, uint256 windowSeed) private view returns (Terms memory r) {
        uint256 holder = partiesSeed % 2;
        r.rightsHolder = (partiesSeed >> 4) % 32 == 9 ? outsider : _rightsHolders[holder];
        r.t.mcn = _mcns[(partiesSeed >> 8) % 2];
        r.t.platform = (partiesSeed >> 16) % 32 == 9 ? outsider : _platforms[(partiesSeed >> 20) % 2];
        // Mostly content of its own (three titles each); 1 in 16 times the other rights holder's: refused.
        uint256 owner = (partiesSeed >> 24) % 16 == 3 ? 1 - holder : holder;
        r.t.contentId = keccak256(abi.encode("content", owner, (partiesSeed >> 28) % 3));

        (r.t.rightsHolderBps, r.t.mcnBps, r.t.platformBps) = _split(termsSeed);
        r.t.commissionBps = _commissionBps(termsSeed >> 64);
        r.t.channels = _scope(termsSeed >> 96);
        r.t.holdSeconds = _hold(termsSeed >> 128);
        (r.t.validFrom, r.t.validUntil) = _window(windowSeed);
        r.t.termsHash = keccak256(abi.encode("terms", termsSeed));
        r.t.termsURI = "ipfs://reelsplit-forge";

        // Sometimes a new version of an existing licence, between the same parties, for the same content.
        if ((partiesSeed >> 32) % 6 == 3 && _licences.length > 0) {
            uint256 oldId = 1 + ((partiesSeed >> 40) % _licences.length);
            LicenceModel storage old = _licences[oldId - 1];
            r.rightsHolder = old.rightsHolder;
            r.t.mcn = old.mcn;
            r.t.platform = old.platform;
            r.t.contentId = old.contentId;
            r.t.supersedes = oldId;
        }
    }

    /// @dev No hold (3 in 8), 1 hour to 7 days, exactly the 90-day maximum, or up to one second past it.
    function _hold(uint256 seed) private pure returns (uint32) {
        uint256 kind = seed % 8;
        if (kind < 3) return 0;
        if (kind == 6) return 90 days;
        if (kind == 7) return uint32(1 + ((seed >> 8) % (90 days + 1)));
        return uint32(1 hours + ((seed >> 8) % 7 days));
    }

    /// @dev Starting now, a day ago or within a day; ending in 30 to 430 days, in one day, or (1 in 16) now.
    function _window(uint256 seed) private view returns (uint40 validFrom, uint40 validUntil) {
        uint256 start = seed % 4;
        if (start == 0) validFrom = uint40(_now);
        else if (start == 1) validFrom = uint40(_now - 1 days);
        else if (start == 2) validFrom = uint40(_now + 1 hours);
        else validFrom = uint40(_now + ((seed >> 8) % 1 days));
        uint256 length = (seed >> 64) % 16;
        if (length == 0) validUntil = uint40(_now);
        else if (length == 1) validUntil = uint40(_now + 1 days);
        else validUntil = uint40(_now + 30 days + ((seed >> 72) % 400 days));
    }

    /// @dev Splits summing to 10,000 (the edges, and uniform cuts), and now and then one that does not.
    function _split(uint256 seed) private pure returns (uint16, uint16, uint16) {
        uint256 kind = seed % 16;
        if (kind == 0) return (0, 0, 10_000);
        if (kind == 1) return (10_000, 0, 0);
        if (kind == 2) return (0, 10_000, 0);
        if (kind == 3) return (1, 1, 9_998);
        if (kind == 4) return (9_999, 1, 0);
        if (kind == 5) return (3_333, 3_333, 3_334);
        if (kind == 6) return (1_500, 3_500, 5_001); // not whole: refused
        uint256 a = (seed >> 8) % 10_001;
        uint256 b = (seed >> 24) % 10_001;
        (uint256 lo, uint256 hi) = a < b ? (a, b) : (b, a);
        return (uint16(lo), uint16(hi - lo), uint16(10_000 - hi));
    }

    /// @dev The band's edges, a value inside it, or (1 in 8) one just outside.
    function _commissionBps(uint256 seed) private view returns (uint16) {
        (uint16 lo, uint16 hi) = settlement.commissionBand();
        uint256 kind = seed % 16;
        if (kind == 0) return lo;
        if (kind == 1) return hi;
        if (kind == 2) return lo > 0 ? lo - 1 : hi + 1; // out of the band: refused
        return uint16(lo + ((seed >> 8) % (uint256(hi) - lo + 1)));
    }

    /// @dev One to three of the channels 1..3 in any order; now and then an unknown or repeated one.
    function _scope(uint256 seed) private pure returns (uint8[] memory channels) {
        uint256 kind = seed % 64;
        if (kind == 9) return new uint8[](0);
        if (kind == 10) {
            channels = new uint8[](2);
            (channels[0], channels[1]) = (2, 2);
            return channels;
        }
        if (kind == 11) {
            channels = new uint8[](1);
            channels[0] = 4;
            return channels;
        }
        uint256 bits = 1 + ((seed >> 8) % 7); // a non-empty subset of {1, 2, 3}
        uint256 n = (bits & 1) + ((bits >> 1) & 1) + ((bits >> 2) & 1);
        channels = new uint8[](n);
        uint256 k;
        for (uint8 c = 1; c <= 3; ++c) if ((bits >> (c - 1)) & 1 == 1) channels[k++] = c;
        if ((seed >> 16) & 1 == 1 && n > 1) (channels[0], channels[n - 1]) = (channels[n - 1], channels[0]);
    }

    /// @dev A gross amount: 0, tiny (rounding), realistic for 2 and 18 decimals, anywhere up to the 128-bit
    /// bound, right at it, or just past it.
    function _gross(uint256 seed) private pure returns (uint256) {
        uint256 band = _mix(seed) % 16;
        uint256 r = seed;
        if (band == 0) return r % 4 == 0 ? 0 : MAX_GROSS + 1 + (r % 1_000); // refused
        if (band <= 3) return 1 + (r % 100);
        if (band <= 6) return 1 + (r % 1e9);
        if (band <= 9) return 1 + (r % 1e24);
        if (band <= 11) return MAX_GROSS - (r % 1e6);
        return 1 + (r % MAX_GROSS);
    }

    /// @dev A licence id: mostly one whose chain status is `preferred`, else any, else one that does not exist.
    function _pickLicence(uint256 seed, ILicenceRegistry.LicenceStatus preferred) private view returns (uint256) {
        uint256 n = _licences.length;
        if (n == 0) return 1;
        if (seed % 16 == 9) return 1 + ((seed >> 8) % (n + 1)); // any, or the next id (unknown)
        for (uint256 k; k < n; ++k) {
            uint256 id = 1 + (((seed >> 8) + k) % n);
            if (settlement.licenceStatus(id) == preferred) return id;
        }
        return 1 + ((seed >> 8) % n);
    }

    /// @dev A licence the channel may sell under now (mostly), else any.
    function _pickSellable(uint256 seed, uint8 channelId) private view returns (uint256) {
        uint256 n = _licences.length;
        if (n == 0) return 1;
        if (seed % 16 == 9) return 1 + ((seed >> 8) % (n + 1));
        for (uint256 k; k < n; ++k) {
            uint256 id = 1 + (((seed >> 8) + k) % n);
            if (settlement.licenceStatus(id) == ILicenceRegistry.LicenceStatus.Active && (_licences[id - 1].scope >> channelId) & 1 == 1) {
                return id;
            }
        }
        return 1 + ((seed >> 8) % n);
    }

    /// @dev A sale: mostly one in escrow (when `preferEscrowed`), else any.
    function _pickSale(uint256 seed, bool preferEscrowed) private view returns (uint256, bool) {
        if (_sales.length == 0) return (0, false);
        if (preferEscrowed && _open.length > 0 && seed % 8 != 3) return (_open[(seed >> 8) % _open.length], true);
        return ((seed >> 8) % _sales.length, true);
    }

    /// @dev A sale to release: mostly an escrowed one whose window has passed, else one in escrow, else any.
    function _pickDue(uint256 seed) private view returns (uint256, bool) {
        if (_sales.length == 0) return (0, false);
        uint256 n = _open.length;
        if (seed % 8 != 3) {
            for (uint256 k; k < n; ++k) {
                uint256 index = _open[((seed >> 8) + k) % n];
                SaleModel storage s = _sales[index];
                if (s.status == ISettlement.SaleStatus.Escrowed && s.releaseAt <= _now) return (index, true);
            }
        }
        return _pickSale(seed >> 16, true);
    }

    /// @dev A dispute id: mostly an open one (on a licence, when `licenceOnly`), else any, else unknown.
    function _pickDispute(uint256 seed, bool licenceOnly) private view returns (uint256) {
        uint256 n = _disputes.length;
        if (n == 0 || seed % 16 == 9) return 1 + ((seed >> 8) % (n + 1));
        for (uint256 k; k < n; ++k) {
            uint256 id = 1 + (((seed >> 8) + k) % n);
            if (licenceOnly && _disputes[id - 1].onSale) continue;
            if (disputes.getDispute(id).status == IDisputeRegistry.DisputeStatus.Open) return id;
        }
        return 1 + ((seed >> 8) % n);
    }

    /// @dev 0 rights holder, 1 MCN, 2 platform, 3 a channel in scope, 4 one out of scope, 5 an outsider.
    function _licenceSide(uint256 licenceId, uint256 seed) private view returns (address) {
        if (licenceId == 0 || licenceId > _licences.length) return outsider;
        LicenceModel storage lic = _licences[licenceId - 1];
        uint256 side = _side(seed);
        if (side == 0) return lic.rightsHolder;
        if (side == 1) return lic.mcn;
        if (side == 2) return lic.platform;
        if (side == 5) return outsider;
        for (uint8 c = 1; c <= 3; ++c) {
            bool inScope = (lic.scope >> c) & 1 == 1;
            if (inScope == (side == 3)) return _reporterOf[c];
        }
        return outsider;
    }

    /// @dev 0..2 the parties of the sale's licence, 3 its channel, 4 another channel, 5 an outsider.
    function _saleSide(uint256 index, uint256 seed) private view returns (address) {
        SaleModel storage s = _sales[index];
        uint256 side = _side(seed);
        if (side < 3) return _licenceSide(s.licenceId, side);
        if (side == 3) return _reporterOf[s.channelId];
        if (side == 4) return _reporterOf[1 + (s.channelId % 3)];
        return outsider;
    }

    /// @dev A side 0..3 (one that may take part) 7 times in 8, else 4 or 5 (one that may not).
    function _side(uint256 seed) private pure returns (uint256) {
        return seed % 16 < 14 ? seed % 4 : 4 + ((seed >> 8) % 2);
    }

    function _disputeSide(uint256 disputeId, uint256 seed) private view returns (address) {
        if (disputeId == 0 || disputeId > _disputes.length) return outsider;
        DisputeModel storage d = _disputes[disputeId - 1];
        return d.onSale ? _saleSide(d.target, seed) : _licenceSide(d.target, seed);
    }

    /// @dev Mostly the arbiter; sometimes the MCN who is also an arbiter (a party to its licences' disputes)
    /// or an outsider.
    function _arbiter(uint256 seed) private view returns (address) {
        uint256 kind = seed % 8;
        return
            kind < 6
                ? arbiter
                : kind == 6
                    ? _mcns[1]
                    : outsider;
    }

    function _anyone(uint256 seed) private view returns (address) {
        return _actors[seed % _actors.length];
    }

    /// @dev Mostly an account with something of `token` to withdraw, else anyone.
    function _creditedAccount(uint256 seed, address token) private view returns (address) {
        uint256 n = _actors.length;
        if (seed % 8 != 3) {
            for (uint256 k; k < n; ++k) {
                address a = _actors[((seed >> 8) + k) % n];
                if (credited[a][token] > withdrawn[a][token]) return a;
            }
        }
        return _actors[(seed >> 8) % n];
    }

    /// @dev A dispute reason 0..5, or (1 in 16) 6, which is none.
    function _reason(uint8 seed) private pure returns (uint8) {
        uint256 r = _mix(seed);
        return r % 16 == 9 ? 6 : uint8(r % 6);
    }

    function _mix(uint256 seed) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed)));
    }

    function _freshOrderRef() private returns (bytes32 ref) {
        ref = bytes32(++_orderCounter);
        _orderRefs.push(ref);
    }

    function _evidence() private returns (bytes32) {
        return keccak256(abi.encode("evidence", ++_evidenceCounter));
    }

    /// @dev Passes a custom-error refusal on as a revert; anything else is a violation, recorded (not
    /// reverted, which would erase it).
    function _refused(bytes memory reason, string memory action) private {
        if (reason.length < 4) {
            _violate(string.concat(action, ": reverted without data"));
            return;
        }
        bytes4 selector = bytes4(reason);
        if (selector == PANIC) {
            _violate(string.concat(action, ": panicked"));
            return;
        }
        if (selector == ERROR_STRING) {
            _violate(string.concat(action, ": reverted with Error(string), not a custom error"));
            return;
        }
        if (bytes(violation).length != 0) return; // keep the violation this call recorded
        revert Refused(selector);
    }

    function _violate(string memory what) private {
        if (bytes(violation).length == 0) violation = what;
    }

    // ----------------------------------------------------------------------------------------------------
    // Set-up
    // ----------------------------------------------------------------------------------------------------

    function _actor(string memory name) private returns (address a) {
        a = address(uint160(uint256(keccak256(abi.encode("reelsplit-actor", name)))));
        VM.label(a, name);
        _actors.push(a);
    }

    function _grant(bytes32 role, address account) private {
        VM.prank(admin);
        settlement.grantRole(role, account);
    }

    function _fund(address reporter) private {
        DemoStablecoin(tokens[0]).mint(reporter, FLOAT);
        DecimalsToken(tokens[1]).mint(reporter, FLOAT);
        for (uint256 t; t < tokens.length; ++t) {
            VM.prank(reporter);
            IERC20(tokens[t]).approve(address(settlement), type(uint256).max);
        }
    }

    function _registerAndActivate(
        uint256 who,
        uint256 title,
        uint16[3] memory split,
        uint16 commissionBps,
        uint32 holdSeconds,
        uint64 scope
    ) private {
        ILicenceRegistry.LicenceTerms memory t;
        t.contentId = keccak256(abi.encode("content", who, 100 + title));
        t.mcn = _mcns[who];
        t.platform = _platforms[who];
        (t.rightsHolderBps, t.mcnBps, t.platformBps) = (split[0], split[1], split[2]);
        t.commissionBps = commissionBps;
        t.channels = _channelsOf(scope << 1);
        t.validFrom = uint40(_now);
        t.validUntil = uint40(_now + 3_650 days);
        t.holdSeconds = holdSeconds;
        t.termsHash = keccak256("terms:forge");
        t.termsURI = "ipfs://reelsplit-forge";
        VM.prank(_rightsHolders[who]);
        uint256 id = settlement.registerLicence(t);
        _recordLicence(id, _rightsHolders[who], t);
        VM.prank(t.mcn);
        settlement.acceptLicence(id);
        VM.prank(t.platform);
        settlement.acceptLicence(id);
    }
}

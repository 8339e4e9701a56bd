import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithLicences, exampleTerms, expectVaultBalanced, ids, saleIdOf } from "./fixtures";

/** ISettlement.SaleStatus as the contract returns it. */
const Status = { None: 0n, Escrowed: 1n, Frozen: 2n, Claimable: 3n, Refunded: 4n } as const;

/** The example licence with a fee-on-transfer token allowed, minted to taobao and approved. */
async function deployFeeOnTransfer() {
  const c = await deployWithLicences();
  const fot = await ethers.deployContract("FeeOnTransferToken");
  await c.settlement.connect(c.accounts.admin).allowToken(fot);
  await fot.mint(c.accounts.taobao.address, 10n ** 12n);
  await fot.connect(c.accounts.taobao).approve(c.settlement, ethers.MaxUint256);
  return { ...c, fot };
}

/**
 * A reentrant token that is also a consortium member: it is the MCN of licence `reentrantLicenceId`
 * (15/35/50 at 20 %, taobao, jd and its own channel "evil"), the reporter of channel 4 ("evil"), holds
 * REE and has approved the vault. One 199.00 REE sale has been settled on taobao, so the token contract
 * has 13.93 REE claimable.
 */
async function deployReentrant() {
  const c = await deployWithLicences();
  const { admin, taobao, outsider, platform, rightsHolder } = c.accounts;
  const { settlement } = c;
  const ree = await ethers.deployContract("ReentrantToken");
  const reeAddress = await ree.getAddress();
  const vault = await settlement.getAddress();

  await settlement.connect(admin).allowToken(ree);
  await settlement.connect(admin).grantRole(await settlement.MCN_ROLE(), reeAddress);
  await settlement.connect(admin).addChannel("evil", reeAddress);
  const evilChannel = Number(await settlement.channelOfReporter(reeAddress));

  await ree.mint(taobao.address, 10n ** 12n);
  await ree.mint(reeAddress, 10n ** 12n);
  await ree.connect(taobao).approve(settlement, ethers.MaxUint256);

  /** Makes the token contract itself call `target` with `data`, from inside a plain EOA transfer. */
  const actAsToken = async (target: string, data: string) => {
    await ree.arm(target, data);
    await ree.connect(taobao).transfer(outsider.address, 1n);
    expect(await ree.reentered()).to.equal(true);
  };

  // the token contract approves the vault for its own REE, so it can report sales as "evil"
  await actAsToken(reeAddress, ree.interface.encodeFunctionData("approve", [vault, ethers.MaxUint256]));

  const terms = await exampleTerms(c, {
    contentId: ids.content("the-reentrant-heir"),
    mcn: reeAddress,
    channels: [c.channel.taobao, c.channel.jd, evilChannel],
  });
  const reentrantLicenceId = (await settlement.licenceCount()) + 1n;
  await settlement.connect(rightsHolder).registerLicence(terms);
  await actAsToken(vault, settlement.interface.encodeFunctionData("acceptLicence", [reentrantLicenceId]));
  await settlement.connect(platform).acceptLicence(reentrantLicenceId);

  await settlement.connect(taobao).settleSale(reentrantLicenceId, ids.order("ree-0"), ree, 19_900n);
  return { ...c, ree, reeAddress, vault, evilChannel, reentrantLicenceId };
}

/** A blocklisting token allowed, minted to taobao and approved, with two 199.00 BLK sales settled. */
async function deployBlocklist() {
  const c = await deployWithLicences();
  const blk = await ethers.deployContract("BlocklistToken");
  await c.settlement.connect(c.accounts.admin).allowToken(blk);
  await blk.mint(c.accounts.taobao.address, 10n ** 12n);
  await blk.connect(c.accounts.taobao).approve(c.settlement, ethers.MaxUint256);
  await c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("blk-1"), blk, 19_900n);
  await c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("blk-2"), blk, 19_900n);
  return { ...c, blk, blkAddress: await blk.getAddress() };
}

describe("Adversarial", function () {
  describe("fee-on-transfer token", function () {
    it("refuses settleSale with SettlementTransferMismatch and records nothing", async function () {
      const c = await loadFixture(deployFeeOnTransfer);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const fot = await c.fot.getAddress();
      const ref = ids.order("fot-1");
      const before = [await c.fot.balanceOf(taobao.address), await c.fot.balanceOf(c.settlement)];
      // 1 % of the 39.80 commission stays with the token: 39.41 arrives
      await expect(c.settlement.connect(taobao).settleSale(c.instantLicenceId, ref, fot, 19_900n))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTransferMismatch")
        .withArgs(fot, 3_980n, 3_941n);
      await expect(c.settlement.getSale(saleIdOf(1, ref)))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
        .withArgs(saleIdOf(1, ref));
      for (const who of [rightsHolder, mcn, platform]) expect(await c.settlement.claimable(who.address, fot)).to.equal(0n);
      expect([await c.fot.balanceOf(taobao.address), await c.fot.balanceOf(c.settlement)]).to.deep.equal(before);
      await expectVaultBalanced(c, fot);
    });

    it("refuses settleSales with SettlementTransferMismatch and records nothing", async function () {
      const c = await loadFixture(deployFeeOnTransfer);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const fot = await c.fot.getAddress();
      const orders = [
        { licenceId: c.instantLicenceId, orderRef: ids.order("fot-1"), gross: 19_900n },
        { licenceId: c.escrowLicenceId, orderRef: ids.order("fot-2"), gross: 9_950n },
      ];
      // 39.80 + 19.90 = 59.70 due, 1 % (0.59) kept by the token
      await expect(c.settlement.connect(taobao).settleSales(fot, orders))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTransferMismatch")
        .withArgs(fot, 5_970n, 5_911n);
      for (const o of orders) {
        await expect(c.settlement.getSale(saleIdOf(1, o.orderRef)))
          .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
          .withArgs(saleIdOf(1, o.orderRef));
      }
      for (const who of [rightsHolder, mcn, platform]) expect(await c.settlement.claimable(who.address, fot)).to.equal(0n);
      expect(await c.fot.balanceOf(c.settlement)).to.equal(0n);
      await expectVaultBalanced(c, fot);
    });
  });

  describe("reentrant token", function () {
    it("the token contract, as a licence party, is credited its MCN share", async function () {
      const c = await loadFixture(deployReentrant);
      expect(await c.settlement.licenceStatus(c.reentrantLicenceId)).to.equal(2n); // Active
      expect(await c.settlement.claimable(c.reeAddress, c.ree)).to.equal(1_393n);
      expect(await c.settlement.channelOfReporter(c.reeAddress)).to.equal(BigInt(c.evilChannel));
      await expectVaultBalanced(c, c.reeAddress);
    });

    it("(a) refuses a withdrawal reentered from inside a withdrawal's transfer", async function () {
      const c = await loadFixture(deployReentrant);
      const { rightsHolder, outsider } = c.accounts;
      await c.ree.arm(c.vault, c.settlement.interface.encodeFunctionData("withdraw", [c.reeAddress, outsider.address]));
      await expect(c.settlement.connect(rightsHolder).withdraw(c.ree, rightsHolder.address))
        .to.be.revertedWithCustomError(c.settlement, "ReentrancyGuardReentrantCall")
        .withArgs();
      expect(await c.settlement.claimable(rightsHolder.address, c.ree)).to.equal(597n);
      expect(await c.settlement.claimable(c.reeAddress, c.ree)).to.equal(1_393n);
      await expectVaultBalanced(c, c.reeAddress);
    });

    it("(b) refuses a settlement during which the token withdraws its own claimable balance", async function () {
      const c = await loadFixture(deployReentrant);
      const { taobao, outsider, rightsHolder, platform } = c.accounts;
      const ref = ids.order("ree-b");
      await c.ree.arm(c.vault, c.settlement.interface.encodeFunctionData("withdraw", [c.reeAddress, outsider.address]));
      const balances = async () => Promise.all([taobao.address, outsider.address, c.vault, c.reeAddress].map((a) => c.ree.balanceOf(a)));
      const before = await balances();
      // the new sale credits the token's MCN share before the pull, so the token withdraws 2 × 13.93
      // while 39.80 comes in: 11.94 seems to arrive
      await expect(c.settlement.connect(taobao).settleSale(c.reentrantLicenceId, ref, c.ree, 19_900n))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTransferMismatch")
        .withArgs(c.reeAddress, 3_980n, 3_980n - 2n * 1_393n);
      expect(await balances()).to.deep.equal(before);
      expect(await c.settlement.claimable(c.reeAddress, c.ree)).to.equal(1_393n);
      expect(await c.settlement.claimable(rightsHolder.address, c.ree)).to.equal(597n);
      expect(await c.settlement.claimable(platform.address, c.ree)).to.equal(1_990n);
      await expect(c.settlement.getSale(saleIdOf(1, ref)))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
        .withArgs(saleIdOf(1, ref));
      await expectVaultBalanced(c, c.reeAddress);
    });

    it("(c) refuses a settlement reentered by another channel's settlement", async function () {
      const c = await loadFixture(deployReentrant);
      const { taobao, platform } = c.accounts;
      const outerRef = ids.order("ree-outer");
      const innerRef = ids.order("ree-inner");
      await c.ree.arm(
        c.vault,
        c.settlement.interface.encodeFunctionData("settleSale", [c.reentrantLicenceId, innerRef, c.reeAddress, 9_950n]),
      );
      const vaultBefore = await c.ree.balanceOf(c.vault);
      // the inner sale pays 19.90 on top of the outer 39.80: 59.70 arrives where 39.80 was due
      await expect(c.settlement.connect(taobao).settleSale(c.reentrantLicenceId, outerRef, c.ree, 19_900n))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTransferMismatch")
        .withArgs(c.reeAddress, 3_980n, 3_980n + 1_990n);
      expect(await c.ree.balanceOf(c.vault)).to.equal(vaultBefore);
      for (const saleId of [saleIdOf(1, outerRef), saleIdOf(c.evilChannel, innerRef)]) {
        await expect(c.settlement.getSale(saleId)).to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale").withArgs(saleId);
      }
      expect(await c.settlement.claimable(platform.address, c.ree)).to.equal(1_990n);
      await expectVaultBalanced(c, c.reeAddress);
    });

    it("books exactly a settlement made from inside a withdrawal's transfer", async function () {
      const c = await loadFixture(deployReentrant);
      const { rightsHolder, platform } = c.accounts;
      const innerRef = ids.order("ree-during-withdraw");
      await c.ree.arm(
        c.vault,
        c.settlement.interface.encodeFunctionData("settleSale", [c.reentrantLicenceId, innerRef, c.reeAddress, 19_900n]),
      );
      const tx = c.settlement.connect(rightsHolder).withdraw(c.ree, rightsHolder.address);
      await expect(tx).to.changeTokenBalances(c.ree, [c.vault, rightsHolder.address, c.reeAddress], [3_980n - 597n, 597n, -3_980n]);
      expect(await c.ree.reentered()).to.equal(true);
      expect((await c.settlement.getSale(saleIdOf(c.evilChannel, innerRef))).status).to.equal(Status.Claimable);
      expect(await c.settlement.claimable(rightsHolder.address, c.ree)).to.equal(597n);
      expect(await c.settlement.claimable(platform.address, c.ree)).to.equal(2n * 1_990n);
      expect(await c.settlement.claimable(c.reeAddress, c.ree)).to.equal(2n * 1_393n);
      await expectVaultBalanced(c, c.reeAddress);
    });
  });

  describe("a recipient that refuses payment", function () {
    it("blocks only its own withdrawal to itself", async function () {
      const c = await loadFixture(deployBlocklist);
      const { rightsHolder, mcn, platform } = c.accounts;
      await c.blk.setBlocked(mcn.address, true);
      await expect(c.settlement.connect(mcn).withdraw(c.blk, mcn.address))
        .to.be.revertedWithCustomError(c.blk, "BlocklistTokenBlocked")
        .withArgs(mcn.address);
      expect(await c.settlement.claimable(mcn.address, c.blk)).to.equal(2n * 1_393n);

      await expect(c.settlement.connect(rightsHolder).withdraw(c.blk, rightsHolder.address)).to.changeTokenBalances(
        c.blk,
        [c.settlement, rightsHolder],
        [-2n * 597n, 2n * 597n],
      );
      await expect(c.settlement.connect(platform).withdraw(c.blk, platform.address)).to.changeTokenBalances(
        c.blk,
        [c.settlement, platform],
        [-2n * 1_990n, 2n * 1_990n],
      );
      await expectVaultBalanced(c, c.blkAddress);
    });

    it("keeps settling new sales and crediting the blocked MCN", async function () {
      const c = await loadFixture(deployBlocklist);
      const { taobao, mcn } = c.accounts;
      await c.blk.setBlocked(mcn.address, true);
      await expect(c.settlement.connect(taobao).settleSale(c.instantLicenceId, ids.order("blk-3"), c.blk, 19_900n)).to.changeTokenBalances(
        c.blk,
        [taobao, c.settlement],
        [-3_980n, 3_980n],
      );
      expect(await c.settlement.claimable(mcn.address, c.blk)).to.equal(3n * 1_393n);
      await expectVaultBalanced(c, c.blkAddress);
    });

    it("lets the blocked MCN withdraw to another address of its choosing", async function () {
      const c = await loadFixture(deployBlocklist);
      const { mcn, outsider } = c.accounts;
      await c.blk.setBlocked(mcn.address, true);
      const tx = c.settlement.connect(mcn).withdraw(c.blk, outsider.address);
      await expect(tx)
        .to.emit(c.settlement, "Withdrawn")
        .withArgs(mcn.address, c.blkAddress, outsider.address, 2n * 1_393n);
      await expect(tx).to.changeTokenBalances(c.blk, [c.settlement, mcn, outsider], [-2n * 1_393n, 0n, 2n * 1_393n]);
      expect(await c.settlement.claimable(mcn.address, c.blk)).to.equal(0n);
      await expectVaultBalanced(c, c.blkAddress);
    });
  });
});

package io.barge.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A domain maps another's frame only through an offer its owner made, used once, by the domain it names, within
 * the rights offered.
 */
class KernelShareTest
{
    private static final long VA = 0x40_000;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain owner;
    private Domain grantee;
    private Domain stranger;
    private int frame;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory);
        owner = kernel.createDomain("owner");
        grantee = kernel.createDomain("grantee");
        stranger = kernel.createDomain("stranger");
        frame = kernel.allocateFrame(owner, true);
        kernel.map(owner, VA, frame, Rights.READ_WRITE);
        owner.addressSpace().putLong(VA, 42L);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void theNamedGranteeMapsTheOfferOnce()
    {
        final long offer = kernel.offerShare(owner, frame, grantee, Rights.READ);
        assertNotEquals(0, offer);
        assertEquals(1, kernel.pendingShares());
        assertEquals(1, owner.counter(CounterType.SHARES_OFFERED));
        assertEquals(frame, kernel.acceptShare(grantee, offer, VA, Rights.READ));
        assertEquals(42L, grantee.addressSpace().getLong(VA));
        assertEquals(0, kernel.pendingShares());
        assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(grantee, offer, VA + 4096, Rights.READ),
            "an offer is good for one mapping");
        assertThrows(ProtectionFault.class, () -> grantee.addressSpace().putLong(VA, 1L), "read-only");
    }

    @Test
    void anotherDomainCannotUseTheOffer()
    {
        final long offer = kernel.offerShare(owner, frame, grantee, Rights.READ_WRITE);
        final InvalidCapabilityException ex = assertThrows(InvalidCapabilityException.class,
            () -> kernel.acceptShare(stranger, offer, VA, Rights.READ));
        assertTrue(ex.getMessage().contains("offered to domain " + grantee.id()), ex.getMessage());
        assertEquals(-1, stranger.addressSpace().rightsAt(VA));
        kernel.acceptShare(grantee, offer, VA, Rights.READ_WRITE);
        grantee.addressSpace().putLong(VA, 7L);
        assertEquals(7L, owner.addressSpace().getLong(VA));
    }

    @Test
    void moreRightsThanOfferedAreRefusedAndTheOfferStays()
    {
        final long offer = kernel.offerShare(owner, frame, grantee, Rights.READ);
        assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(grantee, offer, VA, Rights.READ_WRITE));
        assertEquals(-1, grantee.addressSpace().rightsAt(VA));
        assertEquals(1, kernel.pendingShares());
        kernel.acceptShare(grantee, offer, VA, Rights.READ);
    }

    @Test
    void onlyTheOwnerOffersAndWithdraws()
    {
        assertThrows(FrameOwnershipException.class, () -> kernel.offerShare(stranger, frame, stranger, Rights.READ));
        final long offer = kernel.offerShare(owner, frame, grantee, Rights.READ);
        assertThrows(InvalidCapabilityException.class, () -> kernel.withdrawShare(grantee, offer));
        assertTrue(kernel.withdrawShare(owner, offer));
        assertFalse(kernel.withdrawShare(owner, offer));
        assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(grantee, offer, VA, Rights.READ));
        assertEquals(0, kernel.pendingShares());
    }

    @Test
    void anOfferDiesWithItsFrameItsOwnersHoldOrEitherDomain()
    {
        final long freed = kernel.offerShare(owner, frame, grantee, Rights.READ);
        kernel.unmap(owner, VA);
        kernel.freeFrame(owner, frame);
        assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(grantee, freed, VA, Rights.READ));

        final int moved = kernel.allocateFrame(owner, true);
        final long transferred = kernel.offerShare(owner, moved, grantee, Rights.READ);
        kernel.transferFrame(owner, moved, stranger);
        assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(grantee, transferred, VA, Rights.READ));

        final int kept = kernel.allocateFrame(owner, true);
        final long toDead = kernel.offerShare(owner, kept, grantee, Rights.READ);
        kernel.destroyDomain(grantee);
        assertEquals(0, kernel.pendingShares());
        final Domain reborn = kernel.createDomain("reborn");
        assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(reborn, toDead, VA, Rights.READ));
    }

    @Test
    void forgedCapabilitiesNameNoOffer()
    {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        final long real = kernel.offerShare(owner, frame, grantee, Rights.READ);
        for (int i = 0; i < 10_000; i++)
        {
            final long forged = random.nextLong();
            if (forged == real)
            {
                continue;
            }
            assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(grantee, forged, VA, Rights.READ),
                "seed=" + seed + " forged=0x" + Long.toHexString(forged));
        }
        // A stale value from a reused slot: withdraw, offer again (same slot, new generation).
        assertTrue(kernel.withdrawShare(owner, real));
        final long again = kernel.offerShare(owner, frame, grantee, Rights.READ);
        assertNotEquals(real, again);
        assertThrows(InvalidCapabilityException.class, () -> kernel.acceptShare(grantee, real, VA, Rights.READ));
        kernel.acceptShare(grantee, again, VA, Rights.READ);
    }
}

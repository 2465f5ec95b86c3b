package io.barge.testkit;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class HostilePeerTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain owner;
    private Domain attacker;
    private int shared;
    private int readOnly;
    private int privateFrame;
    private long ownerVa;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory, 1 << 12, 8);
        owner = kernel.createDomain("owner");
        attacker = kernel.createDomain("attacker");
        shared = kernel.allocateFrame(owner, true);
        readOnly = kernel.allocateFrame(owner, true);
        privateFrame = kernel.allocateFrame(owner, true);
        ownerVa = kernel.reserve(owner, 3);
        kernel.map(owner, ownerVa, shared, Rights.READ_WRITE);
        kernel.map(owner, ownerVa + 4096, readOnly, Rights.READ_WRITE);
        kernel.map(owner, ownerVa + 8192, privateFrame, Rights.READ_WRITE);
        final long attackerVa = kernel.reserve(attacker, 2);
        kernel.acceptShare(attacker, kernel.offerShare(owner, shared, attacker, Rights.READ_WRITE),
            attackerVa, Rights.READ_WRITE);
        kernel.acceptShare(attacker, kernel.offerShare(owner, readOnly, attacker, Rights.READ),
            attackerVa + 4096, Rights.READ);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void listsExactlyTheFramesThePageTableMapsWithEachRight()
    {
        final HostilePeer peer = HostilePeer.of(kernel, attacker);
        assertArrayEquals(new int[]{ shared }, peer.framesWritable());
        assertArrayEquals(sorted(shared, readOnly), peer.framesReadable());
    }

    @Test
    void writesLandInTheFrameTheOwnerSees()
    {
        final HostilePeer peer = HostilePeer.of(kernel, attacker);
        peer.putLong(shared, 64, 0xDEAD_BEEF_CAFE_F00DL);
        peer.putInt(shared, 12, 0x1234_5678);
        assertEquals(0xDEAD_BEEF_CAFE_F00DL, owner.addressSpace().getLong(ownerVa + 64));
        assertEquals(0x1234_5678, owner.addressSpace().getInt(ownerVa + 12));
        owner.addressSpace().putLong(ownerVa + 4096 + 8, 99L);
        assertEquals(99L, peer.getLong(readOnly, 8));
    }

    @Test
    void cannotReachAFrameItHasNoMappingFor()
    {
        final HostilePeer peer = HostilePeer.of(kernel, attacker);
        owner.addressSpace().putLong(ownerVa + 8192, 5L);
        final ProtectionFault read = assertThrows(ProtectionFault.class, () -> peer.getLong(privateFrame, 0));
        assertEquals(attacker.id(), read.domainId());
        assertEquals(Access.READ, read.access());
        assertThrows(ProtectionFault.class, () -> peer.putLong(privateFrame, 0, 1L));
        assertThrows(ProtectionFault.class, () -> peer.scribble(privateFrame, 42L));
        assertEquals(5L, owner.addressSpace().getLong(ownerVa + 8192), "the private frame is untouched");
    }

    @Test
    void cannotWriteAFrameItMapsReadOnly()
    {
        final HostilePeer peer = HostilePeer.of(kernel, attacker);
        final ProtectionFault fault = assertThrows(ProtectionFault.class, () -> peer.putInt(readOnly, 0, 7));
        assertEquals(Access.WRITE, fault.access());
        assertEquals(0, owner.addressSpace().getLong(ownerVa + 4096));
    }

    @Test
    void losesItsReachWhenTheKernelUnmaps()
    {
        final HostilePeer peer = HostilePeer.of(kernel, attacker);
        peer.putLong(shared, 0, 1L);
        kernel.freeFrame(owner, shared);
        assertEquals(0, peer.framesWritable().length);
        assertThrows(ProtectionFault.class, () -> peer.putLong(shared, 0, 2L));
    }

    @Test
    void scribbleDependsOnlyOnTheSeed()
    {
        final HostilePeer peer = HostilePeer.of(kernel, attacker);
        peer.scribble(shared, 7L);
        final long first = owner.addressSpace().getLong(ownerVa);
        final long last = owner.addressSpace().getLong(ownerVa + 4088);
        peer.scribble(shared, 8L);
        assertNotEquals(first, owner.addressSpace().getLong(ownerVa));
        peer.scribble(shared, 7L);
        assertEquals(first, owner.addressSpace().getLong(ownerVa));
        assertEquals(last, owner.addressSpace().getLong(ownerVa + 4088));
    }

    @Test
    void refusesOffsetsOutsideTheFrameOrMisaligned()
    {
        final HostilePeer peer = HostilePeer.of(kernel, attacker);
        assertThrows(IllegalArgumentException.class, () -> peer.putLong(shared, 4096, 1L));
        assertThrows(IllegalArgumentException.class, () -> peer.putLong(shared, 4, 1L));
        assertThrows(IllegalArgumentException.class, () -> peer.getLong(shared, -8));
        assertThrows(IllegalArgumentException.class, () -> peer.putInt(shared, 2, 1));
    }

    private static int[] sorted(final int a, final int b)
    {
        return a < b ? new int[]{ a, b } : new int[]{ b, a };
    }
}

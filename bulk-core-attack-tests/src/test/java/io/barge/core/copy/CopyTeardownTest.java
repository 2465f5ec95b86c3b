package io.barge.core.copy;

import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportOptions;
import io.barge.testkit.HostilePeer;
import io.barge.testkit.KillSwitch;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8, item 8 (core): the copy transport's ends after a peer's death between a claim and its commit. The
 * staging frames are freed and handed to a stranger; the sender's late writes fault, its commit is refused with
 * {@link ChannelClosedException}, the stranger's memory is untouched and nothing leaks.
 */
@Timeout(30)
class CopyTeardownTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private CopyTransport transport;
    private Domain a;
    private Domain b;
    private LeakCheck leaks;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(512);
        kernel = new Kernel(memory, 1 << 12, 16);
        leaks = LeakCheck.of(kernel);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        transport = new CopyTransport(kernel, TransportOptions.parse("copy", List.of(), Map.of()));
    }

    @AfterEach
    void tearDown()
    {
        transport.close();
        kernel.close();
        memory.close();
    }

    @Test
    void senderWhoseReceiverDiesBetweenClaimAndCommitWritesNoReusedFrame()
    {
        final CopyChannel channel = (CopyChannel)transport.open(a, b, ChannelConfig.defaults().withCapacity(8));
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(64, claim));
        claim.putLong(0, 1L);
        assertTrue(KillSwitch.destroyAfter(kernel, b, 1).tick());
        assertFalse(channel.isOpen());

        final Domain stranger = kernel.createDomain("stranger");
        final HostilePeer peer = HostilePeer.of(kernel, stranger);
        final int frames = kernel.freeFrames();
        final long va = kernel.reserve(stranger, frames);
        final int[] taken = new int[frames];
        for (int i = 0; i < frames; i++)
        {
            taken[i] = kernel.allocateFrame(stranger, false);
            kernel.map(stranger, va + (long)i * memory.frameSize(), taken[i], Rights.READ_WRITE);
            peer.putLong(taken[i], 0, 0x5EC2E7L + i);
        }

        // The teardown ended the claim: the write is refused before it reaches any frame.
        assertThrows(BufferStateException.class, () -> claim.putLong(8, 2L), "the claim ended with the channel");
        assertThrows(ChannelClosedException.class, () -> channel.sender().commit(claim));
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(new Message()));
        for (int i = 0; i < frames; i++)
        {
            assertEquals(0x5EC2E7L + i, peer.getLong(taken[i], 0), "frame " + taken[i]);
        }
        kernel.destroyDomain(stranger);
        kernel.destroyDomain(a);
        leaks.assertNothingLeaked();
    }
}

package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import io.barge.testkit.HostilePeer;
import io.barge.testkit.KillSwitch;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8, item 8 (core): an end whose channel is torn down under it (a peer dies between a claim and its commit,
 * or inside a receive handler) gets {@link ChannelClosedException} and never writes or reads a frame that the
 * kernel has freed and handed to another domain.
 */
@Timeout(30)
class EndTeardownTest
{
    private static final long SEED = 0x8EEDL;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private LeakCheck leaks;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(128);
        kernel = new Kernel(memory, 1 << 12, 16);
        leaks = LeakCheck.of(kernel);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /** A stranger that takes every free frame and fills it with seeded garbage; checks nobody changed it. */
    private final class Stranger
    {
        final Domain domain = kernel.createDomain("stranger");
        final HostilePeer peer = HostilePeer.of(kernel, domain);
        final int[] frames = new int[kernel.freeFrames()];
        final long[][] contents = new long[frames.length][];

        Stranger()
        {
            final long va = kernel.reserve(domain, frames.length);
            for (int i = 0; i < frames.length; i++)
            {
                frames[i] = kernel.allocateFrame(domain, false);
                kernel.map(domain, va + (long)i * memory.frameSize(), frames[i], Rights.READ_WRITE);
                peer.scribble(frames[i], SEED + i);
                contents[i] = read(frames[i]);
            }
        }

        boolean owns(final int frame)
        {
            return kernel.ownerOf(frame) == domain.id();
        }

        private long[] read(final int frame)
        {
            final long[] words = new long[memory.frameSize() / 8];
            for (int w = 0; w < words.length; w++)
            {
                words[w] = peer.getLong(frame, w * 8);
            }
            return words;
        }

        void assertUntouched()
        {
            for (int i = 0; i < frames.length; i++)
            {
                assertArrayEquals(contents[i], read(frames[i]), "frame " + frames[i] + " of the stranger changed");
            }
        }
    }

    @Test
    void umpSenderWhosePeerDiesBetweenClaimAndCommitGetsATypedErrorAndWritesNoReusedFrame()
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        final int ringFrame = channel.ringFrame();
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, b, 1);
        final UmpSender sender = channel.sender();
        final int at = sender.tryClaim();
        assertTrue(at >= 0);
        assertTrue(kill.tick(), "the receiver dies with the claim outstanding");
        assertFalse(channel.isOpen());
        final Stranger stranger = new Stranger();
        assertTrue(stranger.owns(ringFrame), "the ring's frame went to the stranger");

        sender.buffer().putLong(at, 0xBAD0_BAD0L); // the payload, written after the death
        assertThrows(ChannelClosedException.class, () -> sender.commit(1, 8));
        assertThrows(ChannelClosedException.class, sender::tryClaim);
        stranger.assertUntouched();

        kernel.destroyDomain(stranger.domain);
        channel.close();
        kernel.destroyDomain(a);
        leaks.assertNothingLeaked();
    }

    @Test
    void umpReceiverWhoseHandlerKillsTheSenderStopsWithoutReadingTheReusedRing()
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[8]);
        for (int i = 0; i < 3; i++)
        {
            src.putLong(0, 100 + i);
            assertEquals(0, channel.sender().offer(1, src, 0, 8));
        }
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, a, 1);
        final long[] got = new long[4];
        final int[] count = { 0 };
        int delivered;
        try
        {
            delivered = channel.receiver().poll((type, buffer, offset, length) ->
            {
                got[count[0]++] = buffer.getLong(offset);
                kill.tick(); // the sender dies while its first message is handled
            }, 10);
        }
        catch (final ChannelClosedException closed)
        {
            delivered = -1;
        }
        assertTrue(delivered == 1 || delivered == -1, "delivered=" + delivered);
        assertEquals(1, count[0], "nothing after the death reaches the handler");
        assertEquals(100, got[0]);
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll((t, buf, o, l) -> { }, 10));
        channel.close();
        kernel.destroyDomain(b);
        leaks.assertNothingLeaked();
    }

    @Test
    void lmpSenderWhosePeerDiesBetweenClaimAndCommitGetsATypedError()
    {
        final LmpChannel channel = Notifications.openLmp(kernel, a, b, 4);
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, b, 1);
        final LmpSender sender = channel.sender();
        final int at = sender.tryClaim();
        assertEquals(0, at);
        assertTrue(kill.tick());
        final Stranger stranger = new Stranger();

        sender.buffer().putLong(at, 0xBAD0_BAD0L); // into the sender's staging area, after the death
        assertThrows(ChannelClosedException.class, () -> sender.commit(1, 8));
        stranger.assertUntouched();

        kernel.destroyDomain(stranger.domain);
        channel.close();
        kernel.destroyDomain(a);
        leaks.assertNothingLeaked();
    }
}

package io.barge.rbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A small machine with three domains for Rbufs tests; checks at teardown are left to each test.
 */
abstract class RbufsFixture
{
    PhysicalMemory memory;
    Kernel kernel;
    Domain a;
    Domain b;
    Domain c;
    int freeAtStart;

    @BeforeEach
    void setUpMachine()
    {
        memory = PhysicalMemory.allocateDirect(4096);
        // Counters for 32 live domains, not the default 1024 (42 MB zeroed per kernel, most of a short test's time).
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        c = kernel.createDomain("c");
        freeAtStart = kernel.freeFrames();
    }

    @AfterEach
    void tearDownMachine()
    {
        kernel.close();
        memory.close();
    }

    RbufsChannel open(final Domain from, final Domain to, final RbufsChannel.Mode mode, final int maxLength,
        final int capacity)
    {
        return RbufsChannel.open(kernel, from, to, new ChannelConfig(maxLength, capacity,
            ChannelConfig.Notification.UMP), mode, NotifyFactory.CORE, null);
    }

    /** Sends one message whose every byte is {@code (seed + i)}. */
    static int send(final Channel channel, final Claim claim, final int length, final int seed)
    {
        return send(channel.sender(), claim, length, seed);
    }

    /** Sends one message whose every byte is {@code (seed + i)}. */
    static int send(final Sender sender, final Claim claim, final int length, final int seed)
    {
        final int status = sender.tryClaim(length, claim);
        if (status != Status.OK)
        {
            return status;
        }
        for (int i = 0; i < length; i++)
        {
            claim.putByte(i, (byte)(seed + i));
        }
        sender.commit(claim);
        return Status.OK;
    }

    static void assertContent(final Message message, final int length, final int seed)
    {
        assertEquals(length, message.length(), "length");
        for (int i = 0; i < length; i++)
        {
            assertEquals((byte)(seed + i), message.getByte(i), "byte " + i + " of message seeded " + seed);
        }
    }

    /** Proves a channel still carries messages. */
    static void assertWorks(final Channel channel)
    {
        final Claim claim = channel.sender().newClaim();
        final Message message = channel.receiver().newMessage();
        final int length = Math.min(100, channel.sender().maxMessageLength());
        assertEquals(Status.OK, send(channel, claim, length, 7));
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertContent(message, length, 7);
        channel.receiver().release(message);
    }
}

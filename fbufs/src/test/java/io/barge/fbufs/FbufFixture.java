package io.barge.fbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportOptions;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A small machine (16 MiB), three domains and helpers; closes everything after each test.
 */
abstract class FbufFixture
{
    PhysicalMemory memory;
    Kernel kernel;
    Domain a;
    Domain b;
    Domain c;
    int freeFramesAtStart;
    FbufTransport transport;

    @BeforeEach
    void setUpMachine()
    {
        memory = PhysicalMemory.allocateDirect(4096);
        // Counters for 32 live domains, not the default 1024 (42 MB zeroed per kernel, most of a short test's time).
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        c = kernel.createDomain("c");
        freeFramesAtStart = kernel.freeFrames();
    }

    @AfterEach
    void tearDownMachine()
    {
        if (transport != null)
        {
            transport.close();
        }
        kernel.close();
        memory.close();
    }

    FbufTransport transport(final FbufMode mode)
    {
        final TransportOptions options = TransportOptions.parse(FbufTransportProvider.NAME,
            new FbufTransportProvider().options(), Map.of(
                FbufTransportProvider.CACHED, Boolean.toString(mode.cached()),
                FbufTransportProvider.VOLATILE, Boolean.toString(mode.isVolatile()),
                FbufTransportProvider.INTEGRATED, Boolean.toString(mode.integrated())));
        transport = new FbufTransport(kernel, options, mode);
        return transport;
    }

    static ChannelConfig config(final int maxLength, final int capacity)
    {
        return new ChannelConfig(maxLength, capacity, ChannelConfig.Notification.UMP);
    }

    /** Claims, fills with {@code (byte)(seed + i)}, commits. */
    static void send(final FbufChannel channel, final int length, final int seed)
    {
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(length, claim));
        for (int i = 0; i < length; i++)
        {
            claim.putByte(i, (byte)(seed + i));
        }
        channel.sender().commit(claim);
    }

    static void assertContent(final Message message, final int length, final int seed)
    {
        assertEquals(length, message.length());
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        message.getBytes(0, copy, 0, length);
        for (int i = 0; i < length; i++)
        {
            assertEquals((byte)(seed + i), copy.getByte(i), "byte " + i);
        }
    }

    /** Receives one message, checks it, releases it. */
    static void receiveAndCheck(final FbufChannel channel, final int length, final int seed)
    {
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertContent(message, length, seed);
        channel.receiver().release(message);
    }

    void assertNoLeak()
    {
        transport.close();
        transport = null;
        assertEquals(freeFramesAtStart, kernel.freeFrames(), "free frames after teardown");
    }
}

package io.barge.grant.xen;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transports;
import io.barge.grant.SharedRingDescriptor;
import io.barge.testkit.HostilePeer;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A 32 MiB machine with domains {@code a}, {@code b}, {@code c}; transports made by {@link #transport} are closed
 * after each test, and the test ends by checking that every frame came back and no grant handle is left.
 */
abstract class XenFixture
{
    static final int PAGE = PhysicalMemory.DEFAULT_FRAME_SIZE;

    PhysicalMemory memory;
    Kernel kernel;
    Domain a;
    Domain b;
    Domain c;
    LeakCheck leaks;
    private final List<XenTransport> transports = new ArrayList<>();

    @BeforeEach
    void setUpMachine()
    {
        memory = PhysicalMemory.allocateDirect(8192);
        // Counters for 32 live domains, not the default 1024 (42 MB zeroed per kernel, most of a short test's time).
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        c = kernel.createDomain("c");
        leaks = LeakCheck.of(kernel);
    }

    @AfterEach
    void tearDownMachine()
    {
        for (final XenTransport transport : transports)
        {
            transport.close();
            assertEquals(0, transport.hypervisor().liveHandles(), "grant handles left");
            for (final Domain d : new Domain[]{ a, b, c })
            {
                if (d.isAlive())
                {
                    assertEquals(0, transport.hypervisor().queryTableSize(d), "grant table of " + d + " left");
                }
            }
        }
        leaks.assertNothingLeaked();
        kernel.close();
        memory.close();
    }

    XenTransport transport(final GrantMode mode)
    {
        final XenTransport transport =
            (XenTransport)Transports.create(kernel, "xen", Map.of("grants", mode.optionValue()));
        transports.add(transport);
        return transport;
    }

    static ChannelConfig config(final int maxMessageLength, final int capacity)
    {
        return new ChannelConfig(maxMessageLength, capacity, ChannelConfig.Notification.UMP);
    }

    /** Claims, fills with a pattern of {@code sequence} and commits one message. */
    static void send(final XenChannel channel, final long sequence, final int length)
    {
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(length, claim), "claim of message " + sequence);
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            bytes.putByte(i, pattern(sequence, i));
        }
        claim.putBytes(0, bytes, 0, length);
        channel.sender().commit(claim);
    }

    /** Polls one message and checks its bytes; the caller releases it. */
    static Message receive(final XenChannel channel, final long sequence, final int length)
    {
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message), "poll of message " + sequence);
        assertContent(message, sequence, length);
        return message;
    }

    static void assertContent(final Message message, final long sequence, final int length)
    {
        assertEquals(length, message.length(), "length of message " + sequence);
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[length]);
        message.getBytes(0, bytes, 0, length);
        for (int i = 0; i < length; i++)
        {
            if (bytes.getByte(i) != pattern(sequence, i))
            {
                fail("message " + sequence + " byte " + i + " is " + bytes.getByte(i) + ", expected " +
                    pattern(sequence, i));
            }
        }
    }

    static byte pattern(final long sequence, final int index)
    {
        return (byte)(sequence * 31 + index * 7 + (index >>> 12));
    }

    /** Writes an int of the shared ring as {@code attacker} (who must map the ring page writable). */
    void ringPutInt(final XenChannel channel, final Domain attacker, final int offset, final int value)
    {
        HostilePeer.of(kernel, attacker).putInt(channel.ringFrame() + offset / PAGE, offset % PAGE, value);
    }

    /** Reads an int of the shared ring through the front end's own mapping. */
    int ringGetInt(final XenChannel channel, final int offset)
    {
        final long word = HostilePeer.of(kernel, channel.front)
            .getLong(channel.ringFrame() + (offset & ~7) / PAGE, (offset & ~7) % PAGE);
        return (int)(word >>> ((offset & 4) * 8));
    }

    /** @return the offset of ring slot {@code index}. */
    static int slot(final XenChannel channel, final int index)
    {
        return SharedRingDescriptor.slotOffset(index, channel.sender().ringSize() - 1,
            XenRequestDescriptor.SLOT_LENGTH);
    }
}

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
 * A 32 MiB machine with domains {@code a}, {@code b}, {@code c} for the receiver-posted direction
 * ({@code granter=receiver}); channels open as {@code open(a, b)}: {@code a} sends (the back end, filling), {@code b}
 * receives (the front end, posting). Transports made by {@link #posted} are closed after each test, and the test
 * ends by checking that every frame came back and no grant handle or table is left.
 */
abstract class XenPostedFixture
{
    static final int PAGE = PhysicalMemory.DEFAULT_FRAME_SIZE;

    PhysicalMemory memory;
    Kernel kernel;
    Domain a;
    Domain b;
    Domain c;
    LeakCheck leaks;
    private final List<XenPostedTransport> transports = new ArrayList<>();

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
        for (final XenPostedTransport transport : transports)
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

    XenPostedTransport posted(final GrantMode mode)
    {
        final XenPostedTransport transport = (XenPostedTransport)Transports.create(kernel, "xen",
            Map.of("grants", mode.optionValue(), "granter", "receiver"));
        transports.add(transport);
        return transport;
    }

    static ChannelConfig config(final int maxMessageLength, final int capacity)
    {
        return new ChannelConfig(maxMessageLength, capacity, ChannelConfig.Notification.UMP);
    }

    /** Claims the next posted buffer, fills {@code length} bytes with a pattern of {@code sequence} and commits. */
    static void send(final XenPostedChannel channel, final long sequence, final int length)
    {
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(length, claim), "claim of message " + sequence);
        fill(claim, sequence, length);
        channel.sender().commit(claim);
    }

    static void fill(final Claim claim, final long sequence, final int length)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            bytes.putByte(i, pattern(sequence, i));
        }
        claim.putBytes(0, bytes, 0, length);
    }

    /** Polls one message and checks its bytes; the caller releases it. */
    static Message receive(final XenPostedChannel channel, final long sequence, final int length)
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
        return (byte)(sequence * 29 + index * 5 + (index >>> 12));
    }

    /** Writes an int of the shared ring as {@code attacker} (either end maps the ring writable). */
    void ringPutInt(final XenPostedChannel channel, final Domain attacker, final int offset, final int value)
    {
        HostilePeer.of(kernel, attacker).putInt(channel.ringFrame() + offset / PAGE, offset % PAGE, value);
    }

    /** Writes a long of the shared ring as {@code attacker}. */
    void ringPutLong(final XenPostedChannel channel, final Domain attacker, final int offset, final long value)
    {
        HostilePeer.of(kernel, attacker).putLong(channel.ringFrame() + offset / PAGE, offset % PAGE, value);
    }

    /** @return the offset of ring slot {@code index}. */
    static int slot(final XenPostedChannel channel, final int index)
    {
        return SharedRingDescriptor.slotOffset(index, channel.receiver().ringSize() - 1,
            XenRequestDescriptor.SLOT_LENGTH);
    }

    /** A grant reference the receiver gave for page 0 of one of its buffers in {@code channel}. */
    static int bufferRef(final XenPostedChannel channel, final int buffer)
    {
        final int[] persistent = channel.receiver().persistentRefs();
        return persistent != null ? persistent[buffer * channel.pagesPerBuffer] :
            channel.receiver().postedRef(buffer, 0);
    }

    /** Writes a filled response as a hostile back end ({@code a}) would, into slot {@code index}, and publishes it. */
    void forgeResponse(final XenPostedChannel channel, final int index, final int id, final int status,
        final int offset)
    {
        final int at = slot(channel, index);
        ringPutInt(channel, a, at + XenRequestDescriptor.ID_OFFSET, id);
        ringPutInt(channel, a, at + XenRequestDescriptor.STATUS_OFFSET, status);
        ringPutInt(channel, a, at + XenRequestDescriptor.FILL_OFFSET_OFFSET, offset);
        ringPutInt(channel, a, at + XenRequestDescriptor.FILL_FLAGS_OFFSET, 0);
        ringPutInt(channel, a, SharedRingDescriptor.RSP_PROD_OFFSET, index + 1);
    }
}

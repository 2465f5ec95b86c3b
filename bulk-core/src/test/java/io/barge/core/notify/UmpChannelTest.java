package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class UmpChannelTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private int freeAtStart;
    private final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32); // 32 domains of counters, not 42 MB for 1024
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        freeAtStart = kernel.freeFrames();
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    private int send(final NotifySender sender, final int type, final long value)
    {
        src.putLong(0, value);
        return sender.offer(type, src, 0, 8);
    }

    /** offer copies a word at a time with an int, short and byte tail: every length, from an odd source offset. */
    @Test
    void offerDeliversExactlyTheBytesOfEveryLength()
    {
        final UmpChannel channel = new UmpChannel(kernel, a, b, 4);
        final UnsafeBuffer source = new UnsafeBuffer(new byte[UmpDescriptor.PAYLOAD_LENGTH + 3]);
        for (int length = 0; length <= UmpDescriptor.PAYLOAD_LENGTH; length++)
        {
            for (int i = 0; i < source.capacity(); i++)
            {
                source.putByte(i, (byte)(length * 7 + i + 1)); // never zero, differs per length and per byte
            }
            assertEquals(Status.OK, channel.sender().offer(2, source, 3, length));
            final int expectedLength = length;
            assertEquals(1, channel.receiver().poll((type, buffer, offset, got) ->
            {
                assertEquals(2, type);
                assertEquals(expectedLength, got);
                for (int i = 0; i < got; i++)
                {
                    assertEquals((byte)(expectedLength * 7 + i + 4), buffer.getByte(offset + i),
                        "length=" + expectedLength + " byte " + i);
                }
            }, 1));
        }
        channel.close();
    }

    @Test
    void factoryOpensUmpAndDeliversInOrder()
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, ChannelConfig.Notification.UMP, 8);
        assertInstanceOf(UmpChannel.class, channel);
        assertSame(a, channel.sender().domain());
        assertSame(b, channel.receiver().domain());
        for (int i = 0; i < 5; i++)
        {
            assertEquals(Status.OK, send(channel.sender(), i, 100 + i));
        }
        final long[] seen = new long[5];
        final int[] count = {0};
        assertEquals(5, channel.receiver().poll((type, buffer, offset, length) ->
        {
            assertEquals(count[0], type);
            assertEquals(8, length);
            seen[count[0]++] = buffer.getLong(offset);
        }, 10));
        assertArrayEquals(new long[]{100, 101, 102, 103, 104}, seen);
        assertEquals(0, channel.receiver().poll((t, buf, o, l) -> fail("nothing left"), 10));
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void orderAndNoLossAcrossManyLaps()
    {
        try (UmpChannel channel = Notifications.openUmp(kernel, a, b, 4))
        {
            final long[] next = {0};
            long sent = 0;
            while (sent < 10_000)
            {
                final int batch = (int)(sent % 4) + 1;
                for (int i = 0; i < batch; i++)
                {
                    if (send(channel.sender(), (int)(sent & 127), sent) == Status.OK)
                    {
                        sent++;
                    }
                }
                channel.receiver().poll((type, buffer, offset, length) ->
                {
                    assertEquals(next[0], buffer.getLong(offset));
                    assertEquals((int)(next[0] & 127), type);
                    next[0]++;
                }, 3);
            }
            while (next[0] < sent)
            {
                channel.receiver().poll((type, buffer, offset, length) ->
                    assertEquals(next[0]++, buffer.getLong(offset)), 100);
            }
            assertEquals(sent, next[0]);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void backPressureWhenFullNeverOverwritesUnreadSlot()
    {
        try (UmpChannel channel = Notifications.openUmp(kernel, a, b, 8))
        {
            for (int i = 0; i < 8; i++)
            {
                assertEquals(Status.OK, send(channel.sender(), 1, i));
            }
            assertEquals(Status.BACK_PRESSURED, send(channel.sender(), 1, 99));
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim());
            // Reading one is not enough: the ack is lazy (every slots/4 = 2 messages).
            final long[] got = new long[8];
            final int[] n = {0};
            assertEquals(1, channel.receiver().poll((t, buf, o, l) -> got[n[0]++] = buf.getLong(o), 1));
            assertEquals(Status.BACK_PRESSURED, send(channel.sender(), 1, 99));
            assertEquals(1, channel.receiver().poll((t, buf, o, l) -> got[n[0]++] = buf.getLong(o), 1));
            assertEquals(Status.OK, send(channel.sender(), 1, 8));
            assertEquals(Status.OK, send(channel.sender(), 1, 9));
            assertEquals(Status.BACK_PRESSURED, send(channel.sender(), 1, 99));
            assertEquals(6, channel.receiver().poll((t, buf, o, l) -> got[n[0]++] = buf.getLong(o), 6));
            assertArrayEquals(new long[]{0, 1, 2, 3, 4, 5, 6, 7}, got);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void offerChecksArgumentsBeforeClaimingAndRefusesAnOutstandingClaim()
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        final UmpSender sender = channel.sender();
        src.putLong(0, 7);
        assertThrows(IllegalArgumentException.class, () -> sender.offer(128, src, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> sender.offer(-1, src, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> sender.offer(1, src, 0, 57));
        assertThrows(IllegalArgumentException.class, () -> sender.offer(1, src, 0, -1));
        assertEquals(0, sender.position());
        assertEquals(Status.OK, sender.offer(3, src, 0, 8)); // a refused offer left no claim behind
        assertTrue(sender.tryClaim() >= 0); // claim slot 1 and keep it
        assertThrows(IllegalStateException.class, () -> sender.offer(1, src, 0, 8));
        sender.abort();
        assertEquals(Status.OK, sender.offer(4, src, 0, 0));
        final long[] seen = new long[4];
        final int[] n = {0};
        assertEquals(2, channel.receiver().poll((type, buffer, offset, length) ->
        {
            seen[n[0] * 2] = type;
            seen[n[0] * 2 + 1] = length == 0 ? -1 : buffer.getLong(offset);
            n[0]++;
        }, 10));
        assertArrayEquals(new long[]{3, 7, 4, -1}, seen);
        channel.close();
        assertThrows(ChannelClosedException.class, () -> sender.offer(1, src, 0, 8));
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void countsNotificationsSentOnSenderDomain()
    {
        final long before = a.counter(CounterType.NOTIFICATIONS_SENT);
        try (UmpChannel channel = Notifications.openUmp(kernel, a, b, 256))
        {
            for (int i = 0; i < 100; i++)
            {
                send(channel.sender(), 0, i);
            }
            channel.sender().publishCount();
            assertEquals(before + 100, a.counter(CounterType.NOTIFICATIONS_SENT));
        }
    }

    @Test
    void sharedRingIsReadOnlyInReceiverAndAckReadOnlyInSender()
    {
        try (UmpChannel channel = Notifications.openUmp(kernel, a, b, 64))
        {
            assertEquals(a.id(), kernel.ownerOf(channel.ringFrame()));
            assertEquals(b.id(), kernel.ownerOf(channel.ackFrame()));
            assertEquals(2, kernel.mapCountOf(channel.ringFrame()));
            assertEquals(2, kernel.mapCountOf(channel.ackFrame()));
            assertEquals(io.barge.core.Rights.READ_WRITE, a.addressSpace().rightsAt(channel.senderRingAddress()));
            assertEquals(io.barge.core.Rights.READ_WRITE, b.addressSpace().rightsAt(channel.receiverAckAddress()));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void closedChannelThrowsChannelClosed()
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        channel.close();
        channel.close();
        assertFalse(channel.isOpen());
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim());
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll((t, buf, o, l) -> { }, 1));
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void destroyingADomainClosesTheChannelAndFreesFrames()
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 128);
        kernel.destroyDomain(b);
        assertFalse(channel.isOpen());
        kernel.destroyDomain(a);
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void ringUsesConsecutiveFramesEvenWhenFreeStackIsScattered()
    {
        final int[] frames = new int[16];
        kernel.allocateFrames(a, 16, false, frames);
        for (int i = 0; i < 16; i += 2)
        {
            kernel.freeFrame(a, frames[i]);
        }
        try (UmpChannel channel = Notifications.openUmp(kernel, a, b, 256))
        {
            assertEquals(4, channel.ringPages());
            for (int i = 0; i < 256; i++)
            {
                assertEquals(Status.OK, send(channel.sender(), 0, i));
            }
            final long[] next = {0};
            assertEquals(256, channel.receiver().poll((t, buf, o, l) -> assertEquals(next[0]++, buf.getLong(o)), 256));
        }
        for (int i = 1; i < 16; i += 2)
        {
            kernel.freeFrame(a, frames[i]);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void allocateContiguousFramesGivesARunAndIsAllOrNothing()
    {
        final int first = kernel.allocateContiguousFrames(a, 5, true);
        for (int f = first; f < first + 5; f++)
        {
            assertEquals(a.id(), kernel.ownerOf(f));
        }
        final int free = kernel.freeFrames();
        assertThrows(io.barge.core.OutOfFramesException.class,
            () -> kernel.allocateContiguousFrames(a, free + 1, false));
        assertEquals(free, kernel.freeFrames());
        for (int f = first; f < first + 5; f++)
        {
            kernel.freeFrame(a, f);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    @Timeout(60)
    void twoThreadTransferOfAMillionMessagesInSequence() throws Exception
    {
        final int total = 1_000_000;
        try (UmpChannel channel = Notifications.openUmp(kernel, a, b, 256))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread producer = new Thread(() ->
            {
                final YieldingIdleStrategy idle = new YieldingIdleStrategy();
                final UmpSender sender = channel.sender();
                try
                {
                    for (long i = 0; i < total && failure.get() == null; )
                    {
                        final int at = sender.tryClaim();
                        if (at < 0)
                        {
                            idle.idle();
                            continue;
                        }
                        sender.buffer().putLong(at, i);
                        sender.buffer().putLong(at + 48, ~i);
                        sender.commit((int)(i & 127), 56);
                        i++;
                    }
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
            });
            producer.start();
            final long[] next = {0};
            final YieldingIdleStrategy idle = new YieldingIdleStrategy();
            while (next[0] < total && failure.get() == null)
            {
                final int n = channel.receiver().poll((type, buffer, offset, length) ->
                {
                    final long v = buffer.getLong(offset);
                    if (v != next[0] || buffer.getLong(offset + 48) != ~v || type != (int)(v & 127) || length != 56)
                    {
                        throw new AssertionError("expected " + next[0] + " got " + v + " type " + type);
                    }
                    next[0]++;
                }, 64);
                idle.idle(n);
            }
            producer.join(60_000);
            if (producer.isAlive())
            {
                throw new AssertionError("producer still running after 60 s");
            }
            assertNull(failure.get());
            assertEquals(total, next[0]);
        }
        assertEquals(total, a.counter(CounterType.NOTIFICATIONS_SENT));
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL, -7L})
    void controlWordEncodeDecodeRoundTrips(final long seed)
    {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = 0; i < 10_000; i++)
        {
            final long epoch = random.nextBoolean() ? UmpDescriptor.EPOCH_BIT : 0;
            final int type = random.nextInt(128);
            final int length = random.nextInt(57);
            final int sequence = random.nextInt();
            final long control = UmpDescriptor.encodeControl(epoch, type, length, sequence);
            final String msg = "seed=" + seed + " i=" + i;
            assertEquals(epoch, UmpDescriptor.epoch(control), msg);
            assertEquals(type, UmpDescriptor.type(control), msg);
            assertEquals(length, UmpDescriptor.length(control), msg);
            assertEquals(sequence, UmpDescriptor.sequence(control), msg);
            assertTrue(UmpDescriptor.isWellFormed(control), msg);
            final long corrupt = control | (1L << (32 + random.nextInt(16)));
            assertFalse(UmpDescriptor.isWellFormed(corrupt), msg);
            final int badLength = 57 + random.nextInt(199);
            assertFalse(UmpDescriptor.isWellFormed(
                UmpDescriptor.encodeControl(epoch, type, badLength, sequence)), msg);
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "0, 3, true", "7, 3, true", "8, 3, false", "15, 3, false", "16, 3, true", "23, 0, false", "24, 0, true",
        "1023, 10, true", "1024, 10, false", "2048, 10, true", "4611686018427387904, 62, false",
        "9223372036854775807, 62, false", "9223372036854775807, 63, true"})
    void theEpochBitIsSetOnEvenLapsOfTheRing(final long position, final int slotShift, final boolean set)
    {
        assertEquals(set ? UmpDescriptor.EPOCH_BIT : 0L, UmpDescriptor.epochFor(position, slotShift),
            "position=" + position + " slotShift=" + slotShift);
    }
}

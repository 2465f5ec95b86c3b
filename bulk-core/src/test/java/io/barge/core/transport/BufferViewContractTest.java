package io.barge.core.transport;

import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ReadOnlyBufferException;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract of {@link Claim#buffer()} and {@link Message#buffer(int)} on a real transport, written once and run
 * against each (a transport's module subclasses it): every width and byte order written through the claim's view
 * arrives, read through the message's views, as a private Agrona buffer given the same writes reads it; accesses
 * spanning page boundaries; every use after commit, abort, release or teardown is a {@link BufferStateException};
 * {@code wrap} and puts on a message view are refused; a page without the right faults at wrap.
 */
@Timeout(60)
public abstract class BufferViewContractTest
{
    private static final int MAX_POLLS = 1_000_000;

    protected PhysicalMemory memory;
    protected Kernel kernel;
    protected Transport transport;
    protected Domain a;
    protected Domain b;
    protected int freeAtStart;

    /**
     * @return the transport's name.
     */
    protected abstract String transportName();

    /**
     * @return the transport's options.
     */
    protected abstract Map<String, String> transportOptions();

    /**
     * @return whether this transport's claims and messages must be one physical run (the views' fast path), or
     *         null if it is not promised.
     */
    protected Boolean expectedOneRun()
    {
        return null;
    }

    /**
     * @return the channel configuration: 20 KiB messages (five pages and more), 4 in flight.
     */
    protected ChannelConfig config()
    {
        return new ChannelConfig(20 * 1024, 4, ChannelConfig.Notification.UMP);
    }

    @BeforeEach
    void setUpMachine()
    {
        memory = PhysicalMemory.allocateDirect(8192);
        kernel = new Kernel(memory);
        freeAtStart = kernel.freeFrames();
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        transport = Transports.create(kernel, transportName(), transportOptions());
    }

    @AfterEach
    void tearDownMachine()
    {
        transport.close();
        kernel.close();
        memory.close();
    }

    private Message receive(final Receiver receiver)
    {
        final Message message = receiver.newMessage();
        for (int polls = 0; receiver.poll(message) != Status.OK; polls++)
        {
            assertTrue(polls < MAX_POLLS, "message committed but not received");
        }
        return message;
    }

    /** Compares every piece's view with the reference, piece by piece, and returns the message's length. */
    private static void assertPieces(final Message message, final UnsafeBuffer reference, final String where)
    {
        assertEquals(reference.capacity(), message.length(), where);
        int offset = 0;
        for (int p = 0; p < message.pieceCount(); p++)
        {
            final DirectBuffer piece = message.buffer(p);
            final int length = message.pieceLength(p);
            assertEquals(length, piece.capacity(), where);
            for (int i = 0; i + 8 <= length; i += 8)
            {
                if (piece.getLong(i) != reference.getLong(offset + i))
                {
                    fail(where + " piece=" + p + " index=" + i + ": " + Long.toHexString(piece.getLong(i)) +
                        " != " + Long.toHexString(reference.getLong(offset + i)));
                }
            }
            for (int i = length & ~7; i < length; i++)
            {
                assertEquals(reference.getByte(offset + i), piece.getByte(i), where + " piece=" + p + " byte=" + i);
            }
            offset += length;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = { 3L, 17L, 0xC0FFEEL })
    void everyWidthAndOrderRoundTripsThroughSendAndReceive(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final Claim claim = sender.newClaim();
            final int max = sender.maxMessageLength();
            MutableDirectBuffer first = null;
            for (int m = 0; m < 24; m++)
            {
                final int length = m % 3 == 0 ? max : 1 + random.nextInt(max);
                final String where = "seed=" + seed + " message=" + m + " length=" + length;
                assertEquals(Status.OK, sender.tryClaim(length, claim), where);
                final MutableDirectBuffer view = claim.buffer();
                first = first == null ? view : first;
                assertSame(first, view, "one flyweight per claim");
                final UnsafeBuffer reference = new UnsafeBuffer(new byte[length]);
                final byte[] fill = new byte[length];
                random.nextBytes(fill);
                view.putBytes(0, fill);
                reference.putBytes(0, fill);
                final int pageShift = 12;
                for (int step = 0; step < 400; step++)
                {
                    final ViewOps op = ViewOps.random(random);
                    if (op.width > length)
                    {
                        continue;
                    }
                    int index = random.nextInt(length - op.width + 1);
                    if (random.nextBoolean())
                    {
                        // Put the access across the claim's next page boundary, if there is one.
                        final long at = claim.address() + index;
                        final int boundary = (int)((((at >>> pageShift) + 1) << pageShift) - claim.address());
                        index = Math.max(0, Math.min(length - op.width, boundary - 1 - random.nextInt(op.width)));
                    }
                    op.put(view, reference, index, ViewOps.randomBits(random));
                    op.assertSame(view, reference, index, where + " step=" + step);
                }
                sender.commit(claim);
                final Message message = receive(receiver);
                assertPieces(message, reference, where);
                if (message.pieceCount() == 1)
                {
                    final DirectBuffer read = message.buffer(0);
                    for (int step = 0; step < 200; step++)
                    {
                        final ViewOps op = ViewOps.random(random);
                        if (op.width <= length)
                        {
                            op.assertSame(read, reference, random.nextInt(length - op.width + 1), where);
                        }
                    }
                }
                receiver.release(message);
            }
        }
    }

    @Test
    void everyWidthAndOrderAcrossEveryPageBoundaryOfAMessage()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final Claim claim = sender.newClaim();
            final SplittableRandom random = new SplittableRandom(5);
            for (final ViewOps op : ViewOps.values())
            {
                final int length = sender.maxMessageLength();
                assertEquals(Status.OK, sender.tryClaim(length, claim));
                final MutableDirectBuffer view = claim.buffer();
                final UnsafeBuffer reference = new UnsafeBuffer(new byte[length]);
                final int firstBoundary = 4096 - (int)(claim.address() & 4095);
                // Spread the positions: before the k-th boundary, start k % width bytes early (at least 1).
                for (int boundary = firstBoundary, k = 0; boundary < length; boundary += 4096, k++)
                {
                    final int before = op.width == 1 ? 1 : 1 + k % (op.width - 1);
                    op.put(view, reference, boundary - before, ViewOps.randomBits(random));
                    op.assertSame(view, reference, boundary - before, op + " claim boundary=" + boundary);
                }
                sender.commit(claim);
                final Message message = receive(receiver);
                assertPieces(message, reference, op.toString());
                receiver.release(message);
            }
        }
    }

    @Test
    void claimsAndMessagesAreOneRunWhereTheTransportPromisesIt()
    {
        final Boolean oneRun = expectedOneRun();
        assumeTrue(oneRun != null, "this transport promises no layout");
        // Scatter the free stack first, as a running machine's frees do: its top is every other frame.
        final Domain c = kernel.createDomain("c");
        final int[] frames = new int[256];
        kernel.allocateFrames(c, frames.length, false, frames);
        for (int i = 0; i < frames.length; i += 2)
        {
            kernel.freeFrame(c, frames[i]);
        }
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            for (int m = 0; m < 6; m++)
            {
                assertEquals(Status.OK, sender.tryClaim(sender.maxMessageLength(), claim));
                assertEquals(!oneRun, ((SpaceView)claim.buffer()).isSplit(), "claim " + m);
                claim.buffer().putLong(0, m);
                sender.commit(claim);
                final Message message = receive(channel.receiver());
                assertEquals(!oneRun, ((SpaceView)message.buffer(0)).isSplit(), "message " + m);
                assertEquals(m, message.buffer(0).getLong(0));
                channel.receiver().release(message);
            }
        }
    }

    @Test
    void everyUseAfterCommitAbortOrReleaseIsABufferStateException()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, sender.tryClaim(100, claim));
            final MutableDirectBuffer view = claim.buffer();
            view.putLong(0, 11L);
            sender.commit(claim);
            assertThrows(BufferStateException.class, () -> view.putLong(0, 12L), "after commit");
            assertThrows(BufferStateException.class, () -> view.getLong(0), "after commit");
            assertThrows(BufferStateException.class, claim::buffer, "after commit");
            final Message message = receive(channel.receiver());
            final DirectBuffer read = message.buffer(0);
            assertEquals(11L, read.getLong(0), "nothing written after commit");
            channel.receiver().release(message);
            assertThrows(BufferStateException.class, () -> read.getLong(0), "after release");
            assertThrows(BufferStateException.class, () -> read.getStringAscii(0), "after release");
            assertThrows(BufferStateException.class, () -> message.buffer(0), "after release");

            assertEquals(Status.OK, sender.tryClaim(100, claim));
            final MutableDirectBuffer again = claim.buffer();
            assertSame(view, again, "the same flyweight, bound again");
            again.putLong(0, 13L);
            sender.abort(claim);
            assertThrows(BufferStateException.class, () -> again.putLong(0, 14L), "after abort");
            assertThrows(BufferStateException.class, () -> again.setMemory(0, 8, (byte)1), "after abort");
        }
    }

    @Test
    void teardownInvalidatesLiveViewsAndReturnsEveryFrame()
    {
        final Channel channel = transport.open(a, b, config());
        final Sender sender = channel.sender();
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(8192, claim));
        claim.buffer().putLong(0, 1L);
        sender.commit(claim);
        final Message message = receive(channel.receiver());
        final DirectBuffer read = message.buffer(0);
        assertEquals(Status.OK, sender.tryClaim(8192, claim));
        final MutableDirectBuffer view = claim.buffer();
        view.putLong(8, 2L);
        channel.close();
        assertThrows(BufferStateException.class, () -> view.putLong(16, 3L), "claim view after teardown");
        assertThrows(BufferStateException.class, () -> view.putBytes(0, new byte[64]), "claim view after teardown");
        assertThrows(BufferStateException.class, () -> read.getLong(0), "message view after teardown");
        assertThrows(BufferStateException.class, claim::buffer, "the claim's view again after teardown");
        assertThrows(BufferStateException.class, () -> message.buffer(0), "the piece's view again after teardown");
        transport.close();
        assertEquals(freeAtStart, kernel.freeFrames(), "every frame returned");
        // The frames go to another domain; the stale views still cannot reach them.
        final Domain c = kernel.createDomain("c");
        final int[] frames = new int[16];
        kernel.allocateFrames(c, frames.length, true, frames);
        assertThrows(BufferStateException.class, () -> view.putLong(0, -1L));
        assertThrows(BufferStateException.class, () -> read.getLong(0));
    }

    @Test
    void wrapAndPutsOnAMessageViewAreRefused()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, sender.tryClaim(5000, claim));
            final MutableDirectBuffer view = claim.buffer();
            view.setMemory(0, 5000, (byte)3);
            final UnsafeBuffer raw = new UnsafeBuffer(new byte[64]);
            assertThrows(UnsupportedOperationException.class, () -> view.wrap(raw));
            assertThrows(UnsupportedOperationException.class, () -> view.wrap(raw.addressOffset(), 64));
            sender.commit(claim);
            final Message message = receive(channel.receiver());
            final DirectBuffer read = message.buffer(0);
            assertThrows(UnsupportedOperationException.class, () -> read.wrap(new byte[64]));
            final MutableDirectBuffer cast = (MutableDirectBuffer)read;
            assertThrows(ReadOnlyBufferException.class, () -> cast.putLong(0, 9L));
            assertThrows(ReadOnlyBufferException.class, () -> cast.putByte(4999, (byte)9));
            assertThrows(ReadOnlyBufferException.class, () -> cast.putBytes(0, new byte[8]));
            assertThrows(ReadOnlyBufferException.class, () -> cast.putStringAscii(0, "x"));
            assertThrows(ReadOnlyBufferException.class, () -> cast.setMemory(0, 5000, (byte)9));
            assertEquals(0x0303_0303_0303_0303L, read.getLong(0));
            assertEquals(3, read.getByte(4999));
            channel.receiver().release(message);
        }
    }

    @Test
    void aClaimedPageWithoutTheWriteRightFaultsAtWrap()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, sender.tryClaim(3 * 4096, claim));
            final long secondPage = (claim.address() & ~4095L) + 4096;
            kernel.protect(a, secondPage, Rights.READ);
            assertThrows(ProtectionFault.class, claim::buffer);
            kernel.protect(a, secondPage, Rights.READ_WRITE);
            claim.buffer().putLong(0, 1L);
            kernel.protect(a, secondPage, Rights.READ);
            assertThrows(BufferStateException.class, () -> claim.buffer().putLong(8, 2L),
                "a right dropped under a live view");
            kernel.protect(a, secondPage, Rights.READ_WRITE);
            sender.abort(claim);
        }
    }

    @Test
    void aZeroOnFaultMessageReadsAnUnreadablePageAsZerosAndCountsIt()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, sender.tryClaim(3 * 4096, claim));
            claim.buffer().setMemory(0, 3 * 4096, (byte)0x11);
            sender.commit(claim);
            final Message message = receive(channel.receiver());
            assumeTrue(message.zeroOnFault(), "the transport does not mark its messages zero-on-fault");
            final long start = message.pieceAddress(0);
            final long page = (start & ~4095L) + 4096;
            final int frame = b.addressSpace().frameAt(page);
            final int rights = b.addressSpace().rightsAt(page);
            final Domain owner = kernel.domain(kernel.ownerOf(frame));
            kernel.unmap(b, page); // what a volatile sender's bad pointer amounts to: a page b may not read
            final long before = b.counter(CounterType.REJECTED_READS);
            final DirectBuffer read = message.buffer(0);
            assertEquals(before + 1, b.counter(CounterType.REJECTED_READS), "one unreadable page, counted once");
            final int zeroFrom = (int)(page - start);
            for (int i = 0; i < message.pieceLength(0); i++)
            {
                final boolean zero = i >= zeroFrom && i < zeroFrom + 4096;
                assertEquals(zero ? 0 : 0x11, read.getByte(i), "byte " + i);
            }
            kernel.acceptShare(b, kernel.offerShare(owner, frame, b, rights), page, rights); // the mapping back
            channel.receiver().release(message);
        }
    }
}

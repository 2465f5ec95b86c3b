package io.barge.fbufs;

import io.barge.core.Domain;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.testkit.LeakCheck;
import io.netty.buffer.ByteBuf;
import org.agrona.concurrent.UnsafeBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A machine with one fbufs channel a to b and an allocator on its path; sends what a ByteBuf holds and returns what
 * the receiver read.
 */
abstract class NettyChannelFixture extends FbufFixture
{
    FbufChannel channel;
    FbufByteBufAllocator allocator;
    private LeakCheck leakCheck;

    void open(final FbufMode mode)
    {
        leakCheck = LeakCheck.of(kernel);
        channel = transport(mode).open(a, b, config(64 * 1024, 8));
        allocator = new FbufByteBufAllocator(channel.sender().path());
    }

    /**
     * Every fbuf is back (none held once the test released its buffers and messages), and, after the transport is
     * closed, every frame.
     */
    @Override
    void assertNoLeak()
    {
        assertEquals(0, transport.region().heldFbufs(), "fbufs still held");
        assertFramesBackAfterClose();
    }

    /** Closes the transport (which frees every fbuf of its paths, held or not) and checks every frame came back. */
    void assertFramesBackAfterClose()
    {
        transport.close();
        transport = null;
        leakCheck.assertNothingLeaked();
    }

    /** Appends the buffer's readable bytes to an aggregate, sends it, and returns the bytes the receiver read. */
    byte[] sendAndReceive(final ByteBuf buffer)
    {
        final Aggregate aggregate = new Aggregate(transport.region(), a);
        allocator.appendTo(buffer, aggregate);
        assertEquals(Status.OK, channel.sender().send(aggregate));
        return receive();
    }

    byte[] receive()
    {
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        final byte[] bytes = new byte[message.length()];
        message.getBytes(0, new UnsafeBuffer(bytes), 0, bytes.length);
        channel.receiver().release(message);
        return bytes;
    }

    /**
     * Leaves physical memory fragmented so that the next fbuf of up to {@code pages} pages (at most a frame cache's
     * refill) gets non-consecutive frames. A scratch domain takes every free frame (so the kernel drains every
     * domain's frame cache into it), hands every other one of the first {@code 2 * pages} to {@code c}, and gives the
     * rest back, those between the kept ones last; its teardown then puts them on top of the global free stack, two
     * apart, where the next refill of any domain's cache finds them first.
     *
     * @return the frames kept, to give back with {@link #unfragment(int[])}.
     */
    int[] fragment(final int pages)
    {
        final Domain scratch = kernel.createDomain("fragment");
        final int[] frames = new int[kernel.freeFrames()];
        kernel.allocateFrames(scratch, frames.length, false, frames);
        java.util.Arrays.sort(frames, 0, frames.length);
        final int[] kept = new int[pages];
        for (int i = frames.length - 1; i >= 2 * pages; i--)
        {
            kernel.freeFrame(scratch, frames[i]);
        }
        for (int i = pages - 1; i >= 0; i--)
        {
            kept[i] = frames[2 * i + 1];
            kernel.transferFrame(scratch, kept[i], c);
            kernel.freeFrame(scratch, frames[2 * i]);
        }
        kernel.destroyDomain(scratch);
        return kept;
    }

    void unfragment(final int[] kept)
    {
        for (final int frame : kept)
        {
            kernel.freeFrame(c, frame);
        }
    }

    static byte[] bytes(final long seed, final int length)
    {
        final byte[] bytes = new byte[length];
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        return bytes;
    }
}

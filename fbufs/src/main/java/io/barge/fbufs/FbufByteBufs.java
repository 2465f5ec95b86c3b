package io.barge.fbufs;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.transport.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Netty views of fbuf data without copying: each contiguous physical run of a received message or an aggregate
 * becomes a component wrapping the machine's memory in place (rights are checked once per run, through
 * {@link AddressSpace#wrapView}), and the whole is a read-only composite.
 * <p>
 * A view owns a reference on every fbuf it shows, taken when it is made: it stays valid after the message is released
 * or the aggregate closed, and its last {@code release()} drops those references (the fbufs return to their path when
 * nothing else holds them). A released view is unusable: every access raises
 * {@link io.netty.util.IllegalReferenceCountException}, so it can never show memory a later message reuses. Views are
 * leak-tracked by Netty's {@code ResourceLeakDetector}. Closing a path frees its fbufs whoever holds them; a view of
 * them must not be used after.
 * <p>
 * Byte order is Netty's: {@code getLong} on a view is big-endian, {@code getLongLE} reads the little-endian words
 * {@link Message#getLong} and {@link AddressSpace#getLong} read.
 */
public final class FbufByteBufs
{
    private FbufByteBufs()
    {
    }

    /**
     * @param message a held message received on an fbufs channel.
     * @param space   the receiving domain's address space.
     * @return a read-only view of its bytes, in order, holding its own references on the message's fbufs.
     * @throws IllegalArgumentException if the message was not received on an fbufs channel.
     */
    public static ByteBuf readOnlyView(final Message message, final AddressSpace space)
    {
        if (!message.isHeld() || !(message.source() instanceof FbufReceiver))
        {
            throw new IllegalArgumentException("need a held message received on an fbufs channel");
        }
        final FbufRegion region = ((FbufReceiver)message.source()).transport().region();
        final OwningComposite composite = new OwningComposite(region, Math.max(2, message.pieceCount() * 2));
        try
        {
            for (int i = 0; i < message.pieceCount(); i++)
            {
                composite.own(region.handleAt(message.pieceAddress(i), message.pieceLength(i)));
                addRuns(composite, space, message.pieceAddress(i), message.pieceLength(i), Access.READ,
                    message.zeroOnFault(), true);
            }
        }
        catch (final RuntimeException ex)
        {
            composite.release();
            throw ex;
        }
        return FbufByteBufAllocator.leakAware(composite).asReadOnly();
    }

    /**
     * @param aggregate an aggregate.
     * @return a read-only view of its bytes, in order, holding its own references on the aggregate's fbufs.
     */
    public static ByteBuf readOnlyView(final Aggregate aggregate)
    {
        final FbufRegion region = aggregate.region();
        final OwningComposite composite = new OwningComposite(region, Math.max(2, aggregate.pieceCount() * 2));
        final AddressSpace space = aggregate.domain().addressSpace();
        try
        {
            for (int i = 0; i < aggregate.pieceCount(); i++)
            {
                if (aggregate.pieceHandle(i) == FbufRegion.NO_FBUF)
                {
                    addZeros(composite, aggregate.pieceLength(i));
                }
                else
                {
                    composite.own(aggregate.pieceHandle(i));
                    addRuns(composite, space, aggregate.pieceAddress(i), aggregate.pieceLength(i), Access.READ,
                        false, true);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            composite.release();
            throw ex;
        }
        return FbufByteBufAllocator.leakAware(composite).asReadOnly();
    }

    /** A composite that holds references on fbufs and drops them on its last release. */
    private static final class OwningComposite extends CompositeByteBuf
    {
        private final FbufRegion region;
        private long[] handles = new long[4];
        private int handleCount;

        OwningComposite(final FbufRegion region, final int maxComponents)
        {
            super(ByteBufAllocator.DEFAULT, false, maxComponents);
            this.region = region;
        }

        void own(final long handle)
        {
            if (handle == FbufRegion.NO_FBUF)
            {
                return; // a zero piece (volatile fault): nothing to hold
            }
            region.retain(handle);
            if (handleCount == handles.length)
            {
                handles = Arrays.copyOf(handles, handleCount * 2);
            }
            handles[handleCount++] = handle;
        }

        @Override
        protected void deallocate()
        {
            super.deallocate();
            for (int i = 0; i < handleCount; i++)
            {
                if (region.isLive(handles[i]))
                {
                    region.release(handles[i]);
                }
            }
            handleCount = 0;
        }
    }

    /**
     * Adds one component per run of physically consecutive pages of a range.
     */
    static void addRuns(final CompositeByteBuf composite, final AddressSpace space, final long address,
        final int length, final Access access, final boolean zeroOnFault, final boolean written)
    {
        final int pageSize = space.pageSize();
        long start = address;
        int remaining = length;
        while (remaining > 0)
        {
            int run = (int)Math.min(remaining, pageSize - (start & (pageSize - 1)));
            int frame = space.frameAt(start);
            if (frame < 0)
            {
                if (!zeroOnFault)
                {
                    // Let the address space raise the typed fault for the unmapped page.
                    space.checkRange(start, run, access);
                }
                addZeros(composite, run);
                start += run;
                remaining -= run;
                continue;
            }
            while (run < remaining && space.frameAt(start + run) == frame + 1)
            {
                frame++;
                run += Math.min(remaining - run, pageSize);
            }
            final ByteBuf component = Unpooled.wrappedBuffer(slice(space, start, run, access));
            composite.addComponent(written, written ? component : component.clear());
            start += run;
            remaining -= run;
        }
    }

    static ByteBuffer slice(final AddressSpace space, final long address, final int length, final Access access)
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        space.wrapView(view, address, length, access);
        final ByteBuffer whole = view.byteBuffer().duplicate();
        final int at = view.wrapAdjustment();
        whole.limit(at + length).position(at);
        return whole.slice();
    }

    private static void addZeros(final CompositeByteBuf composite, final int length)
    {
        composite.addComponent(true, ByteBufAllocator.DEFAULT.heapBuffer(length).writeZero(length));
    }
}

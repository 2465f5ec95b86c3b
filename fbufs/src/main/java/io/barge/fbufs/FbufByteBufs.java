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

/**
 * Netty views of fbuf data without copying: each contiguous physical run of a received message or an aggregate
 * becomes a component wrapping the machine's memory in place (rights are checked once per run, through
 * {@link AddressSpace#wrapView}), and the whole is a read-only composite.
 * <p>
 * A view borrows: it stays valid while the message is held (or the aggregate keeps its pieces) and must not be used
 * after; releasing the view frees nothing of the fbufs.
 */
public final class FbufByteBufs
{
    private FbufByteBufs()
    {
    }

    /**
     * @param message a held message.
     * @param space   the receiving domain's address space.
     * @return a read-only view of its bytes, in order.
     */
    public static ByteBuf readOnlyView(final Message message, final AddressSpace space)
    {
        final CompositeByteBuf composite = Unpooled.compositeBuffer(Math.max(2, message.pieceCount() * 2));
        for (int i = 0; i < message.pieceCount(); i++)
        {
            addRuns(composite, space, message.pieceAddress(i), message.pieceLength(i), Access.READ,
                message.zeroOnFault(), true);
        }
        return composite.asReadOnly();
    }

    /**
     * @param aggregate an aggregate.
     * @return a read-only view of its bytes, in order.
     */
    public static ByteBuf readOnlyView(final Aggregate aggregate)
    {
        final CompositeByteBuf composite = Unpooled.compositeBuffer(Math.max(2, aggregate.pieceCount() * 2));
        final AddressSpace space = aggregate.domain().addressSpace();
        for (int i = 0; i < aggregate.pieceCount(); i++)
        {
            if (aggregate.pieceHandle(i) == FbufRegion.NO_FBUF)
            {
                addZeros(composite, aggregate.pieceLength(i));
            }
            else
            {
                addRuns(composite, space, aggregate.pieceAddress(i), aggregate.pieceLength(i), Access.READ, false,
                    true);
            }
        }
        return composite.asReadOnly();
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

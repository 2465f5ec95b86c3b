package io.barge.rbufs;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * A domain's direct view of a control area, like user code holding a pointer into its mapping: no translation per
 * access. {@link AddressSpace#wrapView} needs physically consecutive frames; when the kernel handed out scattered
 * frames the view falls back to one buffer per page. Both cases take the same path: with one view the page shift
 * is 31 so every offset selects view 0. Words are 8-byte aligned, so none straddles a page.
 */
final class RingView
{
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[8]);

    private final UnsafeBuffer[] views;
    private final int shift;
    private final int mask;
    private final int lastWord;
    // Contiguous case: the raw address of the one view. Raw off-heap accesses (no base object) let the compiler
    // keep this end's fields in registers across them, which an UnsafeBuffer (whose base may be a heap array)
    // does not: about 4x fewer cycles per ring word on the development box.
    private final boolean contiguous;
    private long address;
    private ByteBuffer zeros;

    /**
     * @param space   the domain's address space.
     * @param address first byte of the area in that space.
     * @param length  bytes, whole pages.
     * @param access  READ for the consumer, WRITE for the producer.
     */
    RingView(final AddressSpace space, final long address, final int length, final Access access)
    {
        UnsafeBuffer[] made;
        int s;
        try
        {
            final UnsafeBuffer whole = new UnsafeBuffer(EMPTY);
            space.wrapView(whole, address, length, access);
            made = new UnsafeBuffer[]{ whole };
            s = 31;
        }
        catch (final IllegalArgumentException notConsecutive)
        {
            final int pageSize = space.pageSize();
            made = new UnsafeBuffer[length / pageSize];
            for (int i = 0; i < made.length; i++)
            {
                made[i] = new UnsafeBuffer(EMPTY);
                space.wrapView(made[i], address + (long)i * pageSize, pageSize, access);
            }
            s = Integer.numberOfTrailingZeros(pageSize);
        }
        this.views = made;
        this.shift = s;
        this.mask = s == 31 ? -1 : (1 << s) - 1;
        this.lastWord = length - 8;
        this.contiguous = made.length == 1 && made[0].byteArray() == null;
        this.address = made[0].addressOffset();
    }

    /**
     * @return whether one view spans the whole area (the frames were consecutive).
     */
    boolean isContiguous()
    {
        return views.length == 1;
    }

    /**
     * @return the view holding the area's first page (and so the header).
     */
    UnsafeBuffer firstPage()
    {
        return views[0];
    }

    long getLong(final int offset)
    {
        if (contiguous)
        {
            return UnsafeApi.getLong(address + checked(offset));
        }
        return views[offset >>> shift].getLong(offset & mask);
    }

    void putLong(final int offset, final long value)
    {
        if (contiguous)
        {
            UnsafeApi.putLong(address + checked(offset), value);
            return;
        }
        views[offset >>> shift].putLong(offset & mask, value);
    }

    long getLongAcquire(final int offset)
    {
        if (contiguous)
        {
            return UnsafeApi.getLongAcquire(null, address + checked(offset));
        }
        return views[offset >>> shift].getLongAcquire(offset & mask);
    }

    long getLongVolatile(final int offset)
    {
        if (contiguous)
        {
            return UnsafeApi.getLongVolatile(null, address + checked(offset));
        }
        return views[offset >>> shift].getLongVolatile(offset & mask);
    }

    void putLongRelease(final int offset, final long value)
    {
        if (contiguous)
        {
            UnsafeApi.putLongRelease(null, address + checked(offset), value);
            return;
        }
        views[offset >>> shift].putLongRelease(offset & mask, value);
    }

    /**
     * Offsets come from this end's private positions, never from the peer, and the ring arithmetic keeps them in
     * the area; the check is the same safety net UnsafeBuffer's bounds checks give the per-page views, and like
     * them it is off when Agrona's bounds checks are ({@code -Dagrona.disable.bounds.checks=true}): a check per
     * word stops the compiler from merging and reordering the ring's stores.
     */
    private int checked(final int offset)
    {
        if (DirectBuffer.SHOULD_BOUNDS_CHECK && (offset | (lastWord - offset)) < 0)
        {
            throw new IndexOutOfBoundsException("offset=" + offset + " outside a ring area of " + (lastWord + 8) +
                " bytes");
        }
        return offset;
    }

    /**
     * Points every view at private zeros of the same length, so that a late access from an end that has not yet
     * seen the teardown reads zeros (an empty ring) instead of frames that may already belong to someone else.
     */
    void drop()
    {
        if (contiguous)
        {
            if (zeros == null)
            {
                zeros = ByteBuffer.allocateDirect(views[0].capacity());
                views[0].wrap(zeros);
                address = views[0].addressOffset();
            }
            return;
        }
        for (final UnsafeBuffer view : views)
        {
            if (view.capacity() > EMPTY.capacity() && view.byteArray() == null)
            {
                view.wrap(new byte[view.capacity()]);
            }
        }
    }
}

package io.barge.fbufs;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;

import java.nio.ByteBuffer;

/**
 * A Netty allocator whose direct buffers are fbufs of one I/O path, written in place by the path's originator, so
 * that Netty code can fill buffers that then cross domains without a copy ({@link #appendTo}). Capacity is the fbuf's
 * (pages), fixed: a buffer does not grow beyond what it was allocated with. Releasing the last reference to the
 * buffer releases the fbuf (back to the path's free list when cached). Heap buffers are ordinary Netty ones.
 */
public final class FbufByteBufAllocator extends AbstractByteBufAllocator
{
    private final IoPath path;
    private final AddressSpace space;

    /**
     * @param path the path to allocate on; buffers are written by its originator.
     */
    public FbufByteBufAllocator(final IoPath path)
    {
        super(true);
        this.path = path;
        this.space = path.originator().addressSpace();
    }

    /**
     * @return the path buffers come from.
     */
    public IoPath path()
    {
        return path;
    }

    @Override
    protected ByteBuf newHeapBuffer(final int initialCapacity, final int maxCapacity)
    {
        return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
    }

    /**
     * @throws IllegalStateException if the path has no fbuf to give (its budget or memory is exhausted).
     */
    @Override
    protected ByteBuf newDirectBuffer(final int initialCapacity, final int maxCapacity)
    {
        final long handle = path.allocate(Math.max(1, initialCapacity));
        if (handle == FbufRegion.NO_FBUF)
        {
            throw new IllegalStateException("path " + path + " has no fbuf of " + initialCapacity + " bytes to give");
        }
        final FbufRegion region = path.region();
        final long address = region.address(handle);
        final int capacity = region.capacity(handle);
        try
        {
            // Wrapping an existing buffer marks it all written; a fresh allocation starts empty.
            return new FbufDirectByteBuf(this, FbufByteBufs.slice(space, address, capacity, Access.WRITE), handle)
                .clear();
        }
        catch (final IllegalArgumentException notConsecutive)
        {
            final FbufCompositeByteBuf composite = new FbufCompositeByteBuf(this, handle);
            FbufByteBufs.addRuns(composite, space, address, capacity, Access.WRITE, false, false);
            return composite;
        }
    }

    @Override
    public boolean isDirectBufferPooled()
    {
        return path.mode().cached();
    }

    /**
     * Appends a buffer's readable bytes to an aggregate of the path's originator, without copying.
     *
     * @param buffer    a buffer from this allocator.
     * @param aggregate the aggregate; it takes its own reference on the fbuf.
     */
    public void appendTo(final ByteBuf buffer, final Aggregate aggregate)
    {
        final ByteBuf unwrapped = buffer.unwrap() != null ? buffer.unwrap() : buffer;
        final long handle;
        if (unwrapped instanceof FbufDirectByteBuf)
        {
            handle = ((FbufDirectByteBuf)unwrapped).handle;
        }
        else if (unwrapped instanceof FbufCompositeByteBuf)
        {
            handle = ((FbufCompositeByteBuf)unwrapped).handle;
        }
        else
        {
            throw new IllegalArgumentException("buffer was not allocated by an FbufByteBufAllocator");
        }
        final FbufRegion region = path.region();
        aggregate.append(handle, region.address(handle) + buffer.readerIndex(), buffer.readableBytes());
    }

    /** A direct buffer over an fbuf whose frames are physically consecutive. */
    static final class FbufDirectByteBuf extends UnpooledDirectByteBuf
    {
        final long handle;
        private final FbufByteBufAllocator owner;

        FbufDirectByteBuf(final FbufByteBufAllocator owner, final ByteBuffer memory, final long handle)
        {
            super(owner, memory, memory.remaining());
            this.owner = owner;
            this.handle = handle;
        }

        @Override
        public ByteBuf capacity(final int newCapacity)
        {
            if (newCapacity != capacity())
            {
                throw new UnsupportedOperationException("an fbuf buffer cannot be resized: capacity=" + capacity() +
                    " newCapacity=" + newCapacity);
            }
            return this;
        }

        @Override
        protected void deallocate()
        {
            super.deallocate();
            owner.path.release(handle);
        }
    }

    /** An fbuf whose frames are not consecutive: one component per run. */
    static final class FbufCompositeByteBuf extends CompositeByteBuf
    {
        final long handle;
        private final FbufByteBufAllocator owner;

        FbufCompositeByteBuf(final FbufByteBufAllocator owner, final long handle)
        {
            super(owner, true, Integer.MAX_VALUE);
            this.owner = owner;
            this.handle = handle;
        }

        @Override
        protected void deallocate()
        {
            super.deallocate();
            owner.path.release(handle);
        }
    }
}

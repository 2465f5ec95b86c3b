package io.barge.fbufs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import org.junit.jupiter.api.Nested;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The ByteBuf contract for every buffer kind Barge hands out.
 */
class FbufByteBufKindsTest
{
    /** A direct buffer from a cached path's free list (reused fbufs: a previous test's bytes are there). */
    @Nested
    class DirectOnACachedPath extends FbufByteBufContractTest
    {
        @Override
        protected FbufMode mode()
        {
            return new FbufMode(true, false, false);
        }

        @Override
        protected ByteBuf newBuffer(final int capacity, final int maxCapacity)
        {
            // Dirty the fbuf this allocation will reuse, so that no test passes on zeroed fresh frames.
            final ByteBuf dirty = allocator.directBuffer(capacity);
            dirty.writeBytes(bytes(capacity, capacity));
            dirty.release();
            return allocator.directBuffer(capacity, maxCapacity);
        }
    }

    /** A direct buffer from an uncached path (fresh frames every time). */
    @Nested
    class DirectOnAnUncachedPath extends FbufByteBufContractTest
    {
        @Override
        protected FbufMode mode()
        {
            return new FbufMode(false, false, true);
        }

        @Override
        protected ByteBuf newBuffer(final int capacity, final int maxCapacity)
        {
            return allocator.directBuffer(capacity, maxCapacity);
        }
    }

    /** A direct buffer whose fbuf is spread over physically non-consecutive frames. */
    @Nested
    class DirectOverNonConsecutiveFrames extends FbufByteBufContractTest
    {
        private final List<int[]> kept = new ArrayList<>();

        @Override
        protected FbufMode mode()
        {
            return new FbufMode(false, true, false);
        }

        @Override
        protected ByteBuf newBuffer(final int capacity, final int maxCapacity)
        {
            final int pages = transport.region().pagesFor(capacity);
            kept.add(fragment(pages));
            final ByteBuf buffer = allocator.directBuffer(capacity, maxCapacity);
            if (pages > 1)
            {
                assertFalse(buffer.isContiguous(), "the fbuf's frames are not consecutive");
            }
            return buffer;
        }

        @Override
        protected void beforeTeardown()
        {
            kept.forEach(this::unfragment);
        }
    }

    /** Netty's composite from the allocator, over three fbuf buffers (it grows with more). */
    @Nested
    class Composite extends FbufByteBufContractTest
    {
        @Override
        protected FbufMode mode()
        {
            return new FbufMode(true, true, true);
        }

        @Override
        protected boolean honoursMaxCapacity()
        {
            return false;
        }

        @Override
        protected boolean copiesOverlappingRanges()
        {
            return false;
        }

        @Override
        protected ByteBuf newBuffer(final int capacity, final int maxCapacity)
        {
            final CompositeByteBuf composite = allocator.compositeDirectBuffer();
            if (capacity < 3)
            {
                return composite.addComponent(component(capacity));
            }
            final int first = capacity / 3;
            final int second = capacity / 3 + 1;
            return composite.addComponents(component(first), component(second), component(capacity - first - second));
        }

        /** A component's length is its readable bytes: a whole buffer, never written, reading as zeros. */
        private ByteBuf component(final int length)
        {
            return allocator.directBuffer(length).writerIndex(length);
        }
    }
}

package io.barge.fbufs;

import io.barge.core.AddressSpace;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.buffer.WrappedByteBuf;

import java.util.concurrent.atomic.LongAdder;

/**
 * A Netty allocator whose direct buffers are fbufs of one I/O path, written in place by the path's originator, so
 * that Netty code can fill buffers that then cross domains without a copy ({@link #appendTo}).
 * <p>
 * Netty's contract holds: a buffer's capacity is what was asked for (not the fbuf's page-rounded size) and grows up
 * to its {@code maxCapacity} (in place while the fbuf has room, else by moving to a bigger fbuf of the path); bytes
 * this user never wrote read as zero, whatever a previous user of a cached fbuf left there; slices, duplicates and
 * read-only views share the fbuf and its reference count; releasing the last reference releases the fbuf (back to
 * the path's free list when cached). Every buffer is passed through Netty's leak-aware wrapping, so
 * {@code ResourceLeakDetector} (at {@code PARANOID} in tests) reports a buffer dropped unreleased.
 * <p>
 * Differences a Netty user must know:
 * <ul>
 *     <li>Writes obey the originator's rights: after a non-volatile send of an fbuf the originator may no longer
 *     write it, and a write through its buffer raises {@link io.barge.core.ProtectionFault} before a byte changes
 *     ({@code isReadOnly()} answers true from then on). A read-only view refuses writes with
 *     {@link java.nio.ReadOnlyBufferException}, as Netty's do.</li>
 *     <li>A direct buffer the path cannot give (over its budget, or exhausted) raises {@link OutOfFbufMemoryError},
 *     an {@link OutOfMemoryError} like Netty's {@code OutOfDirectMemoryError}.</li>
 *     <li>Byte order is Netty's (big-endian, {@code *LE} methods little-endian); Barge's {@code Message} reads words
 *     little-endian, so a receiver's {@code Message.getLong} sees what {@code writeLongLE} wrote.</li>
 *     <li>No buffer has an array or a memory address: memory is reached only through the domain's address space.
 *     {@code nioBuffer} shares memory when the range is physically consecutive, and copies otherwise.</li>
 * </ul>
 * Heap buffers are ordinary Netty ones, counted in {@link #metric()}.
 */
public final class FbufByteBufAllocator extends AbstractByteBufAllocator implements ByteBufAllocatorMetricProvider
{
    private final IoPath path;
    private final AddressSpace space;
    private final LongAdder heapBytes = new LongAdder();
    private final ByteBufAllocatorMetric metric = new Metric();

    /**
     * An allocator that prefers direct (fbuf) buffers for {@code buffer()}.
     *
     * @param path the path to allocate on; buffers are written by its originator.
     */
    public FbufByteBufAllocator(final IoPath path)
    {
        this(path, true);
    }

    /**
     * @param path         the path to allocate on; buffers are written by its originator.
     * @param preferDirect whether {@code buffer()} gives fbufs (true) or heap buffers (false), as in Netty.
     */
    public FbufByteBufAllocator(final IoPath path, final boolean preferDirect)
    {
        super(preferDirect);
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

    AddressSpace space()
    {
        return space;
    }

    @Override
    protected ByteBuf newHeapBuffer(final int initialCapacity, final int maxCapacity)
    {
        return toLeakAwareBuffer(new CountedHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    /**
     * @throws OutOfFbufMemoryError if the path has no fbuf of {@code initialCapacity} bytes to give.
     */
    @Override
    protected ByteBuf newDirectBuffer(final int initialCapacity, final int maxCapacity)
    {
        return toLeakAwareBuffer(new FbufByteBuf(this, allocateFbuf(initialCapacity), initialCapacity, maxCapacity));
    }

    long allocateFbuf(final int bytes)
    {
        final FbufRegion region = path.region();
        final int pages = region.pagesFor(bytes);
        if (pages > path.budgetPages())
        {
            throw new OutOfFbufMemoryError("capacity=" + bytes + " needs " + pages + " pages; path " + path +
                " has a budget of " + path.budgetPages() + " pages");
        }
        final long handle = path.allocate(bytes);
        if (handle == FbufRegion.NO_FBUF)
        {
            throw new OutOfFbufMemoryError("path " + path + " has no fbuf of " + bytes + " bytes to give (budget " +
                path.budgetPages() + " pages, or the region or physical memory is exhausted)");
        }
        return handle;
    }

    void releaseFbuf(final long handle)
    {
        // A closed path already freed its fbufs (their handles went stale); releasing then has nothing to do.
        if (path.region().isLive(handle))
        {
            path.release(handle);
        }
    }

    @Override
    public boolean isDirectBufferPooled()
    {
        return path.mode().cached();
    }

    /**
     * @return used heap memory (bytes of live heap buffers) and used direct memory (bytes of fbufs the path holds,
     *         cached and in-flight ones included).
     */
    @Override
    public ByteBufAllocatorMetric metric()
    {
        return metric;
    }

    static CompositeByteBuf leakAware(final CompositeByteBuf composite)
    {
        return toLeakAwareBuffer(composite);
    }

    /**
     * Appends a buffer's readable bytes to an aggregate of the path's originator, without copying: each piece of
     * fbuf the bytes lie in, with the range the buffer itself covers (a slice's or duplicate's own range, every
     * component of a composite). Bytes the buffer never wrote are zeroed first, so the receiver sees exactly what
     * the buffer reads.
     *
     * @param buffer    a buffer of this allocator, a slice, duplicate or read-only view of one, or a composite of
     *                  such buffers; the caller keeps its reference.
     * @param aggregate the aggregate; it takes its own reference on each fbuf.
     * @throws IllegalArgumentException if some byte is not in an fbuf of this allocator's path (nothing appended).
     * @throws io.netty.util.IllegalReferenceCountException if a buffer was released (nothing appended).
     */
    public void appendTo(final ByteBuf buffer, final Aggregate aggregate)
    {
        final int index = buffer.readerIndex();
        final int length = buffer.readableBytes();
        walk(buffer, index, length, null);
        walk(buffer, index, length, aggregate);
    }

    /** Resolves a range of a buffer to fbuf pieces: checks them all (null aggregate), or appends them. */
    private void walk(final ByteBuf buffer, final int index, final int length, final Aggregate aggregate)
    {
        if (buffer instanceof FbufByteBuf)
        {
            final FbufByteBuf fbuf = (FbufByteBuf)buffer;
            if (fbuf.path() != path)
            {
                throw new IllegalArgumentException("buffer was allocated on " + fbuf.path() + ", not " + path);
            }
            if (length == 0)
            {
                return;
            }
            // Accessibility and bounds, as any read would check them.
            fbuf.getByte(index);
            fbuf.getByte(index + length - 1);
            if (aggregate == null)
            {
                fbuf.materialize(index + length);
            }
            else
            {
                aggregate.append(fbuf.handle(), fbuf.address() + index, length);
            }
        }
        else if (buffer instanceof FbufDerivedByteBuf)
        {
            final FbufDerivedByteBuf view = (FbufDerivedByteBuf)buffer;
            if (length > 0)
            {
                view.getByte(index);
                view.getByte(index + length - 1);
            }
            walk(view.root(), view.offset() + index, length, aggregate);
        }
        else if (buffer instanceof CompositeByteBuf)
        {
            walkComposite((CompositeByteBuf)buffer, index, length, aggregate);
        }
        else if (buffer instanceof WrappedByteBuf)
        {
            walk(buffer.unwrap(), index, length, aggregate); // Netty's leak-aware wrappers share their indices
        }
        else
        {
            throw new IllegalArgumentException("buffer " + buffer.getClass().getSimpleName() +
                " was not allocated by an FbufByteBufAllocator");
        }
    }

    private void walkComposite(final CompositeByteBuf composite, final int index, final int length,
        final Aggregate aggregate)
    {
        if (length == 0)
        {
            return;
        }
        composite.getByte(index);
        composite.getByte(index + length - 1);
        int at = index;
        final int end = index + length;
        for (int c = composite.toComponentIndex(index); at < end; c++)
        {
            final int start = composite.toByteIndex(c);
            final ByteBuf component = composite.internalComponent(c);
            final int n = Math.min(end - at, start + component.capacity() - at);
            walk(component, at - start, n, aggregate);
            at += n;
        }
    }

    /** A Netty heap buffer whose array is counted in the metric. */
    private static final class CountedHeapByteBuf extends UnpooledHeapByteBuf
    {
        CountedHeapByteBuf(final FbufByteBufAllocator owner, final int initialCapacity, final int maxCapacity)
        {
            super(owner, initialCapacity, maxCapacity);
        }

        @Override
        protected byte[] allocateArray(final int initialCapacity)
        {
            // Called from the super constructor too, once alloc() is set and before any field of this class is.
            final byte[] array = super.allocateArray(initialCapacity);
            ((FbufByteBufAllocator)alloc()).heapBytes.add(array.length);
            return array;
        }

        @Override
        protected void freeArray(final byte[] array)
        {
            ((FbufByteBufAllocator)alloc()).heapBytes.add(-array.length);
            super.freeArray(array);
        }
    }

    private final class Metric implements ByteBufAllocatorMetric
    {
        @Override
        public long usedHeapMemory()
        {
            return heapBytes.sum();
        }

        @Override
        public long usedDirectMemory()
        {
            final FbufRegion region = path.region();
            synchronized (region)
            {
                return (long)path.pagesInUse * region.pageSize();
            }
        }

        @Override
        public String toString()
        {
            return "FbufByteBufAllocatorMetric{usedHeapMemory=" + usedHeapMemory() + ", usedDirectMemory=" +
                usedDirectMemory() + "}";
        }
    }
}

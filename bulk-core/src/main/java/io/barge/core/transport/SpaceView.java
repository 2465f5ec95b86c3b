package io.barge.core.transport;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.ProtectionFault;
import org.agrona.AbstractMutableDirectBuffer;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.agrona.BufferUtil.ARRAY_BASE_OFFSET;
import static org.agrona.BufferUtil.NATIVE_BYTE_ORDER;

/**
 * An Agrona buffer over a range of a domain's address space, for user code: the binding and the checks that make
 * it safe. The range's pages are translated once, when the transport binds the view (a page without the right is a
 * {@link ProtectionFault} then); every access then reaches the frames directly, after a bounds check and a check of
 * the space's {@link AddressSpace#mappingEpoch() mapping epoch}: when a mapping of the space was removed or
 * downgraded since, the view translates its pages again and becomes invalid if any of them changed (a channel torn
 * down). A flyweight binding again a range it bound before, under the same epoch, reuses that translation (a few
 * recent ones are kept per view), so that cycling through a channel's buffers costs no page-table walk per message.
 * After {@link #invalidate()} (commit, abort, release) every use is a {@link BufferStateException}; the
 * bounds check is not Agrona's optional one, since it is what keeps a user inside the range it may use.
 * <p>
 * A range whose frames are physically consecutive is one run (the fast path: one add per access). Otherwise the view
 * keeps a base per page and assembles an access that spans two pages byte by byte; composite operations (strings,
 * ASCII numbers) then run on a private scratch copy of the bytes they cover. The reads are in {@link ReadableView},
 * the writes in {@link ClaimView}.
 * <p>
 * {@code wrap(...)} is refused: a user must not re-point a view at raw memory. {@link #addressOffset()} is the raw
 * address of a valid one-run view, for Agrona code that copies from it; it is meaningless once the view is invalid.
 */
abstract class SpaceView extends AbstractMutableDirectBuffer
{
    /** {@link #slowAddress} result for an access that spans two pages of a split view. */
    static final long SPANS_PAGES = -1L;
    private static final boolean NATIVE_LITTLE = NATIVE_BYTE_ORDER == ByteOrder.LITTLE_ENDIAN;
    /** Entries of a view's cache of recent translations (a power of two). */
    private static final int CACHE_SLOTS = 32;
    private static final int ENTRY = 4;

    /** The whole range when valid and one run; -1 otherwise, so that the fast check fails. */
    int limit = -1;
    AddressSpace space;
    long epoch;
    private boolean valid;
    private boolean revoked;
    private boolean split;
    private long virtualAddress;
    private Access access;
    private boolean zeroUnreadable;
    private int firstOffset;
    private int pageShift;
    private int pageMask;
    private long[] bases = new long[1];
    private long[] check = new long[1];
    /** Raw address of the first page when the range is one run ({@code bases} is filled only when split). */
    private long runBase;
    /*
     * Recent one-run translations of this view, so that a flyweight cycling through a channel's few buffers binds
     * without walking the page table: direct mapped by the range's first page, each entry the range, the access
     * translated for, the mapping epoch read before the translation and the run's raw base. An entry is used only
     * while the space's epoch still equals the one it was translated under: then no mapping of the space was removed
     * or downgraded since, which is the same guarantee a bound view relies on between accesses. Ranges with a page
     * read as zeros, or not one run, are never cached. One owner thread, as the flyweight.
     */
    private AddressSpace cachedSpace;
    // Entry-major, four longs an entry (address, epoch, base, length << 8 | need): a look-up reads one or two cache
    // lines, not one of each of five arrays, which matters when the message just read has evicted them all.
    private final long[] cache = new long[CACHE_SLOTS * ENTRY];
    private final UnsafeBuffer chunk = new UnsafeBuffer(0, 0);
    private UnsafeBuffer scratch;

    SpaceView()
    {
        byteArray = null;
        addressOffset = 0;
        capacity = 0;
    }

    /**
     * Points the view at a range and translates its pages. For {@link Claim} and {@link Message}.
     *
     * @return how many pages were unreadable and read as zeros (only with {@code zeroUnreadable}).
     * @throws ProtectionFault if a page lacks the right; the view stays invalid.
     */
    final int bind(final AddressSpace space, final long address, final int length, final Access access,
        final boolean zeroUnreadable)
    {
        invalidate();
        if (length < 0)
        {
            throw new IllegalArgumentException("length=" + length + " must not be negative");
        }
        if (length == 0)
        {
            // An empty piece: nothing to translate; every access but an empty one is out of bounds.
            this.space = space;
            this.virtualAddress = address;
            this.addressOffset = 0;
            this.capacity = 0;
            this.valid = true;
            this.limit = 0;
            return 0;
        }
        final int pageSize = space.pageSize();
        final int pageShift = Integer.numberOfTrailingZeros(pageSize);
        final long seen = space.mappingEpochAcquire();
        final int slot = slot(address, length);
        final byte need = (byte)(access.ordinal() + 1);
        final int at = slot * ENTRY;
        final long key = (long)length << 8 | need;
        if (cachedSpace == space && cache[at + 1] == seen && cache[at] == address && cache[at + 3] == key)
        {
            // Translated under this very epoch: nothing under the range was removed or downgraded since.
            bound(space, address, length, access, zeroUnreadable, pageShift, seen, cache[at + 2], true);
            return 0;
        }
        final int pages = (int)(((address + length - 1) >>> pageShift) - (address >>> pageShift)) + 1;
        if (bases.length < pages)
        {
            bases = new long[pages]; // grows to the largest range seen, then steady
            check = new long[pages];
        }
        final int zeroed = space.translateView(address, length, access, bases, zeroUnreadable);
        boolean run = true;
        for (int i = 1; i < pages; i++)
        {
            run &= bases[i] == bases[i - 1] + pageSize;
        }
        if (run && zeroed == 0)
        {
            if (cachedSpace != space)
            {
                for (int i = 1; i < cache.length; i += ENTRY)
                {
                    cache[i] = -1L; // another space's translations mean nothing here
                }
                cachedSpace = space;
            }
            cache[at] = address;
            cache[at + 1] = seen;
            cache[at + 2] = bases[0];
            cache[at + 3] = key;
        }
        bound(space, address, length, access, zeroUnreadable, pageShift, seen, bases[0], run);
        return zeroed;
    }

    private static int slot(final long address, final int length)
    {
        // A channel's buffers are usually equal ranges side by side: indexed by the address in units of the range's
        // size rounded up to a power of two, consecutive buffers take consecutive slots and never collide.
        final int shift = 64 - Long.numberOfLeadingZeros(length - 1L);
        return (int)(address >>> shift) & (CACHE_SLOTS - 1);
    }

    private void bound(final AddressSpace space, final long address, final int length, final Access access,
        final boolean zeroUnreadable, final int pageShift, final long seen, final long firstBase, final boolean run)
    {
        this.space = space;
        this.virtualAddress = address;
        this.access = access;
        this.zeroUnreadable = zeroUnreadable;
        this.pageShift = pageShift;
        this.pageMask = (1 << pageShift) - 1;
        this.firstOffset = (int)(address & pageMask);
        this.split = !run;
        this.runBase = firstBase;
        this.addressOffset = firstBase + firstOffset;
        this.capacity = length;
        this.epoch = seen;
        this.valid = true;
        this.limit = run ? length : -1;
    }

    /**
     * Makes every later use a {@link BufferStateException}, until the next bind.
     */
    final void invalidate()
    {
        valid = false;
        revoked = false;
        limit = -1;
        split = false;
    }

    /**
     * @return whether the view was made invalid by a change of the mappings under it (not by its owner).
     */
    final boolean isRevoked()
    {
        return revoked;
    }

    /**
     * @return whether the view is bound and usable.
     */
    final boolean isValid()
    {
        return valid;
    }

    /**
     * @return whether the range is not one physical run (accesses go through per-page bases).
     */
    final boolean isSplit()
    {
        return split;
    }

    /**
     * The loop-invariant half of the fast path: valid, one run, and no mapping change since the pages were
     * translated. The other half is {@code Objects.checkIndex(index, limit - size + 1)}, an intrinsic the JIT
     * hoists out of a counted loop, so that a user's loop over a view costs what a loop over a private buffer does.
     */
    final boolean oneRun()
    {
        return limit >= 0 && space.mappingEpoch() == epoch;
    }

    /**
     * Every check, with its typed error, then where the access goes.
     *
     * @return the raw address of {@code index}, or {@link #SPANS_PAGES} if the access spans two pages.
     */
    final long slowAddress(final int index, final int size)
    {
        checkRange(index, size);
        if (!split)
        {
            return addressOffset + index;
        }
        final int v = firstOffset + index;
        final int within = v & pageMask;
        return within + size > pageMask + 1 ? SPANS_PAGES : bases[v >>> pageShift] + within;
    }

    /**
     * Checks state, bounds and the mapping epoch for a range of the view.
     *
     * @throws BufferStateException      if invalid, or the range's mappings changed.
     * @throws IndexOutOfBoundsException if the range is outside the view.
     */
    final void checkRange(final int index, final int length)
    {
        checkValid();
        if (index < 0 || length < 0 || index + (long)length > capacity)
        {
            throw new IndexOutOfBoundsException("index=" + index + " length=" + length + " capacity=" + capacity);
        }
        if (capacity > 0 && space.mappingEpoch() != epoch)
        {
            revalidate();
        }
    }

    final void checkValid()
    {
        if (!valid)
        {
            throw new BufferStateException("buffer view used after its claim or message was completed, or its " +
                "channel torn down");
        }
    }

    private void revalidate()
    {
        final long seen = space.mappingEpochAcquire();
        final int pages = pageCount();
        try
        {
            space.translateView(virtualAddress, capacity, access, check, zeroUnreadable);
        }
        catch (final ProtectionFault fault)
        {
            invalidate();
            revoked = true;
            throw new BufferStateException("buffer view's range lost its mapping (channel torn down?): " +
                fault.getMessage());
        }
        for (int i = 0; i < pages; i++)
        {
            if (check[i] != (split ? bases[i] : runBase + ((long)i << pageShift)))
            {
                invalidate();
                revoked = true;
                throw new BufferStateException("buffer view's range was remapped at page " + i);
            }
        }
        epoch = seen;
    }

    private int pageCount()
    {
        return ((firstOffset + capacity - 1) >>> pageShift) + 1;
    }

    // ---- multi-page primitives ----------------------------------------------------------------------------------

    /**
     * Reads {@code size} bytes at {@code index} as the native-order bits one aligned access would read.
     */
    final long gather(final int index, final int size)
    {
        long le = 0;
        for (int b = 0; b < size; b++)
        {
            le |= (UnsafeApi.getByte(byteAddress(index + b)) & 0xFFL) << (8 * b);
        }
        return NATIVE_LITTLE ? le : Long.reverseBytes(le) >>> (64 - 8 * size);
    }

    /**
     * Writes the native-order bits of a {@code size}-byte value at {@code index}, byte by byte.
     */
    final void scatter(final int index, final int size, final long bits)
    {
        final long le = NATIVE_LITTLE ? bits : Long.reverseBytes(bits) >>> (64 - 8 * size);
        for (int b = 0; b < size; b++)
        {
            UnsafeApi.putByte(byteAddress(index + b), (byte)(le >>> (8 * b)));
        }
    }

    private long byteAddress(final int index)
    {
        final int v = firstOffset + index;
        return bases[v >>> pageShift] + (v & pageMask);
    }

    /**
     * Copies a checked range of the view into memory ({@code array} null for off-heap), page by page.
     */
    final void copyOut(final int index, final Object array, final long address, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int n = chunkLength(index + done, length - done);
            UnsafeApi.copyMemory(null, chunkAddress(index + done), array, address + done, n);
            done += n;
        }
    }

    /**
     * Copies a checked range of the view into another buffer, page by page, through that buffer's own puts.
     */
    final void copyOut(final int index, final MutableDirectBuffer dst, final int dstIndex, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int n = chunkLength(index + done, length - done);
            chunk.wrap(chunkAddress(index + done), n);
            dst.putBytes(dstIndex + done, chunk, 0, n);
            done += n;
        }
        chunk.wrap(0, 0);
    }

    /**
     * Copies memory into a checked range of the view, page by page.
     */
    final void copyIn(final int index, final Object array, final long address, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int n = chunkLength(index + done, length - done);
            UnsafeApi.copyMemory(array, address + done, null, chunkAddress(index + done), n);
            done += n;
        }
    }

    /**
     * Fills a checked range of the view, page by page.
     */
    final void fill(final int index, final int length, final byte value)
    {
        int done = 0;
        while (done < length)
        {
            final int n = chunkLength(index + done, length - done);
            UnsafeApi.setMemory(chunkAddress(index + done), n, value);
            done += n;
        }
    }

    private int chunkLength(final int index, final int remaining)
    {
        if (!split)
        {
            return remaining;
        }
        return Math.min(remaining, pageMask + 1 - ((firstOffset + index) & pageMask));
    }

    private long chunkAddress(final int index)
    {
        return split ? byteAddress(index) : addressOffset + index;
    }

    /**
     * @return a private buffer holding a copy of a checked range of the view, from index 0.
     */
    final UnsafeBuffer bounceOut(final int index, final int length)
    {
        final UnsafeBuffer buffer = scratch(length);
        copyOut(index, buffer.byteArray(), ARRAY_BASE_OFFSET, length);
        return buffer;
    }

    /**
     * @return a private buffer of at least {@code length} bytes for a composite write to run on first.
     */
    final UnsafeBuffer scratch(final int length)
    {
        if (scratch == null || scratch.capacity() < length)
        {
            scratch = new UnsafeBuffer(new byte[Math.max(64, length)]); // rare path: split views only
        }
        return scratch;
    }

    // ---- the buffer itself --------------------------------------------------------------------------------------

    @Override
    public int capacity()
    {
        checkValid();
        return capacity;
    }

    @Override
    public void checkLimit(final int limit)
    {
        checkValid();
        super.checkLimit(limit);
    }

    @Override
    public void boundsCheck(final int index, final int length)
    {
        checkRange(index, length);
    }

    /**
     * For the owner right after its own bind (a message's touch): the run's raw first address as translated then,
     * without {@link #addressOffset()}'s check, which would turn a mapping removed since into a
     * {@link BufferStateException}; a read through it races a concurrent unmap exactly as a per-page translation does.
     *
     * @return the bound run's raw address, or -1 if the range is split across frames.
     */
    final long boundRunAddress()
    {
        return split ? -1 : addressOffset;
    }

    @Override
    public long addressOffset()
    {
        checkRange(0, 0); // valid, and no mapping under it changed
        if (split)
        {
            throw new UnsupportedOperationException("the view spans frames that are not consecutive: it has no " +
                "single address; copy with getBytes or putBytes on the view");
        }
        return addressOffset;
    }

    @Override
    public byte[] byteArray()
    {
        return null;
    }

    @Override
    public ByteBuffer byteBuffer()
    {
        return null;
    }

    @Override
    public int wrapAdjustment()
    {
        return 0;
    }

    @Override
    public boolean isExpandable()
    {
        return false;
    }

    @Override
    public void wrap(final byte[] buffer)
    {
        throw refuseWrap();
    }

    @Override
    public void wrap(final byte[] buffer, final int offset, final int length)
    {
        throw refuseWrap();
    }

    @Override
    public void wrap(final ByteBuffer buffer)
    {
        throw refuseWrap();
    }

    @Override
    public void wrap(final ByteBuffer buffer, final int offset, final int length)
    {
        throw refuseWrap();
    }

    @Override
    public void wrap(final DirectBuffer buffer)
    {
        throw refuseWrap();
    }

    @Override
    public void wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        throw refuseWrap();
    }

    @Override
    public void wrap(final long address, final int length)
    {
        throw refuseWrap();
    }

    private static UnsupportedOperationException refuseWrap()
    {
        return new UnsupportedOperationException("a claim's or message's view cannot be re-pointed");
    }

    @Override
    public int compareTo(final DirectBuffer that)
    {
        final int thisCapacity = capacity();
        final int thatCapacity = that.capacity();
        for (int i = 0, n = Math.min(thisCapacity, thatCapacity); i < n; i++)
        {
            final int cmp = Byte.compare(getByte(i), that.getByte(i));
            if (cmp != 0)
            {
                return cmp;
            }
        }
        return Integer.compare(thisCapacity, thatCapacity);
    }

    @Override
    public boolean equals(final Object obj)
    {
        return this == obj || obj instanceof DirectBuffer && compareTo((DirectBuffer)obj) == 0;
    }

    @Override
    public int hashCode()
    {
        // Agrona's content hash, so that a view and an Agrona buffer that are equal hash alike.
        final int length = capacity();
        int i = 0;
        int hash = 19;
        for (final int end = length & ~7; i < end; i += 8)
        {
            hash = 31 * hash + Long.hashCode(getLong(i));
        }
        for (; i < length; i++)
        {
            hash = 31 * hash + getByte(i);
        }
        return hash;
    }

    @Override
    public String toString()
    {
        return getClass().getSimpleName() + "{valid=" + valid + ", address=0x" + Long.toHexString(virtualAddress) +
            ", capacity=" + capacity + ", split=" + split + '}';
    }
}

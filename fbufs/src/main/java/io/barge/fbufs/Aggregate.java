package io.barge.fbufs;

import io.barge.core.AddressSpace;
import io.barge.core.Domain;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Arrays;

/**
 * An aggregate object: an ordered sequence of (fbuf, address, length) pieces with the operations of Unix mbufs
 * (concatenate, split, clip head and tail, prepend a header, iterate, read across pieces). An aggregate is local to
 * its domain (seed 004: "aggregate objects are always local to an address space"); what crosses to another domain is
 * its description (a piece list or a node graph inside fbufs).
 * <p>
 * Each piece holds one reference on its fbuf; {@link #close()} drops them all. Pieces without an fbuf (a received
 * piece a volatile sender made invalid) read as zeros. Reads go through the owning domain's address space. Reusable:
 * a closed aggregate can be filled again without allocating. Not thread safe. Leak-tracked while it holds fbufs.
 */
public final class Aggregate implements AutoCloseable
{
    /** Receives pieces from {@link #forEachPiece(PieceVisitor)}. */
    @FunctionalInterface
    public interface PieceVisitor
    {
        /**
         * @param handle  the fbuf, or {@link FbufRegion#NO_FBUF} for a zero piece.
         * @param address first byte, in the owning domain's space.
         * @param length  bytes.
         */
        void onPiece(long handle, long address, int length);
    }

    private final FbufRegion region;
    private final Domain domain;
    private final AddressSpace space;
    private long[] handles = new long[4];
    private long[] addresses = new long[4];
    private int[] lengths = new int[4];
    private int count;
    private int length;
    private LeakDetector.Tracker tracker;

    /**
     * @param region the fbuf region.
     * @param domain the domain the aggregate belongs to.
     */
    public Aggregate(final FbufRegion region, final Domain domain)
    {
        this.region = region;
        this.domain = domain;
        this.space = domain.addressSpace();
    }

    /**
     * @return the fbuf region the pieces are in.
     */
    public FbufRegion region()
    {
        return region;
    }

    /**
     * @return the owning domain.
     */
    public Domain domain()
    {
        return domain;
    }

    /**
     * @return total bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return number of pieces.
     */
    public int pieceCount()
    {
        return count;
    }

    /**
     * @param i piece index.
     * @return its fbuf handle, or {@link FbufRegion#NO_FBUF} for a zero piece.
     */
    public long pieceHandle(final int i)
    {
        checkPiece(i);
        return handles[i];
    }

    /**
     * @param i piece index.
     * @return its first byte.
     */
    public long pieceAddress(final int i)
    {
        checkPiece(i);
        return addresses[i];
    }

    /**
     * @param i piece index.
     * @return its length.
     */
    public int pieceLength(final int i)
    {
        checkPiece(i);
        return lengths[i];
    }

    /**
     * @param visitor told each piece in order.
     */
    public void forEachPiece(final PieceVisitor visitor)
    {
        for (int i = 0; i < count; i++)
        {
            visitor.onPiece(handles[i], addresses[i], lengths[i]);
        }
    }

    // ---- building ----------------------------------------------------------------------------------------------

    /**
     * Appends a piece of a live fbuf, adding a reference to it.
     *
     * @param handle  the fbuf.
     * @param address first byte, inside the fbuf.
     * @param pieceLength bytes, inside the fbuf.
     * @return this.
     */
    public Aggregate append(final long handle, final long address, final int pieceLength)
    {
        checkInside(handle, address, pieceLength);
        region.retain(handle);
        insert(count, handle, address, pieceLength);
        return this;
    }

    /**
     * Appends a piece, taking over a reference the caller holds (e.g. a fresh allocation's).
     *
     * @param handle  the fbuf.
     * @param address first byte, inside the fbuf.
     * @param pieceLength bytes.
     * @return this.
     */
    public Aggregate appendOwned(final long handle, final long address, final int pieceLength)
    {
        checkInside(handle, address, pieceLength);
        insert(count, handle, address, pieceLength);
        return this;
    }

    /**
     * Concatenates: appends every piece of another aggregate (which keeps its own references).
     *
     * @param other an aggregate of the same domain.
     * @return this.
     */
    public Aggregate append(final Aggregate other)
    {
        if (other.domain != domain)
        {
            throw new IllegalArgumentException("aggregates are local to a domain: " + other.domain + " != " + domain);
        }
        if (other == this)
        {
            throw new IllegalArgumentException("cannot append an aggregate to itself");
        }
        for (int i = 0; i < other.count; i++)
        {
            if (other.handles[i] != FbufRegion.NO_FBUF)
            {
                region.retain(other.handles[i]);
            }
            insert(count, other.handles[i], other.addresses[i], other.lengths[i]);
        }
        return this;
    }

    /**
     * Prepends a piece of a live fbuf, adding a reference.
     *
     * @param handle  the fbuf.
     * @param address first byte.
     * @param pieceLength bytes.
     * @return this.
     */
    public Aggregate prepend(final long handle, final long address, final int pieceLength)
    {
        checkInside(handle, address, pieceLength);
        region.retain(handle);
        insert(0, handle, address, pieceLength);
        return this;
    }

    /**
     * Prepends a header: allocates a small fbuf on a path this domain originates, writes the bytes into it and
     * puts it in front.
     *
     * @param path   a path whose originator is this aggregate's domain.
     * @param src    header bytes.
     * @param offset first byte in {@code src}.
     * @param headerLength bytes.
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} if the path has no fbuf to give.
     */
    public int prependHeader(final IoPath path, final DirectBuffer src, final int offset, final int headerLength)
    {
        if (path.originator() != domain)
        {
            throw new IllegalArgumentException("header fbufs come from a path " + domain + " originates, not " + path);
        }
        final long handle = path.allocate(headerLength);
        if (handle == FbufRegion.NO_FBUF)
        {
            return Status.BACK_PRESSURED;
        }
        final long address = region.address(handle);
        space.putBytes(address, src, offset, headerLength);
        insert(0, handle, address, headerLength);
        return Status.OK;
    }

    /**
     * Fills this (emptied first) with the pieces of a received message, adding a reference to each fbuf; a piece in
     * no live fbuf becomes a zero piece.
     *
     * @param message a held message received by this aggregate's domain.
     * @return this.
     */
    public Aggregate wrap(final Message message)
    {
        if (message.source().domain() != domain)
        {
            throw new IllegalArgumentException("message was received by " + message.source().domain() + ", not " +
                domain);
        }
        close();
        for (int i = 0; i < message.pieceCount(); i++)
        {
            final long address = message.pieceAddress(i);
            final int pieceLength = message.pieceLength(i);
            final long handle = region.handleAt(address, pieceLength);
            if (handle != FbufRegion.NO_FBUF)
            {
                region.retain(handle);
            }
            insert(count, handle, address, pieceLength);
        }
        return this;
    }

    // ---- mbuf operations ---------------------------------------------------------------------------------------

    /**
     * Splits at an offset: bytes from {@code offset} on move to {@code tail} (emptied first); a piece that straddles
     * the offset is shared, with one reference for each side.
     *
     * @param offset 0..{@link #length()}.
     * @param tail   receives the second part; same domain.
     */
    public void split(final int offset, final Aggregate tail)
    {
        checkOffset(offset);
        if (tail == this || tail.domain != domain)
        {
            throw new IllegalArgumentException("split needs a distinct tail aggregate of the same domain");
        }
        tail.close();
        int skip = offset;
        int i = 0;
        while (i < count && skip >= lengths[i])
        {
            skip -= lengths[i];
            i++;
        }
        if (i == count)
        {
            return;
        }
        if (skip > 0)
        {
            if (handles[i] != FbufRegion.NO_FBUF)
            {
                region.retain(handles[i]);
            }
            tail.insert(tail.count, handles[i], addresses[i] + skip, lengths[i] - skip);
            lengths[i] = skip;
            i++;
        }
        for (int j = i; j < count; j++)
        {
            tail.insert(tail.count, handles[j], addresses[j], lengths[j]);
        }
        count = i;
        length = offset;
        updateTracker();
    }

    /**
     * Drops bytes from the front; pieces dropped entirely lose their reference.
     *
     * @param bytes 0..{@link #length()}.
     */
    public void clipHead(final int bytes)
    {
        checkOffset(bytes);
        int remaining = bytes;
        int drop = 0;
        while (drop < count && remaining >= lengths[drop])
        {
            remaining -= lengths[drop];
            releasePiece(drop);
            drop++;
        }
        System.arraycopy(handles, drop, handles, 0, count - drop);
        System.arraycopy(addresses, drop, addresses, 0, count - drop);
        System.arraycopy(lengths, drop, lengths, 0, count - drop);
        count -= drop;
        if (remaining > 0)
        {
            addresses[0] += remaining;
            lengths[0] -= remaining;
        }
        length -= bytes;
        updateTracker();
    }

    /**
     * Drops bytes from the end; pieces dropped entirely lose their reference.
     *
     * @param bytes 0..{@link #length()}.
     */
    public void clipTail(final int bytes)
    {
        checkOffset(bytes);
        int remaining = bytes;
        while (count > 0 && remaining >= lengths[count - 1])
        {
            remaining -= lengths[count - 1];
            releasePiece(count - 1);
            count--;
        }
        if (remaining > 0)
        {
            lengths[count - 1] -= remaining;
        }
        length -= bytes;
        updateTracker();
    }

    // ---- reading -----------------------------------------------------------------------------------------------

    /**
     * @param index offset in the aggregate.
     * @return the byte (zero in a zero piece).
     */
    public byte getByte(final int index)
    {
        checkBounds(index, 1);
        int offset = index;
        for (int i = 0; i < count; i++)
        {
            if (offset < lengths[i])
            {
                return handles[i] == FbufRegion.NO_FBUF ? 0 : space.getByte(addresses[i] + offset);
            }
            offset -= lengths[i];
        }
        throw new IllegalStateException("unreachable: index within length but in no piece");
    }

    /**
     * Copies bytes out across pieces.
     *
     * @param index    offset in the aggregate.
     * @param dst      destination.
     * @param dstIndex first destination byte.
     * @param bytes    how many.
     */
    public void getBytes(final int index, final MutableDirectBuffer dst, final int dstIndex, final int bytes)
    {
        checkBounds(index, bytes);
        int skip = index;
        int done = 0;
        for (int i = 0; i < count && done < bytes; i++)
        {
            if (skip >= lengths[i])
            {
                skip -= lengths[i];
                continue;
            }
            final int chunk = Math.min(lengths[i] - skip, bytes - done);
            if (handles[i] == FbufRegion.NO_FBUF)
            {
                dst.setMemory(dstIndex + done, chunk, (byte)0);
            }
            else
            {
                space.getBytes(addresses[i] + skip, dst, dstIndex + done, chunk);
            }
            done += chunk;
            skip = 0;
        }
    }

    /**
     * Reads every byte with the shared touch routine.
     *
     * @return the sum of the pieces' words.
     */
    public long touch()
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            if (handles[i] != FbufRegion.NO_FBUF)
            {
                sum += space.sumLongs(addresses[i], lengths[i]);
            }
        }
        return sum;
    }

    /**
     * Drops every reference; the aggregate is empty and reusable.
     */
    @Override
    public void close()
    {
        for (int i = 0; i < count; i++)
        {
            releasePiece(i);
        }
        count = 0;
        length = 0;
        updateTracker();
    }

    /**
     * Gives up the pieces without dropping their references: the caller (a sender) has taken them over.
     */
    void disown()
    {
        count = 0;
        length = 0;
        updateTracker();
    }

    // ---- internals ---------------------------------------------------------------------------------------------

    private void insert(final int at, final long handle, final long address, final int pieceLength)
    {
        if ((long)length + pieceLength > Integer.MAX_VALUE)
        {
            if (handle != FbufRegion.NO_FBUF)
            {
                region.release(handle);
            }
            throw new IllegalArgumentException("length=" + length + " + " + pieceLength + " exceeds 2^31-1");
        }
        if (count == handles.length)
        {
            handles = Arrays.copyOf(handles, count * 2);
            addresses = Arrays.copyOf(addresses, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
        }
        System.arraycopy(handles, at, handles, at + 1, count - at);
        System.arraycopy(addresses, at, addresses, at + 1, count - at);
        System.arraycopy(lengths, at, lengths, at + 1, count - at);
        handles[at] = handle;
        addresses[at] = address;
        lengths[at] = pieceLength;
        count++;
        length += pieceLength;
        updateTracker();
    }

    private void releasePiece(final int i)
    {
        if (handles[i] != FbufRegion.NO_FBUF)
        {
            region.release(handles[i]);
        }
    }

    private void updateTracker()
    {
        if (count > 0 && tracker == null)
        {
            tracker = region.leakDetector().track(this);
        }
        else if (count == 0 && tracker != null)
        {
            tracker.close(this);
            tracker = null;
        }
    }

    private void checkInside(final long handle, final long address, final int pieceLength)
    {
        final long start = region.address(handle);
        if (pieceLength < 0 || address < start || address - start > region.capacity(handle) - pieceLength)
        {
            throw new IllegalArgumentException("piece address=0x" + Long.toHexString(address) + " length=" +
                pieceLength + " is not inside fbuf [0x" + Long.toHexString(start) + ", +" +
                region.capacity(handle) + ")");
        }
    }

    private void checkPiece(final int i)
    {
        if (i < 0 || i >= count)
        {
            throw new IndexOutOfBoundsException("piece=" + i + " pieceCount=" + count);
        }
    }

    private void checkOffset(final int offset)
    {
        if (offset < 0 || offset > length)
        {
            throw new IndexOutOfBoundsException("offset=" + offset + " must be in [0, " + length + "]");
        }
    }

    private void checkBounds(final int index, final int bytes)
    {
        if (index < 0 || bytes < 0 || index > length - bytes)
        {
            throw new IndexOutOfBoundsException("index=" + index + " count=" + bytes + " length=" + length);
        }
    }

    @Override
    public String toString()
    {
        return "Aggregate{domain=" + domain + ", pieces=" + count + ", length=" + length + "}";
    }
}

package io.barge.fbufs;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;

/**
 * A Netty buffer over one fbuf of an {@link IoPath}, written in place by the path's originator.
 * <p>
 * Every access goes through the originator's {@link AddressSpace}, so the buffer obeys the domain's rights exactly
 * as the address space does: after a non-volatile send the fbuf is read-only to its originator and any write through
 * this buffer (or a slice or duplicate of it) raises {@link ProtectionFault} before a byte changes;
 * {@link #isReadOnly()} then answers true, so Netty code that checks it (cumulators) copies instead of writing.
 * Frames need not be physically consecutive (the address space translates page by page).
 * <p>
 * Capacity is what was asked for, not the fbuf's page-rounded size; it may grow up to {@link #maxCapacity()} in
 * place while the fbuf has room, and beyond by moving the bytes to a bigger fbuf of the same path (the old one is
 * released). A reused fbuf still holds a previous user's bytes, so the buffer keeps a high-water mark: bytes at and
 * after it were never written by this user and read as zero through every accessor; a write past the mark zeroes the
 * gap first, and handing memory out (an NIO buffer, a send) zeroes up to the end of what is handed out. Allocation
 * therefore costs no zeroing.
 * <p>
 * Byte order is Netty's: {@code getInt}/{@code writeLong}... are big-endian, the {@code *LE} methods and
 * {@code order(LITTLE_ENDIAN)} little-endian. Barge's {@code Message} and {@code AddressSpace} word accesses are
 * little-endian: a receiver reading with {@code Message.getLong} sees what {@code writeLongLE} wrote.
 */
final class FbufByteBuf extends FbufByteBufBase
{
    private final FbufByteBufAllocator alloc;
    private final FbufRegion region;
    private final AddressSpace space;
    private long handle;
    private long address;
    private int fbufCapacity;
    private int capacity;
    // [0, written) holds this user's bytes (or zeros it caused); [written, capacity) reads as zero.
    private int written;

    FbufByteBuf(final FbufByteBufAllocator alloc, final long handle, final int capacity, final int maxCapacity)
    {
        super(maxCapacity);
        this.alloc = alloc;
        this.region = alloc.path().region();
        this.space = alloc.space();
        this.handle = handle;
        this.address = region.address(handle);
        this.fbufCapacity = region.capacity(handle);
        this.capacity = capacity;
    }

    long handle()
    {
        return handle;
    }

    long address()
    {
        return address;
    }

    IoPath path()
    {
        return alloc.path();
    }

    /**
     * Makes {@code [0, limit)} real memory (zeroing what this user never wrote) before the memory is handed out.
     */
    void materialize(final int limit)
    {
        if (limit > written)
        {
            space.setMemory(address + written, limit - written, (byte)0);
            written = limit;
        }
    }

    private void beforeWrite(final int index)
    {
        if (index > written)
        {
            space.setMemory(address + written, index - written, (byte)0);
            written = index;
        }
    }

    private void afterWrite(final int end)
    {
        if (end > written)
        {
            written = end;
        }
    }

    // ---- capacity ----------------------------------------------------------------------------------------------

    @Override
    public int capacity()
    {
        return capacity;
    }

    /**
     * Grows in place while the fbuf has room, else moves to a bigger fbuf of the path; shrinks in place.
     *
     * @throws IllegalArgumentException if {@code newCapacity} is negative or above {@link #maxCapacity()}.
     * @throws OutOfFbufMemoryError     if the path has no bigger fbuf to give (the buffer is unchanged).
     * @throws ProtectionFault          if growth needs a move and the originator may no longer write the fbuf.
     */
    @Override
    public ByteBuf capacity(final int newCapacity)
    {
        checkNewCapacity(newCapacity);
        if (newCapacity <= fbufCapacity)
        {
            if (newCapacity < capacity)
            {
                trimIndicesToCapacity(newCapacity);
                written = Math.min(written, newCapacity);
            }
            capacity = newCapacity;
            return this;
        }
        space.checkRange(address, 1, Access.WRITE);
        final long bigger = alloc.allocateFbuf(newCapacity);
        final long newAddress = region.address(bigger);
        final int keep = Math.min(written, capacity);
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[Math.min(CHUNK, Math.max(1, keep))]);
        try
        {
            for (int done = 0; done < keep; )
            {
                final int n = Math.min(scratch.capacity(), keep - done);
                space.getBytes(address + done, scratch, 0, n);
                space.putBytes(newAddress + done, scratch, 0, n);
                done += n;
            }
        }
        catch (final RuntimeException ex)
        {
            alloc.releaseFbuf(bigger); // the buffer stays as it was
            throw ex;
        }
        final long old = handle;
        handle = bigger;
        address = newAddress;
        fbufCapacity = region.capacity(bigger);
        capacity = newCapacity;
        written = keep;
        alloc.releaseFbuf(old);
        return this;
    }

    /**
     * @return bytes writable without moving to another fbuf.
     */
    @Override
    public int maxFastWritableBytes()
    {
        return Math.min(fbufCapacity, maxCapacity()) - writerIndex();
    }

    @Override
    public ByteBufAllocator alloc()
    {
        return alloc;
    }

    /**
     * @return whether the originator has lost the write right on the fbuf (it was sent without volatile mode).
     */
    @Override
    public boolean isReadOnly()
    {
        return handle != FbufRegion.NO_FBUF && space.rightsAt(address) != Rights.READ_WRITE;
    }

    @Override
    public ByteBuf asReadOnly()
    {
        return FbufDerivedByteBuf.duplicateOf(this, true);
    }

    @Override
    public ByteBuf slice(final int index, final int length)
    {
        checkIndex(index, length);
        return FbufDerivedByteBuf.sliceOf(this, index, length, false);
    }

    @Override
    public ByteBuf duplicate()
    {
        ensureAccessible();
        return FbufDerivedByteBuf.duplicateOf(this, false);
    }

    @Override
    protected void deallocate()
    {
        final long h = handle;
        handle = FbufRegion.NO_FBUF;
        alloc.releaseFbuf(h);
    }

    // ---- single values (big-endian, Netty's order; AddressSpace words are little-endian) -----------------------

    @Override
    protected byte _getByte(final int index)
    {
        return index < written ? space.getByte(address + index) : 0;
    }

    @Override
    protected short _getShort(final int index)
    {
        return Short.reverseBytes(_getShortLE(index));
    }

    @Override
    protected short _getShortLE(final int index)
    {
        return (short)readLE(index, 2);
    }

    @Override
    protected int _getUnsignedMedium(final int index)
    {
        return (_getByte(index) & 0xFF) << 16 | (_getByte(index + 1) & 0xFF) << 8 | _getByte(index + 2) & 0xFF;
    }

    @Override
    protected int _getUnsignedMediumLE(final int index)
    {
        return (int)readLE(index, 3);
    }

    @Override
    protected int _getInt(final int index)
    {
        return Integer.reverseBytes(_getIntLE(index));
    }

    @Override
    protected int _getIntLE(final int index)
    {
        final long at = address + index;
        if ((at & 3) == 0 && index + 4 <= written)
        {
            return space.getInt(at);
        }
        return (int)readLE(index, 4);
    }

    @Override
    protected long _getLong(final int index)
    {
        return Long.reverseBytes(_getLongLE(index));
    }

    @Override
    protected long _getLongLE(final int index)
    {
        final long at = address + index;
        if ((at & 7) == 0 && index + 8 <= written)
        {
            return space.getLong(at);
        }
        return readLE(index, 8);
    }

    private long readLE(final int index, final int bytes)
    {
        long value = 0;
        for (int i = bytes - 1; i >= 0; i--)
        {
            value = value << 8 | (_getByte(index + i) & 0xFF);
        }
        return value;
    }

    @Override
    protected void _setByte(final int index, final int value)
    {
        beforeWrite(index);
        space.putByte(address + index, (byte)value);
        afterWrite(index + 1);
    }

    @Override
    protected void _setShort(final int index, final int value)
    {
        writeLE(index, Short.reverseBytes((short)value), 2);
    }

    @Override
    protected void _setShortLE(final int index, final int value)
    {
        writeLE(index, value, 2);
    }

    @Override
    protected void _setMedium(final int index, final int value)
    {
        writeLE(index, (value >>> 16) & 0xFF | value & 0xFF00 | (value & 0xFF) << 16, 3);
    }

    @Override
    protected void _setMediumLE(final int index, final int value)
    {
        writeLE(index, value, 3);
    }

    @Override
    protected void _setInt(final int index, final int value)
    {
        _setIntLE(index, Integer.reverseBytes(value));
    }

    @Override
    protected void _setIntLE(final int index, final int value)
    {
        final long at = address + index;
        if ((at & 3) == 0)
        {
            beforeWrite(index);
            space.putInt(at, value);
            afterWrite(index + 4);
            return;
        }
        writeLE(index, value, 4);
    }

    @Override
    protected void _setLong(final int index, final long value)
    {
        _setLongLE(index, Long.reverseBytes(value));
    }

    @Override
    protected void _setLongLE(final int index, final long value)
    {
        final long at = address + index;
        if ((at & 7) == 0)
        {
            beforeWrite(index);
            space.putLong(at, value);
            afterWrite(index + 8);
            return;
        }
        writeLE(index, value, 8);
    }

    private void writeLE(final int index, final long value, final int bytes)
    {
        // Check every page first, so that a fault leaves no byte changed.
        space.checkRange(address + index, bytes, Access.WRITE);
        beforeWrite(index);
        for (int i = 0; i < bytes; i++)
        {
            space.putByte(address + index + i, (byte)(value >>> (i << 3)));
        }
        afterWrite(index + bytes);
    }

    // ---- bulk --------------------------------------------------------------------------------------------------

    @Override
    public ByteBuf getBytes(final int index, final byte[] dst, final int dstIndex, final int length)
    {
        checkDstIndex(index, length, dstIndex, dst.length);
        final int real = realBytes(index, length);
        if (real > 0)
        {
            space.getBytes(address + index, new UnsafeBuffer(dst, dstIndex, real), 0, real);
        }
        Arrays.fill(dst, dstIndex + real, dstIndex + length, (byte)0);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final ByteBuffer dst)
    {
        final int length = dst.remaining();
        checkIndex(index, length);
        if (dst.isReadOnly())
        {
            throw new ReadOnlyBufferException();
        }
        if (length > 0)
        {
            final int real = realBytes(index, length);
            final UnsafeBuffer target = new UnsafeBuffer(dst, dst.position(), length);
            if (real > 0)
            {
                space.getBytes(address + index, target, 0, real);
            }
            target.setMemory(real, length - real, (byte)0);
            dst.position(dst.position() + length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final byte[] src, final int srcIndex, final int length)
    {
        checkSrcIndex(index, length, srcIndex, src.length);
        if (length > 0)
        {
            space.checkRange(address + index, length, Access.WRITE);
            beforeWrite(index);
            space.putBytes(address + index, new UnsafeBuffer(src, srcIndex, length), 0, length);
            afterWrite(index + length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuffer src)
    {
        final int length = src.remaining();
        checkIndex(index, length);
        if (length == 0)
        {
            return this;
        }
        if (src.hasArray())
        {
            setBytes(index, src.array(), src.arrayOffset() + src.position(), length);
        }
        else if (src.isDirect())
        {
            space.checkRange(address + index, length, Access.WRITE);
            beforeWrite(index);
            space.putBytes(address + index, new UnsafeBuffer(src, src.position(), length), 0, length);
            afterWrite(index + length);
        }
        else
        {
            final byte[] copy = new byte[length];
            src.duplicate().get(copy);
            setBytes(index, copy, 0, length);
        }
        src.position(src.limit());
        return this;
    }

    @Override
    public ByteBuf setZero(final int index, final int length)
    {
        checkIndex(index, length);
        if (length > 0)
        {
            beforeWrite(index);
            space.setMemory(address + index, length, (byte)0);
            afterWrite(index + length);
        }
        return this;
    }

    @Override
    public ByteBuf copy(final int index, final int length)
    {
        checkIndex(index, length);
        final ByteBuf copy = alloc.directBuffer(length, maxCapacity());
        return copy.writeBytes(this, index, length);
    }

    private int realBytes(final int index, final int length)
    {
        return Math.max(0, Math.min(length, written - index));
    }

    // ---- NIO ---------------------------------------------------------------------------------------------------

    @Override
    public int nioBufferCount()
    {
        return capacity == 0 ? 1 : runCount(0, capacity);
    }

    @Override
    public boolean isContiguous()
    {
        return capacity == 0 || runCount(0, capacity) == 1;
    }

    /**
     * A view of the memory when the range is one physical run (read-only if the originator may not write); a copy
     * otherwise, as Netty's composite buffers do.
     */
    @Override
    public ByteBuffer nioBuffer(final int index, final int length)
    {
        checkIndex(index, length);
        if (length == 0)
        {
            return ByteBuffer.allocate(0);
        }
        final boolean writable = space.rightsAt(address) == Rights.READ_WRITE;
        if (runCount(index, length) != 1 || (!writable && index + length > written))
        {
            return ByteBuffer.wrap(copyOut(index, length).array());
        }
        if (writable)
        {
            materialize(index + length);
            return FbufByteBufs.slice(space, address + index, length, Access.WRITE);
        }
        return FbufByteBufs.slice(space, address + index, length, Access.READ).asReadOnlyBuffer();
    }

    @Override
    public ByteBuffer internalNioBuffer(final int index, final int length)
    {
        checkIndex(index, length);
        if (length > 0 && runCount(index, length) != 1)
        {
            throw new UnsupportedOperationException("range index=" + index + " length=" + length +
                " spans physically separate frames; use nioBuffers");
        }
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(final int index, final int length)
    {
        checkIndex(index, length);
        if (length == 0)
        {
            return new ByteBuffer[]{ ByteBuffer.allocate(0) };
        }
        final ByteBuffer[] buffers = new ByteBuffer[runCount(index, length)];
        int at = index;
        for (int i = 0; i < buffers.length; i++)
        {
            final int run = runLength(at, index + length - at);
            buffers[i] = nioBuffer(at, run);
            at += run;
        }
        return buffers;
    }

    private int runCount(final int index, final int length)
    {
        int count = 0;
        for (int at = index; at < index + length; count++)
        {
            at += runLength(at, index + length - at);
        }
        return count;
    }

    /** Bytes from {@code index} (at most {@code max}) backed by physically consecutive frames. */
    private int runLength(final int index, final int max)
    {
        final int pageSize = space.pageSize();
        final long start = address + index;
        int frame = space.frameAt(start);
        int run = (int)Math.min(max, pageSize - (start & (pageSize - 1)));
        while (run < max && space.frameAt(start + run) == frame + 1)
        {
            frame++;
            run += Math.min(max - run, pageSize);
        }
        return run;
    }
}

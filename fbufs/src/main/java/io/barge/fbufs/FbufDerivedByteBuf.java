package io.barge.fbufs;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A slice, duplicate or read-only view of an {@link FbufByteBuf}: its own indices over a range of the root's, sharing
 * the root's bytes and reference count (as Netty's derived buffers do). Every access goes through the root, so it is
 * bounds-checked against the root's current capacity and obeys the originator's rights; a read-only view refuses
 * writes with {@link ReadOnlyBufferException} as Netty's do. {@link FbufByteBufAllocator#appendTo} resolves a view
 * to the root's fbuf and the view's own range.
 */
final class FbufDerivedByteBuf extends AbstractByteBuf
{
    private final FbufByteBuf root;
    private final int offset;
    // A slice's fixed length; -1 for a duplicate, whose capacity follows the root's.
    private final int length;
    private final boolean readOnly;

    private FbufDerivedByteBuf(final FbufByteBuf root, final int offset, final int length, final boolean readOnly)
    {
        super(length < 0 ? root.maxCapacity() : length);
        this.root = root;
        this.offset = offset;
        this.length = length;
        this.readOnly = readOnly;
    }

    static ByteBuf sliceOf(final FbufByteBuf root, final int index, final int length, final boolean readOnly)
    {
        return new FbufDerivedByteBuf(root, index, length, readOnly).writerIndex(length);
    }

    static ByteBuf duplicateOf(final FbufByteBuf root, final boolean readOnly)
    {
        return new FbufDerivedByteBuf(root, 0, -1, readOnly).setIndex(root.readerIndex(), root.writerIndex());
    }

    FbufByteBuf root()
    {
        return root;
    }

    int offset()
    {
        return offset;
    }

    // ---- shape -------------------------------------------------------------------------------------------------

    @Override
    public int capacity()
    {
        return length < 0 ? root.capacity() : length;
    }

    /**
     * A duplicate resizes its root; a slice cannot be resized (as Netty's slices).
     */
    @Override
    public ByteBuf capacity(final int newCapacity)
    {
        checkWritable();
        if (length >= 0)
        {
            throw new UnsupportedOperationException("sliced buffer: capacity=" + length + " is fixed");
        }
        root.capacity(newCapacity);
        return this;
    }

    @Override
    public int maxFastWritableBytes()
    {
        return readOnly ? 0 : length < 0 ? root.maxFastWritableBytes() + root.writerIndex() - writerIndex() :
            writableBytes();
    }

    @Override
    public boolean isWritable()
    {
        return !readOnly && super.isWritable();
    }

    @Override
    public boolean isWritable(final int numBytes)
    {
        return !readOnly && super.isWritable(numBytes);
    }

    @Override
    public int ensureWritable(final int minWritableBytes, final boolean force)
    {
        return readOnly ? 1 : super.ensureWritable(minWritableBytes, force);
    }

    @Override
    public ByteBuf ensureWritable(final int minWritableBytes)
    {
        checkWritable();
        return super.ensureWritable(minWritableBytes);
    }

    @Override
    public boolean isReadOnly()
    {
        return readOnly || root.isReadOnly();
    }

    @Override
    public ByteBuf asReadOnly()
    {
        return readOnly ? this : view(offset, length, true).setIndex(readerIndex(), writerIndex());
    }

    @Override
    public ByteBuf slice(final int index, final int sliceLength)
    {
        checkIndex(index, sliceLength);
        return view(offset + index, sliceLength, readOnly).writerIndex(sliceLength);
    }

    @Override
    public ByteBuf duplicate()
    {
        ensureAccessible();
        return view(offset, length, readOnly).setIndex(readerIndex(), writerIndex());
    }

    private ByteBuf view(final int viewOffset, final int viewLength, final boolean viewReadOnly)
    {
        return new FbufDerivedByteBuf(root, viewOffset, viewLength, viewReadOnly);
    }

    private void checkWritable()
    {
        if (readOnly)
        {
            throw new ReadOnlyBufferException();
        }
    }

    @Override
    public ByteBufAllocator alloc()
    {
        return root.alloc();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ByteOrder order()
    {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap()
    {
        return root;
    }

    @Override
    public boolean isDirect()
    {
        return true;
    }

    // ---- reference count: the root's ---------------------------------------------------------------------------

    @Override
    public int refCnt()
    {
        return root.refCnt();
    }

    @Override
    public ByteBuf retain()
    {
        root.retain();
        return this;
    }

    @Override
    public ByteBuf retain(final int increment)
    {
        root.retain(increment);
        return this;
    }

    @Override
    public ByteBuf touch()
    {
        root.touch();
        return this;
    }

    @Override
    public ByteBuf touch(final Object hint)
    {
        root.touch(hint);
        return this;
    }

    @Override
    public boolean release()
    {
        return root.release();
    }

    @Override
    public boolean release(final int decrement)
    {
        return root.release(decrement);
    }

    // ---- single values -----------------------------------------------------------------------------------------

    @Override
    protected byte _getByte(final int index)
    {
        return root.getByte(offset + index);
    }

    @Override
    protected short _getShort(final int index)
    {
        return root.getShort(offset + index);
    }

    @Override
    protected short _getShortLE(final int index)
    {
        return root.getShortLE(offset + index);
    }

    @Override
    protected int _getUnsignedMedium(final int index)
    {
        return root.getUnsignedMedium(offset + index);
    }

    @Override
    protected int _getUnsignedMediumLE(final int index)
    {
        return root.getUnsignedMediumLE(offset + index);
    }

    @Override
    protected int _getInt(final int index)
    {
        return root.getInt(offset + index);
    }

    @Override
    protected int _getIntLE(final int index)
    {
        return root.getIntLE(offset + index);
    }

    @Override
    protected long _getLong(final int index)
    {
        return root.getLong(offset + index);
    }

    @Override
    protected long _getLongLE(final int index)
    {
        return root.getLongLE(offset + index);
    }

    @Override
    protected void _setByte(final int index, final int value)
    {
        checkWritable();
        root.setByte(offset + index, value);
    }

    @Override
    protected void _setShort(final int index, final int value)
    {
        checkWritable();
        root.setShort(offset + index, value);
    }

    @Override
    protected void _setShortLE(final int index, final int value)
    {
        checkWritable();
        root.setShortLE(offset + index, value);
    }

    @Override
    protected void _setMedium(final int index, final int value)
    {
        checkWritable();
        root.setMedium(offset + index, value);
    }

    @Override
    protected void _setMediumLE(final int index, final int value)
    {
        checkWritable();
        root.setMediumLE(offset + index, value);
    }

    @Override
    protected void _setInt(final int index, final int value)
    {
        checkWritable();
        root.setInt(offset + index, value);
    }

    @Override
    protected void _setIntLE(final int index, final int value)
    {
        checkWritable();
        root.setIntLE(offset + index, value);
    }

    @Override
    protected void _setLong(final int index, final long value)
    {
        checkWritable();
        root.setLong(offset + index, value);
    }

    @Override
    protected void _setLongLE(final int index, final long value)
    {
        checkWritable();
        root.setLongLE(offset + index, value);
    }

    // ---- bulk --------------------------------------------------------------------------------------------------

    @Override
    public ByteBuf getBytes(final int index, final ByteBuf dst, final int dstIndex, final int count)
    {
        checkDstIndex(index, count, dstIndex, dst.capacity());
        root.getBytes(offset + index, dst, dstIndex, count);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final byte[] dst, final int dstIndex, final int count)
    {
        checkDstIndex(index, count, dstIndex, dst.length);
        root.getBytes(offset + index, dst, dstIndex, count);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final ByteBuffer dst)
    {
        checkIndex(index, dst.remaining());
        root.getBytes(offset + index, dst);
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final OutputStream out, final int count) throws IOException
    {
        checkIndex(index, count);
        root.getBytes(offset + index, out, count);
        return this;
    }

    @Override
    public int getBytes(final int index, final GatheringByteChannel out, final int count) throws IOException
    {
        checkIndex(index, count);
        return root.getBytes(offset + index, out, count);
    }

    @Override
    public int getBytes(final int index, final FileChannel out, final long position, final int count)
        throws IOException
    {
        checkIndex(index, count);
        return root.getBytes(offset + index, out, position, count);
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuf src, final int srcIndex, final int count)
    {
        checkWritable();
        checkSrcIndex(index, count, srcIndex, src.capacity());
        root.setBytes(offset + index, src, srcIndex, count);
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final byte[] src, final int srcIndex, final int count)
    {
        checkWritable();
        checkSrcIndex(index, count, srcIndex, src.length);
        root.setBytes(offset + index, src, srcIndex, count);
        return this;
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuffer src)
    {
        checkWritable();
        checkIndex(index, src.remaining());
        root.setBytes(offset + index, src);
        return this;
    }

    @Override
    public int setBytes(final int index, final InputStream in, final int count) throws IOException
    {
        checkWritable();
        checkIndex(index, count);
        return root.setBytes(offset + index, in, count);
    }

    @Override
    public int setBytes(final int index, final ScatteringByteChannel in, final int count) throws IOException
    {
        checkWritable();
        checkIndex(index, count);
        return root.setBytes(offset + index, in, count);
    }

    @Override
    public int setBytes(final int index, final FileChannel in, final long position, final int count)
        throws IOException
    {
        checkWritable();
        checkIndex(index, count);
        return root.setBytes(offset + index, in, position, count);
    }

    @Override
    public ByteBuf setZero(final int index, final int count)
    {
        checkWritable();
        checkIndex(index, count);
        root.setZero(offset + index, count);
        return this;
    }

    @Override
    public ByteBuf copy(final int index, final int count)
    {
        checkIndex(index, count);
        return root.copy(offset + index, count);
    }

    // ---- NIO ---------------------------------------------------------------------------------------------------

    @Override
    public int nioBufferCount()
    {
        return root.nioBufferCount();
    }

    @Override
    public boolean isContiguous()
    {
        return root.isContiguous();
    }

    @Override
    public ByteBuffer nioBuffer(final int index, final int count)
    {
        checkIndex(index, count);
        final ByteBuffer buffer = root.nioBuffer(offset + index, count);
        return readOnly ? buffer.asReadOnlyBuffer() : buffer;
    }

    @Override
    public ByteBuffer internalNioBuffer(final int index, final int count)
    {
        checkIndex(index, count);
        final ByteBuffer buffer = root.internalNioBuffer(offset + index, count);
        return readOnly ? buffer.asReadOnlyBuffer() : buffer;
    }

    @Override
    public ByteBuffer[] nioBuffers(final int index, final int count)
    {
        checkIndex(index, count);
        final ByteBuffer[] buffers = root.nioBuffers(offset + index, count);
        if (readOnly)
        {
            for (int i = 0; i < buffers.length; i++)
            {
                buffers[i] = buffers[i].asReadOnlyBuffer();
            }
        }
        return buffers;
    }

    @Override
    public boolean hasArray()
    {
        return false;
    }

    @Override
    public byte[] array()
    {
        throw new UnsupportedOperationException("an fbuf buffer has no backing array");
    }

    @Override
    public int arrayOffset()
    {
        throw new UnsupportedOperationException("an fbuf buffer has no backing array");
    }

    @Override
    public boolean hasMemoryAddress()
    {
        return false;
    }

    @Override
    public long memoryAddress()
    {
        throw new UnsupportedOperationException("an fbuf buffer is reached through its domain's address space only");
    }
}

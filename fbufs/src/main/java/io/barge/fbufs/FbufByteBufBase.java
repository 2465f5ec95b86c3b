package io.barge.fbufs;

import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * What an {@link FbufByteBuf} does through private arrays, on top of its array accessors: bytes to and from other
 * buffers (so that each side applies its own checks and rights), streams and channels; and the shape every fbuf
 * buffer shares (direct, big-endian, no array, no memory address: memory is reached only through the domain's
 * address space).
 */
abstract class FbufByteBufBase extends AbstractReferenceCountedByteBuf
{
    static final int CHUNK = 8192;

    FbufByteBufBase(final int maxCapacity)
    {
        super(maxCapacity);
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
        return null;
    }

    @Override
    public boolean isDirect()
    {
        return true;
    }

    @Override
    public ByteBuf getBytes(final int index, final ByteBuf dst, final int dstIndex, final int length)
    {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (dst.hasArray())
        {
            getBytes(index, dst.array(), dst.arrayOffset() + dstIndex, length);
            return this;
        }
        // Through a private array, so that the destination applies its own checks (and rights) to its writes.
        if (isThisBuffer(dst))
        {
            final byte[] all = new byte[length];
            getBytes(index, all, 0, length);
            dst.setBytes(dstIndex, all, 0, length);
            return this;
        }
        final byte[] chunk = new byte[Math.min(CHUNK, length)];
        for (int done = 0; done < length; )
        {
            final int n = Math.min(chunk.length, length - done);
            getBytes(index + done, chunk, 0, n);
            dst.setBytes(dstIndex + done, chunk, 0, n);
            done += n;
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(final int index, final OutputStream out, final int length) throws IOException
    {
        checkIndex(index, length);
        final byte[] chunk = new byte[Math.min(CHUNK, length)];
        for (int done = 0; done < length; )
        {
            final int n = Math.min(chunk.length, length - done);
            getBytes(index + done, chunk, 0, n);
            out.write(chunk, 0, n);
            done += n;
        }
        return this;
    }

    @Override
    public int getBytes(final int index, final GatheringByteChannel out, final int length) throws IOException
    {
        return out.write(copyOut(index, length));
    }

    @Override
    public int getBytes(final int index, final FileChannel out, final long position, final int length)
        throws IOException
    {
        return out.write(copyOut(index, length), position);
    }

    final ByteBuffer copyOut(final int index, final int length)
    {
        checkIndex(index, length);
        final byte[] copy = new byte[length];
        getBytes(index, copy, 0, length);
        return ByteBuffer.wrap(copy);
    }

    @Override
    public ByteBuf setBytes(final int index, final ByteBuf src, final int srcIndex, final int length)
    {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (src.hasArray())
        {
            return setBytes(index, src.array(), src.arrayOffset() + srcIndex, length);
        }
        if (isThisBuffer(src))
        {
            final byte[] all = new byte[length];
            src.getBytes(srcIndex, all, 0, length);
            return setBytes(index, all, 0, length);
        }
        // Chunks through a private array, so that the source applies its own checks to its reads.
        final byte[] chunk = new byte[Math.min(CHUNK, length)];
        for (int done = 0; done < length; )
        {
            final int n = Math.min(chunk.length, length - done);
            src.getBytes(srcIndex + done, chunk, 0, n);
            setBytes(index + done, chunk, 0, n);
            done += n;
        }
        return this;
    }

    /**
     * Whether the other buffer reaches this buffer's memory: this buffer itself, a Netty leak-aware wrapper of it
     * (which Netty's leak detector hands a sampled caller instead of it), or a view of it, whatever their index
     * offsets. A copy between the two then reads its whole range before it writes a byte, so no overlap of the
     * ranges can make it read bytes it already overwrote (chunking from the right end would need the views'
     * offsets, and comparing with {@code this} alone misses every wrapper).
     */
    private boolean isThisBuffer(final ByteBuf other)
    {
        for (ByteBuf b = other; b != null; b = b.unwrap())
        {
            if (b == this)
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public int setBytes(final int index, final InputStream in, final int length) throws IOException
    {
        checkIndex(index, length);
        final byte[] chunk = new byte[length];
        final int read = in.read(chunk, 0, length);
        if (read > 0)
        {
            setBytes(index, chunk, 0, read);
        }
        return read;
    }

    @Override
    public int setBytes(final int index, final ScatteringByteChannel in, final int length) throws IOException
    {
        checkIndex(index, length);
        final ByteBuffer chunk = ByteBuffer.allocate(length);
        try
        {
            return copyIn(index, chunk, in.read(chunk));
        }
        catch (final ClosedChannelException ignored)
        {
            return -1;
        }
    }

    @Override
    public int setBytes(final int index, final FileChannel in, final long position, final int length)
        throws IOException
    {
        checkIndex(index, length);
        final ByteBuffer chunk = ByteBuffer.allocate(length);
        try
        {
            return copyIn(index, chunk, in.read(chunk, position));
        }
        catch (final ClosedChannelException ignored)
        {
            return -1;
        }
    }

    private int copyIn(final int index, final ByteBuffer chunk, final int read)
    {
        if (read > 0)
        {
            setBytes(index, chunk.array(), 0, read);
        }
        return read;
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

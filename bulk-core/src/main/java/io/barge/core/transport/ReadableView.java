package io.barge.core.transport;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

import static org.agrona.BitUtil.SIZE_OF_BYTE;
import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;
import static org.agrona.BitUtil.SIZE_OF_SHORT;
import static org.agrona.BufferUtil.ARRAY_BASE_OFFSET;
import static org.agrona.BufferUtil.NATIVE_BYTE_ORDER;

/**
 * Every get of Agrona's {@code DirectBuffer} on a {@link SpaceView}, each checked (state, bounds, mapping epoch)
 * before it reads. On one physical run a fixed-width read is a check and a load; across two pages of a split
 * range it is assembled byte by byte; composite reads (strings, ASCII numbers) of a split range run on a private
 * copy of the bytes they cover, and a length read from the buffer is read once (a peer may change it).
 */
abstract class ReadableView extends SpaceView
{
    // ---- reads --------------------------------------------------------------------------------------------------

    @Override
    public long getLong(final int index)
    {
        if (oneRun())
        {
            return UnsafeApi.getLong(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_LONG + 1));
        }
        final long at = slowAddress(index, SIZE_OF_LONG);
        return at != SPANS_PAGES ? UnsafeApi.getLong(at) : gather(index, SIZE_OF_LONG);
    }

    @Override
    public long getLong(final int index, final ByteOrder byteOrder)
    {
        final long bits = getLong(index);
        return NATIVE_BYTE_ORDER == byteOrder ? bits : Long.reverseBytes(bits);
    }

    @Override
    public int getInt(final int index)
    {
        if (oneRun())
        {
            return UnsafeApi.getInt(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_INT + 1));
        }
        final long at = slowAddress(index, SIZE_OF_INT);
        return at != SPANS_PAGES ? UnsafeApi.getInt(at) : (int)gather(index, SIZE_OF_INT);
    }

    @Override
    public int getInt(final int index, final ByteOrder byteOrder)
    {
        final int bits = getInt(index);
        return NATIVE_BYTE_ORDER == byteOrder ? bits : Integer.reverseBytes(bits);
    }

    @Override
    public short getShort(final int index)
    {
        if (oneRun())
        {
            return UnsafeApi.getShort(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_SHORT + 1));
        }
        final long at = slowAddress(index, SIZE_OF_SHORT);
        return at != SPANS_PAGES ? UnsafeApi.getShort(at) : (short)gather(index, SIZE_OF_SHORT);
    }

    @Override
    public short getShort(final int index, final ByteOrder byteOrder)
    {
        final short bits = getShort(index);
        return NATIVE_BYTE_ORDER == byteOrder ? bits : Short.reverseBytes(bits);
    }

    @Override
    public char getChar(final int index)
    {
        return (char)getShort(index);
    }

    @Override
    public char getChar(final int index, final ByteOrder byteOrder)
    {
        return (char)getShort(index, byteOrder);
    }

    @Override
    public double getDouble(final int index)
    {
        return Double.longBitsToDouble(getLong(index));
    }

    @Override
    public double getDouble(final int index, final ByteOrder byteOrder)
    {
        return Double.longBitsToDouble(getLong(index, byteOrder));
    }

    @Override
    public float getFloat(final int index)
    {
        return Float.intBitsToFloat(getInt(index));
    }

    @Override
    public float getFloat(final int index, final ByteOrder byteOrder)
    {
        return Float.intBitsToFloat(getInt(index, byteOrder));
    }

    @Override
    public byte getByte(final int index)
    {
        if (oneRun())
        {
            return UnsafeApi.getByte(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_BYTE + 1));
        }
        return UnsafeApi.getByte(slowAddress(index, SIZE_OF_BYTE)); // one byte never spans pages
    }

    @Override
    public void getBytes(final int index, final byte[] dst)
    {
        getBytes(index, dst, 0, dst.length);
    }

    @Override
    public void getBytes(final int index, final byte[] dst, final int offset, final int length)
    {
        checkRange(index, length);
        BufferUtil.boundsCheck(dst, offset, length);
        copyOut(index, dst, ARRAY_BASE_OFFSET + offset, length);
    }

    @Override
    public void getBytes(final int index, final MutableDirectBuffer dstBuffer, final int dstIndex, final int length)
    {
        checkRange(index, length);
        dstBuffer.boundsCheck(dstIndex, length);
        copyOut(index, dstBuffer, dstIndex, length);
    }

    @Override
    public void getBytes(final int index, final ByteBuffer dstBuffer, final int length)
    {
        final int dstOffset = dstBuffer.position();
        getBytes(index, dstBuffer, dstOffset, length);
        dstBuffer.position(dstOffset + length);
    }

    @Override
    public void getBytes(final int index, final ByteBuffer dstBuffer, final int dstOffset, final int length)
    {
        checkRange(index, length);
        BufferUtil.boundsCheck(dstBuffer, dstOffset, length);
        if (dstBuffer.isReadOnly())
        {
            throw new java.nio.ReadOnlyBufferException();
        }
        if (dstBuffer.isDirect())
        {
            copyOut(index, null, BufferUtil.address(dstBuffer) + dstOffset, length);
        }
        else
        {
            copyOut(index, BufferUtil.array(dstBuffer),
                ARRAY_BASE_OFFSET + BufferUtil.arrayOffset(dstBuffer) + dstOffset, length);
        }
    }

    @Override
    public String getStringAscii(final int index)
    {
        final int length = getInt(index);
        return 0 == length ? "" : getStringWithoutLengthAscii(index + SIZE_OF_INT, length);
    }

    @Override
    public int getStringAscii(final int index, final Appendable appendable)
    {
        final int length = getInt(index);
        return 0 == length ? 0 : getStringWithoutLengthAscii(index + SIZE_OF_INT, length, appendable);
    }

    @Override
    public String getStringAscii(final int index, final ByteOrder byteOrder)
    {
        final int length = getInt(index, byteOrder);
        return 0 == length ? "" : getStringWithoutLengthAscii(index + SIZE_OF_INT, length);
    }

    @Override
    public int getStringAscii(final int index, final Appendable appendable, final ByteOrder byteOrder)
    {
        final int length = getInt(index, byteOrder);
        return 0 == length ? 0 : getStringWithoutLengthAscii(index + SIZE_OF_INT, length, appendable);
    }

    @Override
    public String getStringAscii(final int index, final int length)
    {
        return 0 == length ? "" : getStringWithoutLengthAscii(index + SIZE_OF_INT, length);
    }

    @Override
    public int getStringAscii(final int index, final int length, final Appendable appendable)
    {
        return getStringWithoutLengthAscii(index + SIZE_OF_INT, length, appendable);
    }

    @Override
    public String getStringWithoutLengthAscii(final int index, final int length)
    {
        checkRange(index, length);
        return isSplit() ? bounceOut(index, length).getStringWithoutLengthAscii(0, length) :
            super.getStringWithoutLengthAscii(index, length);
    }

    @Override
    public int getStringWithoutLengthAscii(final int index, final int length, final Appendable appendable)
    {
        checkRange(index, length);
        return isSplit() ? bounceOut(index, length).getStringWithoutLengthAscii(0, length, appendable) :
            super.getStringWithoutLengthAscii(index, length, appendable);
    }

    @Override
    public String getStringUtf8(final int index)
    {
        return getStringWithoutLengthUtf8(index + SIZE_OF_INT, getInt(index));
    }

    @Override
    public String getStringUtf8(final int index, final ByteOrder byteOrder)
    {
        return getStringWithoutLengthUtf8(index + SIZE_OF_INT, getInt(index, byteOrder));
    }

    @Override
    public String getStringUtf8(final int index, final int length)
    {
        return getStringWithoutLengthUtf8(index + SIZE_OF_INT, length);
    }

    @Override
    public String getStringWithoutLengthUtf8(final int index, final int length)
    {
        checkRange(index, length);
        return isSplit() ? bounceOut(index, length).getStringWithoutLengthUtf8(0, length) :
            super.getStringWithoutLengthUtf8(index, length);
    }

    @Override
    public int parseNaturalIntAscii(final int index, final int length)
    {
        checkRange(index, length);
        return isSplit() ? bounceOut(index, length).parseNaturalIntAscii(0, length) :
            super.parseNaturalIntAscii(index, length);
    }

    @Override
    public long parseNaturalLongAscii(final int index, final int length)
    {
        checkRange(index, length);
        return isSplit() ? bounceOut(index, length).parseNaturalLongAscii(0, length) :
            super.parseNaturalLongAscii(index, length);
    }

    @Override
    public int parseIntAscii(final int index, final int length)
    {
        checkRange(index, length);
        return isSplit() ? bounceOut(index, length).parseIntAscii(0, length) : super.parseIntAscii(index, length);
    }

    @Override
    public long parseLongAscii(final int index, final int length)
    {
        checkRange(index, length);
        return isSplit() ? bounceOut(index, length).parseLongAscii(0, length) : super.parseLongAscii(index, length);
    }

}

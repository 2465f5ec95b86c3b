package io.barge.core.transport;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

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
 * The writable view of a {@link Claim} ({@link Claim#buffer()}): every Agrona put, each checked against the claimed
 * range and the claim's state before a byte moves (see {@link SpaceView}). On a range of one physical run, a put is
 * a check and a store; composite puts (strings, ASCII numbers) on a split range run on a private scratch buffer
 * first, and only their checked result is copied in.
 */
final class ClaimView extends ReadableView
{
    @Override
    protected void ensureCapacity(final int index, final int length)
    {
        checkRange(index, length); // the hook every inherited put calls before it writes
    }

    @Override
    public void putLong(final int index, final long value)
    {
        if (oneRun())
        {
            UnsafeApi.putLong(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_LONG + 1), value);
            return;
        }
        final long at = slowAddress(index, SIZE_OF_LONG);
        if (at != SPANS_PAGES)
        {
            UnsafeApi.putLong(at, value);
            return;
        }
        scatter(index, SIZE_OF_LONG, value);
    }

    @Override
    public void putLong(final int index, final long value, final ByteOrder byteOrder)
    {
        putLong(index, NATIVE_BYTE_ORDER == byteOrder ? value : Long.reverseBytes(value));
    }

    @Override
    public void putInt(final int index, final int value)
    {
        if (oneRun())
        {
            UnsafeApi.putInt(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_INT + 1), value);
            return;
        }
        final long at = slowAddress(index, SIZE_OF_INT);
        if (at != SPANS_PAGES)
        {
            UnsafeApi.putInt(at, value);
            return;
        }
        scatter(index, SIZE_OF_INT, value);
    }

    @Override
    public void putInt(final int index, final int value, final ByteOrder byteOrder)
    {
        putInt(index, NATIVE_BYTE_ORDER == byteOrder ? value : Integer.reverseBytes(value));
    }

    @Override
    public void putShort(final int index, final short value)
    {
        if (oneRun())
        {
            UnsafeApi.putShort(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_SHORT + 1), value);
            return;
        }
        final long at = slowAddress(index, SIZE_OF_SHORT);
        if (at != SPANS_PAGES)
        {
            UnsafeApi.putShort(at, value);
            return;
        }
        scatter(index, SIZE_OF_SHORT, value);
    }

    @Override
    public void putShort(final int index, final short value, final ByteOrder byteOrder)
    {
        putShort(index, NATIVE_BYTE_ORDER == byteOrder ? value : Short.reverseBytes(value));
    }

    @Override
    public void putChar(final int index, final char value)
    {
        putShort(index, (short)value);
    }

    @Override
    public void putChar(final int index, final char value, final ByteOrder byteOrder)
    {
        putShort(index, (short)value, byteOrder);
    }

    @Override
    public void putDouble(final int index, final double value)
    {
        putLong(index, Double.doubleToRawLongBits(value));
    }

    @Override
    public void putDouble(final int index, final double value, final ByteOrder byteOrder)
    {
        putLong(index, Double.doubleToRawLongBits(value), byteOrder);
    }

    @Override
    public void putFloat(final int index, final float value)
    {
        putInt(index, Float.floatToRawIntBits(value));
    }

    @Override
    public void putFloat(final int index, final float value, final ByteOrder byteOrder)
    {
        putInt(index, Float.floatToRawIntBits(value), byteOrder);
    }

    @Override
    public void putByte(final int index, final byte value)
    {
        if (oneRun())
        {
            UnsafeApi.putByte(addressOffset + Objects.checkIndex(index, limit - SIZE_OF_BYTE + 1), value);
            return;
        }
        UnsafeApi.putByte(slowAddress(index, SIZE_OF_BYTE), value); // one byte never spans pages
    }

    @Override
    public void setMemory(final int index, final int length, final byte value)
    {
        checkRange(index, length);
        fill(index, length, value);
    }

    @Override
    public void putBytes(final int index, final byte[] src)
    {
        putBytes(index, src, 0, src.length);
    }

    @Override
    public void putBytes(final int index, final byte[] src, final int offset, final int length)
    {
        checkRange(index, length);
        BufferUtil.boundsCheck(src, offset, length);
        copyIn(index, src, ARRAY_BASE_OFFSET + offset, length);
    }

    @Override
    public void putBytes(final int index, final ByteBuffer srcBuffer, final int length)
    {
        final int srcIndex = srcBuffer.position();
        putBytes(index, srcBuffer, srcIndex, length);
        srcBuffer.position(srcIndex + length);
    }

    @Override
    public void putBytes(final int index, final ByteBuffer srcBuffer, final int srcIndex, final int length)
    {
        checkRange(index, length);
        BufferUtil.boundsCheck(srcBuffer, srcIndex, length);
        if (srcBuffer.isDirect())
        {
            copyIn(index, null, BufferUtil.address(srcBuffer) + srcIndex, length);
        }
        else
        {
            copyIn(index, BufferUtil.array(srcBuffer),
                ARRAY_BASE_OFFSET + BufferUtil.arrayOffset(srcBuffer) + srcIndex, length);
        }
    }

    @Override
    public void putBytes(final int index, final DirectBuffer srcBuffer, final int srcIndex, final int length)
    {
        if (srcBuffer instanceof SpaceView)
        {
            // Another view may be split too: it copies out page by page into this one's checked puts.
            checkRange(index, length);
            srcBuffer.getBytes(srcIndex, this, index, length);
            return;
        }
        checkRange(index, length);
        srcBuffer.boundsCheck(srcIndex, length);
        copyIn(index, srcBuffer.byteArray(), srcBuffer.addressOffset() + srcIndex, length);
    }

    // ---- composite puts: Agrona's own on one run, through scratch on a split range -----------------------------

    private int commitScratch(final int index, final UnsafeBuffer from, final int length)
    {
        checkRange(index, length);
        copyIn(index, from.byteArray(), ARRAY_BASE_OFFSET, length);
        return length;
    }

    @Override
    public int putIntAscii(final int index, final int value)
    {
        if (!isSplit())
        {
            return super.putIntAscii(index, value);
        }
        final UnsafeBuffer s = scratch(16);
        return commitScratch(index, s, s.putIntAscii(0, value));
    }

    @Override
    public int putNaturalIntAscii(final int index, final int value)
    {
        if (!isSplit())
        {
            return super.putNaturalIntAscii(index, value);
        }
        final UnsafeBuffer s = scratch(16);
        return commitScratch(index, s, s.putNaturalIntAscii(0, value));
    }

    @Override
    public void putNaturalPaddedIntAscii(final int offset, final int length, final int value)
    {
        if (!isSplit())
        {
            super.putNaturalPaddedIntAscii(offset, length, value);
            return;
        }
        checkRange(offset, length);
        final UnsafeBuffer s = scratch(length);
        s.putNaturalPaddedIntAscii(0, length, value);
        commitScratch(offset, s, length);
    }

    @Override
    public int putNaturalIntAsciiFromEnd(final int value, final int endExclusive)
    {
        if (!isSplit())
        {
            return super.putNaturalIntAsciiFromEnd(value, endExclusive);
        }
        final int room = 16;
        final UnsafeBuffer s = scratch(room);
        final int digits = room - s.putNaturalIntAsciiFromEnd(value, room);
        final int start = endExclusive - digits;
        checkRange(start, digits);
        copyIn(start, s.byteArray(), ARRAY_BASE_OFFSET + room - digits, digits);
        return start;
    }

    @Override
    public int putNaturalLongAscii(final int index, final long value)
    {
        if (!isSplit())
        {
            return super.putNaturalLongAscii(index, value);
        }
        final UnsafeBuffer s = scratch(24);
        return commitScratch(index, s, s.putNaturalLongAscii(0, value));
    }

    @Override
    public int putLongAscii(final int index, final long value)
    {
        if (!isSplit())
        {
            return super.putLongAscii(index, value);
        }
        final UnsafeBuffer s = scratch(24);
        return commitScratch(index, s, s.putLongAscii(0, value));
    }

    @Override
    public int putStringAscii(final int index, final String value)
    {
        if (!isSplit())
        {
            return super.putStringAscii(index, value);
        }
        final UnsafeBuffer s = scratch(SIZE_OF_INT + lengthOf(value));
        return commitScratch(index, s, s.putStringAscii(0, value));
    }

    @Override
    public int putStringAscii(final int index, final CharSequence value)
    {
        if (!isSplit())
        {
            return super.putStringAscii(index, value);
        }
        final UnsafeBuffer s = scratch(SIZE_OF_INT + lengthOf(value));
        return commitScratch(index, s, s.putStringAscii(0, value));
    }

    @Override
    public int putStringAscii(final int index, final String value, final ByteOrder byteOrder)
    {
        if (!isSplit())
        {
            return super.putStringAscii(index, value, byteOrder);
        }
        final UnsafeBuffer s = scratch(SIZE_OF_INT + lengthOf(value));
        return commitScratch(index, s, s.putStringAscii(0, value, byteOrder));
    }

    @Override
    public int putStringAscii(final int index, final CharSequence value, final ByteOrder byteOrder)
    {
        if (!isSplit())
        {
            return super.putStringAscii(index, value, byteOrder);
        }
        final UnsafeBuffer s = scratch(SIZE_OF_INT + lengthOf(value));
        return commitScratch(index, s, s.putStringAscii(0, value, byteOrder));
    }

    @Override
    public int putStringWithoutLengthAscii(final int index, final String value)
    {
        if (!isSplit())
        {
            return super.putStringWithoutLengthAscii(index, value);
        }
        final UnsafeBuffer s = scratch(lengthOf(value));
        return commitScratch(index, s, s.putStringWithoutLengthAscii(0, value));
    }

    @Override
    public int putStringWithoutLengthAscii(final int index, final CharSequence value)
    {
        if (!isSplit())
        {
            return super.putStringWithoutLengthAscii(index, value);
        }
        final UnsafeBuffer s = scratch(lengthOf(value));
        return commitScratch(index, s, s.putStringWithoutLengthAscii(0, value));
    }

    @Override
    public int putStringWithoutLengthAscii(final int index, final String value, final int valueOffset,
        final int length)
    {
        if (!isSplit())
        {
            return super.putStringWithoutLengthAscii(index, value, valueOffset, length);
        }
        final UnsafeBuffer s = scratch(Math.max(0, Math.min(lengthOf(value) - valueOffset, length)));
        return commitScratch(index, s, s.putStringWithoutLengthAscii(0, value, valueOffset, length));
    }

    @Override
    public int putStringWithoutLengthAscii(final int index, final CharSequence value, final int valueOffset,
        final int length)
    {
        if (!isSplit())
        {
            return super.putStringWithoutLengthAscii(index, value, valueOffset, length);
        }
        final UnsafeBuffer s = scratch(Math.max(0, Math.min(lengthOf(value) - valueOffset, length)));
        return commitScratch(index, s, s.putStringWithoutLengthAscii(0, value, valueOffset, length));
    }

    @Override
    public int putStringUtf8(final int index, final String value)
    {
        return putStringUtf8(index, value, Integer.MAX_VALUE);
    }

    @Override
    public int putStringUtf8(final int index, final String value, final ByteOrder byteOrder)
    {
        return putStringUtf8(index, value, byteOrder, Integer.MAX_VALUE);
    }

    @Override
    public int putStringUtf8(final int index, final String value, final int maxEncodedLength)
    {
        if (!isSplit())
        {
            return super.putStringUtf8(index, value, maxEncodedLength);
        }
        final UnsafeBuffer s = scratch(SIZE_OF_INT + utf8Bound(value));
        return commitScratch(index, s, s.putStringUtf8(0, value, maxEncodedLength));
    }

    @Override
    public int putStringUtf8(final int index, final String value, final ByteOrder byteOrder,
        final int maxEncodedLength)
    {
        if (!isSplit())
        {
            return super.putStringUtf8(index, value, byteOrder, maxEncodedLength);
        }
        final UnsafeBuffer s = scratch(SIZE_OF_INT + utf8Bound(value));
        return commitScratch(index, s, s.putStringUtf8(0, value, byteOrder, maxEncodedLength));
    }

    @Override
    public int putStringWithoutLengthUtf8(final int index, final String value)
    {
        if (!isSplit())
        {
            return super.putStringWithoutLengthUtf8(index, value);
        }
        final UnsafeBuffer s = scratch(utf8Bound(value));
        return commitScratch(index, s, s.putStringWithoutLengthUtf8(0, value));
    }

    private static int lengthOf(final CharSequence value)
    {
        return value == null ? 0 : value.length();
    }

    private static int utf8Bound(final String value)
    {
        return value == null ? 0 : 3 * value.length(); // a UTF-16 unit encodes to at most 3 bytes
    }
}

package io.barge.core.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every fixed-width get/put of Agrona's buffers, in both byte orders, as data for view tests: a test writes a value
 * through a view and through a private Agrona buffer (the reference: Agrona's own code, not Barge's), and compares
 * what the view reads back with what the reference reads.
 */
public enum ViewOps
{
    BYTE(1, null),
    SHORT_NATIVE(2, null), SHORT_LE(2, ByteOrder.LITTLE_ENDIAN), SHORT_BE(2, ByteOrder.BIG_ENDIAN),
    CHAR_NATIVE(2, null), CHAR_LE(2, ByteOrder.LITTLE_ENDIAN), CHAR_BE(2, ByteOrder.BIG_ENDIAN),
    INT_NATIVE(4, null), INT_LE(4, ByteOrder.LITTLE_ENDIAN), INT_BE(4, ByteOrder.BIG_ENDIAN),
    FLOAT_NATIVE(4, null), FLOAT_LE(4, ByteOrder.LITTLE_ENDIAN), FLOAT_BE(4, ByteOrder.BIG_ENDIAN),
    LONG_NATIVE(8, null), LONG_LE(8, ByteOrder.LITTLE_ENDIAN), LONG_BE(8, ByteOrder.BIG_ENDIAN),
    DOUBLE_NATIVE(8, null), DOUBLE_LE(8, ByteOrder.LITTLE_ENDIAN), DOUBLE_BE(8, ByteOrder.BIG_ENDIAN);

    /** Bytes the op covers. */
    public final int width;
    private final ByteOrder order;

    ViewOps(final int width, final ByteOrder order)
    {
        this.width = width;
        this.order = order;
    }

    /**
     * Writes the same value through both buffers.
     *
     * @param view      the buffer under test.
     * @param reference a private Agrona buffer.
     * @param index     where.
     * @param bits      the value's bits (truncated to the width).
     */
    public void put(final MutableDirectBuffer view, final MutableDirectBuffer reference, final int index,
        final long bits)
    {
        put(view, index, bits);
        put(reference, index, bits);
    }

    private void put(final MutableDirectBuffer b, final int i, final long bits)
    {
        switch (this)
        {
            case BYTE -> b.putByte(i, (byte)bits);
            case SHORT_NATIVE -> b.putShort(i, (short)bits);
            case SHORT_LE, SHORT_BE -> b.putShort(i, (short)bits, order);
            case CHAR_NATIVE -> b.putChar(i, (char)bits);
            case CHAR_LE, CHAR_BE -> b.putChar(i, (char)bits, order);
            case INT_NATIVE -> b.putInt(i, (int)bits);
            case INT_LE, INT_BE -> b.putInt(i, (int)bits, order);
            case FLOAT_NATIVE -> b.putFloat(i, Float.intBitsToFloat((int)bits));
            case FLOAT_LE, FLOAT_BE -> b.putFloat(i, Float.intBitsToFloat((int)bits), order);
            case LONG_NATIVE -> b.putLong(i, bits);
            case LONG_LE, LONG_BE -> b.putLong(i, bits, order);
            case DOUBLE_NATIVE -> b.putDouble(i, Double.longBitsToDouble(bits));
            case DOUBLE_LE, DOUBLE_BE -> b.putDouble(i, Double.longBitsToDouble(bits), order);
            default -> throw new IllegalStateException(name());
        }
    }

    /**
     * Reads at an index as raw bits (floats and doubles through their raw bits, so NaNs compare exactly).
     *
     * @param b     a buffer.
     * @param i     where.
     * @return the bits read.
     */
    public long get(final DirectBuffer b, final int i)
    {
        return switch (this)
        {
            case BYTE -> b.getByte(i);
            case SHORT_NATIVE -> b.getShort(i);
            case SHORT_LE, SHORT_BE -> b.getShort(i, order);
            case CHAR_NATIVE -> b.getChar(i);
            case CHAR_LE, CHAR_BE -> b.getChar(i, order);
            case INT_NATIVE -> b.getInt(i);
            case INT_LE, INT_BE -> b.getInt(i, order);
            case FLOAT_NATIVE -> Float.floatToRawIntBits(b.getFloat(i));
            case FLOAT_LE, FLOAT_BE -> Float.floatToRawIntBits(b.getFloat(i, order));
            case LONG_NATIVE -> b.getLong(i);
            case LONG_LE, LONG_BE -> b.getLong(i, order);
            case DOUBLE_NATIVE -> Double.doubleToRawLongBits(b.getDouble(i));
            case DOUBLE_LE, DOUBLE_BE -> Double.doubleToRawLongBits(b.getDouble(i, order));
        };
    }

    /**
     * Asserts that a view reads what the reference reads at an index.
     *
     * @param view      the buffer under test.
     * @param reference the private Agrona buffer.
     * @param index     where.
     * @param where     context for a failure (seed, step).
     */
    public void assertSame(final DirectBuffer view, final DirectBuffer reference, final int index, final String where)
    {
        assertEquals(get(reference, index), get(view, index), where + " op=" + this + " index=" + index);
    }

    /**
     * @param random the test's seeded generator.
     * @return a random op.
     */
    public static ViewOps random(final SplittableRandom random)
    {
        final ViewOps[] all = values();
        return all[random.nextInt(all.length)];
    }

    /**
     * A value whose bits are not all equal, so a byte-order or page-split mistake shows.
     *
     * @param random the test's seeded generator.
     * @return bits for a put.
     */
    public static long randomBits(final SplittableRandom random)
    {
        long bits = random.nextLong();
        if ((bits & 0xFFFF) == 0 || (bits & 0xFF) == ((bits >>> 8) & 0xFF))
        {
            bits ^= 0x0102_0304_0506_0708L;
        }
        return bits;
    }
}

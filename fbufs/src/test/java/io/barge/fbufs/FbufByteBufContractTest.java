package io.barge.fbufs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's ByteBuf contract, written once and run for every buffer kind Barge hands out (the subclasses). Expected
 * values are fixed data or what a Netty heap buffer given the same operations holds. Every buffer a test makes is
 * released by it; the subclasses check after each test that every fbuf and frame came back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class FbufByteBufContractTest extends NettyChannelFixture
{
    /**
     * @return the channel's mode (cached or not decides whether buffers come from a free list).
     */
    protected abstract FbufMode mode();

    @BeforeEach
    void openChannel()
    {
        open(mode());
    }

    @AfterEach
    void everyFbufAndFrameCameBack()
    {
        assertEquals(0, transport.region().heldFbufs(), "fbufs still held after the test released its buffers");
        beforeTeardown();
        assertNoLeak();
    }

    /** Gives back whatever the kind took to build its buffers. */
    protected void beforeTeardown()
    {
    }

    /** Sizes that cover a part of a page, exactly a page, and several pages with an odd tail. */
    static final int[] CAPACITIES = { 1, 100, 4096, 3 * 4096 + 17 };

    /**
     * @param capacity    initial capacity.
     * @param maxCapacity the most it may grow to (ignored by kinds whose maximum is fixed, see
     *                    {@link #honoursMaxCapacity()}).
     * @return a new empty buffer of this kind.
     */
    protected abstract ByteBuf newBuffer(int capacity, int maxCapacity);

    /**
     * @return whether {@link #newBuffer} buffers have the asked maxCapacity (a composite's is always
     *         Integer.MAX_VALUE, as in Netty).
     */
    protected boolean honoursMaxCapacity()
    {
        return true;
    }

    /**
     * @return whether copying a buffer's bytes over themselves upwards is safe (Netty's own composite copies
     *         component by component and is not).
     */
    protected boolean copiesOverlappingRanges()
    {
        return true;
    }

    private ByteBuf filled(final int capacity, final long seed)
    {
        final ByteBuf buffer = newBuffer(capacity, Integer.MAX_VALUE);
        buffer.writeBytes(bytes(seed, capacity));
        return buffer;
    }

    private static byte[] content(final ByteBuf buffer)
    {
        final byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    // ---- capacity ----------------------------------------------------------------------------------------------

    @Test
    void capacityIsWhatWasAskedAndNewBytesReadAsZero()
    {
        for (final int capacity : CAPACITIES)
        {
            final ByteBuf buffer = newBuffer(capacity, 4 * capacity + 8192);
            assertEquals(capacity, buffer.capacity());
            if (honoursMaxCapacity())
            {
                assertEquals(4 * capacity + 8192, buffer.maxCapacity());
            }
            assertEquals(0, buffer.readerIndex());
            assertEquals(0, buffer.writerIndex());
            assertArrayEquals(new byte[capacity], content(buffer), "capacity=" + capacity);
            buffer.release();
        }
    }

    @Test
    void capacityGrowsAndShrinksKeepingTheBytes()
    {
        final byte[] data = bytes(1, 300);
        final ByteBuf buffer = newBuffer(300, 20000);
        buffer.writeBytes(data).readerIndex(10);
        buffer.capacity(9000);
        assertEquals(9000, buffer.capacity());
        assertArrayEquals(data, Arrays.copyOf(content(buffer), 300));
        assertEquals(0, buffer.getByte(8999));
        assertEquals(10, buffer.readerIndex());
        assertEquals(300, buffer.writerIndex());
        buffer.capacity(200);
        assertEquals(200, buffer.capacity());
        assertEquals(200, buffer.writerIndex());
        assertEquals(10, buffer.readerIndex());
        assertArrayEquals(Arrays.copyOf(data, 200), content(buffer));
        buffer.capacity(5);
        assertEquals(5, buffer.readerIndex());
        assertEquals(5, buffer.writerIndex());
        buffer.capacity(7000);
        assertArrayEquals(Arrays.copyOf(Arrays.copyOf(data, 5), 7000), content(buffer), "regrown bytes are zeros");
        assertThrows(IllegalArgumentException.class, () -> buffer.capacity(-1));
        if (honoursMaxCapacity())
        {
            assertThrows(IllegalArgumentException.class, () -> buffer.capacity(20001));
        }
        buffer.release();
    }

    // ---- indices -----------------------------------------------------------------------------------------------

    @Test
    void indicesMoveAndRefuseBadValues()
    {
        final ByteBuf buffer = newBuffer(100, 100);
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.readerIndex(1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.readerIndex(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.writerIndex(101));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.writerIndex(-1));
        buffer.writerIndex(60).readerIndex(20);
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.writerIndex(19));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.readerIndex(61));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.setIndex(50, 40));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.setIndex(0, 101));
        assertEquals(40, buffer.readableBytes());
        assertEquals(40, buffer.writableBytes());
        assertTrue(buffer.isReadable(40));
        assertFalse(buffer.isReadable(41));
        assertTrue(buffer.isWritable(40));
        assertFalse(buffer.isWritable(41));
        buffer.markReaderIndex().markWriterIndex();
        buffer.setIndex(30, 90);
        buffer.resetWriterIndex().resetReaderIndex();
        assertEquals(20, buffer.readerIndex());
        assertEquals(60, buffer.writerIndex());
        buffer.clear();
        assertEquals(0, buffer.readerIndex());
        assertEquals(0, buffer.writerIndex());
        assertThrows(IndexOutOfBoundsException.class, buffer::readByte);
        buffer.release();
    }

    // ---- single values -----------------------------------------------------------------------------------------

    @Test
    void valuesHaveNettysByteOrder()
    {
        final ByteBuf buffer = newBuffer(64, 64);
        buffer.setInt(0, 0x01020304);
        buffer.setIntLE(4, 0x01020304);
        buffer.setLong(8, 0x0102030405060708L);
        buffer.setShort(16, 0x0A0B);
        buffer.setMedium(18, 0x0C0D0E);
        buffer.setMediumLE(21, 0x0C0D0E);
        final byte[] expected = {
            1, 2, 3, 4, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0E, 0x0D, 0x0C };
        assertArrayEquals(expected, Arrays.copyOf(content(buffer), expected.length));
        assertEquals(0x04030201, buffer.getIntLE(0));
        assertEquals(0x0807060504030201L, buffer.getLongLE(8));
        assertEquals(0x0B0A, buffer.getShortLE(16));
        assertEquals(0x0E0D0C, buffer.getUnsignedMediumLE(18));
        assertEquals(0x0C0D0E, buffer.getMedium(18));
        assertEquals(0x04030201, orderLittle(buffer).getInt(0));
        buffer.setByte(30, 0xF0);
        assertEquals((short)0xF0, buffer.getUnsignedByte(30));
        assertEquals((byte)0xF0, buffer.getByte(30));
        buffer.setInt(32, -2);
        assertEquals(0xFFFFFFFEL, buffer.getUnsignedInt(32));
        buffer.release();
    }

    @SuppressWarnings("deprecation")
    private static ByteBuf orderLittle(final ByteBuf buffer)
    {
        final ByteBuf swapped = buffer.order(ByteOrder.LITTLE_ENDIAN);
        assertSame(ByteOrder.LITTLE_ENDIAN, swapped.order());
        return swapped;
    }

    /** Random typed sets at random (often unaligned) indices, mirrored on a Netty heap buffer; then every get. */
    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = { 11, 12, 13, 14 })
    void everyTypeSetAndGetInBothOrders(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int capacity = 2 * 4096 + 100;
        final ByteBuf buffer = newBuffer(capacity, capacity);
        // A zeroed array: Netty's own heap buffers of this size start uninitialised (allocateUninitializedArray).
        final ByteBuf expected = Unpooled.wrappedBuffer(new byte[capacity]);
        final List<int[]> done = new ArrayList<>();
        for (int op = 0; op < 3000; op++)
        {
            final int type = random.nextInt(TYPE_COUNT);
            final int index = random.nextInt(capacity - 8);
            final long value = random.nextLong();
            set(buffer, type, index, value);
            set(expected, type, index, value);
            done.add(new int[]{ type, index });
        }
        assertArrayEquals(content(expected), content(buffer), "seed=" + seed);
        for (final int[] op : done)
        {
            assertEquals(get(expected, op[0], op[1]), get(buffer, op[0], op[1]),
                "seed=" + seed + " type=" + op[0] + " index=" + op[1]);
        }
        expected.release();
        buffer.release();
    }

    private static final int TYPE_COUNT = 15;

    private static void set(final ByteBuf buffer, final int type, final int index, final long value)
    {
        switch (type)
        {
            case 0: buffer.setByte(index, (int)value); break;
            case 1: buffer.setShort(index, (int)value); break;
            case 2: buffer.setShortLE(index, (int)value); break;
            case 3: buffer.setMedium(index, (int)value); break;
            case 4: buffer.setMediumLE(index, (int)value); break;
            case 5: buffer.setInt(index, (int)value); break;
            case 6: buffer.setIntLE(index, (int)value); break;
            case 7: buffer.setLong(index, value); break;
            case 8: buffer.setLongLE(index, value); break;
            case 9: buffer.setChar(index, (int)value); break;
            case 10: buffer.setFloat(index, Float.intBitsToFloat((int)value & 0x3FFFFFFF)); break;
            case 11: buffer.setDouble(index, Double.longBitsToDouble(value & 0x3FFFFFFFFFFFFFFFL)); break;
            case 12: buffer.setFloatLE(index, Float.intBitsToFloat((int)value & 0x3FFFFFFF)); break;
            case 13: buffer.setDoubleLE(index, Double.longBitsToDouble(value & 0x3FFFFFFFFFFFFFFFL)); break;
            default: buffer.setBoolean(index, (value & 1) != 0); break;
        }
    }

    private static Object get(final ByteBuf buffer, final int type, final int index)
    {
        switch (type)
        {
            case 0: return buffer.getByte(index);
            case 1: return buffer.getShort(index);
            case 2: return buffer.getShortLE(index);
            case 3: return buffer.getUnsignedMedium(index);
            case 4: return buffer.getUnsignedMediumLE(index);
            case 5: return buffer.getInt(index);
            case 6: return buffer.getIntLE(index);
            case 7: return buffer.getLong(index);
            case 8: return buffer.getLongLE(index);
            case 9: return buffer.getChar(index);
            case 10: return buffer.getFloat(index);
            case 11: return buffer.getDouble(index);
            case 12: return buffer.getFloatLE(index);
            case 13: return buffer.getDoubleLE(index);
            default: return buffer.getBoolean(index);
        }
    }

    @Test
    void readAndWriteAdvanceTheIndices()
    {
        final ByteBuf buffer = newBuffer(64, 64);
        buffer.writeByte(1).writeShort(2).writeShortLE(3).writeMedium(4).writeMediumLE(5).writeInt(6).writeIntLE(7)
            .writeLong(8).writeLongLE(9).writeChar('x').writeFloat(1.5f).writeDoubleLE(2.25).writeBoolean(true);
        assertEquals(1 + 2 + 2 + 3 + 3 + 4 + 4 + 8 + 8 + 2 + 4 + 8 + 1, buffer.writerIndex());
        assertEquals(1, buffer.readByte());
        assertEquals(2, buffer.readShort());
        assertEquals(3, buffer.readShortLE());
        assertEquals(4, buffer.readMedium());
        assertEquals(5, buffer.readMediumLE());
        assertEquals(6, buffer.readInt());
        assertEquals(7, buffer.readIntLE());
        assertEquals(8, buffer.readLong());
        assertEquals(9, buffer.readLongLE());
        assertEquals('x', buffer.readChar());
        assertEquals(1.5f, buffer.readFloat());
        assertEquals(2.25, buffer.readDoubleLE());
        assertTrue(buffer.readBoolean());
        assertFalse(buffer.isReadable());
        assertThrows(IndexOutOfBoundsException.class, buffer::readByte);
        buffer.release();
    }

    @Test
    void accessesOutsideTheCapacityAreRefused()
    {
        final ByteBuf buffer = newBuffer(100, 100);
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.getByte(100));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.getByte(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.getInt(97));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.setLong(93, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.setShortLE(99, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.getBytes(90, new byte[11]));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.setBytes(0, new byte[10], 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.getBytes(0, new byte[10], -1, 2));
        assertEquals(0, buffer.getLong(92));
        buffer.release();
    }

    // ---- bulk --------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = { 21, 22 })
    void bytesToAndFromArraysAndByteBuffers(final long seed)
    {
        final int capacity = 3 * 4096 + 17;
        final byte[] data = bytes(seed, capacity);
        final ByteBuf buffer = newBuffer(capacity, capacity);
        buffer.setBytes(0, data, 0, 5000);
        buffer.setBytes(5000, ByteBuffer.wrap(data, 5000, 3000));
        final ByteBuffer direct = ByteBuffer.allocateDirect(capacity - 8000);
        direct.put(data, 8000, capacity - 8000).flip();
        buffer.setBytes(8000, direct.asReadOnlyBuffer());
        assertArrayEquals(data, content(buffer), "seed=" + seed);
        final ByteBuffer readOnlyHeap = ByteBuffer.wrap(data).asReadOnlyBuffer();
        readOnlyHeap.position(100).limit(200);
        buffer.setBytes(0, readOnlyHeap);
        assertEquals(data[100], buffer.getByte(0));
        assertEquals(200, readOnlyHeap.position());
        buffer.setBytes(0, data, 0, 100);
        final byte[] part = new byte[300];
        buffer.getBytes(4000, part, 50, 200);
        assertArrayEquals(Arrays.copyOfRange(data, 4000, 4200), Arrays.copyOfRange(part, 50, 250));
        final ByteBuffer out = ByteBuffer.allocateDirect(capacity);
        buffer.getBytes(0, out);
        assertEquals(capacity, out.position());
        out.flip();
        final byte[] viaDirect = new byte[capacity];
        out.get(viaDirect);
        assertArrayEquals(data, viaDirect);
        assertThrows(ReadOnlyBufferException.class, () -> buffer.getBytes(0, ByteBuffer.allocate(10).asReadOnlyBuffer()));
        buffer.release();
    }

    @Test
    void bytesToAndFromOtherByteBufs()
    {
        final byte[] data = bytes(31, 9000);
        final ByteBuf buffer = newBuffer(9000, 9000);
        final ByteBuf heap = Unpooled.wrappedBuffer(data);
        final ByteBuf direct = Unpooled.directBuffer(9000).writeBytes(data);
        buffer.setBytes(0, heap, 0, 4000);
        buffer.setBytes(4000, direct, 4000, 5000);
        assertArrayEquals(data, content(buffer));
        final ByteBuf other = newBuffer(9000, 9000);
        other.writeBytes(buffer, 10, 8990);
        assertEquals(8990, other.writerIndex());
        assertArrayEquals(Arrays.copyOfRange(data, 10, 9000), Arrays.copyOf(content(other), 8990));
        final ByteBuf intoDirect = Unpooled.directBuffer(9000);
        buffer.getBytes(0, intoDirect, 0, 9000);
        intoDirect.writerIndex(9000);
        assertTrue(ByteBufUtil.equals(heap, intoDirect));
        buffer.readerIndex(0).writerIndex(9000);
        final ByteBuf sink = Unpooled.buffer(9000);
        buffer.readBytes(sink, 100);
        assertEquals(100, buffer.readerIndex());
        assertEquals(100, sink.writerIndex());
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.getBytes(0, sink, 8999, 2));
        for (final ByteBuf b : new ByteBuf[]{ buffer, heap, direct, other, intoDirect, sink })
        {
            b.release();
        }
    }

    /**
     * The same moves through another buffer object over this memory: a duplicate here, as Netty's leak detector
     * hands a sampled caller a wrapper instead of the buffer (a copy that only recognised the buffer itself went
     * forwards and read bytes it had already overwritten).
     */
    @Test
    void overlappingCopiesThroughAViewOfTheSameMemoryMoveTheBytes()
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(copiesOverlappingRanges());
        final byte[] data = bytes(36, 30000);
        final ByteBuf buffer = newBuffer(30000, 30000).writeBytes(data);
        buffer.setBytes(5000, buffer.duplicate(), 0, 20000);
        final byte[] up = data.clone();
        System.arraycopy(data, 0, up, 5000, 20000);
        assertArrayEquals(up, content(buffer));
        buffer.duplicate().getBytes(9000, buffer, 0, 21000);
        final byte[] down = up.clone();
        System.arraycopy(up, 9000, down, 0, 21000);
        assertArrayEquals(down, content(buffer));
        buffer.getBytes(1000, buffer.duplicate(), 4000, 20000);
        final byte[] upAgain = down.clone();
        System.arraycopy(down, 1000, upAgain, 4000, 20000);
        assertArrayEquals(upAgain, content(buffer));
        buffer.release();
    }

    @Test
    void overlappingCopiesWithinTheBufferMoveTheBytes()
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(copiesOverlappingRanges());
        final byte[] data = bytes(35, 30000);
        final ByteBuf buffer = newBuffer(30000, 30000).writeBytes(data);
        buffer.setBytes(5000, buffer, 0, 20000); // upwards, over more than one internal chunk
        final byte[] up = data.clone();
        System.arraycopy(data, 0, up, 5000, 20000);
        assertArrayEquals(up, content(buffer));
        buffer.setBytes(0, buffer, 9000, 21000); // downwards
        final byte[] down = up.clone();
        System.arraycopy(up, 9000, down, 0, 21000);
        assertArrayEquals(down, content(buffer));
        buffer.release();
    }

    @Test
    void bytesToAndFromStreams() throws IOException
    {
        final byte[] data = bytes(41, 10000);
        final ByteBuf buffer = newBuffer(10000, 10000);
        assertEquals(6000, buffer.setBytes(0, new ByteArrayInputStream(data), 6000));
        assertEquals(4000, buffer.writerIndex(6000).writeBytes(new ByteArrayInputStream(data, 6000, 4000), 4000));
        assertEquals(10, buffer.setBytes(0, new ByteArrayInputStream(data, 0, 10), 100), "a short read");
        assertEquals(-1, buffer.setBytes(0, new ByteArrayInputStream(new byte[0]), 10));
        assertArrayEquals(data, content(buffer));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        buffer.getBytes(0, out, 10000);
        assertArrayEquals(data, out.toByteArray());
        buffer.readerIndex(9000).readBytes(out, 1000);
        assertEquals(10000, buffer.readerIndex());
        assertEquals(11000, out.size());
        buffer.release();
    }

    @Test
    void bytesToAndFromChannels(@TempDir final Path dir) throws IOException
    {
        final byte[] data = bytes(51, 7000);
        final ByteBuf buffer = newBuffer(7000, 7000).writeBytes(data);
        try (FileChannel file = FileChannel.open(dir.resolve("bytes"), StandardOpenOption.CREATE,
            StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            assertEquals(7000, buffer.getBytes(0, file, 0L, 7000));
            assertEquals(3000, buffer.readerIndex(4000).readBytes(file, 7000L, 3000));
            final ByteBuf back = newBuffer(10000, 10000);
            assertEquals(10000, back.setBytes(0, file, 0L, 10000));
            file.position(0);
            assertEquals(5000, back.writerIndex(0).writeBytes(file, 5000));
            assertEquals(5000, back.writerIndex());
            final byte[] expected = Arrays.copyOf(data, 10000);
            System.arraycopy(data, 4000, expected, 7000, 3000);
            assertArrayEquals(expected, content(back));
            back.release();
        }
        buffer.release();
    }

    @Test
    void copyIsDeepAndHoldsOnlyTheRange()
    {
        final byte[] data = bytes(61, 5000);
        final ByteBuf buffer = newBuffer(5000, 5000).writeBytes(data);
        final ByteBuf copy = buffer.copy(100, 4000);
        assertEquals(4000, copy.readableBytes());
        assertArrayEquals(Arrays.copyOfRange(data, 100, 4100), ByteBufUtil.getBytes(copy));
        buffer.setByte(100, data[100] + 1);
        assertEquals(data[100], copy.getByte(0));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.copy(4000, 1001));
        copy.release();
        buffer.release();
    }

    @Test
    void zerosAndCharSequences()
    {
        final ByteBuf buffer = filled(200, 71);
        buffer.setZero(10, 50);
        for (int i = 10; i < 60; i++)
        {
            assertEquals(0, buffer.getByte(i));
        }
        buffer.writerIndex(100).writeZero(100);
        assertEquals(0L, buffer.getLong(192));
        buffer.clear().writeCharSequence("fbufs \u00e9t\u00e9", StandardCharsets.UTF_8);
        assertEquals("fbufs \u00e9t\u00e9", buffer.toString(StandardCharsets.UTF_8));
        assertEquals("fbufs", buffer.getCharSequence(0, 5, StandardCharsets.US_ASCII).toString());
        buffer.release();
    }

    // ---- derived buffers ---------------------------------------------------------------------------------------

    @Test
    void slicesShareBytesButNotIndices()
    {
        final byte[] data = bytes(81, 9000);
        final ByteBuf buffer = newBuffer(9000, 9000).writeBytes(data);
        final ByteBuf slice = buffer.slice(4000, 1000);
        assertEquals(0, slice.readerIndex());
        assertEquals(1000, slice.writerIndex());
        assertEquals(1000, slice.capacity());
        assertEquals(1000, slice.maxCapacity());
        assertEquals(data[4000], slice.getByte(0));
        slice.setByte(0, 42);
        assertEquals(42, buffer.getByte(4000));
        buffer.setInt(4996, 0x01020304);
        assertEquals(0x01020304, slice.getInt(996));
        assertThrows(IndexOutOfBoundsException.class, () -> slice.getByte(1000));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.slice(8000, 1001));
        assertThrows(UnsupportedOperationException.class, () -> slice.capacity(2000));
        final ByteBuf inner = slice.slice(10, 20);
        assertEquals(buffer.getByte(4010), inner.getByte(0));
        buffer.readerIndex(50).writerIndex(70);
        final ByteBuf readable = buffer.slice();
        assertEquals(20, readable.capacity());
        assertEquals(data[50], readable.getByte(0));
        assertEquals(1, buffer.refCnt());
        buffer.release();
        assertThrows(IllegalReferenceCountException.class, () -> slice.getByte(0));
    }

    @Test
    void duplicatesShareBytesAndCapacityButNotIndices()
    {
        final byte[] data = bytes(82, 300);
        final ByteBuf buffer = newBuffer(300, 20000).writeBytes(data).readerIndex(7);
        final ByteBuf duplicate = buffer.duplicate();
        assertEquals(7, duplicate.readerIndex());
        assertEquals(300, duplicate.writerIndex());
        duplicate.readerIndex(100);
        assertEquals(7, buffer.readerIndex());
        duplicate.setByte(200, 9);
        assertEquals(9, buffer.getByte(200));
        final ByteBuf readOnly = buffer.asReadOnly();
        assertTrue(readOnly.isReadOnly());
        assertThrows(ReadOnlyBufferException.class, () -> readOnly.setByte(0, 1));
        assertEquals(data[0], readOnly.getByte(0));
        assertTrue(ByteBufUtil.equals(buffer, readOnly));
        buffer.release();
    }

    @Test
    void retainedSlicesAndDuplicatesShareTheReferenceCount()
    {
        final ByteBuf buffer = filled(500, 83);
        final ByteBuf slice = buffer.retainedSlice(10, 100);
        assertEquals(2, buffer.refCnt());
        final ByteBuf duplicate = buffer.retainedDuplicate();
        assertEquals(3, buffer.refCnt());
        assertEquals(buffer.getByte(10), slice.getByte(0));
        assertEquals(buffer.getByte(499), duplicate.getByte(499));
        assertFalse(slice.release());
        assertFalse(buffer.release());
        assertEquals(buffer.getByte(10), duplicate.getByte(10), "the duplicate still holds the bytes");
        assertTrue(duplicate.release());
        assertEquals(0, buffer.refCnt());
        assertThrows(IllegalReferenceCountException.class, () -> duplicate.getByte(0));
    }

    @Test
    void nioBuffersShowTheBytesInBigEndianOrder()
    {
        final int capacity = 3 * 4096 + 17;
        final byte[] data = bytes(91, capacity);
        final ByteBuf buffer = newBuffer(capacity, capacity).writeBytes(data);
        assertTrue(buffer.nioBufferCount() >= 1);
        final ByteBuffer whole = buffer.nioBuffer(0, capacity);
        assertEquals(ByteOrder.BIG_ENDIAN, whole.order());
        assertEquals(capacity, whole.remaining());
        final byte[] viaWhole = new byte[capacity];
        whole.get(viaWhole);
        assertArrayEquals(data, viaWhole);
        final ByteBuffer[] parts = buffer.nioBuffers(100, capacity - 200);
        final ByteBuf joined = Unpooled.wrappedBuffer(parts);
        assertArrayEquals(Arrays.copyOfRange(data, 100, capacity - 100), ByteBufUtil.getBytes(joined));
        joined.release();
        assertEquals(buffer.getInt(4000), buffer.nioBuffer(4000, 8).getInt());
        if (buffer.nioBufferCount() == 1)
        {
            final ByteBuffer internal = buffer.internalNioBuffer(10, 20);
            assertEquals(20, internal.remaining());
            assertEquals(data[10], internal.get(internal.position()));
        }
        buffer.release();
    }

    // ---- writability and discarding ----------------------------------------------------------------------------

    @Test
    void ensureWritableGrowsWithinMaxCapacity()
    {
        final ByteBuf buffer = newBuffer(10, 10000);
        buffer.writerIndex(10);
        buffer.ensureWritable(5000);
        assertTrue(buffer.writableBytes() >= 5000);
        assertTrue(buffer.capacity() <= (honoursMaxCapacity() ? 10000 : Integer.MAX_VALUE));
        assertEquals(0, buffer.ensureWritable(10, false), "enough room");
        if (honoursMaxCapacity())
        {
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.ensureWritable(10001));
            assertEquals(1, buffer.ensureWritable(20000, false), "cannot and not forced: unchanged");
            assertEquals(3, buffer.ensureWritable(20000, true), "forced to maxCapacity");
            assertEquals(10000, buffer.capacity());
            buffer.capacity(100);
            assertEquals(2, buffer.ensureWritable(500, false), "grown");
            assertTrue(buffer.capacity() >= 600);
        }
        buffer.release();
    }

    @Test
    void discardReadBytesMovesTheReadableBytesDown()
    {
        final byte[] data = bytes(101, 6000);
        final ByteBuf buffer = newBuffer(6000, 6000).writeBytes(data);
        buffer.readerIndex(5000).markReaderIndex();
        buffer.discardReadBytes();
        assertEquals(0, buffer.readerIndex());
        assertEquals(1000, buffer.writerIndex());
        assertArrayEquals(Arrays.copyOfRange(data, 5000, 6000), ByteBufUtil.getBytes(buffer));
        buffer.resetReaderIndex();
        assertEquals(0, buffer.readerIndex(), "marks move with the bytes");
        buffer.readerIndex(1000);
        buffer.discardSomeReadBytes();
        assertEquals(0, buffer.readerIndex());
        assertEquals(0, buffer.writerIndex());
        buffer.ensureWritable(100); // a composite's discard drops its fully read components, and capacity with them
        buffer.writerIndex(100).readerIndex(10);
        buffer.discardSomeReadBytes();
        assertTrue(buffer.readerIndex() <= 10);
        assertEquals(90, buffer.readableBytes());
        buffer.release();
    }

    // ---- search, comparison ------------------------------------------------------------------------------------

    @Test
    void searchesFindTheFixedBytes()
    {
        final ByteBuf buffer = newBuffer(5000, 5000);
        buffer.writeZero(5000);
        buffer.setByte(100, 7).setByte(4500, 7).setByte(4999, 9);
        assertEquals(100, buffer.indexOf(0, 5000, (byte)7));
        assertEquals(4500, buffer.indexOf(5000, 0, (byte)7));
        assertEquals(-1, buffer.indexOf(101, 4500, (byte)7));
        assertEquals(100, buffer.bytesBefore((byte)7));
        buffer.readerIndex(101);
        assertEquals(4399, buffer.bytesBefore((byte)7));
        assertEquals(-1, buffer.bytesBefore(4399, (byte)7));
        assertEquals(4999, buffer.forEachByte(ByteProcessor.FIND_NON_NUL) == 4500 ?
            buffer.forEachByte(4501, 499, ByteProcessor.FIND_NON_NUL) : -2);
        assertEquals(4999, buffer.forEachByteDesc(ByteProcessor.FIND_NON_NUL));
        assertEquals(-1, buffer.forEachByte(0, 100, ByteProcessor.FIND_NON_NUL));
        buffer.release();
    }

    @Test
    void equalsHashCodeAndCompareToMatchAnUnpooledBufferWithTheSameBytes()
    {
        final byte[] data = bytes(111, 5000);
        final ByteBuf buffer = newBuffer(5000, 5000).writeBytes(data).readerIndex(3);
        final ByteBuf same = Unpooled.wrappedBuffer(data, 3, 4997);
        assertEquals(same, buffer);
        assertEquals(buffer, same);
        assertEquals(same.hashCode(), buffer.hashCode());
        assertEquals(0, buffer.compareTo(same));
        final byte[] bigger = data.clone();
        bigger[4000] = (byte)(bigger[4000] + 1);
        final ByteBuf other = Unpooled.wrappedBuffer(bigger, 3, 4997);
        assertNotEquals(other, buffer);
        assertEquals(Integer.signum(same.compareTo(other)), Integer.signum(buffer.compareTo(other)));
        assertTrue(buffer.compareTo(Unpooled.wrappedBuffer(data, 3, 4996)) > 0, "a prefix is smaller");
        same.release();
        other.release();
        buffer.release();
    }

    // ---- reference counts --------------------------------------------------------------------------------------

    @Test
    void aReleasedBufferIsUnusable()
    {
        final ByteBuf buffer = filled(100, 121);
        assertEquals(1, buffer.refCnt());
        buffer.retain(2);
        assertEquals(3, buffer.refCnt());
        assertFalse(buffer.release(2));
        assertTrue(buffer.release());
        assertEquals(0, buffer.refCnt());
        assertThrows(IllegalReferenceCountException.class, () -> buffer.getByte(0));
        assertThrows(IllegalReferenceCountException.class, () -> buffer.setByte(0, 1));
        assertThrows(IllegalReferenceCountException.class, () -> buffer.getBytes(0, new byte[1]));
        assertThrows(IllegalReferenceCountException.class, () -> buffer.nioBuffer(0, 1));
        assertThrows(IllegalReferenceCountException.class, buffer::retain);
        assertThrows(IllegalReferenceCountException.class, buffer::release);
        assertThrows(IllegalReferenceCountException.class, () -> buffer.copy(0, 1));
        assertThrows(IllegalReferenceCountException.class, () -> buffer.capacity(200));
    }
}

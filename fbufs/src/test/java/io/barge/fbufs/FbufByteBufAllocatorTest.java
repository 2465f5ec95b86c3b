package io.barge.fbufs;

import io.barge.core.Domain;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The defects of issue 9, one test each (each failed on 56fa112), through a real fbufs channel where it matters.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FbufByteBufAllocatorTest extends NettyChannelFixture
{
    // ---- 1. capacity is what was asked for; nothing unwritten shows -------------------------------------------

    @Test
    void capacityIsWhatWasAskedForNotWholePages()
    {
        open(new FbufMode(true, true, true));
        final ByteBuf one = allocator.directBuffer(1);
        final ByteBuf odd = allocator.directBuffer(3 * 4096 + 5);
        assertEquals(1, one.capacity());
        assertEquals(3 * 4096 + 5, odd.capacity());
        assertEquals(Integer.MAX_VALUE, one.maxCapacity());
        one.release();
        odd.release();
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @Test
    void aReusedFbufShowsNoneOfThePreviousUsersBytes()
    {
        open(new FbufMode(true, true, true));
        final ByteBuf first = allocator.directBuffer(4096);
        first.writeBytes(bytes(91, 4096));
        first.release();
        final ByteBuf second = allocator.directBuffer(4096); // the same fbuf, from the path's free list
        second.writeByte(7);
        final byte[] expected = new byte[4096];
        expected[0] = 7;
        final byte[] read = new byte[4096];
        second.getBytes(0, read);
        assertArrayEquals(expected, read, "getBytes up to capacity");
        final ByteBuffer nio = second.nioBuffer(0, 4096);
        final byte[] viaNio = new byte[4096];
        nio.get(viaNio);
        assertArrayEquals(expected, viaNio, "nioBuffer up to capacity");
        final ByteBuf copy = second.copy(0, 4096);
        assertTrue(ByteBufUtil.equals(Unpooled.wrappedBuffer(expected), copy), "copy up to capacity");
        copy.release();
        assertEquals(0L, second.getLong(8), "getLong past what was written");
        final CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, second.retain());
        final ByteBuf compositeCopy = composite.copy();
        assertEquals(1, compositeCopy.readableBytes(), "Netty's composite copy sees only the written byte");
        compositeCopy.release();
        composite.release();
        second.release();
        assertNoLeak();
    }

    @Test
    void bytesSentPastWhatWasWrittenAreZerosNotAPreviousUsers()
    {
        open(new FbufMode(true, true, true));
        final ByteBuf first = allocator.directBuffer(4096);
        first.writeBytes(bytes(92, 4096));
        first.release();
        final ByteBuf second = allocator.directBuffer(4096);
        second.writeByte(5).writerIndex(300); // moved without writing
        final byte[] expected = new byte[300];
        expected[0] = 5;
        assertArrayEquals(expected, sendAndReceive(second));
        second.release();
        assertNoLeak();
    }

    // ---- 2. maxCapacity and capacity(int) ----------------------------------------------------------------------

    @Test
    void capacityGrowsAndShrinksWithinMaxCapacityKeepingTheBytes()
    {
        open(new FbufMode(true, true, true));
        final byte[] data = bytes(93, 16);
        final ByteBuf buffer = allocator.directBuffer(16, 10000);
        assertEquals(10000, buffer.maxCapacity());
        buffer.writeBytes(data);
        buffer.capacity(4000); // in place
        assertEquals(4000, buffer.capacity());
        buffer.capacity(9000); // moves to a three-page fbuf
        assertEquals(9000, buffer.capacity());
        assertEquals(16, buffer.writerIndex());
        final byte[] read = new byte[16];
        buffer.getBytes(0, read);
        assertArrayEquals(data, read);
        assertEquals(0, buffer.getByte(8999));
        assertEquals(1, transport.region().heldFbufs(), "the old fbuf was released");
        buffer.capacity(8);
        assertEquals(8, buffer.capacity());
        assertEquals(8, buffer.writerIndex());
        assertThrows(IllegalArgumentException.class, () -> buffer.capacity(10001));
        assertThrows(IllegalArgumentException.class, () -> buffer.capacity(-1));
        buffer.writeBytes(bytes(94, 9000 - 8));
        assertEquals(9000, buffer.writerIndex());
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.writeZero(1001));
        buffer.release();
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @Test
    void aGrownBufferSendsWhatItHolds()
    {
        open(new FbufMode(true, false, true));
        final byte[] data = bytes(95, 20000);
        final ByteBuf buffer = allocator.directBuffer(100);
        buffer.writeBytes(data);
        assertTrue(buffer.capacity() >= 20000);
        assertArrayEquals(data, sendAndReceive(buffer));
        buffer.release();
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    // ---- 3. composites and slices are sent as they read --------------------------------------------------------

    @Test
    void aCompositeGrownByTheAllocatorSendsEveryByte()
    {
        open(new FbufMode(true, true, true));
        final byte[] data = bytes(96, 8000);
        final CompositeByteBuf composite = allocator.compositeDirectBuffer();
        composite.writeBytes(data);
        assertArrayEquals(data, sendAndReceive(composite));
        composite.release();
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @Test
    void aCompositeOfBuffersAndSlicesSendsItsReadableBytes()
    {
        open(new FbufMode(false, false, false));
        final byte[] data = bytes(97, 6000);
        final ByteBuf head = allocator.directBuffer(1000).writeBytes(data, 0, 1000);
        final ByteBuf tail = allocator.directBuffer(5000).writeBytes(data, 1000, 5000);
        final CompositeByteBuf composite = allocator.compositeDirectBuffer();
        composite.addComponents(true, head, tail.retainedSlice(0, 5000));
        tail.release();
        composite.readerIndex(10);
        composite.writerIndex(5990);
        final byte[] expected = java.util.Arrays.copyOfRange(data, 10, 5990);
        assertArrayEquals(expected, sendAndReceive(composite));
        composite.release();
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @Test
    void aSliceSendsItsOwnBytesNotItsBase()
    {
        open(new FbufMode(true, true, false));
        final byte[] data = bytes(98, 100);
        final ByteBuf buffer = allocator.directBuffer(100).writeBytes(data);
        final ByteBuf slice = buffer.slice(30, 20);
        slice.readerIndex(5);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 35, 50), sendAndReceive(slice));
        final ByteBuf duplicate = buffer.duplicate().readerIndex(60);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 60, 100), sendAndReceive(duplicate));
        buffer.release();
        assertNoLeak();
    }

    @Test
    void anFbufOverNonConsecutiveFramesHasItsCapacityAndIsSent()
    {
        open(new FbufMode(false, true, true));
        final int[] kept = fragment(4);
        final ByteBuf buffer = allocator.directBuffer(4 * 4096 - 10);
        assertFalse(buffer.isContiguous(), "frames are not consecutive");
        assertEquals(4 * 4096 - 10, buffer.capacity());
        final byte[] data = bytes(99, 4 * 4096 - 10);
        buffer.writeBytes(data);
        assertArrayEquals(data, sendAndReceive(buffer));
        buffer.release();
        unfragment(kept);
        assertNoLeak();
    }

    // ---- 4. writes obey the originator's rights ----------------------------------------------------------------

    @Test
    void aWriteAfterANonVolatileSendFaultsAndTheReceiverSeesTheSentBytes()
    {
        open(new FbufMode(true, false, false));
        final ByteBuf buffer = allocator.directBuffer(64).writeLong(0x1122334455667788L);
        final Aggregate aggregate = new Aggregate(transport.region(), a);
        allocator.appendTo(buffer, aggregate);
        assertEquals(Status.OK, channel.sender().send(aggregate));
        assertThrows(ProtectionFault.class, () -> buffer.setByte(0, 0x55));
        assertThrows(ProtectionFault.class, () -> buffer.writeLong(1L));
        assertThrows(ProtectionFault.class, () -> buffer.slice(0, 8).setByte(1, 1));
        assertThrows(ProtectionFault.class, () -> buffer.setBytes(0, new byte[4]));
        assertThrows(ProtectionFault.class, () -> buffer.capacity(10000), "no escape by growing into a new fbuf");
        assertEquals(64, buffer.capacity());
        assertTrue(buffer.isReadOnly(), "Netty code that checks isReadOnly copies instead of writing");
        assertEquals(0x11, buffer.getByte(0), "reads still work");
        final byte[] received = receive();
        assertEquals(0x11, received[0]);
        assertEquals((byte)0x88, received[7]);
        buffer.release();
        assertNoLeak();
    }

    @Test
    void aReadOnlyViewRefusesWritesAsNettysDo()
    {
        open(new FbufMode(true, true, true));
        final ByteBuf buffer = allocator.directBuffer(16).writeInt(1);
        final ByteBuf readOnly = buffer.asReadOnly();
        assertTrue(readOnly.isReadOnly());
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> readOnly.setInt(0, 2));
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> readOnly.slice().setByte(0, 2));
        assertEquals(1, buffer.getInt(0));
        buffer.release();
        assertNoLeak();
    }

    // ---- 5. metrics, preferDirect, exhaustion, views, byte order -----------------------------------------------

    @Test
    void metricsCountHeapBytesAndThePathsFbufs()
    {
        open(new FbufMode(true, true, true));
        final Object any = allocator;
        assertTrue(any instanceof ByteBufAllocatorMetricProvider, "the allocator gives Netty metrics");
        final ByteBufAllocatorMetricProvider provider = (ByteBufAllocatorMetricProvider)any;
        final long directBefore = provider.metric().usedDirectMemory();
        final ByteBuf direct = allocator.directBuffer(5000);
        assertEquals(directBefore + 2 * 4096, provider.metric().usedDirectMemory());
        final ByteBuf heap = allocator.heapBuffer(1000);
        assertEquals(1000, provider.metric().usedHeapMemory());
        heap.release();
        assertEquals(0, provider.metric().usedHeapMemory());
        direct.release();
        assertNoLeak();
    }

    @Test
    void preferDirectIsHonoured()
    {
        open(new FbufMode(true, true, true));
        final ByteBuf heap = new FbufByteBufAllocator(channel.sender().path(), false).buffer(10);
        final ByteBuf direct = allocator.buffer(10);
        assertFalse(heap.isDirect());
        assertTrue(direct.isDirect());
        heap.release();
        direct.release();
        assertNoLeak();
    }

    @Test
    void aRequestThePathCannotGiveIsAnOutOfMemoryErrorAndLeavesNothingHeld()
    {
        final FbufRegion region = new FbufRegion(kernel, 64);
        final IoPath path = region.createPath(new Domain[]{ a, b }, new FbufMode(false, true, true), 4);
        final FbufByteBufAllocator small = new FbufByteBufAllocator(path);
        assertOutOfMemory(() -> small.directBuffer(5 * 4096), "over the budget");
        final ByteBuf all = small.directBuffer(4 * 4096);
        assertOutOfMemory(() -> small.directBuffer(1), "path exhausted");
        all.release();
        final ByteBuf grown = small.directBuffer(1, 8 * 4096).writeByte(9);
        assertOutOfMemory(() -> grown.capacity(5 * 4096), "growth over the budget");
        final ByteBuf holder = small.directBuffer(3 * 4096);
        assertOutOfMemory(() -> grown.capacity(2 * 4096), "growth on an exhausted path");
        assertEquals(1, grown.capacity(), "a failed growth leaves the buffer as it was");
        assertEquals(9, grown.getByte(0));
        holder.release();
        grown.release();
        assertEquals(0, region.heldFbufs());
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    /** JUnit's assertThrows rethrows an OutOfMemoryError as unrecoverable, so this catches it itself. */
    private static void assertOutOfMemory(final Runnable request, final String what)
    {
        try
        {
            request.run();
        }
        catch (final OutOfMemoryError expected)
        {
            assertTrue(expected.getClass().getSimpleName().equals("OutOfFbufMemoryError"), what + ": " + expected);
            return;
        }
        catch (final RuntimeException wrong)
        {
            throw new AssertionError(what + ": expected an OutOfMemoryError, got " + wrong, wrong);
        }
        throw new AssertionError(what + ": expected an OutOfMemoryError, nothing was thrown");
    }

    @Test
    void aViewOfAReceivedMessageHoldsItsBytesAndIsUnusableAfterRelease()
    {
        open(new FbufMode(true, true, true));
        send(channel, 1000, 3);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        final ByteBuf view = FbufByteBufs.readOnlyView(message, b.addressSpace());
        channel.receiver().release(message);
        send(channel, 1000, 50); // a cached path would reuse the fbuf were the view not holding it
        receiveAndCheck(channel, 1000, 50);
        for (int i = 0; i < 1000; i++)
        {
            assertEquals((byte)(3 + i), view.getByte(i), "byte " + i);
        }
        assertTrue(view.release());
        assertThrows(IllegalReferenceCountException.class, () -> view.getByte(0));
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @Test
    @SuppressWarnings("deprecation")
    void aByteBufIsBigEndianAndAMessageLittleEndian()
    {
        open(new FbufMode(true, true, true));
        final ByteBuf buffer = allocator.directBuffer(32);
        buffer.writeLong(0x0102030405060708L);
        buffer.writeLongLE(0x0102030405060708L);
        buffer.order(ByteOrder.LITTLE_ENDIAN).writeInt(0x0A0B0C0D);
        buffer.writeIntLE(0x0A0B0C0D);
        final Aggregate aggregate = new Aggregate(transport.region(), a);
        allocator.appendTo(buffer, aggregate);
        assertEquals(Status.OK, channel.sender().send(aggregate));
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertEquals(0x0807060504030201L, message.getLong(0), "writeLong is big-endian");
        assertEquals(0x0102030405060708L, message.getLong(8), "writeLongLE is what Message.getLong reads");
        assertEquals(0x0A0B0C0D0A0B0C0DL, message.getLong(16), "order(LITTLE_ENDIAN) and *LE agree");
        channel.receiver().release(message);
        assertEquals(0x0102030405060708L, buffer.getLong(0));
        assertEquals(0x0807060504030201L, buffer.getLong(8));
        assertEquals(0x0D0C0B0A, buffer.getInt(16));
        assertEquals(0x0A0B0C0D, buffer.order(ByteOrder.LITTLE_ENDIAN).getInt(20));
        buffer.release();
        assertNoLeak();
    }
}

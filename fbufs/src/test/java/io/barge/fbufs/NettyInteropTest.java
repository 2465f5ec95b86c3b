package io.barge.fbufs;

import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NettyInteropTest extends FbufFixture
{
    @Test
    void receivedMessageIsViewedAsAReadOnlyByteBufWithoutCopying()
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(65536, 4));
        send(channel, 20000, 11);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        final long copiedBefore = b.counter(io.barge.core.CounterType.BYTES_COPIED);
        final ByteBuf view = FbufByteBufs.readOnlyView(message, b.addressSpace());
        assertTrue(view.isReadOnly());
        assertEquals(20000, view.readableBytes());
        for (int i = 0; i < 20000; i++)
        {
            assertEquals((byte)(11 + i), view.getByte(i), "byte " + i);
        }
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> view.setByte(0, 1));
        // A view over the memory itself: a later write by the (volatile) sender shows through.
        a.addressSpace().putByte(message.pieceAddress(0), (byte)77);
        assertEquals((byte)77, view.getByte(0));
        assertEquals(copiedBefore, b.counter(io.barge.core.CounterType.BYTES_COPIED));
        view.release();
        channel.receiver().release(message);
        assertNoLeak();
    }

    @Test
    void allocatorHandsOutFbufsThatCrossWithoutCopying()
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(16384, 4));
        final FbufByteBufAllocator allocator = new FbufByteBufAllocator(channel.sender().path());
        for (int round = 0; round < 3; round++)
        {
            final ByteBuf buffer = allocator.directBuffer(4096);
            assertTrue(buffer.isDirect());
            for (int i = 0; i < 1000; i++)
            {
                buffer.writeByte(round + i);
            }
            final Aggregate aggregate = new Aggregate(transport.region(), a);
            allocator.appendTo(buffer, aggregate);
            buffer.release();
            assertEquals(Status.OK, channel.sender().send(aggregate));
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertEquals(1000, message.length());
            for (int i = 0; i < 1000; i++)
            {
                assertEquals((byte)(round + i), message.getByte(i));
            }
            channel.receiver().release(message);
        }
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @Test
    void multiPageAllocatorBuffersHoldTheirCapacity()
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(65536, 4));
        final FbufByteBufAllocator allocator = new FbufByteBufAllocator(channel.sender().path());
        final ByteBuf buffer = allocator.directBuffer(3 * 4096 + 5);
        assertEquals(3 * 4096 + 5, buffer.capacity());
        buffer.writeZero(3 * 4096 + 5);
        buffer.setLong(4096 - 4, 0x0102030405060708L);
        assertEquals(0x0102030405060708L, buffer.getLong(4096 - 4));
        buffer.release();
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }
}

package io.barge.examples;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transports;
import io.barge.fbufs.Aggregate;
import io.barge.fbufs.FbufByteBufAllocator;
import io.barge.fbufs.FbufByteBufs;
import io.barge.fbufs.FbufChannel;
import io.barge.fbufs.FbufTransport;
import io.netty.buffer.ByteBuf;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Netty code on both ends of an fbufs channel: domain A writes a {@code ByteBuf} from fbufs'
 * {@link FbufByteBufAllocator} (its memory is an fbuf of the channel's path, so sending it copies nothing), B reads
 * the message as a read-only {@code ByteBuf} ({@link FbufByteBufs#readOnlyView}). Run:
 * {@code NettyAllocatorExample [cached=true|false] [volatile=true|false] [integrated=true|false]}.
 * <p>
 * One thread does both ends, one message at a time, so that what the Netty side does is all there is to read;
 * {@link StreamExample} shows a producer and a consumer on threads of their own.
 */
public final class NettyAllocatorExample
{
    private NettyAllocatorExample()
    {
    }

    /**
     * @param args fbufs options as {@code key=value}.
     * @throws IllegalStateException if a message read back differs from what was written, or memory leaked.
     */
    public static void main(final String[] args)
    {
        final Map<String, String> options = new HashMap<>();
        for (final String arg : args)
        {
            final int equals = arg.indexOf('=');
            options.put(arg.substring(0, Math.max(0, equals)), arg.substring(equals + 1));
        }
        System.out.println(run(options, 1000, 4096) + " ByteBufs sent and checked, every fbuf and frame back");
    }

    /**
     * @param options fbufs options ({@code cached}, {@code volatile}, {@code integrated}); missing ones default.
     * @param count   messages.
     * @param size    bytes per message, at least 8 and at most 64 KiB.
     * @return messages checked.
     * @throws IllegalStateException if a message read back differs from what was written, or memory leaked.
     */
    public static long run(final Map<String, String> options, final int count, final int size)
    {
        try (Kernel kernel = Kernel.withMemoryMiB(64); Domain a = kernel.createDomain("A");
            Domain b = kernel.createDomain("B"))
        {
            final int freeFrames = kernel.freeFrames();
            try (FbufTransport fbufs = (FbufTransport)Transports.create(kernel, "fbufs", options))
            {
                final FbufChannel channel = fbufs.open(a, b, ChannelConfig.defaults());
                // Allocates on the channel's I/O path: buffers A writes, already mapped the way they will travel.
                final FbufByteBufAllocator allocator = new FbufByteBufAllocator(channel.sender().path());
                final Aggregate aggregate = new Aggregate(fbufs.region(), a); // reused: emptied by each send
                final Message message = channel.receiver().newMessage();
                for (long seq = 0; seq < count; seq++)
                {
                    final ByteBuf out = allocator.directBuffer(size);
                    out.writeLong(seq);
                    for (int i = 8; i < size; i++)
                    {
                        out.writeByte((int)(seq + i));
                    }
                    allocator.appendTo(out, aggregate); // the aggregate takes its own reference on the fbuf
                    out.release();
                    check(channel.sender().send(aggregate) == Status.OK, "back pressured at", seq);

                    check(channel.receiver().receive(message, 10, TimeUnit.SECONDS) == Status.OK, "nothing at", seq);
                    final ByteBuf in = FbufByteBufs.readOnlyView(message, b.addressSpace());
                    channel.receiver().release(message); // the view holds its own references
                    check(in.readableBytes() == size && in.readLong() == seq, "wrong length or sequence at", seq);
                    for (int i = 8; i < size; i++)
                    {
                        check(in.readByte() == (byte)(seq + i), "wrong byte at", i);
                    }
                    in.release(); // the last reference: the fbuf goes back to the path's free list
                }
                check(fbufs.region().heldFbufs() == 0, "fbufs still held:", fbufs.region().heldFbufs());
            }
            check(kernel.freeFrames() == freeFrames, "frames not returned:", freeFrames - kernel.freeFrames());
            return count;
        }
    }

    private static void check(final boolean ok, final String what, final long value)
    {
        if (!ok)
        {
            throw new IllegalStateException(what + " " + value);
        }
    }
}

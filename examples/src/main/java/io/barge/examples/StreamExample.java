package io.barge.examples;

import io.barge.core.*;
import io.barge.core.transport.*;

import java.util.concurrent.*;

/** {@code StreamExample [copy|fbufs|rbufs|xen]} (fbufs by default): domain A streams 16,384 messages of 64 KiB to
 * domain B, a thread each; a message is its sequence number, then that number's low byte in every other byte. */
public final class StreamExample
{
    private static final int SIZE = 64 * 1024;
    private static final long COUNT = 16_384;

    /** @param args the transport's name. @throws Exception if a message was wrong, A failed or a frame leaked */
    public static void main(final String[] args) throws Exception
    {
        final String transportName = args.length > 0 ? args[0] : "fbufs";
        try (Kernel kernel = Kernel.withMemoryMiB(64); Domain a = kernel.createDomain("A");
            Domain b = kernel.createDomain("B"); Transport transport = Transports.create(kernel, transportName))
        {
            final Channel channel = transport.open(a, b, ChannelConfig.defaults()); // 64 KiB, 64 in flight
            final Future<?> producer = a.start(() -> produce(channel.sender())); // a thread of A's; B's is this one
            final Receiver receiver = channel.receiver();
            final Message message = receiver.newMessage(); // one flyweight, reused: the loop allocates nothing
            long seq = 0;
            for (; receiver.receive(message, 10, TimeUnit.SECONDS) == Status.OK; seq++) // until the end of stream
            {
                final long sum = seq + (seq & 0xFF) * 0x0101_0101_0101_0101L * (SIZE / 8 - 1); // of its 8-byte words
                if (message.length() != SIZE || message.getLong(0) != seq || message.touch() != sum)
                {
                    throw new IllegalStateException("message " + seq + " is wrong");
                }
                receiver.release(message);
            }
            producer.get(); // rethrows what stopped A, if anything did
            channel.close(); // the graceful end, after the end of stream: every frame goes back to the kernel
            if (seq != COUNT || kernel.freeFrames() != kernel.memory().frameCount())
            {
                throw new IllegalStateException(seq + " messages, " + kernel.freeFrames() + " frames free");
            }
            System.out.println(seq + " messages checked, every frame back");
        }
    }

    private static void produce(final Sender sender)
    {
        final Claim claim = sender.newClaim(); // one flyweight, reused
        for (long seq = 0; seq < COUNT; seq++)
        {
            sender.awaitClaim(SIZE, claim); // back pressure: waits for B to release
            claim.buffer().putLong(0, seq); // an Agrona view of the claimed range, checked once
            claim.buffer().setMemory(8, SIZE - 8, (byte)seq);
            sender.commit(claim);
        }
        sender.finish(); // B's receive says END_OF_STREAM after the last message
    }
}

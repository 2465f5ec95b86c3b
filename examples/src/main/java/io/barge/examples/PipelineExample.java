package io.barge.examples;

import io.barge.core.*;
import io.barge.core.transport.*;

import java.util.concurrent.*;

/** {@code PipelineExample [copy|fbufs|rbufs|xen]} (fbufs by default): A -> B -> C, a thread per domain; A writes 16,384
 * messages of 64 KiB as in StreamExample, B passes each on untouched (zero copy where it can), C checks them. */
public final class PipelineExample
{
    private static final int SIZE = 64 * 1024;
    private static final long COUNT = 16_384;

    /** @param args the transport's name. @throws Exception if a message was wrong, a stage failed or a frame leaked */
    public static void main(final String[] args) throws Exception
    {
        try (Kernel kernel = Kernel.withMemoryMiB(64); Domain a = kernel.createDomain("A");
            Domain b = kernel.createDomain("B"); Domain c = kernel.createDomain("C");
            Transport transport = Transports.create(kernel, args.length > 0 ? args[0] : "fbufs"))
        {
            final ChannelPath path = transport.openPath(ChannelConfig.defaults(), a, b, c); // hops A -> B, B -> C
            final Future<?> producer = a.start(() -> produce(path.source())); // a thread of A's own
            final Future<Long> forwarder = b.start(() -> path.inbound(1).transferTo(path.outbound(1))); // B's
            final Receiver receiver = path.sink(); // C: this thread
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
            path.close(); // closes every hop (ending A's or B's wait if the other failed): every frame comes back
            producer.get(); // rethrows what stopped A, if anything did; forwarder.get() below, B's
            if (forwarder.get() != COUNT || seq != COUNT || kernel.freeFrames() != kernel.memory().frameCount())
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
            sender.awaitClaim(SIZE, claim); // back pressure: waits for room
            claim.buffer().putLong(0, seq); // an Agrona view of the claimed range, checked once
            claim.buffer().setMemory(8, SIZE - 8, (byte)seq);
            sender.commit(claim);
        }
        sender.finish(); // B passes the end of stream on to C after the last message
    }
}

package io.barge.examples;

import io.barge.core.*;
import io.barge.core.transport.*;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import static io.barge.examples.Examples.*;

/** Streams 64 KiB messages from a producer thread in domain A to a consumer thread in domain B over a transport
 * named on the command line: {@code StreamExample [copy|fbufs|rbufs] [messages]}, fbufs and 16384 by default. */
public final class StreamExample
{
    /** @param args transport name, message count. @throws Exception if a check fails */
    public static void main(final String[] args) throws Exception
    {
        final long count = args.length > 1 ? Long.parseLong(args[1]) : 16_384;
        System.out.println(run(args.length > 0 ? args[0] : "fbufs", count) + " messages checked, every frame back");
    }

    /** @return messages checked. @throws IllegalStateException if one was wrong or a frame did not come back */
    public static long run(final String transportName, final long count) throws Exception
    {
        try (Kernel kernel = Kernel.withMemoryMiB(64); Domain a = kernel.createDomain("A");
            Domain b = kernel.createDomain("B"))
        {
            final int freeFrames = kernel.freeFrames();
            try (Transport transport = Transports.create(kernel, transportName, Map.of()))
            {
                final Channel channel = transport.open(a, b, ChannelConfig.defaults()); // 64 KiB, 64 in flight
                final CompletableFuture<Long> consumer = onNewThread(() -> consume(channel.receiver())); // B
                produce(channel.sender(), count, consumer); // on A's thread: this one
                check(consumer.get(60, TimeUnit.SECONDS) == count, "messages received:", consumer.join());
            } // closing the transport closes its channels, and their frames go back to the kernel
            check(kernel.freeFrames() == freeFrames, "frames not returned:", freeFrames - kernel.freeFrames());
            return count;
        }
    }

    static void produce(final Sender sender, final long count, final CompletableFuture<?> consumer)
    {
        final Claim claim = sender.newClaim(); // one flyweight, reused: the loop allocates nothing
        final BackoffIdleStrategy idle = new BackoffIdleStrategy();
        for (long seq = 0; seq < count; seq++)
        {
            while (sender.tryClaim(SIZE, claim) != Status.OK) // back pressure is a value, not an exception
            {
                consumer.getNow(null); // rethrows the consumer's failure rather than wait for it forever
                idle.idle();
            }
            idle.reset();
            claim.buffer().putLong(0, seq); // the sequence number, then (byte)seq in every other byte
            claim.buffer().setMemory(8, SIZE - 8, (byte)seq); // an Agrona view, checked once, then plain stores
            sender.commit(claim);
        }
        sender.finish(); // the consumer's poll says END_OF_STREAM after the last message
    }
}

package io.barge.examples;

import io.barge.core.*;
import io.barge.core.transport.*;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import static io.barge.examples.Examples.*;

/** A -> B -> C, a thread per domain: A produces as {@link StreamExample} does, B forwards untouched, C checks. */
public final class PipelineExample
{
    /** @param args {@code [copy|fbufs|rbufs] [messages]}, fbufs and 16384 by default. @throws Exception on failure */
    public static void main(final String[] args) throws Exception
    {
        final long count = args.length > 1 ? Long.parseLong(args[1]) : 16_384;
        System.out.println(run(args.length > 0 ? args[0] : "fbufs", count) + " messages checked, every frame back");
    }

    /** @return messages C checked. @throws IllegalStateException if one was wrong or a frame did not come back */
    public static long run(final String transportName, final long count) throws Exception
    {
        try (Kernel kernel = Kernel.withMemoryMiB(64); Domain a = kernel.createDomain("A");
            Domain b = kernel.createDomain("B"); Domain c = kernel.createDomain("C"))
        {
            final int freeFrames = kernel.freeFrames();
            try (Transport transport = Transports.create(kernel, transportName, Map.of()))
            {
                final Channel[] hops = transport.openPath(new Domain[] {a, b, c}, ChannelConfig.defaults());
                final CompletableFuture<Long> sink = onNewThread(() -> consume(hops[1].receiver())); // C
                final CompletableFuture<Long> forwarder = onNewThread(() -> forward(hops[0], hops[1], sink)); // B
                StreamExample.produce(hops[0].sender(), count, forwarder); // A: this thread
                check(forwarder.get(60, TimeUnit.SECONDS) == count, "messages B forwarded:", forwarder.join());
                check(sink.get(60, TimeUnit.SECONDS) == count, "messages C checked:", sink.join());
            }
            check(kernel.freeFrames() == freeFrames, "frames not returned:", freeFrames - kernel.freeFrames());
            return count;
        }
    }

    /** B: passes each message from {@code in} to {@code out} untouched ({@link Sender#forward}), then the end. */
    static long forward(final Channel in, final Channel out, final CompletableFuture<?> sink)
    {
        final BackoffIdleStrategy idle = new BackoffIdleStrategy();
        final long forwarded = pollUntilEnd(in.receiver(), message ->
        {
            while (out.sender().forward(message) != Status.OK) // back pressured: still held, unchanged
            {
                sink.getNow(null); // rethrows C's failure rather than wait for it forever
                idle.idle();
            }
            idle.reset();
        });
        out.sender().finish(); // C's poll says END_OF_STREAM after the last message
        return forwarded;
    }
}

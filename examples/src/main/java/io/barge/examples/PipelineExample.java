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
            final CompletableFuture<Long> sink;
            try (Transport transport = Transports.create(kernel, transportName, Map.of()))
            {
                final Channel[] hops = transport.openPath(new Domain[] {a, b, c}, ChannelConfig.defaults());
                sink = CompletableFuture.supplyAsync(() -> consume(hops[1].receiver(), count), NEW_THREAD);
                final CompletableFuture<Void> forwarder = CompletableFuture.runAsync(
                    () -> forward(hops[0].receiver(), hops[1].sender(), count, sink), NEW_THREAD);
                StreamExample.produce(hops[0].sender(), count, forwarder);
                forwarder.get(60, TimeUnit.SECONDS);
                sink.get(60, TimeUnit.SECONDS);
            }
            check(kernel.freeFrames() == freeFrames, "frames not returned:", freeFrames - kernel.freeFrames());
            return sink.join();
        }
    }

    /** B: passes messages on without reading them ({@link Sender#forward}); one back pressure left held is retried. */
    static void forward(final Receiver in, final Sender out, final long count, final CompletableFuture<?> sink)
    {
        final Message message = in.newMessage();
        final BackoffIdleStrategy idle = new BackoffIdleStrategy();
        for (long forwarded = 0; forwarded < count; forwarded++)
        {
            while ((!message.isHeld() && in.poll(message) != Status.OK) || out.forward(message) != Status.OK)
            {
                sink.getNow(null); // rethrows C's failure rather than wait for it forever
                idle.idle();
            }
            idle.reset();
        }
    }
}

package io.barge.rbufs;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.core.notify.Notifications;
import io.barge.core.notify.UmpChannel;
import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The fence pairing in {@link CounterLink}: a producer end publishes a new head ({@code publish}: counter store,
 * full fence, read of the peer's wake words) while the consumer end asks to be woken at exactly that head
 * ({@code arm}: wake-word stores, full fence) and then re-reads the counters ({@code poll}). No lost wake-up:
 * either the producer sees the wake position and sends a wake-up, or the consumer sees the new head, or both.
 * <p>
 * Real ends over real control areas: each area is a frame its writer maps read-write and the peer maps read-only,
 * and the wake-up goes over a real UMP channel. Each end uses one direction of the link only (the producer never
 * polls, the consumer never publishes), so both are given the same notification channel.
 */
@JCStressTest
@Description("CounterLink: publish and arm/poll never both miss (no lost wake-up)")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: no notification and the consumer missed the head")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "woken; the counter is read on the next poll")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the consumer saw the head itself; no wake-up needed")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both")
@State
public class CounterLinkWakeStress
{
    private static final Pool<Link> LINKS = new Pool<>(Link::new);

    private final Link link = LINKS.take();
    private final long head = link.round + 1;
    private final long sentBefore = link.producer.sent();

    /** Publishes the next head. */
    @Actor
    public void producer(final II_Result r)
    {
        link.producer.publish(head, 0);
        r.r1 = link.producer.sent() > sentBefore ? 1 : 0;
    }

    /** Asks to be woken at that head, then polls once. */
    @Actor
    public void consumer(final II_Result r)
    {
        link.consumer.arm(head, ControlAreaDescriptor.NEVER);
        link.consumer.poll();
        r.r2 = link.seenHead >= head ? 1 : 0;
    }

    /** Drains the wake-up, if any, and hands the link on. */
    @Arbiter
    public void arbiter(final II_Result r)
    {
        link.consumer.poll();
        link.round = head;
        LINKS.give(link);
    }

    /** Two ends of a counter link and the memory between them. */
    static final class Link
    {
        final CounterLink producer;
        final CounterLink consumer;
        long seenHead;
        long round;

        Link()
        {
            final Kernel kernel = SharedMachine.KERNEL;
            final Domain a = SharedMachine.A;
            final Domain b = SharedMachine.B;
            final int length = SharedMachine.FRAME_SIZE;
            final long[] producerArea = area(kernel, a, b);
            final long[] consumerArea = area(kernel, b, a);
            final UmpChannel wakeUps = Notifications.openUmp(kernel, a, b, 4);
            producer = new CounterLink(wakeUps, wakeUps, (h, t) -> { }, a,
                new RingView(a.addressSpace(), producerArea[0], length, Access.WRITE),
                new RingView(a.addressSpace(), consumerArea[1], length, Access.READ));
            consumer = new CounterLink(wakeUps, wakeUps, (h, t) -> seenHead = h, b,
                new RingView(b.addressSpace(), consumerArea[0], length, Access.WRITE),
                new RingView(b.addressSpace(), producerArea[1], length, Access.READ));
        }

        /** @return {writer's address, reader's address} of a fresh header frame with the initial wake words. */
        private static long[] area(final Kernel kernel, final Domain writer, final Domain reader)
        {
            final int frame = kernel.allocateFrame(writer, true);
            final long at = kernel.reserve(writer, 1);
            kernel.map(writer, at, frame, Rights.READ_WRITE);
            final long peerAt = kernel.reserve(reader, 1);
            kernel.acceptShare(reader, kernel.offerShare(writer, frame, reader, Rights.READ),
                peerAt, Rights.READ);
            final long initial = ControlAreaDescriptor.INITIAL_WAKE;
            writer.addressSpace().putLong(at + ControlAreaDescriptor.WAKE_HEAD_OFFSET, initial);
            writer.addressSpace().putLong(at + ControlAreaDescriptor.WAKE_TAIL_OFFSET, initial);
            return new long[]{ at, peerAt };
        }
    }
}

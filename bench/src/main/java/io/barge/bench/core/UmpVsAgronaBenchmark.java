package io.barge.bench.core;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Plain JMH reference for UMP against Agrona's {@code OneToOneRingBuffer}: 56-byte messages, one producer and one
 * consumer thread per group. Read the {@code received} counter (messages per second); the primary score counts
 * calls, empty ones included.
 * <p>
 * On these 2-vCPU machines a two-thread figure flips between a near and a far vCPU placement, so a JMH mean over an
 * iteration that spans a flip is meaningless; {@code ./barge ump-vs-agrona} compares the two in alternating windows
 * per placement and is the figure to quote. This benchmark is kept for reference and for {@code -prof gc}:
 * <pre>
 *   ./barge bench UmpVsAgrona -f 1 -wi 2 -i 3
 *   ./barge bench UmpVsAgrona -f 1 -prof gc      (gc.alloc.rate.norm ~0 B/op expected on both)
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
public class UmpVsAgronaBenchmark
{
    private static final int RING_MESSAGES = 1024;
    private static final int DRAIN_LIMIT = 256;

    /** Agrona ring shared by a group's two threads. */
    @State(Scope.Group)
    public static class AgronaRing
    {
        SpscLink link;

        /**
         * Opens the ring.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            link = new AgronaLink(RING_MESSAGES);
        }

        /**
         * Frees it.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            link.close();
        }
    }

    /** UMP channel shared by a group's two threads. */
    @State(Scope.Group)
    public static class UmpRing
    {
        Machine machine;
        SpscLink link;

        /**
         * Opens the channel.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            machine = new Machine(1024);
            link = Links.ump(machine, RING_MESSAGES);
        }

        /**
         * Closes it.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            link.close();
            machine.close();
        }
    }

    /** Producer-side counts. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Sent
    {
        /** Messages sent. */
        public long sent;
        long next;

        /**
         * Zero per iteration; the sequence word goes on.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            sent = 0;
        }
    }

    /** Consumer-side counts. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Received
    {
        /** Messages received. */
        public long received;

        /**
         * Zero per iteration.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            received = 0;
        }
    }

    /**
     * @param ring  the ring.
     * @param count producer counts.
     * @return whether a message went.
     */
    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public boolean agronaOffer(final AgronaRing ring, final Sent count)
    {
        return offer(ring.link, count);
    }

    /**
     * @param ring  the ring.
     * @param count consumer counts.
     * @return messages received.
     */
    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public int agronaDrain(final AgronaRing ring, final Received count)
    {
        return drain(ring.link, count);
    }

    /**
     * @param ring  the channel.
     * @param count producer counts.
     * @return whether a message went.
     */
    @Benchmark
    @Group("ump")
    @GroupThreads(1)
    public boolean umpOffer(final UmpRing ring, final Sent count)
    {
        return offer(ring.link, count);
    }

    /**
     * @param ring  the channel.
     * @param count consumer counts.
     * @return messages received.
     */
    @Benchmark
    @Group("ump")
    @GroupThreads(1)
    public int umpDrain(final UmpRing ring, final Received count)
    {
        return drain(ring.link, count);
    }

    private static boolean offer(final SpscLink link, final Sent count)
    {
        if (link.offer(count.next))
        {
            count.next++;
            count.sent++;
            return true;
        }
        return false;
    }

    private static int drain(final SpscLink link, final Received count)
    {
        final int n = link.drain(DRAIN_LIMIT);
        count.received += n;
        return n;
    }
}

package io.barge.bench.core;

import io.barge.core.Touch;
import org.agrona.DirectBuffer;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The report's two-thread references as plain JMH groups, one producer and one consumer thread each, at the
 * report's sizes and in-flight capacities ({@link TwoThreadRuns#capacity(int)}): {@code limit}, the cross-core
 * limit ({@link CrossCoreLimit}: a pool of buffers handed over by index, every byte touched), and {@code aeronIpc},
 * Aeron IPC ({@link AeronIpc}: embedded driver in invoker mode, {@code tryClaim} up to a frame, else {@code offer}
 * and a fragment assembler). Read the {@code received} counter (messages per second); the primary score counts
 * calls, empty ones included. The producer's counts are {@link UmpVsAgronaBenchmark.Sent}'s.
 * <p>
 * A JMH mean over an iteration that spans a vCPU placement flip mixes two figures; the report's two-thread rows,
 * in alternating windows tagged by placement, are the figures to quote. This is for checking those references
 * apart and for {@code -prof gc}:
 * <pre>
 *   ./barge bench CrossCoreLimit -f 1 -wi 1 -i 2 -r 1
 *   ./barge bench CrossCoreLimit.aeronIpc -f 1 -p size=65536
 *   ./barge bench CrossCoreLimit -f 1 -prof gc      (gc.alloc.rate.norm ~0 B/op expected)
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
public class CrossCoreLimitBenchmark
{
    private static final int POLL_LIMIT = 64;

    /** The cross-core limit shared by a group's two threads. */
    @State(Scope.Group)
    public static class Limit
    {
        /** Message size. */
        @Param({ "64", "4096", "65536", "1048576" })
        public int size;

        CrossCoreLimit limit;

        /**
         * Fills the pool.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            limit = new CrossCoreLimit(size, TwoThreadRuns.capacity(size));
        }
    }

    /** Aeron IPC shared by a group's two threads. */
    @State(Scope.Group)
    public static class Ipc
    {
        /** Message size. */
        @Param({ "64", "4096", "65536", "1048576" })
        public int size;

        AeronIpc aeron;

        /**
         * Starts the driver and connects.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            aeron = new AeronIpc(size, TwoThreadRuns.capacity(size));
        }

        /**
         * Stops the driver and deletes its directory.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            aeron.close();
        }
    }

    /** Consumer-side counts and the consumer's work: touch every byte. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Touched
    {
        /** Messages received. */
        public long received;
        long sum;
        final PayloadHandler touch = this::touch;

        /**
         * Per iteration: the count starts again, the sum goes on.
         */
        @Setup(Level.Iteration)
        public void newIteration()
        {
            received = 0;
        }

        private void touch(final DirectBuffer buffer, final int offset, final int length)
        {
            sum += Touch.sumLongs(buffer, offset, length);
            received++;
        }
    }

    /**
     * @param state the pool.
     * @param count producer counts.
     * @return whether a buffer was handed over.
     */
    @Benchmark
    @Group("limit")
    @GroupThreads(1)
    public boolean limitHandOver(final Limit state, final UmpVsAgronaBenchmark.Sent count)
    {
        return counted(state.limit.tryHandOver(count.next), count);
    }

    /**
     * @param state the pool.
     * @param count consumer counts.
     * @return messages taken.
     */
    @Benchmark
    @Group("limit")
    @GroupThreads(1)
    public int limitPoll(final Limit state, final Touched count)
    {
        state.limit.poll(count.touch, POLL_LIMIT);
        return (int)count.sum;
    }

    /**
     * @param state the publication.
     * @param count producer counts.
     * @return whether a message went.
     */
    @Benchmark
    @Group("aeronIpc")
    @GroupThreads(1)
    public boolean aeronOffer(final Ipc state, final UmpVsAgronaBenchmark.Sent count)
    {
        return counted(state.aeron.offer(count.next), count);
    }

    /**
     * @param state the subscription.
     * @param count consumer counts.
     * @return the touched sum so far.
     */
    @Benchmark
    @Group("aeronIpc")
    @GroupThreads(1)
    public int aeronPoll(final Ipc state, final Touched count)
    {
        state.aeron.poll(count.touch);
        return (int)count.sum;
    }

    private static boolean counted(final boolean went, final UmpVsAgronaBenchmark.Sent count)
    {
        if (went)
        {
            count.next++;
            count.sent++;
        }
        return went;
    }
}

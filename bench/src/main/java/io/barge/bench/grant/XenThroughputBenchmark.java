package io.barge.bench.grant;

import io.barge.bench.core.Crossing;
import io.barge.bench.core.ThreadCpu;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Touch;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Transport;
import io.barge.grant.GrantCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The {@code xen} transport with {@code grants=map}, {@code copy} and {@code persistent} beside the {@code copy}
 * baseline, 64 B to 1 MiB, the receiver touching every byte ({@link Touch#sumLongs}, through
 * {@link Message#touch()}) or not, and in the same run the bare read: the same touch routine over a private buffer of
 * the same size ({@code bareReadPool}: over as many private buffers as the channel holds, the same working set). One
 * thread plays both ends: claim, write the first word, commit, poll, touch or not, release.
 * Compare the {@code bytes} counters: {@code crossing} over {@code bareRead} at the same size is the ratio of the
 * issue (goals: persistent at 64 KiB touching at least 0.9 of the bare read; grant copy no dearer than the copy
 * transport). The back end's hypervisor operations per message (grant maps, unmaps, translation-cache flushes,
 * grant copies), read from its counters over the whole trial (warm-up included), are printed at the trial's end.
 * {@code interleavedCpu} gives the same ratio from one thread's CPU clock, both halves in one method (its
 * {@code crossingPerMilleCpu} counter), for a machine where other work runs.
 * <pre>
 *   java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/barge.jar org.openjdk.jmh.Main \
 *       XenThroughput -p size=65536 -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true", "-XX:MaxDirectMemorySize=4g" })
public class XenThroughputBenchmark
{
    /**
     * @param size the message size.
     * @return buffers the channel holds in flight at that size (its working set is this times the size).
     */
    static int capacity(final int size)
    {
        return Math.max(2, Math.min(16, (16 << 20) / size));
    }

    /** The message size, shared by the channel and the bare-read states. */
    @State(Scope.Thread)
    public static class Payload
    {
        /** Message bytes. */
        @Param({ "64", "4096", "65536", "1048576" })
        public int size;
    }

    /** Payload bytes and messages delivered, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes
    {
        /** Bytes received (or read, for the bare read). */
        public long bytes;
        /** Messages received (or buffers read). */
        public long messages;

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            bytes = 0;
            messages = 0;
        }
    }

    /** One channel between two domains on a fresh machine. */
    @State(Scope.Thread)
    public static class Link
    {
        /** {@code xen-map}, {@code xen-copy}, {@code xen-persistent} or {@code copy}. */
        @Param({ "xen-map", "xen-copy", "xen-persistent", "copy" })
        public String transport;

        /** Whether the receiver reads every byte. */
        @Param({ "false", "true" })
        public boolean touch;

        int size;
        PhysicalMemory memory;
        Kernel kernel;
        Domain back;
        Transport opened;
        Channel channel;
        Sender sender;
        Receiver receiver;
        Claim claim;
        Message message;
        long sequence;
        long messages;

        /**
         * @param payload the size.
         */
        @Setup(Level.Trial)
        public void setUp(final Payload payload)
        {
            size = payload.size;
            memory = PhysicalMemory.allocateDirect(32768);
            kernel = new Kernel(memory);
            final Domain a = kernel.createDomain("front");
            back = kernel.createDomain("back");
            opened = Crossing.open(kernel, transport, "xen", "grants");
            final int capacity = capacity(size);
            channel = opened.open(a, back, new ChannelConfig(size, capacity, ChannelConfig.Notification.UMP));
            sender = channel.sender();
            receiver = channel.receiver();
            claim = sender.newClaim();
            message = receiver.newMessage();
        }

        /**
         * Prints the trial's grant operations per message, then frees everything.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            final long m = Math.max(1, messages);
            System.out.printf(Locale.ROOT, "%n%s size=%d: %d messages; per message %.2f grant maps, %.2f unmaps, " +
                "%.2f TLB flushes, %.2f grant copies (back end, whole trial)%n", transport, size, messages,
                back.counter(GrantCounters.GRANT_MAPS) / (double)m,
                back.counter(GrantCounters.GRANT_UNMAPS) / (double)m,
                back.counter(CounterType.TLB_FLUSHES) / (double)m,
                back.counter(GrantCounters.GRANT_COPIES) / (double)m);
            channel.close();
            opened.close();
            kernel.close();
            memory.close();
        }
    }

    /** A private buffer for the bare read, and a pool of the channel's working set for {@link #bareReadPool}. */
    @State(Scope.Thread)
    public static class Private
    {
        UnsafeBuffer buffer;
        UnsafeBuffer[] pool;
        int next;
        int size;

        /**
         * @param payload the size.
         */
        @Setup(Level.Trial)
        public void setUp(final Payload payload)
        {
            size = payload.size;
            buffer = Crossing.privateBuffer(size); // an aligned slice: the GC frees it
            pool = new UnsafeBuffer[capacity(size)];
            for (int i = 0; i < pool.length; i++)
            {
                pool[i] = Crossing.privateBuffer(size);
            }
        }
    }

    /**
     * One message across: claim, write the first word, commit, poll, touch or not, release.
     *
     * @param link  the channel.
     * @param bytes the counters.
     * @return the touch sum or the length, so nothing is dead code.
     */
    @Benchmark
    public long crossing(final Link link, final Bytes bytes)
    {
        final Sender sender = link.sender;
        final Receiver receiver = link.receiver;
        final Message message = link.message;
        Crossing.sendAndReceive(sender, link.claim, receiver, message, link.size, link.sequence++);
        final long result = link.touch ? message.touch() : message.length();
        bytes.bytes += message.length();
        bytes.messages++;
        link.messages++;
        receiver.release(message);
        return result;
    }

    /**
     * The reference: the receiver's touch routine over a private buffer of the same size.
     *
     * @param buffer the private buffer.
     * @param bytes  the counters.
     * @return the sum.
     */
    @Benchmark
    public long bareRead(final Private buffer, final Bytes bytes)
    {
        bytes.bytes += buffer.size;
        bytes.messages++;
        return Touch.sumLongs(buffer.buffer, 0, buffer.size);
    }

    /**
     * The bare read at the channel's placement: the same touch routine over private buffers as many as the channel
     * holds in flight, taken in turn, so that the bytes come from the same working set (at 64 KiB, 16 buffers: all
     * of this machine's 1 MiB L2) instead of one buffer that stays in the cache.
     *
     * @param buffer the private buffers.
     * @param bytes  the counters.
     * @return the sum.
     */
    @Benchmark
    public long bareReadPool(final Private buffer, final Bytes bytes)
    {
        final UnsafeBuffer[] pool = buffer.pool;
        final int at = buffer.next;
        buffer.next = at + 1 == pool.length ? 0 : at + 1;
        bytes.bytes += buffer.size;
        bytes.messages++;
        return Touch.sumLongs(pool[at], 0, buffer.size);
    }

    /**
     * CPU time of {@link #interleavedCpu}'s two halves over an iteration, and the goal's ratio from them: on a machine
     * shared with other work the wall clock also counts time the thread waited for a CPU, which lands on either
     * benchmark at random; the thread's CPU clock leaves it out, and both halves run in the same JVM and method.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Halves
    {
        /** CPU nanoseconds in the crossings (claim to release, touching as the link says), clock cost taken off. */
        public long crossingCpuNanos;
        /** CPU nanoseconds in the bare reads, clock cost taken off. */
        public long bareCpuNanos;
        long clockNanos;

        /**
         * Measures what one reading of the thread's CPU clock costs, to take it off each half.
         */
        @Setup(Level.Trial)
        public void measureClock()
        {
            final int readings = 2000;
            final long t0 = ThreadCpu.now();
            for (int i = 0; i < readings; i++)
            {
                ThreadCpu.now();
            }
            clockNanos = (ThreadCpu.now() - t0) / (readings + 1);
        }

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            crossingCpuNanos = 0;
            bareCpuNanos = 0;
        }

        /**
         * @return the crossings' throughput as a per-mille of the bare read's over this iteration (1000 = as fast).
         */
        public long crossingPerMilleCpu()
        {
            return crossingCpuNanos <= 0 ? 0 : 1000 * bareCpuNanos / crossingCpuNanos;
        }
    }

    /**
     * The goal's ratio measured on one thread's CPU clock: a batch of messages across the channel (as
     * {@link #crossing}), then as many bare reads of the same size (as {@link #bareRead}), each half timed
     * ({@link Halves}; its {@code crossingPerMilleCpu} counter is the ratio). A batch is at least 2 MiB of payload, so
     * the clock's own cost (measured, and taken off) is under a percent of a half. The primary score counts batches.
     *
     * @param link   the channel.
     * @param buffer the private buffer.
     * @param halves where the two halves' times go.
     * @return the sums, so nothing is dead code.
     */
    @Benchmark
    public long interleavedCpu(final Link link, final Private buffer, final Halves halves)
    {
        final int batch = Math.max(16, (2 << 20) / link.size);
        long sum = 0;
        final long t0 = ThreadCpu.now();
        for (int i = 0; i < batch; i++)
        {
            Crossing.sendAndReceive(link.sender, link.claim, link.receiver, link.message, link.size, link.sequence++);
            sum += link.touch ? link.message.touch() : link.message.length();
            link.messages++;
            link.receiver.release(link.message);
        }
        final long t1 = ThreadCpu.now();
        for (int i = 0; i < batch; i++)
        {
            sum += Touch.sumLongs(buffer.buffer, 0, buffer.size);
        }
        final long t2 = ThreadCpu.now();
        halves.crossingCpuNanos += t1 - t0 - halves.clockNanos;
        halves.bareCpuNanos += t2 - t1 - halves.clockNanos;
        return sum;
    }
}

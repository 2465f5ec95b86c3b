package io.barge.bench.core;

import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A user's own loop over a message's bytes, on one thread playing both ends: fill every byte of a 64 KiB message
 * (a word per 8 bytes: the sequence number plus the offset), commit, poll, check every byte, release.
 * <ul>
 *   <li>{@code view}: through {@code claim.buffer()} and {@code message.buffer(i)} (Agrona buffers checked once);</li>
 *   <li>{@code accessors}: through {@code Claim.putLong} and {@code Message.getLong}, each access translated by the
 *       address space (the way before the views);</li>
 *   <li>{@code privateBuffer}: the same fill and check over an Agrona {@code UnsafeBuffer} over a private,
 *       page-aligned 64 KiB off-heap buffer: the reference. Goal: {@code view} at 0.9 of it for fbufs and rbufs.</li>
 * </ul>
 * Each loop is its own method, never inlined, so that the JIT profiles each buffer type separately and compiles
 * every side's loop alike (inlined into the large transport code, the loops' code varied from fork to fork). Scores
 * are messages per microsecond. The ratio to quote is {@code interleavedCpu}'s: both sides in one operation, timed
 * by the thread's CPU clock, private over view time per iteration (its {@code viewPerMilleCpu} counter; on a loaded
 * machine the separate rows and the wall-clock {@code interleaved} swing by tens of per cent).
 * <pre>
 *   ./barge bench 'UserLoopBenchmark.interleavedCpu' -f 2 -wi 3 -i 5
 *   ./barge bench 'UserLoopBenchmark.(view|accessors|privateBuffer|crossingOnly)$' -p inFlight=16 -f 1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
public class UserLoopBenchmark
{
    /** Message size: 64 KiB. */
    static final int SIZE = 64 * 1024;
    private static final int MAX_POLLS = 1_000_000;
    /** Messages per half of {@link #interleavedCpu}. */
    static final int BATCH = 8;

    /**
     * One channel of a transport between two domains, with its flyweights.
     */
    @State(Scope.Thread)
    public static class Link
    {
        /** copy, fbufs (cached + volatile) or rbufs (transmit master). */
        @Param({ "copy", "fbufs-cached-volatile", "rbufs-tmm" })
        public String transport;

        /**
         * Messages the channel holds in flight (its slots or buffers): the working set a transport cycles through
         * is this times 64 KiB, while the private buffer is one 64 KiB buffer.
         */
        @Param({ "16", "2" })
        public int inFlight;

        Machine machine;
        Transport opened;
        Channel channel;
        Sender sender;
        Receiver receiver;
        Claim claim;
        Message message;
        long sequence;

        /**
         * Opens the channel.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            machine = new Machine(65536);
            opened = create(transport);
            channel = opened.open(machine.a(), machine.b(), new ChannelConfig(SIZE, inFlight,
                ChannelConfig.Notification.UMP));
            sender = channel.sender();
            receiver = channel.receiver();
            claim = sender.newClaim();
            message = receiver.newMessage();
        }

        private Transport create(final String name)
        {
            return switch (name)
            {
                case "copy" -> Transports.create(machine.kernel(), "copy", Map.of());
                case "fbufs-cached-volatile" -> Transports.create(machine.kernel(), "fbufs",
                    Map.of("cached", "true", "volatile", "true", "integrated", "true"));
                case "fbufs-uncached" -> Transports.create(machine.kernel(), "fbufs",
                    Map.of("cached", "false", "volatile", "false", "integrated", "true"));
                case "rbufs-tmm" -> Transports.create(machine.kernel(), "rbufs", Map.of("mode", "tmm"));
                default -> throw new IllegalArgumentException("transport=" + name);
            };
        }

        /**
         * Closes everything.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            channel.close();
            opened.close();
            machine.close();
        }

        void claim()
        {
            if (sender.tryClaim(SIZE, claim) != Status.OK)
            {
                throw new IllegalStateException("back pressured with nothing in flight");
            }
        }

        void receive()
        {
            int polls = 0;
            while (receiver.poll(message) != Status.OK)
            {
                if (++polls == MAX_POLLS)
                {
                    throw new IllegalStateException("message committed but not received after " + polls + " polls");
                }
            }
        }
    }

    /**
     * The reference: a private off-heap buffer of the message's size.
     */
    @State(Scope.Thread)
    public static class Private
    {
        ByteBuffer memory;
        UnsafeBuffer buffer;
        long sequence;

        /**
         * Allocates the buffer.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            memory = BufferUtil.allocateDirectAligned(SIZE, 4096);
            buffer = new UnsafeBuffer(memory);
        }

        /**
         * Frees it.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            buffer = null;
            memory = null; // an aligned slice cannot be freed explicitly; the collector frees it
        }
    }

    /**
     * @param link the channel.
     * @return the sequence number checked.
     */
    @Benchmark
    public long view(final Link link)
    {
        final long sequence = link.sequence++;
        link.claim();
        fillView(link.claim.buffer(), sequence);
        link.sender.commit(link.claim);
        link.receive();
        final Message message = link.message;
        int offset = 0;
        for (int p = 0, n = message.pieceCount(); p < n; p++)
        {
            checkView(message.buffer(p), offset, sequence);
            offset += message.pieceLength(p);
        }
        link.receiver.release(message);
        return sequence;
    }

    /**
     * Time spent in each half of {@link #interleaved}, summed per iteration, and the ratio the goal is stated in.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Halves
    {
        /** Nanoseconds in the view loop (claim to release). */
        public long viewNanos;
        /** Nanoseconds in the private-buffer loop. */
        public long privateNanos;
        /** CPU nanoseconds of this thread in the view loops ({@link #interleavedCpu}). */
        public long viewCpuNanos;
        /** CPU nanoseconds of this thread in the private-buffer loops ({@link #interleavedCpu}). */
        public long privateCpuNanos;

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            viewNanos = 0;
            privateNanos = 0;
            viewCpuNanos = 0;
            privateCpuNanos = 0;
        }

        /**
         * @return view throughput as a per-mille of the private buffer's, over this iteration (1000 = as fast).
         */
        public long viewPerMille()
        {
            return viewNanos == 0 ? 0 : 1000 * privateNanos / viewNanos;
        }

        /**
         * @return the same per-mille from this thread's CPU time, which leaves out the time it was descheduled.
         */
        public long viewPerMilleCpu()
        {
            return viewCpuNanos == 0 ? 0 : 1000 * privateCpuNanos / viewCpuNanos;
        }
    }

    /**
     * The ratio, measured fairly: each operation runs one message through the views and then the same loop over
     * the private buffer, in the same JVM and the same compiled method, timing each half ({@link Halves}). The
     * {@code viewPerMille} counter is the view's throughput as a per-mille of the private buffer's.
     *
     * @param link   the channel.
     * @param state  the private buffer.
     * @param halves where the two halves' times go.
     * @return the sequence numbers checked.
     */
    @Benchmark
    public long interleaved(final Link link, final Private state, final Halves halves)
    {
        final long t0 = System.nanoTime();
        final long a = view(link);
        final long t1 = System.nanoTime();
        final long b = privateBuffer(state);
        final long t2 = System.nanoTime();
        halves.viewNanos += t1 - t0;
        halves.privateNanos += t2 - t1;
        return a + b;
    }

    /**
     * {@link #interleaved} timed by this thread's CPU clock, in batches of {@value #BATCH} messages then
     * {@value #BATCH} private loops (the clock costs about a microsecond a reading): on a loaded machine the wall
     * clock also counts the time the thread waits for a CPU, which lands on either half at random.
     *
     * @param link   the channel.
     * @param state  the private buffer.
     * @param halves where the two halves' times go.
     * @return the sequence numbers checked.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long interleavedCpu(final Link link, final Private state, final Halves halves)
    {
        long sum = 0;
        final long t0 = ThreadCpu.now();
        for (int i = 0; i < BATCH; i++)
        {
            sum += view(link);
        }
        final long t1 = ThreadCpu.now();
        for (int i = 0; i < BATCH; i++)
        {
            sum += privateBuffer(state);
        }
        final long t2 = ThreadCpu.now();
        halves.viewCpuNanos += t1 - t0;
        halves.privateCpuNanos += t2 - t1;
        return sum;
    }

    /**
     * The transport's own cost per message, to read the others against: claim, one word, commit, poll, release.
     *
     * @param link the channel.
     * @return the sequence number sent.
     */
    @Benchmark
    public long crossingOnly(final Link link)
    {
        final long sequence = link.sequence++;
        link.claim();
        link.claim.buffer().putLong(0, sequence);
        link.sender.commit(link.claim);
        link.receive();
        final long first = link.message.buffer(0).getLong(0);
        link.receiver.release(link.message);
        return first;
    }

    /**
     * @param link the channel.
     * @return the sequence number checked.
     */
    @Benchmark
    public long accessors(final Link link)
    {
        final long sequence = link.sequence++;
        link.claim();
        final Claim claim = link.claim;
        for (int i = 0; i < SIZE; i += 8)
        {
            claim.putLong(i, sequence + i);
        }
        link.sender.commit(claim);
        link.receive();
        final Message message = link.message;
        for (int i = 0; i < SIZE; i += 8)
        {
            if (message.getLong(i) != sequence + i)
            {
                throw new IllegalStateException("byte " + i + " of message " + sequence);
            }
        }
        link.receiver.release(message);
        return sequence;
    }

    /**
     * @param state the private buffer.
     * @return the sequence number checked.
     */
    @Benchmark
    public long privateBuffer(final Private state)
    {
        final long sequence = state.sequence++;
        final UnsafeBuffer buffer = state.buffer;
        fillPrivate(buffer, sequence);
        checkPrivate(buffer, sequence);
        return sequence;
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // each loop compiled alone, the same way for every side
    private static void fillView(final MutableDirectBuffer buffer, final long sequence)
    {
        for (int i = 0, n = buffer.capacity(); i < n; i += 8)
        {
            buffer.putLong(i, sequence + i);
        }
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // each loop compiled alone, the same way for every side
    private static void checkView(final DirectBuffer buffer, final int offset, final long sequence)
    {
        for (int i = 0, n = buffer.capacity(); i < n; i += 8)
        {
            if (buffer.getLong(i) != sequence + offset + i)
            {
                throw new IllegalStateException("byte " + (offset + i) + " of message " + sequence);
            }
        }
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // each loop compiled alone, the same way for every side
    private static void fillPrivate(final MutableDirectBuffer buffer, final long sequence)
    {
        for (int i = 0, n = buffer.capacity(); i < n; i += 8)
        {
            buffer.putLong(i, sequence + i);
        }
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // each loop compiled alone, the same way for every side
    private static void checkPrivate(final DirectBuffer buffer, final long sequence)
    {
        for (int i = 0, n = buffer.capacity(); i < n; i += 8)
        {
            if (buffer.getLong(i) != sequence + i)
            {
                throw new IllegalStateException("byte " + i + " of private buffer " + sequence);
            }
        }
    }
}

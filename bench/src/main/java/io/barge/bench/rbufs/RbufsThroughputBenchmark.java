package io.barge.bench.rbufs;

import io.barge.bench.core.Crossing;
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

import java.util.concurrent.TimeUnit;

/**
 * Rbufs in transmit- and receive-master mode beside the {@code copy} baseline, 64 B to 1 MiB, the receiver touching
 * the bytes ({@link Touch#sumLongs}) or not, and in the same run the bare read: the same touch routine over a
 * private buffer of the same size. One thread plays both ends: claim, write the first word, commit, poll, touch,
 * release. Compare the {@code bytes} counters: {@code crossing} with touch=true over {@code bareRead} is the
 * "throughput / bare read" ratio of the issue (goal at 64 KiB: at least 0.9).
 * <pre>
 *   java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/barge.jar org.openjdk.jmh.Main \
 *       RbufsThroughput -p size=65536 -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true", "-XX:MaxDirectMemorySize=4g" })
public class RbufsThroughputBenchmark
{

    /** The message size, shared by the channel and the bare-read states. */
    @State(Scope.Thread)
    public static class Payload
    {
        /** Message bytes. */
        @Param({ "64", "1024", "4096", "16384", "65536", "262144", "1048576" })
        public int size;
    }

    /** Payload bytes delivered, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes
    {
        /** Bytes received (or read, for the bare read). */
        public long bytes;

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            bytes = 0;
        }
    }

    /** One channel between two domains on a fresh machine. */
    @State(Scope.Thread)
    public static class Link
    {
        /** {@code rbufs-tmm}, {@code rbufs-rmm} or any installed transport name. */
        @Param({ "rbufs-tmm", "rbufs-rmm", "copy" })
        public String transport;

        /** Whether the receiver reads every byte. */
        @Param({ "false", "true" })
        public boolean touch;

        int size;
        PhysicalMemory memory;
        Kernel kernel;
        Transport opened;
        Channel channel;
        Sender sender;
        Receiver receiver;
        Claim claim;
        Message message;
        long sequence;

        /**
         * @param payload the size.
         */
        @Setup(Level.Trial)
        public void setUp(final Payload payload)
        {
            size = payload.size;
            memory = PhysicalMemory.allocateDirect(32768);
            kernel = new Kernel(memory);
            final Domain a = kernel.createDomain("originator");
            final Domain b = kernel.createDomain("receiver");
            opened = Crossing.open(kernel, transport, "rbufs", "mode");
            final int capacity = Math.max(2, Math.min(16, (16 << 20) / size));
            channel = opened.open(a, b, new ChannelConfig(size, capacity, ChannelConfig.Notification.UMP));
            sender = channel.sender();
            receiver = channel.receiver();
            claim = sender.newClaim();
            message = receiver.newMessage();
        }

        /**
         * Frees everything.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            channel.close();
            opened.close();
            kernel.close();
            memory.close();
        }
    }

    /** A private buffer for the bare read. */
    @State(Scope.Thread)
    public static class Private
    {
        UnsafeBuffer buffer;
        int size;

        /**
         * @param payload the size.
         */
        @Setup(Level.Trial)
        public void setUp(final Payload payload)
        {
            size = payload.size;
            buffer = Crossing.privateBuffer(size); // an aligned slice: the GC frees it
        }
    }

    /**
     * One message across: claim, write the first word, commit, poll, touch or not, release.
     *
     * @param link  the channel.
     * @param bytes the byte counter.
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
        receiver.release(message);
        return result;
    }

    /**
     * The reference: the receiver's touch routine over a private buffer of the same size.
     *
     * @param buffer the private buffer.
     * @param bytes  the byte counter.
     * @return the sum.
     */
    @Benchmark
    public long bareRead(final Private buffer, final Bytes bytes)
    {
        bytes.bytes += buffer.size;
        return Touch.sumLongs(buffer.buffer, 0, buffer.size);
    }
}

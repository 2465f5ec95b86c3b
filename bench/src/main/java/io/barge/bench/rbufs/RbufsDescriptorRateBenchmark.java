package io.barge.bench.rbufs;

import io.barge.bench.core.Crossing;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Descriptor rate with tiny messages (64 B, not touched): Rbufs in both modes against Agrona's
 * {@link OneToOneRingBuffer} in the same run, one thread playing both ends, {@code batch} messages sent then
 * {@code batch} received per invocation. Compare the {@code messages} counters (goal: Rbufs at least 1.0x the ring
 * buffer). The work is the same on both sides: the same batches, each message claimed, its first word written (like
 * a header; nobody reads the payload), committed, received and given back (Rbufs: released, its region returned to
 * the master through the other control ring; Agrona: read through a handler, its record zeroed and the head
 * moved). Rbufs also validates every IOrec it reads, as it must with an untrusted peer. Add {@code -prof gc} to see
 * that neither allocates per message.
 * <pre>
 *   java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -jar bench/target/barge.jar bench \
 *       RbufsDescriptorRate -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true", "-XX:MaxDirectMemorySize=4g" })
@State(Scope.Thread)
public class RbufsDescriptorRateBenchmark
{
    private static final int SIZE = 64;
    private static final int CAPACITY = 64;

    /** Messages per invocation: sent first, then received. */
    @Param({ "1", "16" })
    public int batch;

    /** Messages moved, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Messages
    {
        /** Messages received. */
        public long messages;

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            messages = 0;
        }
    }

    /** An Rbufs channel. */
    @State(Scope.Thread)
    public static class RbufsLink
    {
        /** Who is master. */
        @Param({ "tmm", "rmm" })
        public String mode;

        PhysicalMemory memory;
        Kernel kernel;
        Transport transport;
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
            memory = PhysicalMemory.allocateDirect(4096);
            kernel = new Kernel(memory);
            final Domain a = kernel.createDomain("originator");
            final Domain b = kernel.createDomain("receiver");
            transport = Crossing.open(kernel, "rbufs-" + mode, "rbufs", "mode");
            channel = transport.open(a, b, new ChannelConfig(SIZE, CAPACITY, ChannelConfig.Notification.UMP));
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
            transport.close();
            kernel.close();
            memory.close();
        }
    }

    /** Agrona's one-to-one ring buffer with room for as many 64 B messages. */
    @State(Scope.Thread)
    public static class AgronaLink implements MessageHandler
    {
        ByteBuffer memory;
        OneToOneRingBuffer ring;
        long sequence;
        long sum;

        /**
         * Allocates the ring.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            // 64 messages of 64 B payload + 8 B header, rounded to records of 72 -> 80 B aligned; 8 KiB holds them.
            memory = BufferUtil.allocateDirectAligned(8192 + RingBufferDescriptor.TRAILER_LENGTH, 128);
            ring = new OneToOneRingBuffer(new UnsafeBuffer(memory));
        }

        /**
         * Frees the ring.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            memory = null; // an aligned buffer is a slice, which BufferUtil.free refuses: the GC frees it
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index,
            final int length)
        {
            sum += length;
        }
    }

    /**
     * @param link     the Rbufs channel.
     * @param messages the counter.
     * @return a value derived from the messages.
     */
    @Benchmark
    public long rbufs(final RbufsLink link, final Messages messages)
    {
        final Sender sender = link.sender;
        final Receiver receiver = link.receiver;
        final Claim claim = link.claim;
        for (int i = 0; i < batch; i++)
        {
            if (sender.tryClaim(SIZE, claim) != Status.OK)
            {
                throw new IllegalStateException("back pressured with " + i + " in flight");
            }
            claim.putLong(0, link.sequence++);
            sender.commit(claim);
        }
        long result = 0;
        final Message message = link.message;
        for (int i = 0; i < batch; i++)
        {
            if (receiver.poll(message) != Status.OK)
            {
                throw new IllegalStateException("message " + i + " of the batch not received");
            }
            result += message.pieceAddress(0);
            receiver.release(message);
        }
        messages.messages += batch;
        return result;
    }

    /**
     * @param link     the ring buffer.
     * @param messages the counter.
     * @return a value derived from the messages.
     */
    @Benchmark
    public long agronaRingBuffer(final AgronaLink link, final Messages messages)
    {
        final OneToOneRingBuffer ring = link.ring;
        for (int i = 0; i < batch; i++)
        {
            final int index = ring.tryClaim(1, SIZE);
            if (index < 0)
            {
                throw new IllegalStateException("ring full with " + i + " in flight");
            }
            ring.buffer().putLong(index, link.sequence++);
            ring.commit(index);
        }
        int read = 0;
        int empty = 0;
        while (read < batch)
        {
            // A read stops at the buffer's end, and may consume only the padding record there: read on.
            final int n = ring.read(link, batch - read);
            if (n == 0 && ++empty > 2)
            {
                throw new IllegalStateException("read " + read + " of " + batch);
            }
            read += n;
        }
        messages.messages += batch;
        return link.sum;
    }
}

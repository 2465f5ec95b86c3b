package io.barge.bench.rbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.rbufs.NotifyFactory;
import io.barge.rbufs.RbufsMulticast;
import org.agrona.concurrent.SystemEpochNanoClock;
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
 * Rbufs multicast to 1, 2 and 4 receivers: one message written once into the shared data area, delivered to every
 * receiver, each touching it or not, then returned by all. One thread plays every end. The primary score is
 * messages per second; {@code bytesPerReceiver} is the throughput each receiver sees.
 * <pre>
 *   java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/barge.jar org.openjdk.jmh.Main \
 *       RbufsMulticast -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true", "-XX:MaxDirectMemorySize=4g" })
@State(Scope.Thread)
public class RbufsMulticastBenchmark
{
    /** Receivers. */
    @Param({ "1", "2", "4" })
    public int receivers;

    /** Message bytes. */
    @Param({ "4096", "65536" })
    public int size;

    /** Whether each receiver reads every byte. */
    @Param({ "false", "true" })
    public boolean touch;

    private PhysicalMemory memory;
    private Kernel kernel;
    private RbufsMulticast multicast;
    private Sender sender;
    private Receiver[] ends;
    private Message[] messages;
    private Claim claim;
    private long sequence;

    /** Bytes each receiver got, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes
    {
        /** Bytes per receiver. */
        public long bytesPerReceiver;

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            bytesPerReceiver = 0;
        }
    }

    /**
     * Sets up the multicast.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        memory = PhysicalMemory.allocateDirect(16384);
        kernel = new Kernel(memory);
        final Domain originator = kernel.createDomain("originator");
        final Domain[] domains = new Domain[receivers];
        for (int i = 0; i < receivers; i++)
        {
            domains[i] = kernel.createDomain("receiver-" + i);
        }
        multicast = RbufsMulticast.open(kernel, originator, domains,
            new ChannelConfig(size, 16, ChannelConfig.Notification.UMP), TimeUnit.SECONDS.toNanos(10),
            new SystemEpochNanoClock(), NotifyFactory.CORE);
        sender = multicast.sender();
        claim = sender.newClaim();
        ends = new Receiver[receivers];
        messages = new Message[receivers];
        for (int i = 0; i < receivers; i++)
        {
            ends[i] = multicast.receiver(i);
            messages[i] = ends[i].newMessage();
        }
    }

    /**
     * Frees everything.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        multicast.close();
        kernel.close();
        memory.close();
    }

    /**
     * @param bytes the counter.
     * @return the touch sums or lengths.
     */
    @Benchmark
    public long multicast(final Bytes bytes)
    {
        if (sender.tryClaim(size, claim) != Status.OK)
        {
            throw new IllegalStateException("back pressured with nothing in flight");
        }
        claim.putLong(0, sequence++);
        sender.commit(claim);
        long result = 0;
        for (int i = 0; i < ends.length; i++)
        {
            final Message message = messages[i];
            if (ends[i].poll(message) != Status.OK)
            {
                throw new IllegalStateException("receiver " + i + " got nothing");
            }
            result += touch ? message.touch() : message.length();
            ends[i].release(message);
        }
        bytes.bytesPerReceiver += size;
        return result;
    }
}

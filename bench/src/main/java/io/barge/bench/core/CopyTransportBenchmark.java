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

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One crossing of a transport (by default {@code copy}) from 64 B to 1 MiB, on one thread: claim, write the first
 * word, commit, poll, optionally touch every byte, release. The primary score is messages per second; the
 * {@code bytes} counter is payload bytes per second. Any installed transport can be measured with
 * {@code -p transport=NAME}.
 * <pre>
 *   ./barge bench CopyTransport -f 1 -wi 2 -i 3 -w 1s -r 1s
 *   ./barge bench CopyTransport -p size=65536 -prof gc     (allocation per message: ~0 B/op expected)
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
@State(Scope.Thread)
public class CopyTransportBenchmark
{
    private static final int MAX_POLLS = 1_000_000;

    @Param({ "64", "256", "1024", "4096", "16384", "65536", "262144", "1048576" })
    int size;

    @Param({ "copy" })
    String transport;

    @Param({ "false" })
    boolean touch;

    private Machine machine;
    private Transport opened;
    private Channel channel;
    private Sender sender;
    private Receiver receiver;
    private Claim claim;
    private Message message;
    private long sequence;

    /** Payload bytes delivered, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes
    {
        /** Bytes received. */
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

    /**
     * Opens one channel between two domains.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        machine = new Machine(65536);
        opened = Transports.create(machine.kernel(), transport, Map.of());
        channel = opened.open(machine.a(), machine.b(), new ChannelConfig(size, 16, ChannelConfig.Notification.UMP));
        sender = channel.sender();
        receiver = channel.receiver();
        claim = sender.newClaim();
        message = receiver.newMessage();
    }

    /**
     * Closes the channel, the transport and the machine.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        channel.close();
        opened.close();
        machine.close();
    }

    /**
     * @param bytes the byte counter.
     * @return the touch sum, or the message length, so nothing is dead code.
     */
    @Benchmark
    public long crossing(final Bytes bytes)
    {
        if (sender.tryClaim(size, claim) != Status.OK)
        {
            throw new IllegalStateException("back pressured with nothing in flight");
        }
        claim.putLong(0, sequence++);
        sender.commit(claim);
        int polls = 0;
        while (receiver.poll(message) != Status.OK)
        {
            if (++polls == MAX_POLLS)
            {
                throw new IllegalStateException("message committed but not received after " + polls + " polls");
            }
        }
        final long result = touch ? message.touch() : message.length();
        bytes.bytes += message.length();
        receiver.release(message);
        return result;
    }
}

package io.barge.bench.fbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
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

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One domain crossing per operation (claim, commit, poll, optionally touch every byte, release), on one thread, for
 * every fbufs combination and the copy baseline, over message sizes from 64 B to 1 MiB: the fbufs paper's
 * single-crossing throughput experiment. The sender does not write the payload, so what is measured is the transfer
 * facility plus, with {@code touch}, the receiver's read; compare with {@link FbufsBareReadBenchmark} in the same run
 * (bytes per second = size / time per operation).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
public class FbufsCrossingBenchmark
{
    /**
     * {@code copy}, or {@code fbufs:} followed by the optimisations switched on joined with {@code +} (as in the
     * overhead table), or {@code plain} for none. No commas: JMH splits {@code -p} values on them.
     */
    @Param({ "fbufs:cached+volatile+integrated", "fbufs:cached+volatile", "fbufs:cached+integrated", "fbufs:cached",
        "fbufs:volatile+integrated", "fbufs:volatile", "fbufs:integrated", "fbufs:plain", "copy" })
    public String transport;

    /** Message length in bytes. */
    @Param({ "64", "4096", "65536", "1048576" })
    public int size;

    /** Whether the receiver reads every byte. */
    @Param({ "true", "false" })
    public boolean touch;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Transport instance;
    private Channel channel;
    private Claim claim;
    private Message message;

    /**
     * Builds a 128 MiB machine, two domains and one channel.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        memory = PhysicalMemory.allocateDirect(32768);
        kernel = new Kernel(memory);
        final Domain sender = kernel.createDomain("sender");
        final Domain receiver = kernel.createDomain("receiver");
        instance = create(kernel, transport);
        channel = instance.open(sender, receiver, new ChannelConfig(size, 8, ChannelConfig.Notification.UMP));
        claim = channel.sender().newClaim();
        message = channel.receiver().newMessage();
    }

    static Transport create(final Kernel kernel, final String spec)
    {
        if (!spec.startsWith("fbufs:"))
        {
            return Transports.create(kernel, spec, Map.of());
        }
        final List<String> on = Arrays.asList(spec.substring("fbufs:".length()).split("\\+"));
        final Map<String, String> options = new LinkedHashMap<>();
        for (final String option : new String[]{ "cached", "volatile", "integrated" })
        {
            options.put(option, Boolean.toString(on.contains(option)));
        }
        return Transports.create(kernel, "fbufs", options);
    }

    /**
     * Frees the machine.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        channel.close();
        instance.close();
        kernel.close();
        memory.close();
    }

    /**
     * @return the touched sum (or the length), so the work is not dropped.
     */
    @Benchmark
    public long crossing()
    {
        if (channel.sender().tryClaim(size, claim) != Status.OK)
        {
            throw new IllegalStateException("back pressure with nothing in flight");
        }
        channel.sender().commit(claim);
        if (channel.receiver().poll(message) != Status.OK)
        {
            throw new IllegalStateException("message not delivered");
        }
        final long result = touch ? message.touch() : message.length();
        channel.receiver().release(message);
        return result;
    }
}

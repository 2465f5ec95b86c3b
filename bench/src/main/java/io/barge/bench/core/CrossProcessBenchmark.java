package io.barge.bench.core;

import io.barge.core.Kernel;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.ProcessReceiver;
import io.barge.core.machine.ProcessSender;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The data path of a channel between client processes ({@code ProcessSender.offer} copying into the ring in the
 * kernel's memory file, {@code ProcessReceiver.poll} delivering a view and freeing it) beside the in-process
 * {@code copy} transport's crossing, at 64 B and 64 KiB, in one run: read {@code processChannel / copyTransport} per
 * size as the ratio. Both are one crossing on one thread (send, then receive, the first word read), so what differs
 * is the path, not scheduling: both ends of the process channel live in this JVM (two {@code MachineClient}s beside a
 * {@code KernelService}), mapping the same file pages a second process would; a second process's scheduling and
 * cache transfer are not in the figure.
 * <pre>
 *   ./barge bench CrossProcess -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
@State(Scope.Thread)
public class CrossProcessBenchmark
{
    private static final int MAX_POLLS = 1_000_000;

    @Param({ "64", "65536" })
    int size;

    // The copy transport's crossing, as CopyTransportBenchmark measures it.
    private Machine machine;
    private Transport copy;
    private Channel channel;
    private Sender sender;
    private Receiver receiver;
    private Claim claim;
    private Message message;

    // The process channel.
    private Path directory;
    private KernelService service;
    private MachineClient a;
    private MachineClient b;
    private ProcessSender processSender;
    private ProcessReceiver processReceiver;
    private UnsafeBuffer source;
    private final ProcessReceiver.MessageHandler handler = this::onMessage;
    private long lastWord;
    private long sequence;

    /**
     * Opens a copy channel between two domains, and a process channel between two clients' domains.
     *
     * @throws IOException if the machine directory cannot be made.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        machine = new Machine(65536);
        copy = Transports.create(machine.kernel(), "copy", Map.of());
        channel = copy.open(machine.a(), machine.b(), new ChannelConfig(size, 16, ChannelConfig.Notification.UMP));
        sender = channel.sender();
        receiver = channel.receiver();
        claim = sender.newClaim();
        message = receiver.newMessage();

        directory = Files.createTempDirectory("barge-cross-process");
        service = KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(directory),
            Throwable::printStackTrace);
        a = MachineClient.attach(directory);
        b = MachineClient.attach(directory);
        final int record = size + 16;
        final int capacity = Math.max(4096, Integer.highestOneBit(Math.max(16 * record, 4 * record) - 1) << 1);
        final int channelId = a.createChannel(a.createDomain("sender"), b.createDomain("receiver"), size, capacity);
        processSender = a.openSender(channelId);
        processReceiver = b.openReceiver(channelId);
        source = new UnsafeBuffer(new byte[size]);
    }

    /**
     * Closes both channels and both machines.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        channel.close();
        copy.close();
        machine.close();
        processSender.close();
        processReceiver.close();
        a.close();
        b.close();
        service.close();
        try (var files = Files.walk(directory))
        {
            files.sorted(java.util.Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the first word received.
     */
    @Benchmark
    public long copyTransport()
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
        final long word = message.getLong(0);
        receiver.release(message);
        return word;
    }

    /**
     * @return the first word received.
     */
    @Benchmark
    public long processChannel()
    {
        source.putLong(0, sequence++);
        if (processSender.offer(source, 0, size) != ProcessSender.OK)
        {
            throw new IllegalStateException("back pressured with nothing in flight");
        }
        int polls = 0;
        while (processReceiver.poll(handler, 1) == 0)
        {
            if (++polls == MAX_POLLS)
            {
                throw new IllegalStateException("message committed but not received after " + polls + " polls");
            }
        }
        return lastWord;
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        lastWord = buffer.getLong(offset);
    }
}

package io.barge.bench.core;

import io.barge.core.Kernel;
import io.barge.core.Touch;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineFile;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.PeerGoneException;
import io.barge.core.machine.ProcessChannelDescriptor;
import io.barge.core.machine.ProcessReceiver;
import io.barge.core.machine.ProcessRbufsReceiver;
import io.barge.core.machine.ProcessRbufsSender;
import io.barge.core.machine.ProcessTransport;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
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
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The zero-copy Rbufs channel between client processes ({@code ProcessRbufsSender}: claim a buffer of the data area in
 * the kernel's memory file, write the first word in place, commit an IOrec; {@code ProcessRbufsReceiver}: a view of the
 * buffer in place, every byte read with {@link Touch}, the buffer returned) beside the in-process {@code rbufs}
 * transport's same crossing (claim, first word, commit, poll, {@code Message.touch}, release), at 64 B and 64 KiB, in
 * one run: read {@code processChannel / rbufsTransport} per size as the ratio. Both are one crossing on one thread, so
 * what differs is the path: both ends of the process channel live in this JVM (two {@code MachineClient}s beside a
 * {@code KernelService}), mapping the same file pages a second process would. {@code processChannelFromChild} is the
 * real crossing: a child JVM (this class's {@link #main}) streams messages as fast as buffers come back and this
 * process receives and touches one per operation: a two-process streaming rate (sender and receiver on different
 * vCPUs), not the one-thread crossing of the other two. {@code processTransport} is the transport SPI over the same
 * kind of Rbufs process channel ({@link ProcessTransport}: {@code Sender.tryClaim}, first word, {@code commit},
 * {@code Receiver.poll(Message)}, {@code Message.touch}, {@code release}), the same buffer count, both ends in this
 * JVM through one client: read {@code processTransport / processChannel} per size as the SPI adapter's cost.
 * <pre>
 *   ./barge bench ProcessRbufs -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
@State(Scope.Thread)
public class ProcessRbufsBenchmark
{
    /** Buffers in flight on either path: the in-process channel's capacity, the process channel's buffers. */
    static final int BUFFERS = 16;
    /** What the child prints once its channel exists. */
    static final String READY = "rbufs channel";

    @Param({ "64", "65536" })
    int size;

    // The in-process rbufs transport's crossing.
    private Machine machine;
    private Transport rbufs;
    private Channel channel;
    private Sender sender;
    private Receiver receiver;
    private Claim claim;
    private Message message;

    // The Rbufs process channel.
    private Path directory;
    private KernelService service;
    private MachineClient a;
    private MachineClient b;
    private ProcessRbufsSender processSender;
    private ProcessRbufsReceiver processReceiver;
    private final ProcessReceiver.MessageHandler handler = this::onMessage;

    // The transport SPI over an Rbufs process channel.
    private ProcessTransport spi;
    private Channel spiChannel;
    private Sender spiSender;
    private Receiver spiReceiver;
    private Claim spiClaim;
    private Message spiMessage;
    private long sum;
    private long sequence;

    /** The real crossing: a sending child process and its own kernel service, for one benchmark only. */
    @State(Scope.Thread)
    public static class Child
    {
        ChildStreams.Stream stream;

        /**
         * Starts the kernel service and the sending child (first word written, {@link #BUFFERS} buffers), and opens
         * the receiving end, which touches every byte.
         *
         * @param benchmark the benchmark's state, for the message size.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final ProcessRbufsBenchmark benchmark) throws IOException
        {
            stream = ChildStreams.rbufs(benchmark.size, capacityFor(benchmark.size), true, false,
                MachineFile.DEFAULT_HEARTBEAT_TIMEOUT_MS);
        }

        /** Closes the receiving end (the child then stops), the client and the kernel service. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            stream.close();
        }
    }

    /**
     * @param size message bytes.
     * @return a data area of {@link #BUFFERS} buffers of {@code size} (at least a frame).
     */
    static int capacityFor(final int size)
    {
        final int stride = Math.max(64, Integer.highestOneBit(size - 1) << 1);
        return Math.max(4096, BUFFERS * stride);
    }

    /**
     * The sending child of {@link #processChannelFromChild} (and of {@link CrossProcessBenchmark}'s
     * {@code rbufsChannelFromChild}): attaches to the machine in {@code args[0]}, creates a domain and an Rbufs
     * channel from it to domain {@code args[1]} ({@code args[2]}-byte messages; a data area of {@code args[3]} bytes
     * if given, else {@link #capacityFor}), prints "rbufs channel &lt;id&gt;", then claims, writes the message in place
     * and commits as fast as buffers come back, until the receiver closes its end. It writes the first word, or with
     * {@code args[4]} "fill" every word ({@link Crossing#fill}).
     *
     * @param args machine directory, receiver domain, message size[, data-area bytes[, "fill"]].
     */
    public static void main(final String[] args)
    {
        final int size = Integer.parseInt(args[2]);
        final int capacity = args.length > 3 ? Integer.parseInt(args[3]) : capacityFor(size);
        final boolean fill = args.length > 4 && "fill".equals(args[4]);
        try (MachineClient client = MachineClient.attach(Paths.get(args[0])))
        {
            final int domain = client.createDomain("benchmark sender");
            final int channelId = client.createChannel(domain, Integer.parseInt(args[1]), size, capacity,
                ProcessChannelDescriptor.KIND_RBUFS);
            final ProcessRbufsSender sender = client.openRbufsSender(channelId);
            System.out.println(READY + " " + channelId);
            System.out.flush();
            final IdleStrategy idle = new BusySpinIdleStrategy();
            try
            {
                for (long sequence = 0; ; sequence++)
                {
                    while (sender.tryClaim(size) == ProcessRbufsSender.BACK_PRESSURED)
                    {
                        idle.idle();
                    }
                    Crossing.write(sender.buffer(), 0, size, sequence, fill);
                    sender.commit();
                }
            }
            catch (final PeerGoneException ex)
            {
                sender.close(); // the receiver closed: the benchmark is over
            }
        }
    }

    /**
     * Opens an in-process rbufs channel between two domains, and an Rbufs process channel between two clients'
     * domains.
     *
     * @throws IOException if the machine directory cannot be made.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        machine = new Machine(65536);
        rbufs = Transports.create(machine.kernel(), "rbufs", Map.of());
        channel = rbufs.open(machine.a(), machine.b(), new ChannelConfig(size, BUFFERS,
            ChannelConfig.Notification.UMP));
        sender = channel.sender();
        receiver = channel.receiver();
        claim = sender.newClaim();
        message = receiver.newMessage();

        directory = AeronIpc.memoryDirectory("barge-process-rbufs-");
        service = KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(directory),
            Throwable::printStackTrace);
        a = MachineClient.attach(directory);
        b = MachineClient.attach(directory);
        final int channelId = a.createChannel(a.createDomain("sender"), b.createDomain("receiver"), size,
            capacityFor(size), ProcessChannelDescriptor.KIND_RBUFS);
        processSender = a.openRbufsSender(channelId);
        processReceiver = b.openRbufsReceiver(channelId);

        spi = ProcessTransport.open(a, ProcessTransport.RBUFS);
        final int buffers = capacityFor(size) / io.barge.core.machine.RbufsChannelDescriptor.stride(size);
        spiChannel = spi.open(spi.createDomain("spi sender"), spi.createDomain("spi receiver"),
            new ChannelConfig(size, buffers, ChannelConfig.Notification.UMP));
        spiSender = spiChannel.sender();
        spiReceiver = spiChannel.receiver();
        spiClaim = spiSender.newClaim();
        spiMessage = spiReceiver.newMessage();
    }

    /**
     * Closes both channels and both machines.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        channel.close();
        rbufs.close();
        machine.close();
        processSender.close();
        processReceiver.close();
        spiChannel.close();
        spi.close();
        a.close();
        b.close();
        service.close();
        AeronIpc.deleteRecursively(directory);
    }

    /**
     * @return the sum of the message's words.
     */
    @Benchmark
    public long rbufsTransport()
    {
        Crossing.sendAndReceive(sender, claim, receiver, message, size, sequence++);
        final long touched = message.touch();
        receiver.release(message);
        return touched;
    }

    /**
     * @return the sum of the message's words.
     */
    @Benchmark
    public long processChannel()
    {
        if (processSender.tryClaim(size) != ProcessRbufsSender.OK)
        {
            throw new IllegalStateException("back pressured with nothing in flight");
        }
        processSender.buffer().putLong(0, sequence++);
        processSender.commit();
        int polls = 0;
        while (processReceiver.poll(handler, 1) == 0)
        {
            if (++polls == Crossing.MAX_POLLS)
            {
                throw new IllegalStateException("message committed but not received after " + polls + " polls");
            }
        }
        return sum;
    }

    /**
     * @return the sum of the message's words.
     */
    @Benchmark
    public long processTransport()
    {
        Crossing.sendAndReceive(spiSender, spiClaim, spiReceiver, spiMessage, size, sequence++);
        final long touched = spiMessage.touch();
        spiReceiver.release(spiMessage);
        return touched;
    }

    /**
     * @param child the sending child and the receiving end.
     * @return the sum of the message's words.
     */
    @Benchmark
    public long processChannelFromChild(final Child child)
    {
        return child.stream.take();
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        sum = Touch.sumLongs(buffer, offset, length);
    }
}

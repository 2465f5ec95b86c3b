package io.barge.bench.core;

import io.barge.core.Kernel;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.MachineFile;
import io.barge.core.machine.PeerGoneException;
import io.barge.core.machine.ProcessTransport;
import io.barge.core.machine.RbufsChannelDescriptor;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
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
 * The fbufs channel between client processes through the transport SPI ({@link ProcessTransport#FBUFS}: claim the
 * start of a run of fbufs in the kernel's memory file, write the first word in place, commit the aggregate's root;
 * poll the walked aggregate, {@code Message.touch}, release the run) beside the in-process {@code fbufs} transport's
 * same crossing (cached, volatile, integrated: the modes the process kind has), at 64 B and 64 KiB, in one run: read
 * {@code processTransport / fbufsTransport} per size as the ratio. Both are one crossing on one thread, so what
 * differs is the path: both ends of the process channel live in this JVM, through one client beside a
 * {@code KernelService}, mapping the file pages a second process would. {@code processTransportFromChild} is the real
 * crossing: a child JVM (this class's {@link #main}) streams messages as fast as runs come back and this process
 * receives and touches one per operation: a two-process streaming rate, not the one-thread crossing of the other two.
 * <pre>
 *   ./barge bench ProcessFbufs -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
@State(Scope.Thread)
public class ProcessFbufsBenchmark
{
    /** Messages in flight on either path: the channels' capacity. */
    static final int CAPACITY = 16;
    /** What the child prints once its channel exists. */
    static final String READY = "fbufs channel";

    @Param({ "64", "65536" })
    int size;

    // The in-process fbufs transport's crossing.
    private Machine machine;
    private Transport fbufs;
    private Channel channel;
    private Sender sender;
    private Receiver receiver;
    private Claim claim;
    private Message message;

    // The fbufs process channel, both ends here.
    private Path directory;
    private KernelService service;
    private MachineClient client;
    private ProcessTransport process;
    private Channel processChannel;
    private Sender processSender;
    private Receiver processReceiver;
    private Claim processClaim;
    private Message processMessage;
    private long sequence;

    /** The real crossing: a sending child process and its own kernel service, for one benchmark only. */
    @State(Scope.Thread)
    public static class Child
    {
        ChildStreams.Stream stream;

        /**
         * Starts the kernel service and the sending child (first word written, {@link #CAPACITY} messages), and
         * opens the receiving end, which touches every byte.
         *
         * @param benchmark the benchmark's state, for the message size.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final ProcessFbufsBenchmark benchmark) throws IOException
        {
            stream = ChildStreams.fbufs(benchmark.size, CAPACITY, true, false,
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
     * @param size a message size.
     * @return the messages an fbufs stream has in flight beside the Rbufs stream of {@link ChildStreams#rbufs} over
     *         {@link ChildStreams#capacityFor} bytes: its buffer count (a power of two).
     */
    static int capacityBesideRbufs(final int size)
    {
        return ChildStreams.capacityFor(size) / RbufsChannelDescriptor.stride(size);
    }

    /**
     * The sending child of {@link #processTransportFromChild} (and of {@link CrossProcessBenchmark}'s
     * {@code fbufsChannelFromChild}): attaches to the machine in {@code args[0]}, makes a domain and an fbufs channel
     * from it to domain {@code args[1]} through {@link ProcessTransport} ({@code args[2]}-byte messages,
     * {@code args[3]} of them in flight), prints "fbufs channel &lt;id&gt;", then claims, writes the message in place
     * and commits as fast as runs come back, until the receiver closes its end. It writes the first word, or with
     * {@code args[4]} "fill" every word ({@link Crossing#fill}). {@code args[5]}, if given, is the channel's kind
     * instead of fbufs ({@code rbufs}: {@link ChildStreams#spi}).
     *
     * @param args machine directory, receiver domain, message size, capacity[, "fill"|"word"[, kind]].
     */
    public static void main(final String[] args)
    {
        final int size = Integer.parseInt(args[2]);
        final int capacity = Integer.parseInt(args[3]);
        final boolean fill = args.length > 4 && "fill".equals(args[4]);
        try (MachineClient attached = MachineClient.attach(Paths.get(args[0]));
            ProcessTransport transport = ProcessTransport.open(attached,
                args.length > 5 ? args[5] : ProcessTransport.FBUFS))
        {
            final int domain = transport.kernelDomainId(transport.createDomain("benchmark sender"));
            final int channelId = transport.createChannel(domain, Integer.parseInt(args[1]),
                new ChannelConfig(size, capacity, ChannelConfig.Notification.UMP));
            final Sender childSender = transport.openChannel(channelId).sender();
            final Claim childClaim = childSender.newClaim();
            System.out.println(READY + " " + channelId);
            System.out.flush();
            final IdleStrategy idle = new BusySpinIdleStrategy();
            try
            {
                for (long next = 0; ; next++)
                {
                    while (childSender.tryClaim(size, childClaim) == Status.BACK_PRESSURED)
                    {
                        idle.idle();
                    }
                    Crossing.write(childClaim.buffer(), 0, size, next, fill);
                    childSender.commit(childClaim);
                }
            }
            catch (final PeerGoneException ex)
            {
                // the receiver closed: the benchmark is over (closing the transport closes the channel)
            }
        }
    }

    /**
     * Opens an in-process fbufs channel between two domains, and an fbufs process channel between two domains of
     * one client.
     *
     * @throws IOException if the machine directory cannot be made.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        machine = new Machine(65536);
        fbufs = Transports.create(machine.kernel(), "fbufs", Map.of());
        channel = fbufs.open(machine.a(), machine.b(), new ChannelConfig(size, CAPACITY,
            ChannelConfig.Notification.UMP));
        sender = channel.sender();
        receiver = channel.receiver();
        claim = sender.newClaim();
        message = receiver.newMessage();

        directory = AeronIpc.memoryDirectory("barge-process-fbufs-");
        service = KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(directory),
            Throwable::printStackTrace);
        client = MachineClient.attach(directory);
        process = ProcessTransport.open(client, ProcessTransport.FBUFS);
        processChannel = process.open(process.createDomain("sender"), process.createDomain("receiver"),
            new ChannelConfig(size, CAPACITY, ChannelConfig.Notification.UMP));
        processSender = processChannel.sender();
        processReceiver = processChannel.receiver();
        processClaim = processSender.newClaim();
        processMessage = processReceiver.newMessage();
    }

    /**
     * Closes both channels and both machines.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        channel.close();
        fbufs.close();
        machine.close();
        process.close();
        client.close();
        service.close();
        AeronIpc.deleteRecursively(directory);
    }

    /**
     * @return the sum of the message's words.
     */
    @Benchmark
    public long fbufsTransport()
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
    public long processTransport()
    {
        Crossing.sendAndReceive(processSender, processClaim, processReceiver, processMessage, size, sequence++);
        final long touched = processMessage.touch();
        processReceiver.release(processMessage);
        return touched;
    }

    /**
     * @param child the sending child and the receiving end.
     * @return the sum of the message's words.
     */
    @Benchmark
    public long processTransportFromChild(final Child child)
    {
        return child.stream.take();
    }
}

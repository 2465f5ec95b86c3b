package io.barge.bench.core;

import io.aeron.ControlledFragmentAssembler;
import io.barge.core.Kernel;
import io.barge.core.Touch;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.MachineFile;
import io.barge.core.machine.ProcessReceiver;
import io.barge.core.machine.ProcessSender;
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
 * cache transfer are not in the figure. {@code processChannelFromChild} is the real crossing: a child JVM
 * ({@link ProcessChannelSender}) streams messages as fast as the ring takes them and this process receives one per
 * operation, so it is a two-process streaming rate (sender and receiver on different vCPUs, whose placement on these
 * 2-vCPU machines flips the figure), not the one-thread crossing of the other two. {@code aeronIpcFromChild} is the
 * same two-process stream over Aeron IPC ({@link AeronIpcChildSender}: the media driver in the child in invoker
 * mode, its duty cycle run by the child's sending thread on back pressure, so both rows have one busy thread per
 * process; a publication window of as many messages as the process channel's ring holds; this process subscribes
 * and takes one whole message per operation, a fragmented one put back together by a
 * {@link ControlledFragmentAssembler}). {@code rbufsChannelFromChild} is the zero-copy stream: a child sending on an
 * Rbufs channel ({@link RbufsChild}), each message written in place and delivered in place;
 * {@code fbufsChannelFromChild} the same over an fbufs channel through the transport SPI ({@link FbufsChild}: a run
 * of fbufs written in place, its aggregate's root sent, the walked aggregate delivered in place). Read
 * {@code processChannelFromChild / aeronIpcFromChild}, {@code rbufsChannelFromChild / aeronIpcFromChild} and
 * {@code fbufsChannelFromChild / aeronIpcFromChild} per size and touch; {@link ProcessFbufsBenchmark} has the
 * in-process fbufs crossing beside the process one. With {@code touch} every receiver reads every byte of every
 * message ({@link Touch#sumLongs}); without it, the first word. With {@code fill} (the default) every sending child
 * writes every word of every message, so the four streams do the same producing work and differ by what their transport adds (the copies, the protocol).
 * The one-thread rows ({@code copyTransport}, {@code processChannel}) write the first word whatever {@code fill}.
 * Xen device channels have the same pair of rows with persistent grants: {@code xenTransport} (the in-process
 * {@code xen} transport's crossing) beside {@code processXen} (the process {@code xen} kind of
 * {@link ProcessTransport}, both ends in this JVM over the kernel service's file), one thread each: read
 * {@code processXen / xenTransport}; and {@code xenChannelFromChild}, a child sending on a process xen channel
 * ({@link ChildStreams#xen}), beside {@code aeronIpcFromChild} and {@code rbufsChannelFromChild}.
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

    @Param({ "false", "true" })
    boolean touch;

    /**
     * Whether each sending child writes every word of each message ({@link Crossing#fill}: in place for the Rbufs
     * channel and for Aeron's claim, into the private buffer a copying send then copies), as a producing source
     * does; else each writes the first word, the copying ones copying a buffer no one rewrites. Only {@code true}
     * is a fair row for {@code rbufsChannelFromChild}: without it no line its receiver reads was written since the
     * last lap.
     */
    @Param({ "true" })
    boolean fill;

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

    /** The real crossing: a child sending on the ring channel ({@link ChildStreams#ring}), for one benchmark only. */
    @State(Scope.Thread)
    public static class Child
    {
        ChildStreams.Stream stream;

        /**
         * Starts the kernel service and the sending child, and opens the receiving end.
         *
         * @param benchmark the benchmark's state, for the message size, touch and fill.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final CrossProcessBenchmark benchmark) throws IOException
        {
            stream = ChildStreams.ring(benchmark.size, benchmark.touch, benchmark.fill,
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
     * The zero-copy real crossing: a child sending on an Rbufs channel ({@link ChildStreams#rbufs}: claim, write in
     * place, commit), its data area as many bytes as the ring channel's ring ({@link ChildStreams#capacityFor}: 32
     * buffers of 64 KiB beside the ring's and Aeron's 31 messages; 64 of 64 B beside 51), for one benchmark only.
     */
    @State(Scope.Thread)
    public static class RbufsChild
    {
        ChildStreams.Stream stream;

        /**
         * Starts the kernel service and the sending child, and opens the receiving end.
         *
         * @param benchmark the benchmark's state, for the message size, touch and fill.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final CrossProcessBenchmark benchmark) throws IOException
        {
            stream = ChildStreams.rbufs(benchmark.size, ChildStreams.capacityFor(benchmark.size), benchmark.touch,
                benchmark.fill, MachineFile.DEFAULT_HEARTBEAT_TIMEOUT_MS);
        }

        /** Closes the receiving end (the child then stops), the client and the kernel service. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            stream.close();
        }
    }

    /** The Xen process channel's real crossing, persistent grants ({@link ChildStreams#xen}), for one benchmark only. */
    @State(Scope.Thread)
    public static class XenChild
    {
        ChildStreams.Stream stream;

        /**
         * Starts the kernel service and the sending child, and opens the receiving end.
         *
         * @param benchmark the benchmark's state, for the message size, touch and fill.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final CrossProcessBenchmark benchmark) throws IOException
        {
            stream = ChildStreams.xen(benchmark.size, benchmark.touch, benchmark.fill, "persistent",
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
     * The zero-copy real crossing over fbufs: a child sending on an fbufs channel through the transport SPI
     * ({@link ChildStreams#fbufs}), as many messages in flight as the Rbufs child has buffers, for one benchmark only.
     */
    @State(Scope.Thread)
    public static class FbufsChild
    {
        ChildStreams.Stream stream;

        /**
         * Starts the kernel service and the sending child, and opens the receiving end.
         *
         * @param benchmark the benchmark's state, for the message size, touch and fill.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final CrossProcessBenchmark benchmark) throws IOException
        {
            stream = ChildStreams.fbufs(benchmark.size, ProcessFbufsBenchmark.capacityBesideRbufs(benchmark.size),
                benchmark.touch, benchmark.fill, MachineFile.DEFAULT_HEARTBEAT_TIMEOUT_MS);
        }

        /** Closes the receiving end (the child then stops), the client and the kernel service. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            stream.close();
        }
    }

    /** The in-process xen transport beside the process xen kind, one thread each, for two benchmarks only. */
    @State(Scope.Thread)
    public static class XenPair
    {
        private Machine machine;
        private Transport inProcess;
        private Path directory;
        private KernelService service;
        private MachineClient client;
        private ProcessTransport process;
        Sender xenSender;
        Receiver xenReceiver;
        Claim xenClaim;
        Message xenMessage;
        Sender processSender;
        Receiver processReceiver;
        Claim processClaim;
        Message processMessage;

        /**
         * Opens a channel of each, persistent grants, 16 buffers of the message size.
         *
         * @param benchmark the benchmark's state, for the message size.
         * @throws IOException if the machine directory cannot be made.
         */
        @Setup(Level.Trial)
        public void setUp(final CrossProcessBenchmark benchmark) throws IOException
        {
            final ChannelConfig config = new ChannelConfig(benchmark.size, 16, ChannelConfig.Notification.UMP);
            machine = new Machine(65536);
            inProcess = Transports.create(machine.kernel(), "xen", Map.of("grants", "persistent"));
            final Channel xen = inProcess.open(machine.a(), machine.b(), config);
            xenSender = xen.sender();
            xenReceiver = xen.receiver();
            xenClaim = xenSender.newClaim();
            xenMessage = xenReceiver.newMessage();
            directory = AeronIpc.memoryDirectory("barge-cross-process-xen-");
            service = KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(directory),
                Throwable::printStackTrace);
            client = MachineClient.attach(directory);
            process = ProcessTransport.open(client, ProcessTransport.XEN);
            final Channel channel = process.open(process.createDomain("sender"), process.createDomain("receiver"),
                config);
            processSender = channel.sender();
            processReceiver = channel.receiver();
            processClaim = processSender.newClaim();
            processMessage = processReceiver.newMessage();
        }

        /** Closes both transports and machines. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            inProcess.close();
            machine.close();
            process.close();
            client.close();
            service.close();
            AeronIpc.deleteRecursively(directory);
        }
    }

    /** Aeron IPC's real crossing ({@link ChildStreams#aeron}), for one benchmark only. */
    @State(Scope.Thread)
    public static class AeronChild
    {
        ChildStreams.Stream stream;

        /**
         * Starts the sending child (and its driver), connects to its driver and subscribes.
         *
         * @param benchmark the benchmark's state, for the message size, touch and fill.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final CrossProcessBenchmark benchmark) throws IOException
        {
            stream = ChildStreams.aeron(benchmark.size, benchmark.touch, benchmark.fill);
        }

        /** Closes the subscription (the child then stops and its driver deletes its directory) and the client. */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            stream.close();
        }
    }

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

        directory = AeronIpc.memoryDirectory("barge-cross-process-");
        service = KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(directory),
            Throwable::printStackTrace);
        a = MachineClient.attach(directory);
        b = MachineClient.attach(directory);
        final int channelId = a.createChannel(a.createDomain("sender"), b.createDomain("receiver"), size,
            ChildStreams.capacityFor(size));
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
        AeronIpc.deleteRecursively(directory);
    }

    /**
     * @return the first word received.
     */
    @Benchmark
    public long copyTransport()
    {
        Crossing.sendAndReceive(sender, claim, receiver, message, size, sequence++);
        final long word = touch ? message.touch() : message.getLong(0);
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

    /**
     * @param child the sending child and the receiving end.
     * @return the first word received.
     */
    @Benchmark
    public long processChannelFromChild(final Child child)
    {
        return child.stream.take();
    }

    /**
     * @param child the sending child on an Rbufs channel and the receiving end.
     * @return the first word received (or the message's sum, with touch).
     */
    @Benchmark
    public long rbufsChannelFromChild(final RbufsChild child)
    {
        return child.stream.take();
    }

    /**
     * @param pair the xen channels.
     * @return the first word received (or the message's sum, with touch).
     */
    @Benchmark
    public long xenTransport(final XenPair pair)
    {
        Crossing.sendAndReceive(pair.xenSender, pair.xenClaim, pair.xenReceiver, pair.xenMessage, size, sequence++);
        final long word = touch ? pair.xenMessage.touch() : pair.xenMessage.getLong(0);
        pair.xenReceiver.release(pair.xenMessage);
        return word;
    }

    /**
     * @param pair the xen channels.
     * @return the first word received (or the message's sum, with touch).
     */
    @Benchmark
    public long processXen(final XenPair pair)
    {
        Crossing.sendAndReceive(pair.processSender, pair.processClaim, pair.processReceiver, pair.processMessage,
            size, sequence++);
        final long word = touch ? pair.processMessage.touch() : pair.processMessage.getLong(0);
        pair.processReceiver.release(pair.processMessage);
        return word;
    }

    /**
     * @param child the sending child on a Xen process channel and the receiving end.
     * @return the first word received (or the message's sum, with touch).
     */
    @Benchmark
    public long xenChannelFromChild(final XenChild child)
    {
        return child.stream.take();
    }

    /**
     * @param child the sending child on an fbufs channel and the receiving end.
     * @return the first word received (or the message's sum, with touch).
     */
    @Benchmark
    public long fbufsChannelFromChild(final FbufsChild child)
    {
        return child.stream.take();
    }

    /**
     * @param child the sending child and this process's subscription.
     * @return the first word received (or the message's sum, with touch).
     */
    @Benchmark
    public long aeronIpcFromChild(final AeronChild child)
    {
        return child.stream.take();
    }


    private void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        lastWord = touch ? Touch.sumLongs(buffer, offset, length) : buffer.getLong(offset);
    }
}

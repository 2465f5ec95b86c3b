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
 * cache transfer are not in the figure. {@code processChannelFromChild} is the real crossing: a child JVM
 * ({@link ProcessChannelSender}) streams messages as fast as the ring takes them and this process receives one per
 * operation, so it is a two-process streaming rate (sender and receiver on different vCPUs, whose placement on these
 * 2-vCPU machines flips the figure), not the one-thread crossing of the other two.
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

    /** The real crossing: a sending child process and its own kernel service, for one benchmark only. */
    @State(Scope.Thread)
    public static class Child
    {
        Path directory;
        KernelService service;
        MachineClient client;
        Process process;
        ProcessReceiver receiver;
        long lastWord;
        final ProcessReceiver.MessageHandler handler = (buffer, offset, length) -> lastWord = buffer.getLong(offset);

        /**
         * Starts the kernel service and the sending child, and opens the receiving end.
         *
         * @param benchmark the benchmark's state, for the message size.
         * @throws IOException if the child cannot be started or says nothing.
         */
        @Setup(Level.Trial)
        public void setUp(final CrossProcessBenchmark benchmark) throws IOException
        {
            directory = Files.createTempDirectory("barge-cross-process-child");
            service = KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(directory),
                Throwable::printStackTrace);
            client = MachineClient.attach(directory);
            final int domain = client.createDomain("benchmark receiver");
            final String javaCommand = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(javaCommand,
                "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=true",
                "-cp", System.getProperty("java.class.path"), ProcessChannelSender.class.getName(),
                directory.toString(), Integer.toString(domain), Integer.toString(benchmark.size),
                Integer.toString(capacityFor(benchmark.size))));
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith(ProcessChannelSender.READY))
            {
                System.out.println("child: " + line);
            }
            if (line == null)
            {
                throw new IOException("the sending child ended without opening its channel");
            }
            receiver = client.openReceiver(Integer.parseInt(line.substring(ProcessChannelSender.READY.length())
                .trim()));
        }

        /**
         * Closes the receiving end (the child then stops), the client and the kernel service.
         *
         * @throws InterruptedException if interrupted while waiting for the child.
         */
        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException
        {
            receiver.close();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            client.close();
            service.close();
            delete(directory);
        }
    }

    static int capacityFor(final int size)
    {
        final int record = size + 16;
        return Math.max(4096, Integer.highestOneBit(16 * record - 1) << 1);
    }

    static void delete(final Path directory)
    {
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
        final int channelId = a.createChannel(a.createDomain("sender"), b.createDomain("receiver"), size,
            capacityFor(size));
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
        delete(directory);
    }

    /**
     * @return the first word received.
     */
    @Benchmark
    public long copyTransport()
    {
        Crossing.sendAndReceive(sender, claim, receiver, message, size, sequence++);
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

    /**
     * @param child the sending child and the receiving end.
     * @return the first word received.
     */
    @Benchmark
    public long processChannelFromChild(final Child child)
    {
        long polls = 0;
        while (child.receiver.poll(child.handler, 1) == 0)
        {
            if (++polls == 100L * MAX_POLLS)
            {
                throw new IllegalStateException("the sending child sent nothing for " + polls + " polls");
            }
        }
        return child.lastWord;
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        lastWord = buffer.getLong(offset);
    }
}

package io.barge.bench.core;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.barge.core.Kernel;
import io.barge.core.Touch;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.ProcessRbufsReceiver;
import io.barge.core.machine.ProcessReceiver;
import io.barge.core.machine.ProcessChannelDescriptor;
import io.barge.core.machine.ProcessTransport;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * The two-process streams of {@link CrossProcessBenchmark} and {@code barge cross-process}: a sending child JVM
 * and this process's receiving end, one per transport. Each child sends as fast as its transport takes messages
 * (with {@code fill}, every word of each message written: in place for Rbufs and Aeron's claim, into the private
 * buffer a copying send copies); this process takes one whole message per {@link Stream#poll}, reading every byte
 * with {@code touch}, else the first word.
 * <ul>
 *   <li>{@link #ring}: the copying process channel ({@link ProcessChannelSender});</li>
 *   <li>{@link #rbufs}: the zero-copy Rbufs process channel ({@link ProcessRbufsBenchmark#main}), its data area as
 *       many bytes as the ring's ring;</li>
 *   <li>{@link #xen}: the Xen process channel through the transport SPI ({@link ProcessXenChildSender}), as many
 *       buffers as the ring holds messages;</li>
 *   <li>{@link #fbufs}: the zero-copy fbufs process channel through the transport SPI
 *       ({@link ProcessFbufsBenchmark#main}), as many messages in flight as the Rbufs stream has buffers;</li>
 *   <li>{@link #aeron}: Aeron IPC ({@link AeronIpcChildSender}, its driver in the child), a publication window of
 *       as many messages as the ring holds;</li>
 *   <li>{@link #spi}: a process channel of a kind with the transport SPI at both ends (e.g. Rbufs);</li>
 *   <li>{@link #local}: not a child but the same transport in one process, a sending thread in this JVM on the
 *       in-process transport: the reference of the cross-process rows.</li>
 * </ul>
 * The Barge streams each have a kernel service of their own in this process.
 */
public final class ChildStreams
{
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    /** Polls {@link Stream#take} makes before it gives up on a child that sends nothing. */
    private static final long MAX_POLLS = 100_000_000L;

    private ChildStreams()
    {
    }

    /** Messages the process channel's ring is sized for (it holds more once rounded to a power of two). */
    static final int CAPACITY = 16;

    /**
     * @param size a message size.
     * @return messages the process channel's ring holds: Aeron's publication window is made as many messages long.
     */
    static int inFlight(final int size)
    {
        return capacityFor(size) / BitUtil.align(size + ProcessChannelDescriptor.RECORD_HEADER_LENGTH,
            ProcessChannelDescriptor.RECORD_ALIGNMENT);
    }

    /**
     * Starts a child JVM on this process's class path, with Agrona's opens and no bounds checks.
     *
     * @param main the child's main class.
     * @param args its arguments.
     * @return the child, its output and errors in one pipe.
     * @throws IOException if it cannot be started.
     */
    static Process startChild(final Class<?> main, final String... args) throws IOException
    {
        final String javaCommand = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>(List.of(javaCommand,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=true",
            "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Reads the child's output up to its ready line, echoing what comes before; the rest is left in the pipe. */
    static String readyLine(final Process process, final String ready) throws IOException
    {
        final BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith(ready))
        {
            System.out.println("child: " + line);
        }
        if (line == null)
        {
            throw new IOException("the sending child " + process.pid() + " ended without getting ready");
        }
        return line;
    }

    /**
     * @param size a message size.
     * @return ring bytes for {@link #CAPACITY} messages of that size (at least a frame): the ring channel's ring, and
     *         the Rbufs channel's data area beside it.
     */
    static int capacityFor(final int size)
    {
        final int record = size + 16;
        return Math.max(4096, Integer.highestOneBit(CAPACITY * record - 1) << 1);
    }

    /** A sending child and this process's receiving end. */
    public abstract static class Stream implements AutoCloseable
    {
        private final String name;
        final boolean touch;
        Process process;
        long lastWord;

        Stream(final String name, final boolean touch)
        {
            this.name = name;
            this.touch = touch;
        }

        /**
         * Takes at most one whole message.
         *
         * @return 1 if one was taken, else 0.
         */
        public abstract int poll();

        /**
         * Polls until one whole message is taken (bounded: a child that sends nothing fails it).
         *
         * @return the message's first word, or its sum with touch.
         */
        public final long take()
        {
            long polls = 0;
            while (poll() == 0)
            {
                if (++polls == MAX_POLLS)
                {
                    throw new IllegalStateException("the " + name + " child sent nothing for " + polls + " polls");
                }
            }
            return lastWord;
        }

        /**
         * @return the first word of the last message taken, or its sum with touch.
         */
        public long lastWord()
        {
            return lastWord;
        }

        /**
         * @return the transport's name.
         */
        public String name()
        {
            return name;
        }

        /**
         * @return the sending child.
         */
        public Process process()
        {
            return process;
        }

        /**
         * Closes the receiving end, so the child stops; waits for it (kills it after 10 s); then frees what this
         * process holds for the stream.
         */
        @Override
        public final void close()
        {
            try
            {
                closeReceiver();
                if (process != null && !process.waitFor(10, TimeUnit.SECONDS))
                {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            finally
            {
                release();
            }
        }

        /**
         * Stops the sender until {@link #resume}: SIGSTOP to the child.
         *
         * @throws IOException if the signal cannot be sent.
         */
        public void pause() throws IOException
        {
            signal(process, "STOP");
        }

        /**
         * Lets the sender go on: SIGCONT to the child.
         *
         * @throws IOException if the signal cannot be sent.
         */
        public void resume() throws IOException
        {
            signal(process, "CONT");
        }

        /** Ends the sender at once, for a runner interrupted: SIGKILL ends a stopped child too. */
        public void kill()
        {
            if (process != null)
            {
                process.destroyForcibly();
            }
        }

        abstract void closeReceiver();

        abstract void release();

        /**
         * @param spiReceiver a transport SPI receiver.
         * @return a poll of it: a message touched ({@code Message.touch}) or its first word read, then released.
         */
        final IntSupplier spiPoller(final Receiver spiReceiver)
        {
            final Message message = spiReceiver.newMessage();
            return () ->
            {
                if (spiReceiver.poll(message) != Status.OK)
                {
                    return 0;
                }
                lastWord = touch ? message.touch() : message.getLong(0);
                spiReceiver.release(message);
                return 1;
            };
        }

        final void onMessage(final DirectBuffer buffer, final int offset, final int length)
        {
            lastWord = touch ? Touch.sumLongs(buffer, offset, length) : buffer.getLong(offset);
        }
    }

    /** A Barge child: its kernel service and client in this process, and the receiving end of its channel. */
    private static final class BargeStream extends Stream
    {
        final Path directory;
        final KernelService service;
        final MachineClient client;
        final ProcessReceiver.MessageHandler handler = this::onMessage;
        AutoCloseable receiver;
        IntSupplier poller;

        BargeStream(final String name, final boolean touch, final long heartbeatTimeoutMs) throws IOException
        {
            super(name, touch);
            directory = AeronIpc.memoryDirectory("barge-child-stream-");
            service = KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(directory)
                .heartbeatTimeoutMs(heartbeatTimeoutMs), Throwable::printStackTrace);
            client = MachineClient.attach(directory);
        }

        /** Starts the child with these arguments after the machine directory and the receiving domain. */
        int start(final Class<?> main, final String ready, final String... args) throws IOException
        {
            return start(client.createDomain("benchmark receiver"), main, ready, args);
        }

        /** Starts the child with these arguments after the machine directory and the given receiving domain. */
        int start(final int receiverDomain, final Class<?> main, final String ready, final String... args)
            throws IOException
        {
            final String[] all = new String[args.length + 2];
            all[0] = directory.toString();
            all[1] = Integer.toString(receiverDomain);
            System.arraycopy(args, 0, all, 2, args.length);
            process = startChild(main, all);
            final String line = readyLine(process, ready);
            return Integer.parseInt(line.substring(ready.length()).trim());
        }

        /**
         * Polls an SPI receiver: each message touched ({@code Message.touch}) or its first word read, then released.
         *
         * @return this stream.
         */
        BargeStream polling(final Receiver spiReceiver)
        {
            poller = spiPoller(spiReceiver);
            return this;
        }

        @Override
        public int poll()
        {
            return poller.getAsInt();
        }

        @Override
        void closeReceiver()
        {
            CloseHelper.close(receiver);
        }

        @Override
        void release()
        {
            CloseHelper.closeAll(client, service);
            AeronIpc.deleteRecursively(directory);
        }
    }

    /**
     * @param size               message bytes.
     * @param touch              whether every byte is read.
     * @param fill               whether the child writes every word of each message.
     * @param heartbeatTimeoutMs the kernel's client timeout (longer than a child is ever paused).
     * @return the copying process channel's stream, started.
     * @throws IOException if the child cannot be started or says nothing.
     */
    public static Stream ring(final int size, final boolean touch, final boolean fill, final long heartbeatTimeoutMs)
        throws IOException
    {
        final BargeStream stream = new BargeStream("ring", touch, heartbeatTimeoutMs);
        try
        {
            final ProcessReceiver receiver = stream.client.openReceiver(stream.start(ProcessChannelSender.class,
                ProcessChannelSender.READY, Integer.toString(size),
                Integer.toString(capacityFor(size)), fill ? "fill" : "word"));
            stream.receiver = receiver;
            stream.poller = () -> receiver.poll(stream.handler, 1);
            return stream;
        }
        catch (final IOException | RuntimeException ex)
        {
            stream.close();
            throw ex;
        }
    }

    /**
     * @param size               message bytes.
     * @param capacity           data-area bytes (a power of two holding at least two buffers).
     * @param touch              whether every byte is read.
     * @param fill               whether the child writes every word of each message.
     * @param heartbeatTimeoutMs the kernel's client timeout (longer than a child is ever paused).
     * @return the Rbufs process channel's stream, started.
     * @throws IOException if the child cannot be started or says nothing.
     */
    public static Stream rbufs(final int size, final int capacity, final boolean touch, final boolean fill,
        final long heartbeatTimeoutMs) throws IOException
    {
        final BargeStream stream = new BargeStream("rbufs", touch, heartbeatTimeoutMs);
        try
        {
            final ProcessRbufsReceiver receiver = stream.client.openRbufsReceiver(stream.start(
                ProcessRbufsBenchmark.class, ProcessRbufsBenchmark.READY, Integer.toString(size),
                Integer.toString(capacity), fill ? "fill" : "word"));
            stream.receiver = receiver;
            stream.poller = () -> receiver.poll(stream.handler, 1);
            return stream;
        }
        catch (final IOException | RuntimeException ex)
        {
            stream.close();
            throw ex;
        }
    }

    /**
     * @param size               message bytes (at most 16 pages).
     * @param touch              whether every byte is read.
     * @param fill               whether the child writes every word of each message.
     * @param grants             the xen kind's grant mode, {@code persistent} or {@code copy}.
     * @param heartbeatTimeoutMs the kernel's client timeout (longer than a child is ever paused).
     * @return the Xen process channel's stream (the SPI's ends in both processes), started.
     * @throws IOException if the child cannot be started or says nothing.
     */
    public static Stream xen(final int size, final boolean touch, final boolean fill, final String grants,
        final long heartbeatTimeoutMs) throws IOException
    {
        final BargeStream stream = new BargeStream("xen " + grants, touch, heartbeatTimeoutMs);
        try
        {
            final ProcessTransport transport = ProcessTransport.open(stream.client, ProcessTransport.XEN,
                Map.of(ProcessTransport.GRANTS, grants));
            stream.receiver = transport;
            final int receiverDomain = transport.kernelDomainId(transport.createDomain("benchmark receiver"));
            final Channel channel = transport.openChannel(stream.start(receiverDomain, ProcessXenChildSender.class,
                ProcessXenChildSender.READY, Integer.toString(size), Integer.toString(buffersFor(size)),
                fill ? "fill" : "word", grants));
            return stream.polling(channel.receiver());
        }
        catch (final IOException | RuntimeException ex)
        {
            stream.close();
            throw ex;
        }
    }

    /**
     * @param size               message bytes.
     * @param capacity           messages in flight (a power of two, at least 2).
     * @param touch              whether every byte is read.
     * @param fill               whether the child writes every word of each message.
     * @param heartbeatTimeoutMs the kernel's client timeout (longer than a child is ever paused).
     * @return the fbufs process channel's stream, started: this process's end through the transport SPI, each message
     *         touched ({@code Message.touch}) or its first word read, then released.
     * @throws IOException if the child cannot be started or says nothing.
     */
    public static Stream fbufs(final int size, final int capacity, final boolean touch, final boolean fill,
        final long heartbeatTimeoutMs) throws IOException
    {
        return spi(ProcessTransport.FBUFS, size, capacity, touch, fill, heartbeatTimeoutMs);
    }

    /**
     * @param kind               a {@link ProcessTransport} kind without options: {@code fbufs} or {@code rbufs}.
     * @param size               message bytes.
     * @param capacity           messages in flight (a power of two, at least 2).
     * @param touch              whether every byte is read.
     * @param fill               whether the child writes every word of each message.
     * @param heartbeatTimeoutMs the kernel's client timeout (longer than a child is ever paused).
     * @return the process channel's stream with the transport SPI at both ends ({@link ProcessFbufsBenchmark#main}
     *         sends), started: this process's end polled as {@link #fbufs}'s.
     * @throws IOException if the child cannot be started or says nothing.
     */
    public static Stream spi(final String kind, final int size, final int capacity, final boolean touch,
        final boolean fill, final long heartbeatTimeoutMs) throws IOException
    {
        final BargeStream stream = new BargeStream(kind, touch, heartbeatTimeoutMs);
        try
        {
            final ProcessTransport transport = ProcessTransport.open(stream.client, kind);
            stream.receiver = transport; // closing it closes the channel: the child hears the peer gone
            final int domain = transport.kernelDomainId(transport.createDomain("benchmark receiver"));
            return stream.polling(transport.openChannel(stream.start(domain, ProcessFbufsBenchmark.class,
                ProcessFbufsBenchmark.READY, Integer.toString(size), Integer.toString(capacity),
                fill ? "fill" : "word", kind)).receiver());
        }
        catch (final IOException | RuntimeException ex)
        {
            stream.close();
            throw ex;
        }
    }

    /**
     * The same stream in one process, for the cross-process rows' reference: a sending thread in this JVM on an
     * in-process transport, between two domains of a kernel of its own, running the SPI child's loop (claim, write
     * every word or the first, commit, spin while back-pressured); this thread's end is polled as {@link #spi}'s.
     * Paused by a flag the sender reads every 64 messages and while back-pressured, not by a signal.
     *
     * @param transportName an installed transport ({@link Transports#create}), e.g. {@code rbufs}.
     * @param options       its options.
     * @param size          message bytes.
     * @param capacity      messages in flight.
     * @param touch         whether every byte is read.
     * @param fill          whether the sender writes every word of each message.
     * @return the stream, its sender paused.
     */
    public static Stream local(final String transportName, final Map<String, String> options, final int size,
        final int capacity, final boolean touch, final boolean fill)
    {
        return new LocalStream(transportName, options, size, capacity, touch, fill);
    }

    /** {@link #local}. */
    private static final class LocalStream extends Stream
    {
        private static final int MESSAGES_PER_LOOK = 64;
        private final Machine machine;
        private final Transport transport;
        private final Channel channel;
        private final IntSupplier poller;
        private final Thread sender;
        private volatile boolean paused = true;
        private volatile boolean stopped;
        private volatile Throwable failure;

        LocalStream(final String transportName, final Map<String, String> options, final int size,
            final int capacity, final boolean touch, final boolean fill)
        {
            super(transportName + "-local", touch);
            machine = new Machine(LOCAL_FRAMES);
            Transport created = null;
            Channel opened = null;
            try
            {
                created = Transports.create(machine.kernel(), transportName, options);
                opened = created.open(machine.a(), machine.b(), new ChannelConfig(size, capacity,
                    ChannelConfig.Notification.UMP));
            }
            catch (final RuntimeException ex)
            {
                CloseHelper.closeAll(opened, created, machine);
                throw ex;
            }
            transport = created;
            channel = opened;
            poller = spiPoller(channel.receiver());
            final Sender spiSender = channel.sender();
            sender = new Thread(() -> send(spiSender, size, fill), "barge-local-sender-" + transportName);
            sender.setDaemon(true);
            sender.start();
        }

        private void send(final Sender spiSender, final int size, final boolean fill)
        {
            final Claim claim = spiSender.newClaim();
            long next = 0;
            try
            {
                while (!stopped)
                {
                    if (paused)
                    {
                        LockSupport.parkNanos(PAUSED_PARK_NS);
                        continue;
                    }
                    batch:
                    for (int i = 0; i < MESSAGES_PER_LOOK; i++)
                    {
                        while (spiSender.tryClaim(size, claim) == Status.BACK_PRESSURED)
                        {
                            if (paused || stopped)
                            {
                                break batch;
                            }
                            Thread.onSpinWait(); // the child's BusySpinIdleStrategy
                        }
                        Crossing.write(claim.buffer(), 0, size, next, fill);
                        spiSender.commit(claim);
                        next++;
                    }
                }
            }
            catch (final RuntimeException ex)
            {
                failure = ex;
            }
        }

        @Override
        public int poll()
        {
            return poller.getAsInt();
        }

        @Override
        public void pause() throws IOException
        {
            paused = true;
            checkSender();
        }

        @Override
        public void resume() throws IOException
        {
            checkSender();
            paused = false;
        }

        @Override
        public void kill()
        {
            stopped = true;
        }

        private void checkSender() throws IOException
        {
            final Throwable thrown = failure;
            if (thrown != null)
            {
                throw new IOException("the " + name() + " sender failed", thrown);
            }
        }

        @Override
        void closeReceiver()
        {
            stopped = true;
            try
            {
                sender.join(TimeUnit.SECONDS.toMillis(10));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        void release()
        {
            CloseHelper.closeAll(channel, transport, machine);
        }
    }

    /**
     * @param size a message size.
     * @return buffers of a Xen channel beside the ring's {@link #inFlight} messages: the power of two at or below.
     */
    static int buffersFor(final int size)
    {
        return Integer.highestOneBit(Math.max(2, inFlight(size)));
    }

    /**
     * @param size  message bytes.
     * @param touch whether every byte is read.
     * @param fill  whether the child writes every word of each message.
     * @return Aeron IPC's stream, started and connected.
     * @throws IOException if the child cannot be started or says nothing.
     */
    public static Stream aeron(final int size, final boolean touch, final boolean fill) throws IOException
    {
        final class AeronStream extends Stream
        {
            final Path directory = AeronIpc.uniqueDirectory();
            Aeron aeron;
            Subscription subscription;
            ControlledFragmentAssembler assembler;
            boolean taken;

            AeronStream(final boolean touchBytes)
            {
                super("aeron", touchBytes);
            }

            private ControlledFragmentHandler.Action onFragment(final DirectBuffer buffer, final int offset,
                final int length, final Header header)
            {
                onMessage(buffer, offset, length);
                taken = true;
                return ControlledFragmentHandler.Action.BREAK; // one whole message per poll, as the other streams
            }

            @Override
            public int poll()
            {
                taken = false;
                subscription.controlledPoll(assembler, AeronIpc.FRAGMENT_LIMIT);
                return taken ? 1 : 0;
            }

            @Override
            void closeReceiver()
            {
                CloseHelper.closeAll(subscription, aeron); // the child then stops; its driver deletes its directory
            }

            @Override
            void release()
            {
                AeronIpc.deleteRecursively(directory); // a child that was killed left it
            }
        }
        final AeronStream stream = new AeronStream(touch);
        try
        {
            stream.process = startChild(AeronIpcChildSender.class, stream.directory.toString(),
                Integer.toString(size), Integer.toString(inFlight(size)), fill ? "fill" : "word");
            readyLine(stream.process, AeronIpcChildSender.READY);
            stream.aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(stream.directory.toString())
                .useConductorAgentInvoker(true)
                .driverTimeoutMs(TimeUnit.NANOSECONDS.toMillis(AeronIpc.IDLE_TIMEOUT_NS)));
            stream.subscription = stream.aeron.addSubscription(CommonContext.IPC_CHANNEL, AeronIpc.STREAM_ID);
            final long deadline = System.nanoTime() + CONNECT_TIMEOUT_NS;
            while (!stream.subscription.isConnected())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("the aeron subscription did not connect to the child's " +
                        "publication in 30 s");
                }
                stream.aeron.conductorAgentInvoker().invoke();
            }
            stream.assembler = new ControlledFragmentAssembler(stream::onFragment, size, true);
            return stream;
        }
        catch (final IOException | RuntimeException ex)
        {
            stream.close();
            throw ex;
        }
    }

    /** 4 KiB frames of each in-process stream's machine. */
    private static final int LOCAL_FRAMES = 16384;
    /** How long a paused in-process sender parks between looks at its flag. */
    private static final long PAUSED_PARK_NS = TimeUnit.MICROSECONDS.toNanos(100);

    /** Sends SIGSTOP or SIGCONT to a child (and waits for {@code kill} to say it did). */
    private static void signal(final Process process, final String signal) throws IOException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true).start();
        try
        {
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
            {
                kill.destroyForcibly();
                throw new IOException("kill -" + signal + " " + process.pid() + " failed: " +
                    new String(kill.getInputStream().readNBytes(4096), StandardCharsets.UTF_8));
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signalling " + process.pid(), ex);
        }
    }
}

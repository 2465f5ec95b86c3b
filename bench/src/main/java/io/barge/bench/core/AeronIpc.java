package io.barge.bench.core;

import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.aeron.protocol.DataHeaderFlyweight;
import io.barge.core.machine.MachineFile;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Aeron IPC between two threads of this JVM, as a Java user would set it up for cross-process IPC: an embedded
 * {@link MediaDriver}, an exclusive IPC publication and a subscription on the same stream. Messages that fit one
 * frame are written in place with {@code tryClaim} and commit; larger ones are sent with {@code offer} from a
 * private buffer of the message's size (Aeron copies it into the log) and put back together on the subscription by
 * a {@link FragmentAssembler}. Either way the producer writes the whole message, the first word last: a log, unlike
 * a pool of buffers, never holds the earlier contents of a message, so this is what a user's producer does. The
 * consumer's {@link PayloadHandler} sees each whole message.
 * <p>
 * <b>Driver threads.</b> The driver runs in {@link ThreadingMode#INVOKER} mode: no thread of its own. Its duty
 * cycle (conductor, sender, receiver) runs on the producer's thread each time the publication reports back pressure
 * or an admin action, which is when an IPC publisher needs the conductor (it moves the publisher limit on from the
 * subscriber's position). A dedicated or shared driver thread, busy-spinning or backing off, would be a third
 * runnable thread on a two-vCPU machine: it would take a core from the producer or the consumer, or, sleeping, hold
 * the limit still for its sleep. Between the measured windows nothing runs the driver, so the client and driver
 * timeouts are an hour long instead of ten seconds.
 * <p>
 * <b>Same working set.</b> The publication window ({@code pub-wnd}) is {@code capacity} messages' frames, so that
 * no more messages are in flight than a transport channel of that capacity holds; the term is the smallest power of
 * two of at least 64 KiB that holds twice the window and a whole message (Aeron's largest message is an eighth of
 * a term). The driver's directory is unique to this instance, under {@code /dev/shm} when it exists, otherwise
 * {@code java.io.tmpdir}, and is deleted on {@link #close()}.
 * <p>
 * Every send buffer starts filled with its word numbers (word {@code i} holds {@code i}), as the cross-core
 * limit's buffers, so a consumer's sum over a message less its first word is {@code n (n - 1) / 2} for {@code n}
 * words. One producer thread and one consumer thread.
 */
public final class AeronIpc implements AutoCloseable
{
    /** The stream both ends use. */
    static final int STREAM_ID = 1001;
    /** Frames the consumer takes per poll. */
    static final int FRAGMENT_LIMIT = 64;
    /** How long nothing may serve the driver or client (between windows) before either times the other out. */
    static final long IDLE_TIMEOUT_NS = TimeUnit.HOURS.toNanos(1);
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int MIN_TERM_LENGTH = 64 * 1024;

    private final int messageBytes;
    private final Path directory;
    private final MediaDriver driver;
    private final AgentInvoker driverInvoker;
    private final Aeron aeron;
    private final AgentInvoker clientInvoker;
    private final ExclusivePublication publication;
    private final Subscription subscription;
    private final boolean claims;
    private final BufferClaim claim = new BufferClaim();
    private final UnsafeBuffer source;
    private final Consumer consumer = new Consumer();
    private final FragmentHandler pollHandler;
    private boolean closed;

    /**
     * Starts the driver and the client, adds the publication and the subscription, and waits until they connect.
     *
     * @param messageBytes bytes of each message, at least 8.
     * @param capacity     messages in flight at most, at least 1.
     * @throws IllegalStateException if they do not connect within 10 s (everything started is closed again).
     */
    public AeronIpc(final int messageBytes, final int capacity)
    {
        if (messageBytes < 8 || capacity < 1)
        {
            throw new IllegalArgumentException("messageBytes=" + messageBytes + " capacity=" + capacity +
                ": need messageBytes >= 8 and capacity >= 1");
        }
        this.messageBytes = messageBytes;
        this.directory = uniqueDirectory();
        MediaDriver startedDriver = null;
        Aeron startedClient = null;
        ExclusivePublication pub = null;
        Subscription sub = null;
        try
        {
            final MediaDriver.Context driverContext = driverContext(directory);
            startedDriver = MediaDriver.launch(driverContext);
            final AgentInvoker invoker = startedDriver.sharedAgentInvoker();
            startedClient = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(directory.toString())
                .driverAgentInvoker(invoker)
                .useConductorAgentInvoker(true)
                .driverTimeoutMs(TimeUnit.NANOSECONDS.toMillis(IDLE_TIMEOUT_NS)));
            pub = startedClient.addExclusivePublication(publicationChannel(driverContext, messageBytes, capacity),
                STREAM_ID);
            sub = startedClient.addSubscription(CommonContext.IPC_CHANNEL, STREAM_ID);
            awaitConnected(invoker, startedClient.conductorAgentInvoker(), pub, sub);
        }
        catch (final RuntimeException ex)
        {
            closeAll(sub, pub, startedClient, startedDriver);
            deleteRecursively(directory);
            throw ex;
        }
        this.driver = startedDriver;
        this.driverInvoker = startedDriver.sharedAgentInvoker();
        this.aeron = startedClient;
        this.clientInvoker = startedClient.conductorAgentInvoker();
        this.publication = pub;
        this.subscription = sub;
        this.claims = messageBytes <= pub.maxPayloadLength();
        this.source = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitUtil.align(messageBytes, 4096), 4096), 0,
            messageBytes);
        for (int word = 0; word + 8 <= messageBytes; word += 8)
        {
            source.putLong(word, word >> 3);
        }
        final FragmentHandler whole = consumer;
        this.pollHandler = claims ? whole : new FragmentAssembler(whole, messageBytes, true);
    }

    /**
     * Producer thread: sends one message whose first word is {@code firstWord}.
     *
     * @param firstWord the message's first word (a send stamp, or 0).
     * @return false if back pressured (the driver's duty cycle has just run: try again).
     * @throws IllegalStateException if the publication is closed or has reached its largest position.
     */
    public boolean offer(final long firstWord)
    {
        final long result;
        if (claims)
        {
            result = publication.tryClaim(messageBytes, claim);
            if (result > 0)
            {
                final int offset = claim.offset();
                // A log is not a pool: the claimed frame holds no earlier message, so the whole message is written.
                claim.buffer().putBytes(offset, source, 0, messageBytes);
                claim.buffer().putLong(offset, firstWord);
                // Commit is a release store of the frame length: the subscriber that sees it sees the bytes.
                claim.commit();
                return true;
            }
        }
        else
        {
            source.putLong(0, firstWord);
            result = publication.offer(source, 0, messageBytes);
            if (result > 0)
            {
                return true;
            }
        }
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
        {
            throw new IllegalStateException("aeron ipc publication cannot go on: " + Publication.errorString(result));
        }
        // BACK_PRESSURED, ADMIN_ACTION or NOT_CONNECTED: the conductor moves the limit on; the client keeps alive.
        driverInvoker.invoke();
        clientInvoker.invoke();
        return false;
    }

    /**
     * Consumer thread: takes up to {@value #FRAGMENT_LIMIT} frames and hands each whole message to {@code handler}.
     *
     * @param handler what the consumer does with each message's bytes.
     * @return frames taken.
     */
    public int poll(final PayloadHandler handler)
    {
        if (consumer.handler != handler)
        {
            consumer.handler = handler;
        }
        return subscription.poll(pollHandler, FRAGMENT_LIMIT);
    }

    /**
     * @return bytes of each message.
     */
    public int messageBytes()
    {
        return messageBytes;
    }

    /**
     * @return whether messages go by {@code tryClaim} (they fit one frame) rather than {@code offer}.
     */
    public boolean claims()
    {
        return claims;
    }

    /**
     * @return the driver's directory (gone after {@link #close()}).
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * Closes the publication, the subscription, the client and the driver, and deletes the driver's directory; call
     * once both threads have stopped.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            try
            {
                closeAll(subscription, publication, aeron, driver);
            }
            finally
            {
                deleteRecursively(directory);
            }
        }
    }

    /**
     * The driver as this class runs it: invoker mode (no thread of its own), timeouts an hour long, its directory
     * deleted on start and on shutdown.
     *
     * @param directory the driver's directory.
     * @return the context, for {@link MediaDriver#launch}.
     */
    static MediaDriver.Context driverContext(final Path directory)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(directory.toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(ThreadingMode.INVOKER)
            .clientLivenessTimeoutNs(IDLE_TIMEOUT_NS)
            .imageLivenessTimeoutNs(IDLE_TIMEOUT_NS)
            .publicationUnblockTimeoutNs(IDLE_TIMEOUT_NS + TimeUnit.MINUTES.toNanos(1))
            .warnIfDirectoryExists(false);
    }

    /**
     * @param driverContext the driver's context (for its IPC MTU).
     * @param messageBytes  a message's length.
     * @param capacity      messages in flight at most.
     * @return the IPC channel of a publication whose window is {@code capacity} messages' frames.
     */
    static String publicationChannel(final MediaDriver.Context driverContext, final int messageBytes,
        final int capacity)
    {
        final int mtu = driverContext.ipcMtuLength();
        final int window = Math.max(mtu, Math.multiplyExact(capacity, framedLength(messageBytes, mtu)));
        return new ChannelUriStringBuilder().media(CommonContext.IPC_MEDIA)
            .termLength(termLength(messageBytes, window)).publicationWindowLength(window).build();
    }

    /**
     * @param messageBytes a message's length.
     * @param mtu          the largest frame.
     * @return bytes the message takes in the log: each frame's header and payload, aligned to 32.
     */
    static int framedLength(final int messageBytes, final int mtu)
    {
        final int header = DataHeaderFlyweight.HEADER_LENGTH;
        final int payloadPerFrame = mtu - header;
        final int fullFrames = messageBytes / payloadPerFrame;
        final int rest = messageBytes - fullFrames * payloadPerFrame;
        final int alignment = FrameDescriptor.FRAME_ALIGNMENT;
        return fullFrames * BitUtil.align(mtu, alignment) + (rest == 0 ? 0 : BitUtil.align(rest + header, alignment));
    }

    /**
     * @param messageBytes a message's length.
     * @param window       the publication window.
     * @return the smallest power-of-two term of at least 64 KiB holding twice the window and the whole message.
     */
    static int termLength(final int messageBytes, final int window)
    {
        final long wanted = Math.max(MIN_TERM_LENGTH, Math.max(2L * window, 8L * messageBytes));
        return BitUtil.findNextPositivePowerOfTwo((int)Math.min(wanted, 1 << 30));
    }

    private static void awaitConnected(final AgentInvoker driver, final AgentInvoker client,
        final Publication publication, final Subscription subscription)
    {
        final long deadline = System.nanoTime() + CONNECT_TIMEOUT_NS;
        while (!publication.isConnected() || !subscription.isConnected())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("aeron ipc publication and subscription did not connect in " +
                    TimeUnit.NANOSECONDS.toMillis(CONNECT_TIMEOUT_NS) + " ms");
            }
            driver.invoke();
            client.invoke();
        }
    }

    static Path uniqueDirectory()
    {
        try
        {
            // Created here so that the name is ours alone; the driver deletes and re-creates it on start.
            return memoryDirectory("barge-aeron-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a directory for the aeron driver", ex);
        }
    }

    /**
     * A new directory of this process's under {@code /dev/shm} when that is a writable directory, else under
     * {@code java.io.tmpdir}: Barge's machine files and Aeron's log buffers sit in the same kind of memory, so that
     * neither side of a comparison pays for a disk-backed mapping (dirty-page writeback) the other does not.
     *
     * @param prefix the directory name's prefix.
     * @return the directory, empty.
     * @throws IOException if it cannot be made.
     */
    static Path memoryDirectory(final String prefix) throws IOException
    {
        // The kernel's own default (MachineFile): /dev/shm where there is one.
        final Path memory = MachineFile.defaultDirectory().getParent();
        final Path parent = Files.isWritable(memory) ? memory : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(parent, prefix);
    }

    private static void closeAll(final AutoCloseable... resources)
    {
        RuntimeException failure = null;
        for (final AutoCloseable resource : resources)
        {
            try
            {
                if (resource != null)
                {
                    resource.close();
                }
            }
            catch (final Exception ex)
            {
                if (failure == null)
                {
                    failure = new IllegalStateException("closing aeron ipc", ex);
                }
                else
                {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    static void deleteRecursively(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path path : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete the directory " + dir, ex);
        }
    }

    /** The consumer's frame handler: its field is written on the consumer thread only. */
    private static final class Consumer implements FragmentHandler
    {
        PayloadHandler handler;

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            handler.onPayload(buffer, offset, length);
        }
    }
}

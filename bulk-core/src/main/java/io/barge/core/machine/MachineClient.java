package io.barge.core.machine;

import io.barge.core.MemoryFileFormatException;
import io.barge.core.PhysicalMemoryDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.BroadcastReceiver;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static io.barge.core.machine.MachineFileDescriptor.FILE_NAME;
import static io.barge.core.machine.MachineFileDescriptor.CHANNEL_TABLE_LENGTH_OFFSET;
import static io.barge.core.machine.MachineFileDescriptor.HEARTBEAT_TIMEOUT_OFFSET;
import static io.barge.core.machine.MachineFileDescriptor.MEMORY_FILE_NAME;
import static io.barge.core.machine.MachineFileDescriptor.channelTableOffset;
import static io.barge.core.machine.MachineFileDescriptor.TO_DOMAINS_BUFFER_LENGTH_OFFSET;
import static io.barge.core.machine.MachineFileDescriptor.TO_KERNEL_RING_LENGTH_OFFSET;
import static io.barge.core.machine.MachineFileDescriptor.fileLength;
import static io.barge.core.machine.MachineFileDescriptor.ringCapacity;
import static io.barge.core.machine.MachineFileDescriptor.toDomainsBufferOffset;
import static io.barge.core.machine.MachineFileDescriptor.toKernelRingOffset;

/**
 * A process's handle on a kernel running in another process ({@code barge kernel}): attaches through the machine
 * file, asks the kernel for domains it then owns, and keeps itself alive with a keepalive on a daemon thread every
 * fifth of the machine's timeout. The role of Aeron's client conductor, reduced to requests and answers.
 * <p>
 * Each request takes the client's next correlation id (its own sequence, strictly increasing from a random start
 * at attach: the ring's shared counter is memory any client can rewind), writes its command, and waits (an idle
 * strategy, bounded by the response timeout) for the broadcast answer with that id and this client's id, checking
 * meanwhile that the kernel still runs. When the kernel broadcasts that it reset a damaged command ring, the waiting
 * command may have been dropped: it is re-sent unchanged (the kernel answers a command it executed already from its
 * record, {@link ControlProtocolDescriptor}), up to {@link #MAX_RETRIES} times. Failures are typed:
 * {@link MachineFileException} for a file that is not a machine's, {@link KernelGoneException} when the kernel
 * closed, died or stopped beating, {@link KernelRefusedException} when it refused, {@link CommandLostException}
 * after more ring resets than re-sends, and {@link MachineClientException} when no answer came in time.
 * <p>
 * Its client id is a credential: at attach it agrees a key with the kernel that no reader of the file can derive,
 * and every command and keepalive carries a MAC under it ({@link CommandMac}), so another process cannot speak for it.
 * <p>
 * The client maps the header and the broadcast buffer read-only and only the command ring writable, so a bug here
 * cannot scribble over the kernel's state. Requests are serialised (one at a time per client). The domains are the
 * kernel's.
 * <p>
 * Data between processes: {@link #createChannel} asks the kernel for a channel between two attached clients'
 * domains; each owning client then opens its end ({@link #openSender}, {@link #openReceiver}), mapping only that
 * channel's frames of the kernel's memory file ({@link MachineFileDescriptor#MEMORY_FILE_NAME}, its header checked
 * on first use) and checking the channel's layout against the channel table, which it maps read-only.
 */
public final class MachineClient implements AutoCloseable
{
    /** Shortest time a request waits for its answer. */
    public static final long MIN_RESPONSE_TIMEOUT_MS = 1_000;
    /** Re-sends of one command after ring resets before it fails with {@link CommandLostException}. */
    public static final int MAX_RETRIES = 3;

    private static final long LIVENESS_CHECK_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Path file;
    private final FileChannel channel;
    private final long length;
    private final UnsafeBuffer header;
    private final ManyToOneRingBuffer ring;
    private final CopyBroadcastReceiver receiver;
    /** Made once: a command per message (a Xen channel's grant copies) allocates no handler per receive. */
    private final org.agrona.concurrent.MessageHandler onMessage = this::onMessage;
    private final AtomicBuffer channelTable;
    private final IntHashSet openEnds = new IntHashSet();
    private FileChannel memoryChannel;
    private int memoryFrameSize;
    private int memoryFrameCount;
    private final long timeoutMs;
    private final long responseTimeoutNs;
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[NAME_OFFSET + 1024 + MAC_LENGTH]);
    private final UnsafeBuffer keepalive = new UnsafeBuffer(new byte[HEADER_LENGTH + MAC_LENGTH]);
    /** The key agreed with the kernel at attach ({@link CommandMac}): every later command carries a MAC under it. */
    private long k0;
    private long k1;
    /** The keepalives' own sequence, the keepalive thread's alone. */
    private long keepaliveSequence;
    /** ON_ATTACHED's public key, copied by onMessage. */
    private final UnsafeBuffer answerKey = new UnsafeBuffer(new byte[PUBLIC_KEY_LENGTH]);
    private final IdleStrategy idle = new BackoffIdleStrategy(1, 10, 1_000, 1_000_000);
    private final ScheduledExecutorService heartbeat;
    /** The kernel's pid and process as the file said on attach, for {@link #kernelBeating()}. */
    private final long kernelPid;
    private final ProcessHandle kernelProcess;
    private volatile int clientId = NULL_ID;
    private boolean closed;
    /** The next command's correlation id: this client's own sequence, strictly increasing from its attach's. */
    private long nextCorrelationId;

    // The answer being waited for, filled by onMessage.
    private long awaitedCorrelationId;
    private int awaitedClientId;
    private int answerType;
    private int answerValue;
    private String answerMessage;
    private boolean timedOut;
    /** Ring resets broadcast while the current command waited. */
    private int resetsSeen;
    private int lastResets;

    private MachineClient(final Path file, final FileChannel channel, final UnsafeBuffer fields, final long length)
        throws IOException
    {
        this.file = file;
        this.channel = channel;
        this.length = length;
        final MappedByteBuffer headerMap = channel.map(FileChannel.MapMode.READ_ONLY, 0,
            MachineFileDescriptor.HEADER_LENGTH);
        this.header = new UnsafeBuffer(headerMap);
        final int ringLength = ringCapacity(fields.getInt(TO_KERNEL_RING_LENGTH_OFFSET)) +
            RingBufferDescriptor.TRAILER_LENGTH;
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE,
            toKernelRingOffset(), ringLength)));
        final int broadcastLength = ringCapacity(fields.getInt(TO_DOMAINS_BUFFER_LENGTH_OFFSET)) +
            BroadcastBufferDescriptor.TRAILER_LENGTH;
        this.receiver = new CopyBroadcastReceiver(new BroadcastReceiver(new UnsafeBuffer(channel.map(
            FileChannel.MapMode.READ_ONLY, toDomainsBufferOffset(fields), broadcastLength))));
        this.channelTable = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_ONLY, channelTableOffset(fields),
            fields.getInt(CHANNEL_TABLE_LENGTH_OFFSET)));
        this.timeoutMs = fields.getLong(HEARTBEAT_TIMEOUT_OFFSET);
        this.responseTimeoutNs = TimeUnit.MILLISECONDS.toNanos(Math.max(MIN_RESPONSE_TIMEOUT_MS, 2 * timeoutMs));
        this.kernelPid = header.getLong(MachineFileDescriptor.KERNEL_PID_OFFSET);
        this.kernelProcess = kernelPid > 0 ? ProcessHandle.of(kernelPid).orElse(null) : null;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor((task) ->
        {
            final Thread thread = new Thread(task, "barge-client-keepalive " + file);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Attaches to the kernel whose machine file is in a directory.
     *
     * @param directory the machine's directory.
     * @return an attached client, heartbeating; close it to detach.
     * @throws MachineFileException    if there is no machine file or it fails a header check.
     * @throws KernelGoneException     if no kernel runs there.
     * @throws KernelRefusedException  if the kernel refuses (e.g. its client table is full).
     * @throws MachineClientException  if the kernel does not answer in time.
     */
    public static MachineClient attach(final Path directory)
    {
        final Path file = directory.resolve(FILE_NAME);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final NoSuchFileException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.NOT_FOUND, "no Barge machine in " +
                directory + " (no " + FILE_NAME + ")", ex);
        }
        catch (final IOException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.IO, file + ": cannot open: " + ex, ex);
        }
        MachineClient client = null;
        try
        {
            final UnsafeBuffer fields = MachineReader.readHeader(file, channel);
            client = new MachineClient(file, channel, fields, fileLength(fields));
            client.checkKernel("attach");
            client.attachWithKey();
            client.startHeartbeat();
            return client;
        }
        catch (final IOException ex)
        {
            MachineReader.closeQuietly(channel);
            throw new MachineFileException(MachineFileException.Reason.IO, file + ": cannot map: " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            if (client != null)
            {
                client.heartbeat.shutdownNow();
            }
            MachineReader.closeQuietly(channel);
            throw ex;
        }
    }

    /** CLIENT_ATTACH with a fresh X25519 public key; the kernel's in the answer gives both sides the command key. */
    private void attachWithKey()
    {
        final KeyPair pair = CommandMac.generateKeyPair();
        CommandMac.putPublicKey(command, ATTACH_PUBLIC_KEY_OFFSET, pair.getPublic());
        final int id = request(CLIENT_ATTACH, ATTACH_LENGTH, ON_ATTACHED, ProcessHandle.current().pid(), "attach");
        final long[] key;
        try
        {
            key = CommandMac.deriveKey(pair.getPrivate(), answerKey, 0);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new MachineClientException("attach: the kernel in " + file + " answered with a public key this " +
                "client cannot agree with: " + ex, ex);
        }
        k0 = key[0];
        k1 = key[1];
        clientId = id;
    }

    private void startHeartbeat()
    {
        final long interval = Math.max(1, timeoutMs / 5);
        heartbeat.scheduleAtFixedRate(this::sendKeepalive, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** From the keepalive thread: the ring takes many producers, so it writes beside a request in progress. */
    private void sendKeepalive()
    {
        try
        {
            putHeader(keepalive, ++keepaliveSequence, clientId);
            sign(CLIENT_KEEPALIVE, keepalive, HEADER_LENGTH);
            ring.write(CLIENT_KEEPALIVE, keepalive, 0, HEADER_LENGTH + MAC_LENGTH); // full: the next may get in
        }
        catch (final RuntimeException | InternalError ex)
        {
            // the file went away under the client; its next request reports it
        }
    }

    /**
     * @return the id the kernel gave this client.
     */
    public int clientId()
    {
        return clientId;
    }

    /**
     * @return the machine file.
     */
    public Path file()
    {
        return file;
    }

    /**
     * Asks the kernel for a new domain, owned by this client until it destroys it or detaches (or dies).
     *
     * @param name the domain's name: 1..{@link ControlProtocolDescriptor#MAX_NAME_LENGTH} printable ASCII bytes.
     * @return the kernel's id for the domain.
     * @throws IllegalArgumentException if the name is over 1,024 bytes (the kernel refuses any over
     *                                  {@link ControlProtocolDescriptor#MAX_NAME_LENGTH} itself).
     * @throws KernelRefusedException if the kernel refuses (a bad name, too many domains, ...).
     * @throws KernelGoneException    if the kernel is gone.
     * @throws MachineClientException if no answer comes in time.
     */
    public synchronized int createDomain(final String name)
    {
        checkOpen();
        final byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length > command.capacity() - NAME_OFFSET - MAC_LENGTH)
        {
            throw new IllegalArgumentException("name length=" + bytes.length + " exceeds " +
                (command.capacity() - NAME_OFFSET - MAC_LENGTH) + " (the kernel takes at most " + MAX_NAME_LENGTH +
                ")");
        }
        // The name goes as given: the kernel applies its rules (length, printable ASCII) and answers by code.
        command.putInt(NAME_LENGTH_OFFSET, bytes.length);
        command.putBytes(NAME_OFFSET, bytes);
        return request(CREATE_DOMAIN, NAME_OFFSET + bytes.length, ON_DOMAIN_CREATED, 0, "create domain \"" + name +
            "\"");
    }

    /**
     * Destroys one of this client's domains.
     *
     * @param domainId the id {@link #createDomain} returned.
     * @throws KernelRefusedException if it is not this client's.
     * @throws KernelGoneException    if the kernel is gone.
     * @throws MachineClientException if no answer comes in time.
     */
    public synchronized void destroyDomain(final int domainId)
    {
        checkOpen();
        command.putInt(DOMAIN_ID_OFFSET, domainId);
        request(DESTROY_DOMAIN, ONE_INT_LENGTH, ON_DOMAIN_DESTROYED, 0, "destroy domain " + domainId);
    }

    /**
     * Asks the kernel for a channel from one attached client's domain to another's; this client must own one of
     * them. The kernel allocates its frames (a header frame and {@code capacity} bytes of ring) in its memory file.
     *
     * @param senderDomain     the sending domain.
     * @param receiverDomain   the receiving domain.
     * @param maxMessageLength longest message, 1..{@link ProcessChannelDescriptor#MAX_MESSAGE_LENGTH}.
     * @param capacity         ring bytes: a power of two, whole frames, holding two longest records.
     * @return the channel's id, for {@link #openSender} and {@link #openReceiver} (the peer learns it from this
     *         client: the id is not a secret, the table says who may open each end).
     * @throws KernelRefusedException if the kernel refuses (unknown domain, not the owner, bad sizes, no frames).
     * @throws KernelGoneException    if the kernel is gone.
     * @throws MachineClientException if no answer comes in time.
     */
    public synchronized int createChannel(final int senderDomain, final int receiverDomain,
        final int maxMessageLength, final int capacity)
    {
        return createChannel(senderDomain, receiverDomain, maxMessageLength, capacity,
            ProcessChannelDescriptor.KIND_RING);
    }

    /**
     * Asks the kernel for a channel of a given kind from one attached client's domain to another's; this client must
     * own one of them.
     * <ul>
     *   <li>{@link ProcessChannelDescriptor#KIND_RING}: as {@link #createChannel(int, int, int, int)}; the ends are
     *       {@link #openSender} and {@link #openReceiver}.</li>
     *   <li>{@link ProcessChannelDescriptor#KIND_RBUFS}: zero copy ({@link RbufsChannelDescriptor}): a data area of
     *       {@code capacity} bytes cut into buffers of {@code maxMessageLength} (rounded up to 64 bytes), 2 to
     *       {@link RbufsChannelDescriptor#MAX_BUFFERS} of them, and two IOrec rings; the ends are
     *       {@link #openRbufsSender} and {@link #openRbufsReceiver}.</li>
     * </ul>
     *
     * @param senderDomain     the sending domain.
     * @param receiverDomain   the receiving domain.
     * @param maxMessageLength longest message, 1..{@link ProcessChannelDescriptor#MAX_MESSAGE_LENGTH}.
     * @param capacity         ring or data-area bytes: a power of two, whole frames.
     * @param kind             {@link ProcessChannelDescriptor#KIND_RING} or {@code KIND_RBUFS}.
     * @return the channel's id.
     * @throws KernelRefusedException if the kernel refuses (unknown domain, not the owner, bad kind or sizes, no
     *                                frames).
     * @throws KernelGoneException    if the kernel is gone.
     * @throws MachineClientException if no answer comes in time.
     */
    public synchronized int createChannel(final int senderDomain, final int receiverDomain,
        final int maxMessageLength, final int capacity, final int kind)
    {
        checkOpen();
        command.putInt(SENDER_DOMAIN_OFFSET, senderDomain);
        command.putInt(RECEIVER_DOMAIN_OFFSET, receiverDomain);
        command.putInt(MAX_MESSAGE_LENGTH_OFFSET, maxMessageLength);
        command.putInt(CAPACITY_OFFSET, capacity);
        command.putInt(KIND_OFFSET, kind);
        return request(CREATE_CHANNEL, CREATE_CHANNEL_LENGTH, ON_CHANNEL_CREATED, 0, "create " +
            ProcessChannelDescriptor.kindName(kind) + " channel " + senderDomain + " -> " + receiverDomain);
    }

    /**
     * Opens the sending end of a channel whose sender domain this client owns.
     *
     * @param channelId the id {@link #createChannel} returned.
     * @return the sender, for one thread.
     * @throws IllegalStateException  if no open channel has the id, the end is not this client's, or it is open or
     *                                closed already.
     * @throws ChannelBrokenException if the channel's table entry or layout is inconsistent.
     * @throws MemoryFileFormatException if the kernel's memory file fails its header check.
     */
    public synchronized ProcessSender openSender(final int channelId)
    {
        final ChannelEntry channel = checkEnd(channelId, true, ProcessChannelDescriptor.KIND_RING);
        final AtomicBuffer[] views = map(channel, true);
        openEnds.add(endKey(channelId, true));
        return new ProcessSender(this, channel, views[0], views[1], channelTable, channel.slot);
    }

    /**
     * Opens the sending end of an Rbufs channel ({@link ProcessChannelDescriptor#KIND_RBUFS}) whose sender domain
     * this client owns: the data area is mapped writable here.
     *
     * @param channelId the id {@link #createChannel(int, int, int, int, int)} returned.
     * @return the sender, for one thread.
     * @throws IllegalStateException  if no open Rbufs channel has the id, the end is not this client's, or it is
     *                                open or closed already.
     * @throws ChannelBrokenException if the channel's table entry or layout is inconsistent.
     * @throws MemoryFileFormatException if the kernel's memory file fails its header check.
     */
    public synchronized ProcessRbufsSender openRbufsSender(final int channelId)
    {
        final ChannelEntry channel = checkEnd(channelId, true, ProcessChannelDescriptor.KIND_RBUFS);
        final AtomicBuffer[] views = map(channel, true);
        openEnds.add(endKey(channelId, true));
        return new ProcessRbufsSender(this, channel, views[0], views[1], views[2], channelTable, channel.slot);
    }

    /**
     * Opens the receiving end of an Rbufs channel ({@link ProcessChannelDescriptor#KIND_RBUFS}) whose receiver domain
     * this client owns: the data area is mapped read-only here.
     *
     * @param channelId the id {@link #createChannel(int, int, int, int, int)} returned.
     * @return the receiver, for one thread.
     * @throws IllegalStateException  if no open Rbufs channel has the id, the end is not this client's, or it is
     *                                open or closed already.
     * @throws ChannelBrokenException if the channel's table entry or layout is inconsistent.
     * @throws MemoryFileFormatException if the kernel's memory file fails its header check.
     */
    public synchronized ProcessRbufsReceiver openRbufsReceiver(final int channelId)
    {
        final ChannelEntry channel = checkEnd(channelId, false, ProcessChannelDescriptor.KIND_RBUFS);
        final AtomicBuffer[] views = map(channel, false);
        openEnds.add(endKey(channelId, false));
        return new ProcessRbufsReceiver(this, channel, views[0], views[1], views[2], channelTable, channel.slot);
    }

    /**
     * Opens the receiving end of a channel whose receiver domain this client owns.
     *
     * @param channelId the id {@link #createChannel} returned.
     * @return the receiver, for one thread.
     * @throws IllegalStateException  if no open channel has the id, the end is not this client's, or it is open or
     *                                closed already.
     * @throws ChannelBrokenException if the channel's table entry or layout is inconsistent.
     * @throws MemoryFileFormatException if the kernel's memory file fails its header check.
     */
    public synchronized ProcessReceiver openReceiver(final int channelId)
    {
        final ChannelEntry channel = checkEnd(channelId, false, ProcessChannelDescriptor.KIND_RING);
        final AtomicBuffer[] views = map(channel, false);
        openEnds.add(endKey(channelId, false));
        return new ProcessReceiver(this, channel, views[0], views[1], channelTable, channel.slot);
    }

    /**
     * A channel as the channel table showed it at one moment (values unchecked: the table is shared memory; opening
     * the channel checks the entry again).
     *
     * @param channelId        the channel's id.
     * @param senderDomain     its sending domain.
     * @param receiverDomain   its receiving domain.
     * @param maxMessageLength its longest message.
     * @param kind             {@link ProcessChannelDescriptor#KIND_RING} or {@code KIND_RBUFS}.
     */
    public record ChannelInfo(int channelId, int senderDomain, int receiverDomain, int maxMessageLength, int kind)
    {
    }

    /**
     * Finds the newest channel out of a domain with both ends open, as the channel table shows it now: a stage
     * whose downstream made the channel finds it this way (channel ids are never reused, so the highest is the
     * newest).
     *
     * @param senderDomain the sending domain.
     * @param skipped      channel ids to pass over (ones the caller gave up).
     * @return the channel, or null if there is none.
     */
    public synchronized ChannelInfo newestOpenChannelFrom(final int senderDomain, final IntPredicate skipped)
    {
        checkOpen();
        ChannelEntry newest = null;
        for (int slot = 0, slots = ChannelTableDescriptor.slots(channelTable.capacity()); slot < slots; slot++)
        {
            final ChannelEntry entry = ChannelTableDescriptor.readSlot(channelTable, slot);
            if (entry != null && entry.senderDomain == senderDomain &&
                entry.senderEnd == ChannelTableDescriptor.END_OPEN &&
                entry.receiverEnd == ChannelTableDescriptor.END_OPEN && !skipped.test(entry.channelId) &&
                (newest == null || entry.channelId > newest.channelId))
            {
                newest = entry;
            }
        }
        return newest == null ? null : new ChannelInfo(newest.channelId, newest.senderDomain, newest.receiverDomain,
            newest.maxMessageLength, newest.kind);
    }

    /**
     * @param channelId a channel's id.
     * @return the channel as the table shows it now (values unchecked: opening an end checks them again), or null
     *         if no slot holds it.
     */
    public synchronized ChannelInfo channelInfo(final int channelId)
    {
        checkOpen();
        for (int slot = 0, slots = ChannelTableDescriptor.slots(channelTable.capacity()); slot < slots; slot++)
        {
            final ChannelEntry entry = ChannelTableDescriptor.readSlot(channelTable, slot);
            if (entry != null && entry.channelId == channelId)
            {
                return new ChannelInfo(entry.channelId, entry.senderDomain, entry.receiverDomain,
                    entry.maxMessageLength, entry.kind);
            }
        }
        return null;
    }

    /**
     * GRANT_OP for the back end of a Xen channel ({@link XenGrantOps}): the kernel maps or copies the front end's
     * grants named by the segment words.
     *
     * @param channelId   the channel.
     * @param op          {@link ControlProtocolDescriptor#GRANT_MAP} or {@code GRANT_COPY}.
     * @param destination COPY: the back end's copy buffer; MAP: 0.
     * @param segments    segment words ({@link XenChannelDescriptor#segmentWord}).
     * @param count       how many of them, 1..{@link XenChannelDescriptor#MAX_SEGMENTS}.
     * @param what        what the caller is doing, for errors (a constant: the call allocates no message).
     * @return the references mapped or the bytes copied.
     * @throws KernelRefusedException if the kernel refuses (a bad grant: code BAD_GRANT).
     * @throws KernelGoneException    if the kernel is gone.
     */
    synchronized int grantOp(final int channelId, final int op, final int destination, final long[] segments,
        final int count, final String what)
    {
        checkOpen();
        command.putInt(CHANNEL_ID_OFFSET, channelId);
        command.putInt(GRANT_OP_CODE_OFFSET, op);
        command.putInt(GRANT_DESTINATION_OFFSET, destination);
        command.putInt(GRANT_SEGMENT_COUNT_OFFSET, count);
        for (int i = 0; i < XenChannelDescriptor.MAX_SEGMENTS; i++)
        {
            command.putLong(GRANT_SEGMENTS_OFFSET + i * Long.BYTES, i < count ? segments[i] : 0);
        }
        return request(GRANT_OP, GRANT_OP_LENGTH, ON_GRANT_DONE, 0, what);
    }

    private static int endKey(final int channelId, final boolean sender)
    {
        return channelId * 2 + (sender ? 0 : 1);
    }

    /**
     * Opens one end of a channel for an adapter of the transport SPI ({@link ProcessTransport}): the checks and
     * mappings {@link #openRbufsSender} and the others make.
     *
     * @param channelId the channel.
     * @param sender    which end.
     * @param kind      the kind the caller expects.
     * @param views     receives the mapped views: header, ring (RING) or header, control, data (RBUFS, FBUFS).
     * @return the table entry, copied once.
     */
    synchronized ChannelEntry openEnd(final int channelId, final boolean sender, final int kind,
        final AtomicBuffer[][] views)
    {
        final ChannelEntry channel = checkEnd(channelId, sender, kind);
        views[0] = map(channel, sender);
        openEnds.add(endKey(channelId, sender));
        return channel;
    }

    /**
     * @return the channel table, mapped read-only.
     */
    AtomicBuffer channelTable()
    {
        return channelTable;
    }

    /** Copies the channel's table entry once; the end must be this client's, open, and not opened here yet. */
    private ChannelEntry checkEnd(final int channelId, final boolean sender, final int kind)
    {
        checkOpen();
        final String end = sender ? "sender" : "receiver";
        for (int slot = 0, slots = ChannelTableDescriptor.slots(channelTable.capacity()); slot < slots; slot++)
        {
            if (ChannelTableDescriptor.channelIdAcquire(channelTable, slot) != channelId)
            {
                continue;
            }
            final ChannelEntry channel = ChannelTableDescriptor.readSlot(channelTable, slot);
            if (channel == null || channel.channelId != channelId)
            {
                break;
            }
            channel.slot = slot;
            if (channel.kind != kind)
            {
                throw new IllegalStateException("channel " + channelId + " is a " +
                    ProcessChannelDescriptor.kindName(channel.kind) + " channel, not " +
                    ProcessChannelDescriptor.kindName(kind) + ": open it with " +
                    (channel.kind == ProcessChannelDescriptor.KIND_RBUFS ? "openRbufs" :
                    channel.kind == ProcessChannelDescriptor.KIND_XEN ? "ProcessTransport's xen kind's open" :
                    "open") + (sender ? "Sender" : "Receiver"));
            }
            final int owner = sender ? channel.senderClient : channel.receiverClient;
            if (owner != clientId)
            {
                throw new IllegalStateException("channel " + channelId + "'s " + end + " end is client " + owner +
                    "'s, not this client's (" + clientId + ")");
            }
            if ((sender ? channel.senderEnd : channel.receiverEnd) != ChannelTableDescriptor.END_OPEN ||
                openEnds.contains(endKey(channelId, sender)))
            {
                throw new IllegalStateException("channel " + channelId + "'s " + end + " end is " +
                    (openEnds.contains(endKey(channelId, sender)) ? "open already" : "closed"));
            }
            return channel;
        }
        throw new IllegalStateException("no open channel has id " + channelId + " (never created, or both ends gone)");
    }

    /**
     * @return the channel's header frame and ring (RING), or header, control area and data area (RBUFS; the data area
     *         read-only for the receiver), mapped after checking the entry against the memory file.
     */
    private AtomicBuffer[] map(final ChannelEntry channel, final boolean sender)
    {
        openMemory();
        final int frameSize = memoryFrameSize;
        final boolean fbufs = channel.kind == ProcessChannelDescriptor.KIND_FBUFS;
        // An fbufs channel is laid out as an Rbufs one: header, control area, then its data (the fbuf region).
        final boolean rbufs = fbufs || channel.kind == ProcessChannelDescriptor.KIND_RBUFS;
        final boolean xen = channel.kind == ProcessChannelDescriptor.KIND_XEN;
        final String sizes = xen ? XenChannelDescriptor.checkSizes(channel.capacity, channel.maxMessageLength,
            frameSize, channel.kindOption) : fbufs ?
            FbufsChannelDescriptor.checkSizes(channel.capacity, channel.maxMessageLength, frameSize) : rbufs ?
            RbufsChannelDescriptor.checkSizes(channel.capacity, channel.maxMessageLength, frameSize) :
            ProcessChannelDescriptor.checkSizes(channel.capacity, channel.maxMessageLength, frameSize);
        final int frameCount = sizes != null ? 0 : xen ? XenChannelDescriptor.frameCount(channel.capacity,
            channel.maxMessageLength, frameSize, channel.kindOption) : fbufs ?
            FbufsChannelDescriptor.frameCount(channel.capacity, channel.maxMessageLength, frameSize) : rbufs ?
            RbufsChannelDescriptor.frameCount(channel.capacity, channel.maxMessageLength, frameSize) :
            ProcessChannelDescriptor.frameCount(channel.capacity, frameSize);
        if (sizes != null || channel.frameCount != frameCount || channel.firstFrame < 0 ||
            (long)channel.firstFrame + channel.frameCount > memoryFrameCount)
        {
            throw new ChannelBrokenException("channel " + channel.channelId + ": its table entry (firstFrame=" +
                channel.firstFrame + " frameCount=" + channel.frameCount + " capacity=" + channel.capacity +
                " maxMessageLength=" + channel.maxMessageLength + ") does not fit memory of " + memoryFrameCount +
                " frames of " + frameSize + " bytes" + (sizes == null ? "" : ": " + sizes));
        }
        final long start = PhysicalMemoryDescriptor.frameOffset(channel.firstFrame, frameSize);
        final int dataOffset = (frameCount - channel.capacity / frameSize) * frameSize;
        final AtomicBuffer[] views;
        try
        {
            if (xen)
            {
                views = mapXen(channel, sender, start, frameSize);
            }
            else
            {
                // The header and control frames both ends write; the data area (ring or Rbufs buffers) is writable
                // only for a sender, so an Rbufs receiver cannot scribble over what it reads in place.
                final MappedByteBuffer control = memoryChannel.map(FileChannel.MapMode.READ_WRITE, start,
                    dataOffset);
                final MappedByteBuffer data = memoryChannel.map(sender || !rbufs ? FileChannel.MapMode.READ_WRITE :
                    FileChannel.MapMode.READ_ONLY, start + dataOffset, channel.capacity);
                views = rbufs ? new AtomicBuffer[]{new UnsafeBuffer(control, 0, frameSize),
                    new UnsafeBuffer(control, frameSize, dataOffset - frameSize), new UnsafeBuffer(data)} :
                    new AtomicBuffer[]{new UnsafeBuffer(control, 0, frameSize), new UnsafeBuffer(data)};
            }
        }
        catch (final IOException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.IO, "cannot map channel " +
                channel.channelId + "'s frames: " + ex, ex);
        }
        final AtomicBuffer header = views[0];
        final long magic = header.getLongAcquire(ProcessChannelDescriptor.MAGIC_OFFSET);
        final int version = header.getInt(ProcessChannelDescriptor.VERSION_OFFSET);
        final int id = header.getInt(ProcessChannelDescriptor.CHANNEL_ID_OFFSET);
        final int capacity = header.getInt(ProcessChannelDescriptor.CAPACITY_OFFSET);
        final int max = header.getInt(ProcessChannelDescriptor.MAX_MESSAGE_LENGTH_OFFSET);
        final int kind = header.getInt(ProcessChannelDescriptor.KIND_OFFSET);
        if (magic != ProcessChannelDescriptor.MAGIC || version != ProcessChannelDescriptor.VERSION ||
            id != channel.channelId || capacity != channel.capacity || max != channel.maxMessageLength ||
            kind != channel.kind)
        {
            throw new ChannelBrokenException("channel " + channel.channelId + ": its header (magic=0x" +
                Long.toHexString(magic) + " version=" + version + " channelId=" + id + " capacity=" + capacity +
                " maxMessageLength=" + max + " kind=" + kind + ") does not match the kernel's table");
        }
        return views;
    }

    /**
     * @return a Xen channel's header, ring, grant table and pages: the pool for the front end (writable) and, for the
     *         back end, the pool (persistent mode) or its copy area (copy mode), read-only; the grant table is the
     *         front end's and the kernel's to write, so the back end maps it read-only.
     */
    private AtomicBuffer[] mapXen(final ChannelEntry channel, final boolean sender, final long start,
        final int frameSize) throws IOException
    {
        final int max = channel.maxMessageLength;
        final int grantFrame = XenChannelDescriptor.grantFrame(channel.capacity, max, frameSize);
        final int poolFrame = XenChannelDescriptor.poolFrame(channel.capacity, max, frameSize);
        final int dataFrame = sender || channel.kindOption == XenChannelDescriptor.MODE_PERSISTENT ? poolFrame :
            poolFrame + channel.capacity / frameSize;
        final MappedByteBuffer shared = memoryChannel.map(FileChannel.MapMode.READ_WRITE, start,
            (long)grantFrame * frameSize);
        final MappedByteBuffer table = memoryChannel.map(sender ? FileChannel.MapMode.READ_WRITE :
            FileChannel.MapMode.READ_ONLY, start + (long)grantFrame * frameSize,
            (long)(poolFrame - grantFrame) * frameSize);
        final MappedByteBuffer data = memoryChannel.map(sender ? FileChannel.MapMode.READ_WRITE :
            FileChannel.MapMode.READ_ONLY, start + (long)dataFrame * frameSize, channel.capacity);
        return new AtomicBuffer[]{new UnsafeBuffer(shared, 0, frameSize),
            new UnsafeBuffer(shared, frameSize, (grantFrame - 1) * frameSize), new UnsafeBuffer(table),
            new UnsafeBuffer(data)};
    }

    private void openMemory()
    {
        if (memoryChannel != null)
        {
            return;
        }
        final Path memoryFile = file.resolveSibling(MEMORY_FILE_NAME);
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(memoryFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final long size = channel.size();
            final ByteBuffer copy = ByteBuffer.allocate(PhysicalMemoryDescriptor.HEADER_FIELDS_LENGTH);
            while (copy.hasRemaining() && channel.read(copy, copy.position()) > 0)
            {
                // copied once, then validated
            }
            final UnsafeBuffer fields = new UnsafeBuffer(copy.array());
            PhysicalMemoryDescriptor.checkHeader(fields, copy.position() < copy.capacity() ? copy.position() : size,
                memoryFile.toString());
            memoryFrameSize = fields.getInt(PhysicalMemoryDescriptor.FRAME_SIZE_OFFSET);
            memoryFrameCount = fields.getInt(PhysicalMemoryDescriptor.FRAME_COUNT_OFFSET);
            memoryChannel = channel;
        }
        catch (final NoSuchFileException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.NOT_FOUND, "the kernel in " + file +
                " has no memory file " + memoryFile + " (it does not serve channels between processes)", ex);
        }
        catch (final IOException ex)
        {
            MachineReader.closeQuietly(channel);
            throw new MachineFileException(MachineFileException.Reason.IO, memoryFile + ": cannot open: " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            MachineReader.closeQuietly(channel);
            throw ex;
        }
    }

    /** An end closes: the kernel marks it (if it still runs and the client is attached). */
    synchronized void closeEnd(final int channelId, final int end)
    {
        openEnds.remove(endKey(channelId, end == END_SENDER));
        if (closed || !isKernelRunning())
        {
            return;
        }
        try
        {
            closeEndChecked(channelId, end);
        }
        catch (final MachineClientException ex)
        {
            // refused (the kernel closed the end already: the client timed out) or gone: nothing left to close
        }
    }

    /** CLOSE_CHANNEL as asked, its refusal thrown (what {@link #closeEnd} sends; tests send bad ones). */
    synchronized void closeEndChecked(final int channelId, final int end)
    {
        checkOpen();
        command.putInt(CHANNEL_ID_OFFSET, channelId);
        command.putInt(END_OFFSET, end);
        request(CLOSE_CHANNEL, CLOSE_CHANNEL_LENGTH, ON_CHANNEL_CLOSED, 0, "close channel " + channelId + " end " +
            end);
    }

    /**
     * @return whether the kernel runs, as its file says now.
     */
    public boolean isKernelRunning()
    {
        try
        {
            return status().isRunning();
        }
        catch (final KernelGoneException ex)
        {
            return false;
        }
    }

    /**
     * Whether the kernel this client attached to still serves, judged without allocating or locking (for channel
     * ends that found nothing to do, at a bounded rate): the file says running, its pid is the one attached to and
     * that process is alive, and both the kernel's and its conductor's heartbeats are younger than the timeout.
     * {@link #kernelGone} says why not.
     *
     * @return true while the kernel serves.
     */
    boolean kernelBeating()
    {
        try
        {
            final long nowMs = System.currentTimeMillis();
            return MachineFileDescriptor.stateVolatile(header) == MachineFileDescriptor.STATE_RUNNING &&
                header.getLong(MachineFileDescriptor.KERNEL_PID_OFFSET) == kernelPid &&
                nowMs - MachineFileDescriptor.heartbeatVolatile(header) <= timeoutMs &&
                nowMs - ring.consumerHeartbeatTime() <= timeoutMs &&
                kernelProcess != null && kernelProcess.isAlive();
        }
        catch (final InternalError ex)
        {
            return false; // the mapped file shrank under the client: no kernel keeps it
        }
    }

    /**
     * Explains a false {@link #kernelBeating()} (this allocates: once, on the way out).
     *
     * @param what the end that found it, e.g. "channel 7: the receiver".
     * @return the exception to throw.
     */
    KernelGoneException kernelGone(final String what)
    {
        final MachineStatus status;
        try
        {
            status = status();
        }
        catch (final KernelGoneException ex)
        {
            return new KernelGoneException(what + ": " + ex.getMessage(), null);
        }
        final String why;
        if (!status.isRunning())
        {
            why = status.describe();
        }
        else if (status.pid() != kernelPid)
        {
            why = "kernel pid " + kernelPid + " attached to is gone; pid " + status.pid() + " runs the file now";
        }
        else if (kernelProcess == null || !kernelProcess.isAlive())
        {
            why = "kernel pid " + kernelPid + " is not alive";
        }
        else
        {
            why = "its conductor's heartbeat is " + (status.nowMs() - ring.consumerHeartbeatTime()) +
                " ms old (timeout " + timeoutMs + " ms)";
        }
        return new KernelGoneException(what + ": the kernel in " + file + " is gone (" + why + ")", status);
    }

    private MachineStatus status()
    {
        try
        {
            if (channel.size() < length)
            {
                throw new KernelGoneException(file + ": the machine file shrank under the client", null);
            }
            return MachineReader.statusOf(header, System.currentTimeMillis());
        }
        catch (final IOException | InternalError ex)
        {
            throw new KernelGoneException(file + ": cannot read the machine file: " + ex, null);
        }
    }

    private void checkKernel(final String what)
    {
        final MachineStatus status = status();
        if (!status.isRunning())
        {
            throw new KernelGoneException(what + ": no kernel runs in " + file + " (" + status.describe() + ")",
                status);
        }
        // The conductor beats in the ring's trailer every tenth of the timeout; a kernel without one never does.
        final long conductorAgeMs = status.nowMs() - ring.consumerHeartbeatTime();
        if (conductorAgeMs > timeoutMs)
        {
            throw new KernelGoneException(what + ": the kernel in " + file + " runs but serves no client processes " +
                "(its conductor's heartbeat is " + conductorAgeMs + " ms old; start it with `barge kernel`)", status);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the client is closed");
        }
    }

    /**
     * Writes {@code command} (its body already in place) and waits for the answer.
     *
     * @return the answer's value: the client id for an attach, else the int after the header.
     */
    private int request(final int type, final int commandLength, final int answer, final long pid,
        final String what)
    {
        drain(); // old broadcasts are not ours: start waiting from the newest
        final boolean attach = type == CLIENT_ATTACH;
        if (attach)
        {
            // Random, not the ring's counter: a hostile client could rewind that onto another's attach.
            nextCorrelationId = ThreadLocalRandom.current().nextLong(1, 1L << 62);
        }
        final long correlationId = nextCorrelationId++;
        putHeader(command, correlationId, attach ? 0 : clientId);
        if (attach)
        {
            command.putLong(PID_OFFSET, pid);
        }
        final int sendLength = attach ? commandLength : commandLength + MAC_LENGTH;
        if (!attach)
        {
            sign(type, command, commandLength);
        }
        awaitedCorrelationId = correlationId;
        awaitedClientId = attach ? 0 : clientId;
        answerType = 0;
        resetsSeen = 0;
        long deadline = System.nanoTime() + responseTimeoutNs;
        long nextCheck = System.nanoTime() + LIVENESS_CHECK_NS;
        boolean written = false;
        int attempt = 0;
        int resetsHandled = 0;
        idle.reset();
        while (true)
        {
            if (!written)
            {
                written = ring.write(type, command, 0, sendLength);
            }
            if (written && receive() > 0 && answerType != 0)
            {
                idle.reset();
                break;
            }
            final long now = System.nanoTime();
            if (written && resetsSeen > resetsHandled)
            {
                // Read after the write, so they may predate it: a needless re-send is answered again, not redone.
                if (attempt == MAX_RETRIES)
                {
                    throw new CommandLostException(resetsSeen, what + ": the kernel in " + file + " reset its " +
                        "command ring " + resetsSeen + " times while the command waited (its reset #" + lastResets +
                        " last; re-sent " + attempt + " times): another process is writing garbage into it");
                }
                resetsHandled = resetsSeen;
                command.putInt(ATTEMPT_OFFSET, ++attempt);
                written = ring.write(type, command, 0, sendLength);
                deadline = now + responseTimeoutNs;
                continue;
            }
            if (now - nextCheck >= 0)
            {
                checkKernel(what);
                nextCheck = now + LIVENESS_CHECK_NS;
            }
            if (now - deadline >= 0)
            {
                throw new MachineClientException(what + ": " + (written ? "no answer" : "the command ring stayed " +
                    "full") + " within " + TimeUnit.NANOSECONDS.toMillis(responseTimeoutNs) + " ms from the kernel " +
                    "in " + file);
            }
            idle.idle();
        }
        if (answerType == ON_ERROR)
        {
            throw new KernelRefusedException(answerValue, what + " refused: " + errorName(answerValue) + ": " +
                answerMessage + (timedOut ? " (the kernel timed this client out earlier)" : ""));
        }
        if (answerType != answer)
        {
            throw new MachineClientException(what + ": the kernel answered with type " + answerType +
                ", expected " + answer);
        }
        return answerValue;
    }

    /** Puts the MAC after a command of {@code length} bytes (its Attempt, changed by re-sends, is not covered). */
    private void sign(final int type, final UnsafeBuffer buffer, final int length)
    {
        buffer.putLong(length, CommandMac.tag(k0, k1, type, buffer, length), ByteOrder.LITTLE_ENDIAN);
    }

    private int receive()
    {
        try
        {
            return receiver.receive(onMessage);
        }
        catch (final IllegalStateException ex)
        {
            return 0; // lapped while copying: the answer may be lost, and the deadline says so
        }
    }

    private void drain()
    {
        awaitedCorrelationId = NULL_ID;
        for (int i = 0; i < 1_000_000 && receive() > 0; i++)
        {
            // bounded: the kernel may be broadcasting faster than this reads
        }
    }

    /** On a private copy of one broadcast; the kernel is trusted, its lengths still checked before any read. */
    private void onMessage(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return;
        }
        final long correlationId = buffer.getLong(index + CORRELATION_ID_OFFSET);
        final int messageClient = buffer.getInt(index + CLIENT_ID_OFFSET);
        if (type == ON_CLIENT_TIMEOUT && messageClient == clientId)
        {
            timedOut = true;
        }
        if (type == ON_COMMAND_RING_RESET && awaitedCorrelationId != NULL_ID && length >= ONE_INT_LENGTH)
        {
            resetsSeen++;
            lastResets = buffer.getInt(index + RESETS_OFFSET);
            return;
        }
        // An attach's answer names the new client (its error, the 0 it was sent with); ids are each client's own.
        if (correlationId != awaitedCorrelationId || answerType != 0 ||
            (type == ON_ATTACHED ? awaitedClientId != 0 : messageClient != awaitedClientId))
        {
            return;
        }
        if (type == ON_ERROR && length >= ERROR_MESSAGE_OFFSET)
        {
            final int textLength = buffer.getInt(index + ERROR_MESSAGE_LENGTH_OFFSET);
            answerValue = buffer.getInt(index + ERROR_CODE_OFFSET);
            answerMessage = textLength >= 0 && textLength <= length - ERROR_MESSAGE_OFFSET ?
                buffer.getStringWithoutLengthAscii(index + ERROR_MESSAGE_OFFSET, textLength) : "(no message)";
            answerType = ON_ERROR;
        }
        else if (type == ON_ATTACHED && length >= ATTACHED_LENGTH)
        {
            answerKey.putBytes(0, buffer, index + ATTACHED_PUBLIC_KEY_OFFSET, PUBLIC_KEY_LENGTH);
            answerValue = messageClient;
            answerType = type;
        }
        else if (length >= ONE_INT_LENGTH)
        {
            answerValue = buffer.getInt(index + HEADER_LENGTH);
            answerType = type;
        }
    }

    /**
     * Detaches (the kernel destroys this client's domains) if the kernel still runs, stops the keepalives and closes
     * the file. Idempotent; never throws for a kernel that is gone.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        heartbeat.shutdownNow();
        try
        {
            heartbeat.awaitTermination(10, TimeUnit.SECONDS);
            if (isKernelRunning())
            {
                request(CLIENT_DETACH, HEADER_LENGTH, ON_DETACHED, 0, "detach");
            }
        }
        catch (final MachineClientException ex)
        {
            // gone or refused (e.g. timed out already): there is nothing left to detach
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            MachineReader.closeQuietly(channel);
            MachineReader.closeQuietly(memoryChannel);
        }
    }
}

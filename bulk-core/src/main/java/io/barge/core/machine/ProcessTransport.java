package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static io.barge.core.machine.MachineFileDescriptor.MEMORY_FILE_NAME;

/**
 * The transport SPI over channels between processes, through an attached {@link MachineClient}: the same
 * {@link io.barge.core.transport.Sender} and {@link io.barge.core.transport.Receiver} a program writes for the
 * in-process transports, over four kinds of process channel, {@code "rbufs"} (zero copy: a claim and a message
 * are views of a buffer of the channel's data area), {@code "fbufs"} (zero copy: a claim is the start of a run of
 * fbufs, only its aggregate's root crosses, and a message is the aggregate the receiver walked, its leaves views of
 * the fbufs; cached, volatile and integrated, {@link FbufsChannelDescriptor}), {@code "xen"} (a Xen device channel,
 * {@link XenChannelDescriptor}: the sender is the front end and writes each message into pages it granted to the
 * receiver, the back end, which reads them through the kernel's grant operations; see {@link #GRANTS} for the
 * modes) and {@code "ring"} (records in a ring: a claim is the next record's payload, a message a view of it). Open
 * one by name:
 * {@code ProcessTransport.open(client, "rbufs")}.
 * <p>
 * <b>Domains.</b> An end's {@code domain()} is an in-JVM {@link Domain}, which a client process does not have of the
 * kernel's; so each domain this transport makes ({@link #createDomain}: the kernel's domain, owned by the client) has
 * a local stand-in in this process, of the same name, whose address space maps only the frames of its channels'
 * ends ({@link ClientMachineView}). The stand-in is not the kernel's domain: its id is this process's, it cannot
 * allocate frames, and destroying it does not destroy the kernel's (close the transport, or the client, for that).
 * <p>
 * <b>Channels.</b> {@link #open(Domain, Domain, ChannelConfig)} makes a channel between two domains of this transport
 * and opens both ends; between processes, the process that owns one domain makes the channel with
 * {@link #createChannel(int, int, ChannelConfig)} (kernel domain ids) and each process opens the ends it owns with
 * {@link #openChannel(int)} (the other end's accessor then says it is another process's). Capacity is exact and is a
 * property of the channel's layout, so both processes know it: an Rbufs channel has {@code capacity} buffers, an
 * fbufs channel {@code capacity} runs of fbufs, each holding the longest message and its nodes; a ring holds twice
 * {@code capacity} of the longest records ({@link #ringCapacity}). A capacity the layout cannot
 * give exactly (it must be a power of two, at least 2, the area whole frames) is refused.
 * <p>
 * What does not carry over: no {@link io.barge.core.transport.Capability#RESPONSES}, no zero-copy forward (a forward
 * copies into the next channel's buffer), no paths set up along several domains (a path is its hops), and the
 * notification choice of {@link ChannelConfig} is ignored (every kind is polled, as UMP is); fbufs have no
 * non-volatile or uncached mode (raising protection and mapping per send need a kernel on the data path), and a
 * message's fbufs are consecutive ones of one run. A peer that closed or
 * died is {@link PeerGoneException}, a peer that broke the protocol {@link io.barge.core.ProtocolViolationException}
 * (that channel only, for good: as the SPI says), a kernel that is gone {@link KernelGoneException}, all typed; a closed channel is {@link io.barge.core.ChannelClosedException}.
 * <p>
 * Threads: one thread per end, as for every transport; {@link Channel#close()} from any thread. The transport's own
 * calls (domains, channels) are synchronised.
 */
public final class ProcessTransport implements Transport
{
    /** The zero-copy kind. */
    public static final String RBUFS = "rbufs";
    /** The ring kind. */
    public static final String RING = "ring";
    /** The fbufs kind: zero copy, aggregates of fbufs whose roots cross ({@link FbufsChannelDescriptor}). */
    public static final String FBUFS = "fbufs";
    /** The Xen device channel kind. */
    public static final String XEN = "xen";
    /**
     * The {@link #XEN} kind's option: how the back end reaches the front end's pages, {@code persistent} (default)
     * or {@code copy}. Both cross processes because the grant operations they need are the kernel process's
     * (GRANT_OP, {@link XenGrantOps}), on a grant table and pages in the machine file:
     * <ul>
     *   <li>{@code persistent}: the front end grants every page of its pool once, at open; the back end asks the
     *       kernel to map each reference the first time a request names it and keeps it mapped, so that from then
     *       on nothing is asked of the kernel per message: a message is read in place, zero copy. The pool is mapped
     *       read-only into the back end's process at open (a process maps the file, not single grants), and no page
     *       is read before the kernel validated and counted its map.</li>
     *   <li>{@code copy}: the front end grants a message's pages at its commit and ends the grants when the response
     *       comes; the back end asks the kernel to grant-copy them into its private copy buffer, a round trip to
     *       the kernel process per message (the cost persistent grants remove); a message is a view of that copy,
     *       which the front end cannot change.</li>
     * </ul>
     * The in-process transport's third mode, {@code map} (a grant map and unmap per message), is not offered: it
     * would cost the copy mode's round trip and two page-table updates per message, and a process cannot map a
     * single grant of the file by itself any more than it can the pool.
     */
    public static final String GRANTS = "grants";

    private final MachineClient client;
    private final String kind;
    private final int channelKind;
    /** {@link XenChannelDescriptor#MODE_PERSISTENT} or {@code MODE_COPY} for the xen kind, else 0. */
    private final int kindOption;
    private final TransportOptions options;
    private final String name;
    private final ClientMachineView view;
    private final Map<Integer, Domain> byKernelId = new HashMap<>();
    private final Map<Domain, Integer> kernelIds = new IdentityHashMap<>();
    private final List<ProcessSpiChannel> channels = new ArrayList<>();
    private boolean closed;
    /** The view goes only once every channel is released: an end still inside a call may read through it. */
    private boolean viewClosed;

    private ProcessTransport(final MachineClient client, final String kind, final Map<String, String> values)
    {
        this.client = client;
        this.kind = kind;
        this.channelKind = RBUFS.equals(kind) ? ProcessChannelDescriptor.KIND_RBUFS : FBUFS.equals(kind) ?
            ProcessChannelDescriptor.KIND_FBUFS : XEN.equals(kind) ? ProcessChannelDescriptor.KIND_XEN :
            ProcessChannelDescriptor.KIND_RING;
        this.name = "process-" + kind;
        this.options = TransportOptions.parse(name, XEN.equals(kind) ? XEN_OPTIONS : List.<OptionSpec>of(), values);
        this.kindOption = XEN.equals(kind) && COPY.equals(options.getString(GRANTS)) ?
            XenChannelDescriptor.MODE_COPY : XenChannelDescriptor.MODE_PERSISTENT;
        this.view = new ClientMachineView(client.file().resolveSibling(MEMORY_FILE_NAME));
    }

    private static final String PERSISTENT = "persistent";
    private static final String COPY = "copy";
    private static final List<OptionSpec> XEN_OPTIONS = List.of(OptionSpec.ofEnum(GRANTS, List.of(PERSISTENT, COPY),
        PERSISTENT, "persistent: pages granted once and mapped on first use; copy: the kernel grant-copies each " +
        "message into the back end's private pages"));

    /**
     * @param client an attached client; it stays the caller's to close (after this transport).
     * @param kind   {@link #RBUFS}, {@link #FBUFS}, {@link #RING} or {@link #XEN} (with its default options).
     * @return the transport.
     * @throws IllegalArgumentException if the kind is none of them.
     * @throws io.barge.core.MemoryFileFormatException if the kernel's memory file fails its header check.
     */
    public static ProcessTransport open(final MachineClient client, final String kind)
    {
        return open(client, kind, Map.of());
    }

    /**
     * @param client  an attached client; it stays the caller's to close (after this transport).
     * @param kind    {@link #RBUFS}, {@link #FBUFS}, {@link #RING} or {@link #XEN}.
     * @param options the kind's options: {@link #GRANTS} for {@link #XEN}; none for the others.
     * @return the transport.
     * @throws IllegalArgumentException if the kind is none of them, or an option is not the kind's.
     * @throws io.barge.core.MemoryFileFormatException if the kernel's memory file fails its header check.
     */
    public static ProcessTransport open(final MachineClient client, final String kind,
        final Map<String, String> options)
    {
        if (!RBUFS.equals(kind) && !FBUFS.equals(kind) && !RING.equals(kind) && !XEN.equals(kind))
        {
            throw new IllegalArgumentException("process transport kind=" + kind + " must be " + RBUFS + ", " + FBUFS +
                ", " + RING + " or " + XEN);
        }
        return new ProcessTransport(client, kind, options);
    }

    /**
     * The capacity of a ring channel in messages, from its sizes alone: the ring holds twice {@code capacity} of
     * the longest records, each rounded up to a power of two.
     *
     * @param ringBytes        the ring's bytes.
     * @param maxMessageLength the longest message.
     * @return the capacity.
     */
    public static int ringCapacity(final int ringBytes, final int maxMessageLength)
    {
        return ringBytes / ringBytesPerMessage(maxMessageLength);
    }

    private static int ringBytesPerMessage(final int maxMessageLength)
    {
        return 2 * BitUtil.findNextPositivePowerOfTwo(ProcessChannelDescriptor.maxRecordLength(maxMessageLength));
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public TransportOptions options()
    {
        return options;
    }

    /**
     * Asks the kernel for a domain owned by the client and makes its local stand-in.
     *
     * @param domainName the domain's name.
     * @return the stand-in, for {@link #open(Domain, Domain, ChannelConfig)} and the ends' {@code domain()}.
     * @throws KernelRefusedException if the kernel refuses the name.
     */
    public synchronized Domain createDomain(final String domainName)
    {
        checkOpen();
        final int id = client.createDomain(domainName);
        final Domain local = view.createDomain(domainName);
        byKernelId.put(id, local);
        kernelIds.put(local, id);
        return local;
    }

    /**
     * @param domain a stand-in this transport made.
     * @return the kernel's id of the domain it stands for.
     * @throws IllegalArgumentException if this transport did not make it.
     */
    public synchronized int kernelDomainId(final Domain domain)
    {
        final Integer id = kernelIds.get(domain);
        if (id == null)
        {
            throw new IllegalArgumentException(name + ": domain " + domain + " is not one of this transport's");
        }
        return id;
    }

    /**
     * Makes a channel from one domain to another, one of them this client's, and opens the ends this process owns.
     *
     * @param sender   originating domain, a stand-in of this transport.
     * @param receiver receiving domain, a stand-in of this transport.
     * @param config   sizes (see the class comment for the capacity).
     * @return the channel.
     * @throws IllegalArgumentException if a domain is not this transport's, or the sizes do not fit the layout.
     */
    @Override
    public Channel open(final Domain sender, final Domain receiver, final ChannelConfig config)
    {
        return openChannel(createChannel(kernelDomainId(sender), kernelDomainId(receiver), config));
    }

    /**
     * Asks the kernel for a channel, from and to kernel domain ids (one must be this client's); the peer process
     * opens its end with {@link #openChannel(int)} of the id.
     *
     * @param senderDomain   the kernel's sending domain id.
     * @param receiverDomain the kernel's receiving domain id.
     * @param config         sizes.
     * @return the channel's id.
     * @throws IllegalArgumentException if the capacity does not fit the layout.
     * @throws KernelRefusedException   if the kernel refuses (unknown domain, not the owner, no frames).
     */
    public synchronized int createChannel(final int senderDomain, final int receiverDomain, final ChannelConfig config)
    {
        checkOpen();
        // The kind word carries the kind's option in its high half (ControlProtocolDescriptor).
        return client.createChannel(senderDomain, receiverDomain, config.maxMessageLength(), areaBytes(config),
            channelKind | kindOption << 16);
    }

    private int areaBytes(final ChannelConfig config)
    {
        final int capacity = config.capacity();
        final int max = config.maxMessageLength();
        if (channelKind == ProcessChannelDescriptor.KIND_XEN)
        {
            return xenPoolBytes(capacity, max);
        }
        final boolean fbufs = channelKind == ProcessChannelDescriptor.KIND_FBUFS;
        final long bytes = channelKind == ProcessChannelDescriptor.KIND_RBUFS ?
            (long)capacity * RbufsChannelDescriptor.stride(max) : fbufs ?
            (long)capacity * FbufsChannelDescriptor.stride(max, view.frameSize()) :
            (long)capacity * ringBytesPerMessage(max);
        final String broken = capacity < 2 || Integer.bitCount(capacity) != 1 ? "capacity must be a power of two >= 2" :
            bytes > Integer.MAX_VALUE ? "too large" : channelKind == ProcessChannelDescriptor.KIND_RBUFS ?
            RbufsChannelDescriptor.checkSizes((int)bytes, max, view.frameSize()) : fbufs ?
            FbufsChannelDescriptor.checkSizes((int)bytes, max, view.frameSize()) :
            ProcessChannelDescriptor.checkSizes((int)bytes, max, view.frameSize());
        if (broken != null)
        {
            throw new IllegalArgumentException(name + ": capacity=" + capacity + " maxMessageLength=" + max +
                " does not fit the channel's layout (" + bytes + " bytes of " +
                (channelKind == ProcessChannelDescriptor.KIND_RBUFS ? "data area" : fbufs ? "fbuf region" : "ring") +
                "): " + broken);
        }
        return (int)bytes;
    }

    private int xenPoolBytes(final int capacity, final int max)
    {
        final long bytes = (long)capacity * XenChannelDescriptor.stride(Math.max(1, max), view.frameSize());
        final String broken = bytes > Integer.MAX_VALUE ? "too large" :
            XenChannelDescriptor.checkSizes((int)bytes, max, view.frameSize(), kindOption);
        if (broken != null)
        {
            throw new IllegalArgumentException(name + ": capacity=" + capacity + " maxMessageLength=" + max +
                " does not fit the channel's layout (" + bytes + " bytes of pool): " + broken);
        }
        return (int)bytes;
    }

    /**
     * Opens the ends of a channel whose domains this transport made (one or both).
     *
     * @param channelId the id {@link #createChannel} returned, here or in the peer process.
     * @return the channel; an end this process does not own throws {@link IllegalStateException} from its
     *         accessor.
     * @throws IllegalStateException if no open channel of this kind has the id, or neither end is this transport's.
     */
    public synchronized Channel openChannel(final int channelId)
    {
        checkOpen();
        final MachineClient.ChannelInfo info = client.channelInfo(channelId);
        if (info == null)
        {
            throw new IllegalStateException(name + ": no open channel has id " + channelId);
        }
        final Domain senderDomain = byKernelId.get(info.senderDomain());
        final Domain receiverDomain = byKernelId.get(info.receiverDomain());
        if (senderDomain == null && receiverDomain == null)
        {
            throw new IllegalStateException(name + ": neither end of channel " + channelId + " (domains " +
                info.senderDomain() + " -> " + info.receiverDomain() + ") is a domain of this transport");
        }
        final ProcessSpiChannel channel = new ProcessSpiChannel(this, channelId);
        try
        {
            if (senderDomain != null)
            {
                channel.sender = openEnd(channelId, true, senderDomain);
            }
            if (receiverDomain != null)
            {
                channel.receiver = openEnd(channelId, false, receiverDomain);
            }
        }
        catch (final RuntimeException ex)
        {
            channel.close();
            throw ex;
        }
        channels.add(channel);
        return channel;
    }

    private ProcessChannelEnd openEnd(final int channelId, final boolean sender, final Domain domain)
    {
        final AtomicBuffer[][] views = new AtomicBuffer[1][];
        final ChannelEntry entry = client.openEnd(channelId, sender, channelKind, views);
        if (channelKind == ProcessChannelDescriptor.KIND_XEN)
        {
            return openXenEnd(entry, sender, domain, views[0]);
        }
        final int frameSize = view.frameSize();
        final int dataFrames = entry.capacity / frameSize;
        final int firstDataFrame = entry.firstFrame + entry.frameCount - dataFrames;
        final long base = view.map(domain, firstDataFrame, dataFrames, sender ? Rights.READ_WRITE : Rights.READ);
        final SpiEndState spi = new SpiEndState(domain, base, dataFrames, name, sender ? "sender" : "receiver");
        final AtomicBuffer table = client.channelTable();
        if (channelKind == ProcessChannelDescriptor.KIND_FBUFS)
        {
            return sender ? new FbufsSpiSender(client, entry, views[0], table, spi, frameSize) :
                new FbufsSpiReceiver(client, entry, views[0], table, spi, frameSize);
        }
        if (channelKind == ProcessChannelDescriptor.KIND_RBUFS)
        {
            return sender ? new RbufsSpiSender(client, entry, views[0], table, spi) :
                new RbufsSpiReceiver(client, entry, views[0], table, spi);
        }
        return sender ? new RingSpiSender(client, entry, views[0], table, spi) :
            new RingSpiReceiver(client, entry, views[0], table, spi);
    }

    private ProcessChannelEnd openXenEnd(final ChannelEntry entry, final boolean sender, final Domain domain,
        final AtomicBuffer[] views)
    {
        final int frameSize = view.frameSize();
        final int poolFrame = entry.firstFrame +
            XenChannelDescriptor.poolFrame(entry.capacity, entry.maxMessageLength, frameSize);
        final int pages = entry.capacity / frameSize;
        // The front end's pool, or the back end's pages: the pool (persistent) or its copy area after it (copy).
        final int first = sender || entry.kindOption == XenChannelDescriptor.MODE_PERSISTENT ? poolFrame :
            poolFrame + pages;
        final long base = view.map(domain, first, pages, sender ? Rights.READ_WRITE : Rights.READ);
        final SpiEndState spi = new SpiEndState(domain, base, pages, name, sender ? "sender" : "receiver");
        final AtomicBuffer table = client.channelTable();
        return sender ? new XenSpiSender(client, entry, views, table, spi, frameSize, poolFrame) :
            new XenSpiReceiver(client, entry, views, table, spi, frameSize);
    }

    /** The private kernel of the local view, for the channels' teardown deferrals. */
    Kernel kernel()
    {
        return view.kernel();
    }

    /** Called by a channel's release: unmaps an end's range from its stand-in. */
    void unmap(final SpiEndState spi)
    {
        synchronized (this)
        {
            if (!viewClosed)
            {
                view.unmap(spi.domain, spi.base, spi.frames);
            }
        }
    }

    /** Called by a channel's release, on whichever thread ran it: the last one of a closed transport drops the view. */
    synchronized void closed(final ProcessSpiChannel channel)
    {
        channels.remove(channel);
        closeViewIfDone();
    }

    private void closeViewIfDone()
    {
        if (closed && channels.isEmpty() && !viewClosed)
        {
            viewClosed = true;
            view.close();
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(name + " is closed");
        }
    }

    /**
     * Closes every channel still open (abortively) and drops the local view once every channel is released: at once
     * if their ends ran on this thread or on threads that have ended, else when the last end still running makes its
     * next call (which sees its channel closed). The client stays attached, and the kernel's domains stay its (destroy
     * them through the client, or close it).
     */
    @Override
    public void close()
    {
        final List<ProcessSpiChannel> open;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true; // no channel opens from here
            open = new ArrayList<>(channels);
        }
        for (final ProcessSpiChannel channel : open)
        {
            channel.close();
        }
        synchronized (this)
        {
            closeViewIfDone();
        }
    }
}

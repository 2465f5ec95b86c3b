package io.barge.core.machine;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.core.machine.XenChannelDescriptor.*;

/**
 * The hypervisor's grant operations on a Xen channel between processes ({@link XenChannelDescriptor}), run by the
 * kernel process's conductor for the channel's back end (GRANT_OP): the privileged half of the Xen protocol, which
 * neither end may do for itself. Every use of a grant reads the front end's entry once, checks it (in the table,
 * permitted, granted to the channel's receiver domain, read-only), marks it in use with a compare-and-set, and only
 * then reads its frame once and checks it is the pool page the reference names; a failure changes nothing and is
 * refused. Counted on the receiver's domain, under the in-process grant tables' ids (grant maps, copies, unmaps,
 * errors), with the page-table updates a map and an unmap make and the bytes a copy moves.
 * <ul>
 *   <li>MAP (persistent mode): the reference stays mapped, its {@link XenChannelDescriptor#GTF_READING} set, until
 *       the channel is freed ({@link #release}); mapping one twice is refused. The kernel keeps its own record of
 *       what is mapped ({@link ActiveGrants}): the front end can rewrite the shared bits, not this.</li>
 *   <li>COPY (copy mode): each segment is copied from its granted page into the back end's copy buffer
 *       {@code destination}, in order, contiguously; the in-use bit is set for the copy and cleared after.</li>
 * </ul>
 * The conductor's thread alone uses it.
 */
final class XenGrantOps
{
    /** Grants mapped, as the grant tables' counter. */
    static final CounterType GRANT_MAPS = CounterType.register(24, "GRANT_MAPS", "grant maps");
    /** Grants unmapped. */
    static final CounterType GRANT_UNMAPS = CounterType.register(25, "GRANT_UNMAPS", "grant unmaps");
    /** Grant copies. */
    static final CounterType GRANT_COPIES = CounterType.register(26, "GRANT_COPIES", "grant copies");
    /** Grant operations refused. */
    static final CounterType GRANT_ERRORS = CounterType.register(29, "GRANT_ERRORS", "grant operation errors");

    /** The kernel's private record of a channel's persistent maps (Xen's active grant table, reduced to a bit). */
    static final class ActiveGrants
    {
        final boolean[] mapped;
        int mappedCount;

        ActiveGrants(final int poolPages)
        {
            mapped = new boolean[FIRST_REF + poolPages];
        }
    }

    private final Kernel kernel;
    private final int frameSize;
    private final UnsafeBuffer entryFrame = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer destination = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer ringFrame = new UnsafeBuffer(0, 0);
    /** The segments of the command in hand, copied once. */
    private final long[] segments = new long[MAX_SEGMENTS];
    private String refused;

    XenGrantOps(final Kernel kernel)
    {
        this.kernel = kernel;
        this.frameSize = kernel.memory().frameSize();
    }

    /**
     * Lays out a new channel's ring and grant table header (its header frame is written already) and gives it its
     * record of maps.
     *
     * @param channel the channel, its frames allocated and zeroed.
     */
    void layout(final ChannelEntry channel)
    {
        final int max = channel.maxMessageLength;
        final int grantFrame = channel.firstFrame + XenChannelDescriptor.grantFrame(channel.capacity, max, frameSize);
        kernel.wrapFrame(ringFrame, channel.firstFrame + RING_FRAME);
        kernel.wrapFrame(entryFrame, grantFrame);
        final int poolPages = channel.capacity / frameSize;
        XenChannelDescriptor.init(ringFrame, bufferCount(channel.capacity, max, frameSize), entryFrame,
            FIRST_REF + poolPages);
        channel.activeGrants = new ActiveGrants(poolPages);
    }

    /**
     * Runs a GRANT_OP whose caller is the channel's receiver, its end open.
     *
     * @param channel     a Xen channel.
     * @param command     the command (a private copy).
     * @return the references mapped or the bytes copied; -1 if refused, {@link #refused()} saying why.
     */
    int execute(final ChannelEntry channel, final UnsafeBuffer command)
    {
        final int op = command.getInt(ControlProtocolDescriptor.GRANT_OP_CODE_OFFSET);
        final int target = command.getInt(ControlProtocolDescriptor.GRANT_DESTINATION_OFFSET);
        final int count = command.getInt(ControlProtocolDescriptor.GRANT_SEGMENT_COUNT_OFFSET);
        final int buffers = bufferCount(channel.capacity, channel.maxMessageLength, frameSize);
        final int perBuffer = pagesPerBuffer(channel.maxMessageLength, frameSize);
        final int wanted = channel.kindOption == MODE_PERSISTENT ? ControlProtocolDescriptor.GRANT_MAP :
            ControlProtocolDescriptor.GRANT_COPY;
        if (op != wanted)
        {
            return refuse(channel, "op=" + op + " is not this " + (wanted == ControlProtocolDescriptor.GRANT_MAP ?
                "persistent channel's MAP (" : "copy channel's COPY (") + wanted + ")");
        }
        if (count < 1 || count > perBuffer || (op == ControlProtocolDescriptor.GRANT_COPY &&
            (target < 0 || target >= buffers)))
        {
            return refuse(channel, "segmentCount=" + count + " destination=" + target + " must be in [1, " +
                perBuffer + "] and [0, " + buffers + ")");
        }
        for (int i = 0; i < count; i++)
        {
            segments[i] = command.getLong(ControlProtocolDescriptor.GRANT_SEGMENTS_OFFSET + i * Long.BYTES);
        }
        return op == ControlProtocolDescriptor.GRANT_MAP ? map(channel, count) : copy(channel, count, target, perBuffer);
    }

    /**
     * @return why the last {@link #execute} refused.
     */
    String refused()
    {
        return refused;
    }

    private int map(final ChannelEntry channel, final int count)
    {
        final ActiveGrants active = channel.activeGrants;
        for (int i = 0; i < count; i++)
        {
            final int ref = segmentRef(segments[i]);
            if (ref >= FIRST_REF && ref < active.mapped.length && active.mapped[ref])
            {
                return unwindMaps(channel, i, "ref=" + ref + " is mapped already");
            }
            final String bad = acquire(channel, ref);
            if (bad != null)
            {
                return unwindMaps(channel, i, bad);
            }
            active.mapped[ref] = true;
            active.mappedCount++;
        }
        final Domain back = receiverDomain(channel);
        back.count(GRANT_MAPS, count);
        back.count(CounterType.PAGE_TABLE_UPDATES, count);
        return count;
    }

    /** Undoes the first {@code done} maps of the command in hand, then refuses it. */
    private int unwindMaps(final ChannelEntry channel, final int done, final String why)
    {
        for (int i = 0; i < done; i++)
        {
            final int ref = segmentRef(segments[i]);
            channel.activeGrants.mapped[ref] = false;
            channel.activeGrants.mappedCount--;
            clearReading(entry(channel, ref), entryInFrame(ref));
        }
        return refuse(channel, why);
    }

    private int copy(final ChannelEntry channel, final int count, final int target, final int perBuffer)
    {
        final int copyArea = channel.firstFrame + poolFrame(channel.capacity, channel.maxMessageLength, frameSize) +
            channel.capacity / frameSize;
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            final long word = segments[i];
            final int ref = segmentRef(word);
            final int start = segmentStart(word);
            final int length = segmentLength(word);
            if (length < 1 || start + length > frameSize)
            {
                return refuse(channel, "segment " + i + " {ref=" + ref + " offset=" + start + " length=" + length +
                    "} does not lie inside its page of " + frameSize + " bytes");
            }
            final String bad = acquire(channel, ref);
            if (bad != null)
            {
                return refuse(channel, bad);
            }
            kernel.wrapFrame(source, poolFrameOf(channel, ref));
            int done = 0;
            while (done < length)
            {
                // The copy buffer's pages are contiguous in the file but wrapped a frame at a time.
                final int page = target * perBuffer + (at + done) / frameSize;
                final int inPage = (at + done) % frameSize;
                final int piece = Math.min(length - done, frameSize - inPage);
                kernel.wrapFrame(destination, copyArea + page);
                destination.putBytes(inPage, source, start + done, piece);
                done += piece;
            }
            at += length;
            clearReading(entry(channel, ref), entryInFrame(ref));
        }
        final Domain back = receiverDomain(channel);
        back.count(GRANT_COPIES, count);
        back.count(CounterType.BYTES_COPIED, at);
        return at;
    }

    /**
     * The acquire protocol: the entry read once and checked, marked in use, then its frame read once and checked.
     *
     * @return null once the entry is marked in use, else why not (nothing changed).
     */
    private String acquire(final ChannelEntry channel, final int ref)
    {
        if (ref < FIRST_REF || ref >= FIRST_REF + channel.capacity / frameSize)
        {
            return "ref=" + ref + " is not in the channel's grant table [" + FIRST_REF + ", " +
                (FIRST_REF + channel.capacity / frameSize) + ")";
        }
        final UnsafeBuffer table = entry(channel, ref);
        final int entry = entryInFrame(ref);
        final long status = statusAcquire(table, entry);
        final int flags = flags(status);
        final int expected = GTF_PERMIT_ACCESS | GTF_READONLY;
        if ((flags & ~(GTF_READING | GTF_WRITING)) != expected || domain(status) != channel.receiverDomain ||
            (flags & (GTF_READING | GTF_WRITING)) != 0)
        {
            return "ref=" + ref + " status flags=0x" + Integer.toHexString(flags) + " domain=" + domain(status) +
                " is not a read-only grant to domain " + channel.receiverDomain + " out of use";
        }
        if (!compareAndSetStatus(table, entry, status, status | GTF_READING))
        {
            return "ref=" + ref + " changed while the kernel used it (the front end rewrote its entry)";
        }
        final int frame = XenChannelDescriptor.frame(table, entry);
        if (frame != poolFrameOf(channel, ref))
        {
            clearReading(table, entry);
            return "ref=" + ref + " grants frame " + frame + ", not its pool page's frame " + poolFrameOf(channel, ref);
        }
        return null;
    }

    /**
     * The channel is freed: every persistent map is undone (counted), its in-use bit cleared.
     *
     * @param channel a Xen channel whose ends are both gone.
     */
    void release(final ChannelEntry channel)
    {
        final ActiveGrants active = channel.activeGrants;
        if (active == null || active.mappedCount == 0)
        {
            return;
        }
        for (int ref = FIRST_REF; ref < active.mapped.length; ref++)
        {
            if (active.mapped[ref])
            {
                active.mapped[ref] = false;
                clearReading(entry(channel, ref), entryInFrame(ref));
            }
        }
        final Domain back = kernel.domain(channel.receiverDomain);
        final Domain counted = back != null ? back : kernel.kernelDomain();
        counted.count(GRANT_UNMAPS, active.mappedCount);
        counted.count(CounterType.PAGE_TABLE_UPDATES, active.mappedCount);
        active.mappedCount = 0;
    }

    private int refuse(final ChannelEntry channel, final String why)
    {
        refused = "channel " + channel.channelId + " GRANT_OP: " + why;
        receiverDomain(channel).count(GRANT_ERRORS, 1);
        return -1;
    }

    private Domain receiverDomain(final ChannelEntry channel)
    {
        final Domain back = kernel.domain(channel.receiverDomain);
        return back != null ? back : kernel.kernelDomain();
    }

    /** @return a view of the frame holding the reference's entry. */
    private UnsafeBuffer entry(final ChannelEntry channel, final int ref)
    {
        final int grantFrame = channel.firstFrame +
            XenChannelDescriptor.grantFrame(channel.capacity, channel.maxMessageLength, frameSize);
        kernel.wrapFrame(entryFrame, grantFrame + entryOffset(ref) / frameSize);
        return entryFrame;
    }

    private int entryInFrame(final int ref)
    {
        return entryOffset(ref) % frameSize;
    }

    private int poolFrameOf(final ChannelEntry channel, final int ref)
    {
        return channel.firstFrame + poolFrame(channel.capacity, channel.maxMessageLength, frameSize) + ref - FIRST_REF;
    }
}

package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

import java.util.concurrent.TimeUnit;

/**
 * What both ends of a channel between processes hold: the channel's mapped header, ring (an Rbufs channel's control
 * area) and table slot, its sizes, and the end's own state (closed, broken by a peer that wrote what no correct peer
 * writes, or cut off from a kernel that is gone). One thread uses an end.
 * <p>
 * <b>A kernel that is gone.</b> The peer-gone words in the channel table are the kernel's to write, so an end whose
 * kernel died would wait forever. An end that finds nothing to do (an empty poll, a send back-pressured) therefore
 * asks the client whether the kernel still beats ({@link MachineClient#kernelBeating()}: a few loads, no
 * allocation), at most once every {@link #KERNEL_CHECK_INTERVAL_NS} ns, never on a call that moves a message.
 */
abstract class ProcessChannelEnd implements AutoCloseable
{
    final MachineClient client;
    final int channelId;
    final AtomicBuffer header;
    final AtomicBuffer ring;
    final AtomicBuffer channelTable;
    final int slot;
    final int capacity;
    final int mask;
    final int maxMessageLength;
    /** Shortest time between two kernel liveness checks of one end. */
    static final long KERNEL_CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(2);

    /** Why the peer broke the channel, or null. */
    String broken;
    boolean closed;
    private final int end;
    private final String role;
    private long nextKernelCheckNs;
    /** Why the kernel is gone, once an idle check found it, or null. */
    private KernelGoneException kernelGone;
    /** For a receiver: why the sender is gone, once every message it committed was delivered, or null. */
    private String senderGone;

    ProcessChannelEnd(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer ring, final AtomicBuffer channelTable, final int slot, final int end, final String role)
    {
        this.client = client;
        this.channelId = channel.channelId;
        this.header = header;
        this.ring = ring;
        this.channelTable = channelTable;
        this.slot = slot;
        this.capacity = channel.capacity;
        this.mask = capacity - 1;
        this.maxMessageLength = channel.maxMessageLength;
        this.end = end;
        this.role = role;
    }

    /**
     * @return the channel's id.
     */
    public int channelId()
    {
        return channelId;
    }

    /**
     * @throws IllegalStateException  if this end is closed.
     * @throws ChannelBrokenException if the peer broke the channel before.
     */
    final void checkOpenAndWhole()
    {
        if (closed)
        {
            throw new IllegalStateException("channel " + channelId + ": the " + role + " is closed");
        }
        if (broken != null)
        {
            throw brokenException(broken);
        }
    }

    /**
     * For a sender: one acquire load of the receiver's end word, which only the kernel writes, once, when the
     * receiver went (the word's line stays shared in this core's cache meanwhile).
     *
     * @throws PeerGoneException if the receiver closed the channel or died.
     */
    final void checkReceiverThere()
    {
        final PeerGoneException gone = receiverGone();
        if (gone != null)
        {
            throw gone;
        }
    }

    /**
     * @return why the receiver is gone (one acquire load of its end word, as {@link #checkReceiverThere}), or null.
     */
    final PeerGoneException receiverGone()
    {
        final int receiverEnd = ChannelTableDescriptor.endAcquire(channelTable, slot, false);
        return receiverEnd == ChannelTableDescriptor.END_OPEN ? null : new PeerGoneException("channel " + channelId +
            ": the receiver " + (receiverEnd == ChannelTableDescriptor.END_DEAD ?
            "died (the kernel timed its client out)" : "closed the channel") + "; nothing more is sent");
    }

    /**
     * For an end that found nothing to do: whether the kernel is gone, checked at most every
     * {@link #KERNEL_CHECK_INTERVAL_NS} ns (between checks, and while it beats: false). Once gone, always gone.
     * Allocates nothing until it finds the kernel gone.
     *
     * @return true if the kernel is gone: throw {@link #kernelGoneException()} once nothing is left to deliver.
     */
    final boolean kernelGoneWhenIdle()
    {
        if (kernelGone != null)
        {
            return true;
        }
        final long now = System.nanoTime();
        if (now - nextKernelCheckNs < 0)
        {
            return false;
        }
        nextKernelCheckNs = now + KERNEL_CHECK_INTERVAL_NS;
        // An end made without a client (the memory-ordering rigs drive ends over plain memory) has no kernel to watch.
        if (client == null || client.kernelBeating())
        {
            return false;
        }
        kernelGone = client.kernelGone("channel " + channelId + ": the " + role);
        return true;
    }

    /**
     * @return a new exception saying why the kernel is gone (after {@link #kernelGoneWhenIdle()} said so).
     */
    final KernelGoneException kernelGoneException()
    {
        return new KernelGoneException(kernelGone.getMessage(), kernelGone.status());
    }

    /**
     * For a receiver that found nothing committed: whether the sender is still there, its end open (one acquire load
     * of the word only the kernel writes) and the kernel beating ({@link #kernelGoneWhenIdle()}). If not, the
     * receiver looks once more, after this acquire: a sender that closed committed before its CLOSE_CHANNEL (the
     * command ring's release, the kernel's acquire, the table's release), one that died long before the kernel
     * timed it out, and with the kernel gone no one will mark the end; finding nothing again, it throws
     * {@link #senderGoneException()}.
     *
     * @return true while the sender and the kernel are there.
     */
    final boolean senderThere()
    {
        return ChannelTableDescriptor.endAcquire(channelTable, slot, true) == ChannelTableDescriptor.END_OPEN &&
            !kernelGoneWhenIdle();
    }

    /**
     * @return for a receiver that has delivered everything the sender committed, after {@link #senderThere()} said
     *         no: {@link KernelGoneException} if the sender's end is still open (the kernel went), else a
     *         {@link PeerGoneException} that every later call repeats ({@link #checkSenderNotGone()}).
     */
    final MachineClientException senderGoneException()
    {
        final int senderEnd = ChannelTableDescriptor.endAcquire(channelTable, slot, true);
        if (senderEnd == ChannelTableDescriptor.END_OPEN)
        {
            return kernelGoneException();
        }
        senderGone = "channel " + channelId + ": the sender " + (senderEnd == ChannelTableDescriptor.END_DEAD ?
            "died (the kernel timed its client out)" : "closed the channel") +
            "; every message it committed was delivered";
        return new PeerGoneException(senderGone);
    }

    /**
     * @throws PeerGoneException if a poll of this receiver found the sender gone before.
     */
    final void checkSenderNotGone()
    {
        if (senderGone != null)
        {
            throw new PeerGoneException(senderGone);
        }
    }

    /**
     * Breaks this end for good: the peer wrote what no correct peer writes.
     *
     * @param what the broken rule, with values.
     * @return the exception to throw now (every later call throws one too).
     */
    final RuntimeException breaks(final String what)
    {
        broken = "channel " + channelId + ": " + what;
        return brokenException(broken);
    }

    /**
     * @param message why the peer broke the channel.
     * @return what a broken channel throws: {@link ChannelBrokenException} from a raw end; an end of the transport
     *         SPI throws the {@link io.barge.core.ProtocolViolationException} that the SPI names.
     */
    final RuntimeException brokenException(final String message)
    {
        return this instanceof SpiEnd ? new io.barge.core.ProtocolViolationException(message) :
            new ChannelBrokenException(message);
    }

    /**
     * Closes this end: the kernel marks it closed in the channel table, and the peer hears {@link PeerGoneException}
     * once it has taken what it can. Idempotent; never throws for a kernel that is gone.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            client.closeEnd(channelId, end);
        }
    }
}

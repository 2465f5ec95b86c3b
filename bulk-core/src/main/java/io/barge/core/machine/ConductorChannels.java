package io.barge.core.machine;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.OutOfFramesException;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.core.machine.ControlProtocolDescriptor.*;

/**
 * The {@link KernelConductor}'s channels between client processes: the private table of {@link ChannelEntry}s and
 * the channel table in the file that mirrors it, the frames each channel holds (the kernel's domain's), and the
 * CREATE_CHANNEL and CLOSE_CHANNEL commands once the conductor has authenticated them and resolved their domains'
 * owners. Answers go out through the conductor ({@link Answers}), so that they are remembered for retries as any
 * other. The conductor's thread alone uses it.
 */
final class ConductorChannels
{
    /** How a channel command is answered and counted: the conductor's. */
    interface Answers
    {
        /** Refuses the command (counted as an error). */
        void error(long correlationId, int clientId, int code, String message);

        /** @return the buffer the answer is built in, header first, then {@link #reply}. */
        UnsafeBuffer response();

        /** Broadcasts the answer built in {@link #response()}. */
        void reply(int type, int length);

        /** Counts on the kernel's domain. */
        void count(CounterType type);
    }

    private final Kernel kernel;
    private final Domain kernelDomain;
    private final AtomicBuffer channelTable;
    private final ChannelEntry[] channels;
    private final Answers answers;
    private final UnsafeBuffer frameView = new UnsafeBuffer(0, 0);
    private final XenGrantOps grants;
    private int nextChannelId = 1;

    ConductorChannels(final Kernel kernel, final AtomicBuffer channelTable, final Answers answers)
    {
        this.kernel = kernel;
        this.kernelDomain = kernel.kernelDomain();
        this.channelTable = channelTable;
        this.channels = new ChannelEntry[ChannelTableDescriptor.slots(channelTable.capacity())];
        this.answers = answers;
        this.grants = new XenGrantOps(kernel);
    }

    /**
     * CREATE_CHANNEL whose domains are owned by attached clients, the caller one of them: checks the kind and sizes,
     * takes a slot and a run of frames, lays out the channel and answers with where it is.
     */
    void create(final long correlationId, final int clientId, final int senderClient, final int receiverClient,
        final int senderDomain, final int receiverDomain, final int maxMessageLength, final int capacity,
        final int kindWord)
    {
        // The kind word: the kind low, its option high (a Xen channel's grant mode).
        final int kind = kindWord & 0xFFFF;
        final int option = kindWord >>> 16;
        final boolean rbufs = kind == ProcessChannelDescriptor.KIND_RBUFS;
        final boolean xen = kind == ProcessChannelDescriptor.KIND_XEN;
        final boolean fbufs = kind == ProcessChannelDescriptor.KIND_FBUFS;
        if ((!rbufs && !xen && !fbufs && kind != ProcessChannelDescriptor.KIND_RING) || (!xen && option != 0))
        {
            answers.error(correlationId, clientId, ERROR_BAD_KIND, "CREATE_CHANNEL kind=" + kind + " option=" +
                option + " is not " + ProcessChannelDescriptor.KIND_RING + " (ring), " +
                ProcessChannelDescriptor.KIND_RBUFS + " (rbufs), " + ProcessChannelDescriptor.KIND_FBUFS +
                " (fbufs) or " + ProcessChannelDescriptor.KIND_XEN + " (xen, the only kind with an option)");
            return;
        }
        final int frameSize = kernel.memory().frameSize();
        final String badSizes = xen ?
            XenChannelDescriptor.checkSizes(capacity, maxMessageLength, frameSize, option) :
            rbufs ? RbufsChannelDescriptor.checkSizes(capacity, maxMessageLength, frameSize) :
            fbufs ? FbufsChannelDescriptor.checkSizes(capacity, maxMessageLength, frameSize) :
            ProcessChannelDescriptor.checkSizes(capacity, maxMessageLength, frameSize);
        if (badSizes != null)
        {
            answers.error(correlationId, clientId, ERROR_BAD_SIZES, "CREATE_CHANNEL " + badSizes);
            return;
        }
        int slot = 0;
        while (slot < channels.length && channels[slot] != null)
        {
            slot++;
        }
        if (slot == channels.length)
        {
            answers.error(correlationId, clientId, ERROR_TOO_MANY_CHANNELS, "all " + channels.length +
                " channel slots are taken");
            return;
        }
        if (!kernel.memory().isFileBacked())
        {
            answers.error(correlationId, clientId, ERROR_NO_MEMORY, "the kernel's memory is not in a file that " +
                "client processes can map (build it with memoryInMachineDirectory)");
            return;
        }
        final int frameCount = xen ?
            XenChannelDescriptor.frameCount(capacity, maxMessageLength, frameSize, option) :
            rbufs ? RbufsChannelDescriptor.frameCount(capacity, maxMessageLength, frameSize) :
            fbufs ? FbufsChannelDescriptor.frameCount(capacity, maxMessageLength, frameSize) :
            ProcessChannelDescriptor.frameCount(capacity, frameSize);
        final int firstFrame;
        try
        {
            firstFrame = kernel.allocateContiguousFrames(kernelDomain, frameCount, true);
        }
        catch (final OutOfFramesException ex)
        {
            answers.error(correlationId, clientId, ERROR_NO_MEMORY, "no run of " + frameCount + " free frames for " +
                "the channel: " + ex.getMessage());
            return;
        }
        final ChannelEntry channel = new ChannelEntry(nextChannelId++, senderDomain, receiverDomain, senderClient,
            receiverClient, firstFrame, frameCount, capacity, maxMessageLength);
        channel.slot = slot;
        channel.kind = kind;
        channel.kindOption = option;
        kernel.wrapFrame(frameView, firstFrame);
        // The frames are zeroed: every index and counter starts at 0.
        ProcessChannelDescriptor.writeHeader(frameView, channel.channelId, capacity, maxMessageLength, kind);
        if (xen)
        {
            grants.layout(channel);
        }
        channels[slot] = channel;
        ChannelTableDescriptor.writeSlot(channelTable, slot, channel); // after the header: the ends read it next
        final UnsafeBuffer response = answers.response();
        putHeader(response, correlationId, clientId);
        response.putInt(CHANNEL_ID_OFFSET, channel.channelId);
        response.putInt(FIRST_FRAME_OFFSET, firstFrame);
        response.putInt(FRAME_COUNT_OFFSET, frameCount);
        response.putInt(FRAME_COUNT_OFFSET + Integer.BYTES, 0);
        answers.reply(ON_CHANNEL_CREATED, CHANNEL_CREATED_LENGTH);
    }

    /**
     * GRANT_OP of a client that passed the conductor's checks: the channel must be a Xen channel whose receiving end
     * is the client's and open; the operation itself is {@link XenGrantOps}'s.
     */
    void grantOp(final long correlationId, final int clientId, final UnsafeBuffer command)
    {
        final int channelId = command.getInt(CHANNEL_ID_OFFSET);
        final ChannelEntry channel = find(channelId);
        if (channel == null || channel.kind != ProcessChannelDescriptor.KIND_XEN)
        {
            answers.error(correlationId, clientId, ERROR_UNKNOWN_CHANNEL, "GRANT_OP channelId=" + channelId +
                ": no open xen channel has that id");
            return;
        }
        if (channel.receiverClient != clientId || channel.receiverEnd != ChannelTableDescriptor.END_OPEN)
        {
            answers.error(correlationId, clientId, ERROR_NOT_OWNER, "GRANT_OP channel " + channelId + ": its " +
                "receiving end (the back end) is not client " + clientId + "'s, or not open");
            return;
        }
        final int value = grants.execute(channel, command);
        if (value < 0)
        {
            answers.error(correlationId, clientId, ERROR_BAD_GRANT, grants.refused());
            return;
        }
        putHeader(answers.response(), correlationId, clientId);
        answers.response().putInt(HEADER_LENGTH, value);
        answers.reply(ON_GRANT_DONE, ONE_INT_LENGTH);
    }

    private ChannelEntry find(final int channelId)
    {
        for (final ChannelEntry c : channels)
        {
            if (c != null && c.channelId == channelId)
            {
                return c;
            }
        }
        return null;
    }

    /**
     * CLOSE_CHANNEL of a client that passed the conductor's checks: the end must be the client's and open.
     */
    void close(final long correlationId, final int clientId, final int channelId, final int end)
    {
        ChannelEntry channel = null;
        for (final ChannelEntry c : channels)
        {
            if (c != null && c.channelId == channelId)
            {
                channel = c;
            }
        }
        if (channel == null || (end != END_SENDER && end != END_RECEIVER))
        {
            answers.error(correlationId, clientId, ERROR_UNKNOWN_CHANNEL, "CLOSE_CHANNEL channelId=" + channelId +
                " end=" + end + ": no open channel has that id, or the end is not " + END_SENDER + " (sender) or " +
                END_RECEIVER + " (receiver)");
            return;
        }
        final boolean sender = end == END_SENDER;
        if ((sender ? channel.senderClient : channel.receiverClient) != clientId)
        {
            answers.error(correlationId, clientId, ERROR_NOT_OWNER, "channel " + channelId + "'s " +
                (sender ? "sender" : "receiver") + " end is not client " + clientId + "'s");
            return;
        }
        if ((sender ? channel.senderEnd : channel.receiverEnd) != ChannelTableDescriptor.END_OPEN)
        {
            answers.error(correlationId, clientId, ERROR_UNKNOWN_CHANNEL, "channel " + channelId + "'s " +
                (sender ? "sender" : "receiver") + " end is closed already");
            return;
        }
        endChannel(channel, sender, ChannelTableDescriptor.END_CLOSED);
        putHeader(answers.response(), correlationId, clientId);
        answers.response().putInt(CHANNEL_ID_OFFSET, channelId);
        answers.reply(ON_CHANNEL_CLOSED, ONE_INT_LENGTH);
    }

    /** Ends every open end of the client's channels (only those of {@code domainId} unless it is -1). */
    void endChannelsOf(final int clientId, final int domainId, final int endState)
    {
        for (final ChannelEntry channel : channels)
        {
            if (channel == null)
            {
                continue;
            }
            if (channel.senderClient == clientId && channel.senderEnd == ChannelTableDescriptor.END_OPEN &&
                (domainId == -1 || channel.senderDomain == domainId))
            {
                endChannel(channel, true, endState);
            }
            // Checked again: ending the sender's side may have freed the channel (a client owning both ends).
            if (channels[channel.slot] == channel && channel.receiverClient == clientId &&
                channel.receiverEnd == ChannelTableDescriptor.END_OPEN &&
                (domainId == -1 || channel.receiverDomain == domainId))
            {
                endChannel(channel, false, endState);
            }
        }
    }

    private void endChannel(final ChannelEntry channel, final boolean sender, final int endState)
    {
        if (sender)
        {
            channel.senderEnd = endState;
        }
        else
        {
            channel.receiverEnd = endState;
        }
        if (channel.bothEndsGone())
        {
            freeChannel(channel);
        }
        else
        {
            ChannelTableDescriptor.writeSlot(channelTable, channel.slot, channel);
        }
    }

    /** Both ends are gone: the slot first (no end maps the frames anew), then the frames back to the kernel. */
    void freeChannel(final ChannelEntry channel)
    {
        channels[channel.slot] = null;
        ChannelTableDescriptor.writeSlot(channelTable, channel.slot, null);
        grants.release(channel); // a Xen channel's persistent maps: before its frames go
        for (int frame = channel.firstFrame; frame < channel.firstFrame + channel.frameCount; frame++)
        {
            kernel.freeFrame(kernelDomain, frame);
        }
        answers.count(ConductorCounters.CHANNELS_FREED);
    }

    /** Frees every channel (the conductor closes). */
    void freeAll()
    {
        for (final ChannelEntry channel : channels)
        {
            if (channel != null)
            {
                freeChannel(channel);
            }
        }
    }
}

package io.barge.bench.core;

import io.barge.core.machine.MachineClient;
import io.barge.core.machine.ProcessChannelDescriptor;
import io.barge.core.machine.ProcessRbufsReceiver;
import io.barge.core.machine.ProcessRbufsSender;
import io.barge.core.machine.ProcessReceiver;
import io.barge.core.machine.ProcessSender;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One of a {@link PipelineStage}'s channel ends, of either kind the kernel makes: the copying ring
 * ({@link ProcessChannelDescriptor#KIND_RING}) or zero-copy Rbufs ({@link ProcessChannelDescriptor#KIND_RBUFS}); an
 * upstream's receiving end ({@link #upstream}) or a downstream's sending end ({@link #downstream}). It holds exactly
 * one of the four end classes; one thread uses it; nothing here allocates after it is opened.
 */
final class StageEnd
{
    private final ProcessReceiver ringReceiver;
    private final ProcessRbufsReceiver rbufsReceiver;
    private final ProcessSender ringSender;
    private final ProcessRbufsSender rbufsSender;
    private final int channelId;

    private StageEnd(final ProcessReceiver ringReceiver, final ProcessRbufsReceiver rbufsReceiver,
        final ProcessSender ringSender, final ProcessRbufsSender rbufsSender, final int channelId)
    {
        this.ringReceiver = ringReceiver;
        this.rbufsReceiver = rbufsReceiver;
        this.ringSender = ringSender;
        this.rbufsSender = rbufsSender;
        this.channelId = channelId;
    }

    /**
     * Opens the receiving end of a channel the stage made from its upstream.
     *
     * @param client    the stage's client.
     * @param channelId the channel.
     * @param kind      its kind.
     * @return the end.
     */
    static StageEnd upstream(final MachineClient client, final int channelId, final int kind)
    {
        return kind == ProcessChannelDescriptor.KIND_RING ?
            new StageEnd(client.openReceiver(channelId), null, null, null, channelId) :
            new StageEnd(null, client.openRbufsReceiver(channelId), null, null, channelId);
    }

    /**
     * Opens the sending end of a channel its downstream made.
     *
     * @param client    the stage's client.
     * @param channelId the channel.
     * @param kind      its kind, as the channel table says (the downstream chose it).
     * @return the end.
     */
    static StageEnd downstream(final MachineClient client, final int channelId, final int kind)
    {
        return kind == ProcessChannelDescriptor.KIND_RING ?
            new StageEnd(null, null, client.openSender(channelId), null, channelId) :
            new StageEnd(null, null, null, client.openRbufsSender(channelId), channelId);
    }

    /**
     * Upstream: delivers up to {@code limit} messages in place, each a view of the ring's record or of the Rbufs
     * buffer (released when the handler returns).
     *
     * @see ProcessReceiver#poll
     * @see ProcessRbufsReceiver#poll
     */
    int poll(final ProcessReceiver.MessageHandler handler, final int limit)
    {
        return ringReceiver != null ? ringReceiver.poll(handler, limit) : rbufsReceiver.poll(handler, limit);
    }

    /**
     * @return downstream: whether messages are written in place ({@link #tryClaim}); else {@link #offer} copies
     *         them in.
     */
    boolean inPlace()
    {
        return rbufsSender != null;
    }

    /**
     * Downstream: sends a copy of a message, into the ring (the ring's one copy) or into a claimed Rbufs buffer that
     * is then committed (a forward's one copy per hop: the two channels' data areas differ).
     *
     * @return true if the channel took it; false if back-pressured (nothing taken).
     * @throws io.barge.core.machine.PeerGoneException if the receiver went (nothing taken).
     */
    boolean offer(final DirectBuffer source, final int offset, final int length)
    {
        if (ringSender != null)
        {
            return ringSender.offer(source, offset, length) == ProcessSender.OK;
        }
        if (rbufsSender.tryClaim(length) != ProcessRbufsSender.OK)
        {
            return false;
        }
        rbufsSender.buffer().putBytes(0, source, offset, length);
        rbufsSender.commit(); // a receiver gone since the claim: aborted and thrown, nothing taken
        return true;
    }

    /**
     * Downstream, Rbufs: claims a buffer to write a message in place ({@link #claimed()}, then {@link #commit()}).
     *
     * @return true if claimed; false if back-pressured.
     */
    boolean tryClaim(final int length)
    {
        return rbufsSender.tryClaim(length) == ProcessRbufsSender.OK;
    }

    MutableDirectBuffer claimed()
    {
        return rbufsSender.buffer();
    }

    void commit()
    {
        rbufsSender.commit();
    }

    int channelId()
    {
        return channelId;
    }

    /** Closes the end (an open Rbufs claim goes unsent: the receiver never sees it). */
    void close()
    {
        if (ringReceiver != null)
        {
            ringReceiver.close();
        }
        else if (rbufsReceiver != null)
        {
            rbufsReceiver.close();
        }
        else if (ringSender != null)
        {
            ringSender.close();
        }
        else
        {
            rbufsSender.close();
        }
    }
}

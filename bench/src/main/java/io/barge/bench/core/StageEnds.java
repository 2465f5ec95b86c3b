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
 * A {@link PipelineStage}'s channel ends, of either kind the kernel makes: the copying ring
 * ({@link ProcessChannelDescriptor#KIND_RING}) or zero-copy Rbufs ({@link ProcessChannelDescriptor#KIND_RBUFS}).
 * Each end holds exactly one of the two; one thread uses it; nothing here allocates after it is opened.
 */
final class StageEnds
{
    private StageEnds()
    {
    }

    /** The receiving end of a stage's upstream channel. */
    static final class Upstream
    {
        private final ProcessReceiver ring;
        private final ProcessRbufsReceiver rbufs;
        private final int channelId;

        /**
         * Opens the receiving end of a channel this stage's domain receives on.
         *
         * @param client    the stage's client.
         * @param channelId the channel.
         * @param kind      its kind.
         */
        Upstream(final MachineClient client, final int channelId, final int kind)
        {
            this.ring = kind == ProcessChannelDescriptor.KIND_RING ? client.openReceiver(channelId) : null;
            this.rbufs = kind == ProcessChannelDescriptor.KIND_RING ? null : client.openRbufsReceiver(channelId);
            this.channelId = channelId;
        }

        /**
         * Delivers up to {@code limit} messages in place: a view of the ring's record, or of the Rbufs buffer
         * (released when the handler returns).
         *
         * @see ProcessReceiver#poll
         * @see ProcessRbufsReceiver#poll
         */
        int poll(final ProcessReceiver.MessageHandler handler, final int limit)
        {
            return ring != null ? ring.poll(handler, limit) : rbufs.poll(handler, limit);
        }

        int channelId()
        {
            return channelId;
        }

        void close()
        {
            if (ring != null)
            {
                ring.close();
            }
            else
            {
                rbufs.close();
            }
        }
    }

    /** The sending end of a stage's downstream channel. */
    static final class Downstream
    {
        private final ProcessSender ring;
        private final ProcessRbufsSender rbufs;
        private final int channelId;

        /**
         * Opens the sending end of a channel out of this stage's domain.
         *
         * @param client    the stage's client.
         * @param channelId the channel.
         * @param kind      its kind, as the channel table says (the downstream chose it).
         */
        Downstream(final MachineClient client, final int channelId, final int kind)
        {
            this.ring = kind == ProcessChannelDescriptor.KIND_RING ? client.openSender(channelId) : null;
            this.rbufs = kind == ProcessChannelDescriptor.KIND_RING ? null : client.openRbufsSender(channelId);
            this.channelId = channelId;
        }

        /**
         * @return whether messages are written in place ({@link #tryClaim}); else they are copied in by
         *         {@link #offer}.
         */
        boolean inPlace()
        {
            return rbufs != null;
        }

        /**
         * Sends a copy of a message: into the ring (the ring's one copy), or into a claimed Rbufs buffer, which is
         * then committed (a forward's one copy per hop: the two channels' data areas differ).
         *
         * @return true if the channel took it; false if back-pressured (nothing taken).
         * @throws io.barge.core.machine.PeerGoneException if the receiver went (nothing taken).
         */
        boolean offer(final DirectBuffer source, final int offset, final int length)
        {
            if (ring != null)
            {
                return ring.offer(source, offset, length) == ProcessSender.OK;
            }
            if (rbufs.tryClaim(length) != ProcessRbufsSender.OK)
            {
                return false;
            }
            rbufs.buffer().putBytes(0, source, offset, length);
            rbufs.commit(); // a receiver gone since the claim: aborted and thrown, nothing taken
            return true;
        }

        /**
         * Rbufs only: claims a buffer to write a message in place ({@link #claimed()}, then {@link #commit()}).
         *
         * @return true if claimed; false if back-pressured.
         */
        boolean tryClaim(final int length)
        {
            return rbufs.tryClaim(length) == ProcessRbufsSender.OK;
        }

        MutableDirectBuffer claimed()
        {
            return rbufs.buffer();
        }

        void commit()
        {
            rbufs.commit();
        }

        int channelId()
        {
            return channelId;
        }

        void close()
        {
            if (ring != null)
            {
                ring.close();
            }
            else
            {
                rbufs.close(); // an open claim goes unsent: the receiver never sees it
            }
        }
    }
}

package io.barge.grant.xen;

import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;

/**
 * The sending end of either xen channel kind ({@link XenFrontend} grants its own buffers, {@link XenFillingBackend}
 * fills the receiver's posted ones): what their {@link Sender#forward} shares. No grant can be handed on to another
 * channel, so a forwarded message is copied into a claimed buffer and sent, then released on its own channel.
 */
abstract class XenSenderEnd extends XenEnd implements Sender
{
    XenSenderEnd(final AbstractXenChannel owner, final String firstCall)
    {
        super(owner, firstCall);
    }

    @Override
    public final int forward(final Message message)
    {
        if (message.source().domain() != domain())
        {
            throw new IllegalArgumentException("xen forward: message was received by " +
                message.source().domain() + ", not by this sender's " + domain());
        }
        enter("xen forward");
        try
        {
            if (!copyOn(message))
            {
                return Status.BACK_PRESSURED;
            }
        }
        catch (final RuntimeException ex)
        {
            throw owner.whyFailed(call, ex);
        }
        // After this end's call: the inbound receiver is another channel's end.
        message.source().release(message);
        return Status.OK;
    }

    /**
     * Inside a call: claims a buffer of the message's length, copies the message's pieces into it and sends it.
     *
     * @return false if back pressured (nothing claimed).
     */
    abstract boolean copyOn(Message message);
}

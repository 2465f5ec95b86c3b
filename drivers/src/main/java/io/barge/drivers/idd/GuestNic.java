package io.barge.drivers.idd;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.transport.Claim;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.ResponseHandler;
import io.barge.core.transport.Sender;

/**
 * A guest's virtual NIC, served by a {@link DriverDomain}: the guest's ends of its TX channel (to the driver
 * domain) and its RX channel (from it). Frames are sent by claim and commit, so the guest writes its payload once,
 * in its own buffer, and the device DMAs from there; received frames arrive as messages in buffers the device
 * wrote. When the driver domain is gone every call throws {@link DeviceGoneException}.
 * <p>
 * Not thread safe: one thread acts for the guest.
 */
public final class GuestNic
{
    private final DriverDomain idd;
    private final int index;
    private final Domain guest;
    private final Sender tx;
    private final Receiver rx;
    private final boolean responses;

    GuestNic(final DriverDomain idd, final int index, final Domain guest, final Sender tx, final Receiver rx,
        final boolean responses)
    {
        this.idd = idd;
        this.index = index;
        this.guest = guest;
        this.tx = tx;
        this.rx = rx;
        this.responses = responses;
    }

    /**
     * @return the guest domain.
     */
    public Domain domain()
    {
        return guest;
    }

    /**
     * @return the largest frame the driver domain will send (longer requests fail).
     */
    public int mtu()
    {
        return idd.config.mtu();
    }

    /**
     * @return a claim flyweight for {@link #tryClaim}; allocate once.
     */
    public Claim newClaim()
    {
        return tx.newClaim();
    }

    /**
     * Claims a transmit buffer in the guest's own memory.
     *
     * @param length frame length.
     * @param claim  the flyweight.
     * @return {@link io.barge.core.transport.Status#OK} or {@link io.barge.core.transport.Status#BACK_PRESSURED}.
     * @throws DeviceGoneException if the driver domain is gone.
     */
    public int tryClaim(final int length, final Claim claim)
    {
        try
        {
            return tx.tryClaim(length, claim);
        }
        catch (final ChannelClosedException ex)
        {
            throw translate(ex);
        }
    }

    /**
     * Sends a claimed frame to the driver domain.
     *
     * @param claim an active claim.
     * @throws DeviceGoneException if the driver domain is gone.
     */
    public void commit(final Claim claim)
    {
        try
        {
            tx.commit(claim);
        }
        catch (final ChannelClosedException ex)
        {
            throw translate(ex);
        }
    }

    /**
     * Delivers received frames.
     *
     * @param handler told of each frame; the message is released after it returns.
     * @param limit   most frames.
     * @return frames delivered.
     * @throws DeviceGoneException if the driver domain is gone.
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        try
        {
            return rx.poll(handler, limit);
        }
        catch (final ChannelClosedException ex)
        {
            throw translate(ex);
        }
    }

    /**
     * Reports the driver domain's answers to transmitted frames ({@code OK} once on the wire, {@code ERROR} if refused
     * or failed) on a path with responses (xen); elsewhere reports nothing.
     *
     * @param handler told of each answer.
     * @param limit   most answers.
     * @return answers reported.
     * @throws DeviceGoneException if the driver domain is gone.
     */
    public int pollResponses(final ResponseHandler handler, final int limit)
    {
        if (!responses)
        {
            return 0;
        }
        try
        {
            return tx.pollResponses(handler, limit);
        }
        catch (final ChannelClosedException ex)
        {
            throw translate(ex);
        }
    }

    /**
     * @return the guest's TX sender, for callers that use the transport SPI directly.
     */
    public Sender sender()
    {
        return tx;
    }

    /**
     * @return the guest's RX receiver.
     */
    public Receiver receiver()
    {
        return rx;
    }

    private ChannelClosedException translate(final ChannelClosedException ex)
    {
        if (idd.isGone())
        {
            final DeviceGoneException gone = new DeviceGoneException("virtual NIC " + index + " of " + guest +
                ": driver domain " + idd.domain() + " is gone");
            gone.initCause(ex);
            return gone;
        }
        return ex;
    }
}

package io.barge.core.machine;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.QuiescentEnd;

import java.util.function.BooleanSupplier;

/**
 * What each end of the transport SPI over a process channel keeps beside its raw end's state: the local domain and
 * the range its claims or messages are views of ({@link ClientMachineView}), the end's record for the quiescent-state
 * deferral of its channel's teardown ({@link ProcessSpiChannel}), and the waitset channel its registrations use. One
 * per end.
 * <p>
 * Every call of the end that may touch the channel's frames starts with {@link #enter}: it records the calling thread
 * (a volatile store only when the thread changes) and then reads {@link #closed} (volatile), the Dekker pair of
 * {@link QuiescentEnd}; a call that sees the channel closed touches nothing, tells the record the end is quiescent and
 * throws. So a call costs a load, a compare and a volatile load (no CAS, no fence on x86), where a gate cost a CAS
 * in and a release store out.
 */
final class SpiEndState
{
    final Domain domain;
    final AddressSpace space;
    /** First virtual byte, in {@link #domain}'s space, of the channel's ring (RING) or data area (RBUFS). */
    final long base;
    final int frames;
    /** E.g. {@code "process-rbufs"}: errors name it and the call. */
    final String transport;
    /** The end's record for the deferral of its channel's teardown. */
    final QuiescentEnd end = new QuiescentEnd();
    final WaitsetChannel ready;
    /** Set by the channel's close (any thread) before it reads the ends' threads; pollers of registrations read it. */
    volatile boolean closed;

    SpiEndState(final Domain domain, final long base, final int frames, final String transport, final String end)
    {
        this.domain = domain;
        this.space = domain.addressSpace();
        this.base = base;
        this.frames = frames;
        this.transport = transport;
        this.ready = new WaitsetChannel(transport + " " + end + " " + domain.name());
    }

    /**
     * Enters a call of the end: records the thread, then reads the closed flag (class comment).
     *
     * @param call the call's name, for the error.
     * @throws ChannelClosedException if the channel has been closed: the end touches nothing of it any more.
     */
    void enter(final String call)
    {
        end.enter();
        if (closed)
        {
            end.quiescent(); // may run the channel's deferred release on this thread, which then throws
            throw closedException(call);
        }
    }

    /**
     * @param call the call's name.
     * @return the error a call on a closed channel throws.
     */
    ChannelClosedException closedException(final String call)
    {
        return new ChannelClosedException(transport + " " + call + ": the channel is closed");
    }

    /**
     * The first step of the channel's teardown (any thread): every call from now on sees the channel closed (a
     * volatile store, before the teardown reads the ends' threads: {@link QuiescentEnd}, step 3); then a
     * registration of this end is woken so that its handler learns of the close at its next call.
     */
    void markClosed()
    {
        closed = true;
        ready.trigger();
    }

    /**
     * A registration (receiver's or back-pressured sender's) on this end's waitset channel, polled: the waitset
     * asks {@code poller}, which reads only shared words and this end's own state, whether the event may be there.
     *
     * @param call    the call's name, for errors.
     * @param waitset the waitset.
     * @param handler the handler.
     * @param poller  whether the event may be there (or the channel closed, or the peer gone).
     */
    void registerPolled(final String call, final Waitset waitset, final Runnable handler,
        final BooleanSupplier poller)
    {
        enter(call);
        ready.registerPolled(waitset, handler, poller);
    }

    /**
     * The argument checks of a sender's {@code tryClaim}, whose messages name the transport and the call; building
     * them only on failure, so a claim allocates nothing.
     *
     * @param finished whether the sender finished.
     * @param length   the asked length.
     * @param max      the longest message.
     * @param claim    the user's claim.
     */
    void checkClaim(final boolean finished, final int length, final int max, final Claim claim)
    {
        if (finished || length < 1 || length > max)
        {
            EndSupport.checkNotFinished(transport + " tryClaim", finished);
            EndSupport.checkLength(transport + " tryClaim", length, max);
        }
        Flyweights.checkClaimable(claim, length, max);
    }

    /**
     * A sender's commit or abort: the claim must be an active claim of this sender.
     *
     * @param claim  the user's claim.
     * @param sender this end.
     * @param call   the call's name.
     * @return the claim's token (the end's buffer).
     * @throws BufferStateException if it is not.
     */
    int claimed(final Claim claim, final Object sender, final String call)
    {
        if (!claim.isActive() || Flyweights.attachment(claim) != sender)
        {
            throw new BufferStateException(transport + " " + call + ": the claim is not an active claim of " +
                "this sender");
        }
        return (int)Flyweights.token(claim);
    }

    /**
     * A sender's finish: no claim may be active.
     *
     * @param claims the sender's active claims.
     * @throws IllegalStateException if one is.
     */
    void checkNoClaims(final int claims)
    {
        if (claims > 0)
        {
            throw new IllegalStateException(transport + " finish: " + claims + " claim(s) still active; " +
                "commit or abort them first");
        }
    }

    /**
     * A receiver's poll: the flyweight it delivers into must not be held.
     *
     * @param into the user's flyweight.
     * @throws BufferStateException if it is.
     */
    void checkNotHeld(final Message into)
    {
        if (into.isHeld())
        {
            throw new BufferStateException(transport + " poll: the message is still held: release it first");
        }
    }

    /**
     * A receiver's release: a held message must be one this receiver delivered (one not held is refused by
     * {@link Flyweights#end} after this).
     *
     * @param message  the released message.
     * @param receiver this end.
     * @throws IllegalArgumentException if another receiver delivered it.
     */
    void checkDeliveredBy(final Message message, final Object receiver)
    {
        if (message.isHeld() && Flyweights.attachment(message) != receiver)
        {
            throw new IllegalArgumentException(transport + " release: the message is not from this receiver");
        }
    }

    /**
     * A forward by copy: a process channel's memory is its own, so a message of another channel is copied into a
     * claim of this one, committed, then released on its own channel.
     *
     * @param sender  this end.
     * @param message a held message received by this end's domain.
     * @param claim   the sender's own claim for forwards.
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} (the message is then still held).
     */
    int forwardByCopy(final Sender sender, final Message message, final Claim claim)
    {
        if (!message.isHeld())
        {
            throw new BufferStateException(transport + " forward: the message is not held");
        }
        if (message.source().domain() != domain)
        {
            throw new IllegalArgumentException(transport + " forward: the message was received by domain " +
                message.source().domain().name() + ", not this sender's " + domain.name());
        }
        final int status = sender.tryClaim(message.length(), claim);
        if (status != Status.OK)
        {
            return status;
        }
        int at = 0;
        for (int i = 0, n = message.pieceCount(); i < n; i++)
        {
            final int piece = message.pieceLength(i);
            claim.buffer().putBytes(at, message.buffer(i), 0, piece);
            at += piece;
        }
        sender.commit(claim);
        message.source().release(message);
        return Status.OK;
    }
}

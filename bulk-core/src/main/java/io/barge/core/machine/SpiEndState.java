package io.barge.core.machine;

import io.barge.core.AddressSpace;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.spi.EndGate;

/**
 * What each end of the transport SPI over a process channel keeps beside its raw end's state: the local domain and
 * the range its claims or messages are views of ({@link ClientMachineView}), the gate a close from another thread
 * waits at before it unmaps anything, and the waitset channel its registrations use. One per end.
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
    final EndGate gate = new EndGate();
    final WaitsetChannel ready;
    /** Set by the channel's close (any thread) before it shuts the gate; pollers of registrations read it. */
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
     * Enters a call of the end.
     *
     * @param call the call's name, for the error.
     * @throws ChannelClosedException if the channel has been closed.
     */
    void enter(final String call)
    {
        if (!gate.enter())
        {
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
     * Leaves a call of the end.
     */
    void leave()
    {
        gate.leave();
    }

    /**
     * Bars the end for good once it is outside a call, then wakes a registration so that its handler learns of it.
     */
    void shut()
    {
        closed = true;
        gate.shut();
        ready.trigger();
    }
}

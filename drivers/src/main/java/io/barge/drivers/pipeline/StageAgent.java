package io.barge.drivers.pipeline;

import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import org.agrona.concurrent.Agent;

/**
 * A middle domain: polls its inbound hop into a held flyweight and hands each message to its
 * {@link StageHandler}. A message the handler could not send (back pressure) stays held and goes to the handler
 * again first on the next duty cycle, so nothing is dropped and order is kept; it is polled with
 * {@link Receiver#poll(Message)} rather than a handler poll because it must outlive the call that delivered it.
 * At the end of the inbound stream it finishes the outbound one.
 */
final class StageAgent implements Agent
{
    private static final int BURST = 32;

    private final String name;
    private final Receiver inbound;
    private final Outlet outlet;
    private final StageHandler handler;
    private final Message message;
    private final RunControl control;
    private boolean pending;
    private boolean ended;
    private long handled;

    StageAgent(final String name, final Receiver inbound, final Outlet outlet, final StageHandler handler,
        final RunControl control)
    {
        this.name = name;
        this.inbound = inbound;
        this.outlet = outlet;
        this.handler = handler;
        this.message = inbound.newMessage();
        this.control = control;
    }

    @Override
    public int doWork()
    {
        if (control.hasFailed() || ended)
        {
            return 0;
        }
        try
        {
            return handleBurst();
        }
        catch (final RuntimeException ex)
        {
            control.fail(roleName(), ex);
            return 0;
        }
    }

    private int handleBurst()
    {
        int work = 0;
        while (work < BURST)
        {
            if (!pending)
            {
                final int status = inbound.poll(message);
                if (status == Status.END_OF_STREAM)
                {
                    outlet.finish();
                    ended = true;
                    return work + 1;
                }
                if (status != Status.OK)
                {
                    return work;
                }
                pending = true;
            }
            final int status = handler.onMessage(message, outlet);
            if (status == Status.BACK_PRESSURED)
            {
                return work;
            }
            checkHandled(status);
            if (message.isHeld())
            {
                inbound.release(message); // consumed or transformed: the input goes back
            }
            pending = false;
            handled++;
            work++;
        }
        return work;
    }

    private void checkHandled(final int status)
    {
        if (status != Status.OK)
        {
            throw new IllegalStateException("stage " + name + ": handler returned " + Status.name(status) +
                ", not OK or BACK_PRESSURED");
        }
    }

    @Override
    public void onClose()
    {
        // Runs on this stage's thread after its last duty cycle: what a failure left held goes back.
        outlet.abortIfActive();
        if (message.isHeld())
        {
            inbound.release(message);
        }
    }

    /**
     * @return messages the handler finished with.
     */
    long handled()
    {
        return handled;
    }

    /**
     * @return forwards that copied because the next hop is another transport.
     */
    long copiedForwards()
    {
        return outlet.copiedForwards();
    }

    @Override
    public String roleName()
    {
        return "stage:" + name;
    }
}

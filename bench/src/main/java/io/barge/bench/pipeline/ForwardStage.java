package io.barge.bench.pipeline;

import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.concurrent.Agent;

/**
 * A middle domain: polls its inbound hop and forwards each message to its outbound hop with
 * {@link Sender#forward(Message)}, which hands the memory on without touching the bytes where the transport can.
 * A message the outbound hop back-pressures stays held and is retried first on the next duty cycle.
 */
final class ForwardStage implements Agent
{
    private static final int BURST = 32;

    private final Receiver inbound;
    private final Sender outbound;
    private final Message message;
    private final RunControl control;
    private boolean pending;
    private long forwarded;

    ForwardStage(final Receiver inbound, final Sender outbound, final RunControl control)
    {
        this.inbound = inbound;
        this.outbound = outbound;
        this.message = inbound.newMessage();
        this.control = control;
    }

    @Override
    public int doWork()
    {
        if (control.hasFailed())
        {
            return 0;
        }
        int work = 0;
        while (work < BURST)
        {
            if (!pending)
            {
                if (inbound.poll(message) != Status.OK)
                {
                    break;
                }
                pending = true;
            }
            if (outbound.forward(message) != Status.OK)
            {
                break;
            }
            pending = false;
            forwarded++;
            work++;
        }
        return work;
    }

    /**
     * @return messages forwarded so far.
     */
    long forwarded()
    {
        return forwarded;
    }

    @Override
    public String roleName()
    {
        return "forward:" + inbound.domain().name();
    }
}

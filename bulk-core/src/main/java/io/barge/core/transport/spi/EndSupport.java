package io.barge.core.transport.spi;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;

import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;

import java.util.function.BooleanSupplier;

/**
 * What every transport's ends share, for transport implementations: the handler poll over a receiver's own
 * flyweight, the argument checks whose messages name the transport and the operation, and the registration of a
 * waitset handler for an event that has already happened.
 */
public final class EndSupport
{
    private static final BooleanSupplier ALREADY = () -> true;

    private EndSupport()
    {
    }

    /**
     * The {@link Receiver#poll(MessageHandler, int)} contract over {@link Receiver#poll(Message)}.
     *
     * @param receiver  the receiver.
     * @param flyweight the receiver's own reused flyweight, not held between calls.
     * @param handler   told of each message.
     * @param limit     most messages, at least 1.
     * @return messages delivered, or {@link Status#END_OF_STREAM} if the stream ended and none was delivered.
     */
    public static int poll(final Receiver receiver, final Message flyweight, final MessageHandler handler,
        final int limit)
    {
        if (handler == null || limit < 1)
        {
            throw new IllegalArgumentException("poll: handler=" + handler + " limit=" + limit +
                ": a handler and a limit >= 1 are needed");
        }
        int delivered = 0;
        while (delivered < limit)
        {
            final int status = receiver.poll(flyweight);
            if (status != Status.OK)
            {
                return delivered == 0 && status == Status.END_OF_STREAM ? Status.END_OF_STREAM : delivered;
            }
            delivered++;
            try
            {
                handler.onMessage(flyweight);
            }
            finally
            {
                // Also when the handler throws: the message never outlives the call that delivered it.
                if (flyweight.isHeld())
                {
                    receiver.release(flyweight);
                }
            }
        }
        return delivered;
    }

    /**
     * @param operation e.g. {@code "copy tryClaim"}: the transport and the call the user made.
     * @param length    the length asked for.
     * @param max       the channel's largest message.
     * @throws IllegalArgumentException naming the operation if {@code length} is not in {@code [1, max]}.
     */
    public static void checkLength(final String operation, final int length, final int max)
    {
        if (length < 1 || length > max)
        {
            throw new IllegalArgumentException(operation + ": length=" + length + " must be in [1, " + max +
                "] (maxMessageLength=" + max + ")");
        }
    }

    /**
     * @param operation the transport and the call, e.g. {@code "rbufs tryClaim"}.
     * @param finished  whether the sender called {@link Sender#finish()}.
     * @throws IllegalStateException naming the rule if it did.
     */
    public static void checkNotFinished(final String operation, final boolean finished)
    {
        if (finished)
        {
            throw new IllegalStateException(operation + ": the sender finished the stream; no message may follow " +
                "finish()");
        }
    }

    /**
     * Registers {@code handler} on {@code channel} as already due: it becomes pending at the waitset's next
     * dispatch (a polled registration whose poller says yes), so an event that happened before the registration
     * is not lost.
     *
     * @param channel the end's own waitset channel.
     * @param waitset the waitset.
     * @param handler the handler.
     */
    public static void registerReady(final WaitsetChannel channel, final Waitset waitset, final Runnable handler)
    {
        channel.registerPolled(waitset, handler, ALREADY);
        channel.trigger();
    }

    /**
     * Copies a held message's pieces, in order and back to back, to one range: the copy a transport makes when it
     * cannot hand a received message's memory on (a forward by copy), each piece one {@link Kernel#copy}, counted.
     *
     * @param kernel  the machine.
     * @param holder  the domain that holds the message (and asks for the copy).
     * @param message the held message.
     * @param to      the domain whose space receives the bytes.
     * @param address first byte of the destination range, at least {@code message.length()} bytes, writable by it.
     */
    public static void copyPieces(final Kernel kernel, final Domain holder, final Message message, final Domain to,
        final long address)
    {
        long at = address;
        for (int i = 0, n = message.pieceCount(); i < n; i++)
        {
            final int piece = message.pieceLength(i);
            kernel.copy(holder, holder, message.pieceAddress(i), to, at, piece);
            at += piece;
        }
    }
}

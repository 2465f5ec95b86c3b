package io.barge.core.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The waiting forms of the sender's calls ({@link Sender#awaitClaim}, {@link Sender#tryClaim(int, Claim, long,
 * TimeUnit)}, {@link Sender#forward(Message, long, TimeUnit)}) and {@link Receiver#transferTo}. A sender waits by retrying
 * with a back-off (spin, yield, then parks doubling from {@link #MIN_PARK_NS} to {@link #MAX_PARK_NS}), not on a
 * waitset as {@link Receiver#receive(Message, long, TimeUnit)} does: {@link Sender#registerForSpace} cannot be
 * cancelled, so a wait that timed out would leave a registration behind. The back-off lives in locals, so a wait
 * allocates nothing, and a close from another thread ends it at the next retry.
 */
final class Waits
{
    /** First park once spinning and yielding found no room. */
    static final long MIN_PARK_NS = 1_000L;
    /** Longest park between retries: bounds how late a waiting sender sees room (or a close). */
    static final long MAX_PARK_NS = 100_000L;
    private static final int SPINS = 64;
    private static final int YIELDS = 8;
    /** How long {@link #transferTo} waits at a time; it then simply waits again. */
    private static final long TRANSFER_WAIT_MS = 1_000L;

    private Waits()
    {
    }

    static int claim(final Sender sender, final int length, final Claim claim, final long timeout,
        final TimeUnit unit)
    {
        final long deadline = deadline("claim", timeout, unit);
        for (int round = 0; ; round++)
        {
            if (sender.tryClaim(length, claim) == Status.OK)
            {
                return Status.OK;
            }
            if (!backOff(round, deadline, timeout))
            {
                return Status.BACK_PRESSURED;
            }
        }
    }

    static int forward(final Sender sender, final Message message, final long timeout, final TimeUnit unit)
    {
        final long deadline = deadline("forward", timeout, unit);
        for (int round = 0; ; round++)
        {
            if (sender.forward(message) == Status.OK)
            {
                return Status.OK;
            }
            if (!backOff(round, deadline, timeout))
            {
                return Status.BACK_PRESSURED;
            }
        }
    }

    static long transferTo(final Receiver in, final Sender out)
    {
        if (out == null || out.domain() != in.domain())
        {
            throw new IllegalArgumentException("transferTo: the sender must be of this receiver's domain " +
                in.domain() + ", got " + (out == null ? "null" : "one of " + out.domain()));
        }
        final Message message = in.newMessage();
        long forwarded = 0;
        while (true)
        {
            final int status = in.receive(message, TRANSFER_WAIT_MS, TimeUnit.MILLISECONDS);
            if (status == Status.END_OF_STREAM)
            {
                out.finish();
                return forwarded;
            }
            if (status == Status.OK)
            {
                try
                {
                    while (forward(out, message, TRANSFER_WAIT_MS, TimeUnit.MILLISECONDS) != Status.OK)
                    {
                        // Back pressured all along: the message is still held, unchanged; wait on.
                    }
                }
                catch (final RuntimeException ex)
                {
                    releaseAfterFailure(in, message, ex);
                    throw ex;
                }
                forwarded++;
            }
        }
    }

    /** The forward threw with the message still held: give it back rather than keep it, if the channel still can. */
    private static void releaseAfterFailure(final Receiver in, final Message message, final RuntimeException ex)
    {
        if (message.isHeld())
        {
            try
            {
                in.release(message);
            }
            catch (final RuntimeException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
        }
    }

    private static long deadline(final String operation, final long timeout, final TimeUnit unit)
    {
        if (unit == null || timeout < 0)
        {
            throw new IllegalArgumentException(operation + ": timeout=" + timeout + " unit=" + unit +
                ": a timeout >= 0 and a unit are needed");
        }
        // Wrap-safe: only differences of nanoTime values are compared, and a wait of ~146 years stands for "forever".
        return System.nanoTime() + Math.min(unit.toNanos(timeout), Long.MAX_VALUE >> 1);
    }

    /**
     * @return false once the deadline has passed (at once for a zero timeout: one try only).
     */
    private static boolean backOff(final int round, final long deadline, final long timeout)
    {
        final long remaining = deadline - System.nanoTime();
        if (timeout == 0 || remaining <= 0)
        {
            return false;
        }
        if (round < SPINS)
        {
            Thread.onSpinWait();
        }
        else if (round < SPINS + YIELDS)
        {
            Thread.yield();
        }
        else
        {
            final long park = MIN_PARK_NS << Math.min(round - SPINS - YIELDS, 7); // 1 us .. 128 us
            LockSupport.parkNanos(Math.min(remaining, Math.min(park, MAX_PARK_NS)));
        }
        return true;
    }
}

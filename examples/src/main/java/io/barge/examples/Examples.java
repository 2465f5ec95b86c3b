package io.barge.examples;

import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.Executor;

/**
 * What the examples share: the message size, the last domain's checking loop, a thread per domain, a check that
 * fails loudly. Message {@code seq} carries {@code seq} in its first word and {@code (byte)seq} in every other
 * byte; the consumer checks both, the bytes by the sum of the message's words ({@link Message#touch()}, the
 * routine the benchmarks use), so that a lost, repeated, reordered or partly written message fails.
 */
final class Examples
{
    /** Message size of the examples: 64 KiB, a multiple of 8 so the sum is over whole words. */
    static final int SIZE = 64 * 1024;
    /**
     * Runs each task on a thread of its own: one per domain, as a real system would have. Not the common pool,
     * whose one worker on a 2-core machine would run a pipeline's stages one after the other, never together.
     */
    static final Executor NEW_THREAD = task -> new Thread(task).start();
    private static final long ONES = 0x0101_0101_0101_0101L;

    private Examples()
    {
    }

    /**
     * Polls until {@code count} messages have arrived, checking and releasing each; runs on the receiving domain's
     * thread and allocates nothing per message.
     *
     * @param receiver the receiving end.
     * @param count    messages expected.
     * @return {@code count}.
     * @throws IllegalStateException naming the sequence number of the first wrong message.
     */
    static long consume(final Receiver receiver, final long count)
    {
        final Message message = receiver.newMessage();
        final IdleStrategy idle = new BackoffIdleStrategy();
        long seq = 0;
        while (seq < count)
        {
            if (receiver.poll(message) != Status.OK)
            {
                idle.idle(); // nothing yet: back off (spin, yield, then park) instead of burning the core
                continue;
            }
            idle.reset();
            check(message.length() == SIZE && message.getLong(0) == seq, "wrong length or sequence; expected", seq);
            // The seq word plus SIZE / 8 - 1 words of eight (byte)seq bytes; sums wrap alike on both sides.
            check(message.touch() == seq + (seq & 0xFF) * ONES * (SIZE / 8 - 1), "wrong checksum at", seq);
            receiver.release(message); // the memory goes back to the transport for the next claim
            seq++;
        }
        return seq;
    }

    /**
     * @param ok    the condition.
     * @param what  what broke, for the message.
     * @param value the number that says where.
     * @throws IllegalStateException with {@code what value} unless {@code ok}.
     */
    static void check(final boolean ok, final String what, final long value)
    {
        if (!ok)
        {
            throw new IllegalStateException(what + " " + value);
        }
    }
}

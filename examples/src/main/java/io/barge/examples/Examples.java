package io.barge.examples;

import io.barge.core.Touch;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What the examples share: the message size, the last domain's checking loop, a thread per domain, a check that
 * fails loudly. Message {@code seq} carries {@code seq} in its first word and {@code (byte)seq} in every other
 * byte; the consumer checks both, the bytes by the sum of the message's words (over {@link Message#buffer(int)}
 * views, with {@link Touch#sumLongs}, the routine the benchmarks use), so that a lost, repeated, reordered or
 * partly written message fails.
 */
final class Examples
{
    /** Message size of the examples: 64 KiB, a multiple of 8 so the sum is over whole words. */
    static final int SIZE = 64 * 1024;
    /**
     * Runs each task on a thread of its own: one per domain, as a real system would have. Not the common pool,
     * whose one worker on a 2-core machine would run a pipeline's stages one after the other, never together.
     */
    private static final Executor NEW_THREAD = task -> new Thread(task).start();
    private static final long ONES = 0x0101_0101_0101_0101L;

    private Examples()
    {
    }

    /**
     * @param domainLoop what one domain's thread does.
     * @param <T>        its result.
     * @return the loop's result (or its failure), once it has run on a new thread of its own.
     */
    static <T> CompletableFuture<T> onNewThread(final Supplier<T> domainLoop)
    {
        return CompletableFuture.supplyAsync(domainLoop, NEW_THREAD);
    }

    /**
     * The last domain's loop: hands messages to a {@link SequenceChecker} until the sender's end of stream; runs on
     * the receiving domain's thread and allocates nothing per message.
     *
     * @param receiver the receiving end.
     * @return messages checked.
     * @throws IllegalStateException naming the sequence number of the first wrong message.
     */
    static long consume(final Receiver receiver)
    {
        return pollUntilEnd(receiver, new SequenceChecker());
    }

    /**
     * Hands every message to {@code handler}, up to 16 a call, until the sender's end of stream.
     *
     * @param receiver the receiving end.
     * @param handler  told of each message; the receiver releases it afterwards unless the handler did.
     * @return messages handled.
     */
    static long pollUntilEnd(final Receiver receiver, final MessageHandler handler)
    {
        final IdleStrategy idle = new BackoffIdleStrategy();
        long messages = 0;
        int work;
        while ((work = receiver.poll(handler, 16)) != Status.END_OF_STREAM)
        {
            idle.idle(work); // none: back off (spin, yield, then park); some: start again from spinning
            messages += work;
        }
        return messages;
    }

    /** Checks each message in turn; the receiver releases it once {@code onMessage} returns. */
    static final class SequenceChecker implements MessageHandler
    {
        private long next;

        @Override
        public void onMessage(final Message message)
        {
            final long seq = next;
            check(message.length() == SIZE && message.getLong(0) == seq, "wrong length or sequence; expected", seq);
            long sum = 0;
            for (int i = 0; i < message.pieceCount(); i++)
            {
                final DirectBuffer piece = message.buffer(i); // an Agrona view of the piece, checked once
                sum += Touch.sumLongs(piece, 0, piece.capacity());
            }
            // The seq word plus SIZE / 8 - 1 words of eight (byte)seq bytes; sums wrap alike on both sides.
            check(sum == seq + (seq & 0xFF) * ONES * (SIZE / 8 - 1), "wrong checksum at", seq);
            next = seq + 1;
        }
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

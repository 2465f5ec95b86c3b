package io.barge.bench.core;

import io.barge.core.Kernel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.CompilerControl;

import java.util.Map;

/**
 * What the one-thread throughput benchmarks share: one message across a channel (claim, first word, commit, bounded
 * poll), the private buffer of the bare-read reference, and transport names with one option folded in
 * ({@code rbufs-tmm}, {@code xen-persistent}).
 */
public final class Crossing
{
    /** Polls after a commit before the benchmark calls the channel broken. */
    public static final int MAX_POLLS = 1_000_000;

    private Crossing()
    {
    }

    /**
     * Sends one message of {@code size} bytes carrying {@code sequence} in its first word and takes it into
     * {@code message}, held.
     *
     * @param sender   the sending end, nothing in flight.
     * @param claim    its claim flyweight.
     * @param receiver the receiving end.
     * @param message  a released flyweight.
     * @param size     message length.
     * @param sequence the first word.
     * @throws IllegalStateException if the send is back pressured or the message does not arrive.
     */
    public static void sendAndReceive(final Sender sender, final Claim claim, final Receiver receiver,
        final Message message, final int size, final long sequence)
    {
        if (sender.tryClaim(size, claim) != Status.OK)
        {
            throw new IllegalStateException("back pressured with nothing in flight");
        }
        claim.putLong(0, sequence);
        sender.commit(claim);
        int polls = 0;
        while (receiver.poll(message) != Status.OK)
        {
            if (++polls == MAX_POLLS)
            {
                throw new IllegalStateException("committed but not received after " + polls + " polls");
            }
        }
    }

    /**
     * What a producing source does to each message of a cross-process row with {@code fill}: writes every word
     * (the sequence plus the word's offset), so every line the receiver reads was written for this message by the
     * sending process's core. The same loop for every transport: in place for a zero-copy one, into the private
     * buffer that a copying one then copies.
     *
     * @param buffer   where the message is.
     * @param offset   where in it the message starts.
     * @param length   its bytes (whole words are written).
     * @param sequence the message's sequence number.
     */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // compiled alone, the same way in every sending process
    public static void fill(final MutableDirectBuffer buffer, final int offset, final int length, final long sequence)
    {
        for (int i = 0; i + 8 <= length; i += 8)
        {
            buffer.putLong(offset + i, sequence + i);
        }
    }

    /**
     * Writes a message as every sending side of the streaming benchmarks does: every word ({@link #fill}) or, when
     * not filling, only the first word, the sequence.
     *
     * @param buffer   the message's buffer.
     * @param offset   the message's first byte.
     * @param length   its bytes.
     * @param sequence the message's number.
     * @param fill     whether every word is written.
     */
    public static void write(final MutableDirectBuffer buffer, final int offset, final int length, final long sequence,
        final boolean fill)
    {
        if (fill)
        {
            fill(buffer, offset, length, sequence);
        }
        else
        {
            buffer.putLong(offset, sequence);
        }
    }

    /**
     * @param size bytes.
     * @return a page-aligned off-heap buffer of that size, its words filled (so the bare read sums real data).
     */
    public static UnsafeBuffer privateBuffer(final int size)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(size, 4096));
        for (int i = 0; i + 8 <= size; i += 8)
        {
            buffer.putLong(i, i);
        }
        return buffer;
    }

    /**
     * @param kernel the machine.
     * @param name   {@code <family>-<value>} for the one option {@code key} of {@code family}, or a plain name.
     * @param family the transport with that option.
     * @param key    its option.
     * @return the transport.
     */
    public static Transport open(final Kernel kernel, final String name, final String family, final String key)
    {
        final String prefix = family + "-";
        if (name.startsWith(prefix))
        {
            return Transports.create(kernel, family, Map.of(key, name.substring(prefix.length())));
        }
        return Transports.create(kernel, name, Map.of());
    }
}

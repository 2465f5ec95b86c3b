package io.barge.bench.core;

import io.barge.core.machine.ChannelTableDescriptor;
import io.barge.core.machine.MachineFileDescriptor;
import io.barge.core.machine.MachineFileException;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.IntPredicate;

/**
 * A read-only view of a machine file's channel table ({@link ChannelTableDescriptor}), so that a pipeline stage can
 * find the channel its downstream created to it: {@code MachineClient} keeps its own mapping of the table private.
 * The header is copied once and checked before the table is mapped; every slot is copied under the table's
 * sequence lock and nothing of it is trusted (the stage still opens the channel through {@code MachineClient},
 * which checks the entry again against the kernel's memory file).
 * <p>
 * Not thread safe: one stage thread.
 */
public final class ChannelTableView implements AutoCloseable
{
    /** One channel as the table showed it; values unchecked. */
    public record Entry(int channelId, int senderDomain, int receiverDomain, int maxMessageLength, int senderEnd,
        int receiverEnd)
    {
        /**
         * @return whether neither end has closed or died.
         */
        public boolean bothEndsOpen()
        {
            return senderEnd == ChannelTableDescriptor.END_OPEN && receiverEnd == ChannelTableDescriptor.END_OPEN;
        }
    }

    private static final int READ_ATTEMPTS = 100;

    private final FileChannel channel;
    private final UnsafeBuffer table;

    private ChannelTableView(final FileChannel channel, final UnsafeBuffer table)
    {
        this.channel = channel;
        this.table = table;
    }

    /**
     * Maps the channel table of the machine file in a directory, read-only.
     *
     * @param directory the machine's directory.
     * @return the view; close it when done.
     * @throws MachineFileException if the file cannot be read or fails its header check.
     */
    public static ChannelTableView attach(final Path directory)
    {
        final Path file = directory.resolve(MachineFileDescriptor.FILE_NAME);
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            final long size = channel.size();
            final ByteBuffer copy = ByteBuffer.allocate(MachineFileDescriptor.HEADER_FIELDS_LENGTH);
            while (copy.hasRemaining() && channel.read(copy, copy.position()) > 0)
            {
                // copied once, then checked
            }
            final UnsafeBuffer fields = new UnsafeBuffer(copy.array());
            MachineFileDescriptor.checkHeader(fields, size, file.toString());
            final UnsafeBuffer table = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_ONLY,
                MachineFileDescriptor.channelTableOffset(fields),
                fields.getInt(MachineFileDescriptor.CHANNEL_TABLE_LENGTH_OFFSET)));
            return new ChannelTableView(channel, table);
        }
        catch (final IOException ex)
        {
            close(channel);
            throw new MachineFileException(MachineFileException.Reason.IO, file + ": cannot read: " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            close(channel);
            throw ex;
        }
    }

    /**
     * Finds the newest channel out of a domain with both ends open: the one a downstream stage created last
     * (channel ids are never reused, so the highest is the newest).
     *
     * @param senderDomain the sending domain.
     * @param skipped      channel ids to pass over (ones this stage gave up).
     * @return the channel, or null if there is none.
     */
    public Entry newestOpenFrom(final int senderDomain, final IntPredicate skipped)
    {
        Entry newest = null;
        for (int slot = 0, slots = ChannelTableDescriptor.slots(table.capacity()); slot < slots; slot++)
        {
            final Entry entry = readSlot(slot);
            if (entry != null && entry.senderDomain() == senderDomain && entry.bothEndsOpen() &&
                !skipped.test(entry.channelId()) && (newest == null || entry.channelId() > newest.channelId()))
            {
                newest = entry;
            }
        }
        return newest;
    }

    /**
     * Copies a slot under the sequence lock (the reader's side of {@link ChannelTableDescriptor}'s protocol).
     *
     * @return the open channel in it, or null if it is free or kept changing.
     */
    Entry readSlot(final int slot)
    {
        final int base = ChannelTableDescriptor.slotOffset(slot);
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++)
        {
            // Acquire: an even sequence seen here means the fields below are the kernel's from before it.
            final long before = table.getLongAcquire(base + ChannelTableDescriptor.SEQUENCE_OFFSET);
            if ((before & 1) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            final int state = table.getInt(base + ChannelTableDescriptor.STATE_OFFSET);
            final Entry entry = new Entry(table.getInt(base + ChannelTableDescriptor.CHANNEL_ID_OFFSET),
                table.getInt(base + ChannelTableDescriptor.SENDER_DOMAIN_OFFSET),
                table.getInt(base + ChannelTableDescriptor.RECEIVER_DOMAIN_OFFSET),
                table.getInt(base + ChannelTableDescriptor.MAX_MESSAGE_LENGTH_OFFSET),
                table.getInt(base + ChannelTableDescriptor.SENDER_END_OFFSET),
                table.getInt(base + ChannelTableDescriptor.RECEIVER_END_OFFSET));
            VarHandle.loadLoadFence(); // the copies are read before the sequence is read again
            if (table.getLong(base + ChannelTableDescriptor.SEQUENCE_OFFSET) == before)
            {
                return state == ChannelTableDescriptor.STATE_OPEN ? entry : null;
            }
        }
        return null;
    }

    /**
     * Closes the file (the read-only mapping goes with the garbage collector).
     */
    @Override
    public void close()
    {
        close(channel);
    }

    private static void close(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing left to release
            }
        }
    }
}

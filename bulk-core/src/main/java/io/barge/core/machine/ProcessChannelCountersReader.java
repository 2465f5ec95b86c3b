package io.barge.core.machine;

import io.barge.core.PhysicalMemoryDescriptor;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the counters of every channel between client processes, for {@link MachineReader#snapshot()}: walks the
 * channel table, maps each channel's header frame of the kernel's memory file read-only (once per frame) and reads
 * the ends' counters there ({@link ProcessChannelDescriptor}). Nothing read is trusted: a table entry whose frame is
 * outside the memory file, or whose header does not name the channel (freed and reused meanwhile), is left out.
 */
final class ProcessChannelCountersReader implements AutoCloseable
{
    private final Path memoryFile;
    private final AtomicBuffer channelTable;
    private final Int2ObjectHashMap<UnsafeBuffer> headerByFrame = new Int2ObjectHashMap<>();
    private FileChannel memory;
    private int frameSize;
    private int frameCount;

    ProcessChannelCountersReader(final Path memoryFile, final AtomicBuffer channelTable)
    {
        this.memoryFile = memoryFile;
        this.channelTable = channelTable;
    }

    /**
     * @return a group per open channel (kind {@link MachineSnapshot#KIND_PROCESS_CHANNEL}, named by its kind only:
     *         the snapshot adds the domains' names), empty if the kernel has no memory file.
     * @throws MachineFileException if the memory file cannot be read or fails its header check.
     */
    List<MachineSnapshot.Group> read()
    {
        final List<MachineSnapshot.Group> groups = new ArrayList<>();
        for (int slot = 0, slots = ChannelTableDescriptor.slots(channelTable.capacity()); slot < slots; slot++)
        {
            if (ChannelTableDescriptor.channelIdAcquire(channelTable, slot) == 0)
            {
                continue;
            }
            final ChannelEntry channel = ChannelTableDescriptor.readSlot(channelTable, slot);
            if (channel == null || !openMemory())
            {
                continue;
            }
            final UnsafeBuffer header = header(channel.firstFrame);
            if (header == null ||
                header.getLongAcquire(ProcessChannelDescriptor.MAGIC_OFFSET) != ProcessChannelDescriptor.MAGIC ||
                header.getInt(ProcessChannelDescriptor.VERSION_OFFSET) != ProcessChannelDescriptor.VERSION ||
                header.getInt(ProcessChannelDescriptor.CHANNEL_ID_OFFSET) != channel.channelId)
            {
                continue;
            }
            final int kind = header.getInt(ProcessChannelDescriptor.KIND_OFFSET);
            final int count = kind == ProcessChannelDescriptor.KIND_RBUFS ||
                kind == ProcessChannelDescriptor.KIND_FBUFS ?
                ProcessChannelDescriptor.COUNTER_OFFSETS.length : ProcessChannelDescriptor.RING_COUNTERS;
            final List<MachineSnapshot.Counter> counters = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                counters.add(new MachineSnapshot.Counter(-1, ProcessChannelDescriptor.COUNTER_TYPE_IDS[i],
                    ProcessChannelDescriptor.COUNTER_LABELS[i],
                    ProcessChannelDescriptor.counterAcquire(header, ProcessChannelDescriptor.COUNTER_OFFSETS[i])));
            }
            groups.add(new MachineSnapshot.Group(MachineSnapshot.KIND_PROCESS_CHANNEL, channel.senderDomain,
                ProcessChannelDescriptor.kindName(kind), channel.channelId, channel.receiverDomain,
                List.copyOf(counters)));
        }
        return groups;
    }

    private UnsafeBuffer header(final int frame)
    {
        if (frame < 0 || frame >= frameCount)
        {
            return null;
        }
        UnsafeBuffer header = headerByFrame.get(frame);
        if (header == null)
        {
            try
            {
                header = new UnsafeBuffer(memory.map(FileChannel.MapMode.READ_ONLY,
                    PhysicalMemoryDescriptor.frameOffset(frame, frameSize), ProcessChannelDescriptor.HEADER_FIELDS_LENGTH));
            }
            catch (final IOException ex)
            {
                throw new MachineFileException(MachineFileException.Reason.IO, memoryFile + ": cannot map frame " +
                    frame + ": " + ex, ex);
            }
            headerByFrame.put(frame, header);
        }
        return header;
    }

    /** @return whether the memory file is open (false: there is none, so no channel has frames to read). */
    private boolean openMemory()
    {
        if (memory != null)
        {
            return true;
        }
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(memoryFile, StandardOpenOption.READ);
            final ByteBuffer copy = ByteBuffer.allocate(PhysicalMemoryDescriptor.HEADER_FIELDS_LENGTH);
            while (copy.hasRemaining() && channel.read(copy, copy.position()) > 0)
            {
                // copied once, then validated
            }
            final UnsafeBuffer fields = new UnsafeBuffer(copy.array());
            PhysicalMemoryDescriptor.checkHeader(fields, copy.hasRemaining() ? copy.position() : channel.size(),
                memoryFile.toString());
            frameSize = fields.getInt(PhysicalMemoryDescriptor.FRAME_SIZE_OFFSET);
            frameCount = fields.getInt(PhysicalMemoryDescriptor.FRAME_COUNT_OFFSET);
            memory = channel;
            return true;
        }
        catch (final NoSuchFileException ex)
        {
            return false;
        }
        catch (final IOException ex)
        {
            MachineReader.closeQuietly(channel);
            throw new MachineFileException(MachineFileException.Reason.IO, memoryFile + ": cannot read: " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            MachineReader.closeQuietly(channel);
            throw ex;
        }
    }

    /** Closes the memory file; the read-only mappings go with the garbage collector, as the reader's own. */
    @Override
    public void close()
    {
        MachineReader.closeQuietly(memory);
    }
}

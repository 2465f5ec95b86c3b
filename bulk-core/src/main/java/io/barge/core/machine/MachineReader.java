package io.barge.core.machine;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static io.barge.core.machine.MachineFileDescriptor.*;

/**
 * A read-only view of a machine file, from any process: the kernel's liveness ({@link #status()}) and its counters
 * ({@link #counters()}, an Agrona {@link CountersReader}; {@link #snapshot()} names them by domain and channel).
 * It maps the file read-only and never writes to it.
 * <p>
 * Attaching copies the header once and checks it ({@link MachineFileDescriptor#checkHeader}) before anything is
 * mapped. Every later read first checks that the file still has its length, so that a file truncated under the
 * reader gives a {@link MachineFileException} rather than a fault; a truncation racing that check surfaces as the
 * JVM's {@link InternalError} for a faulting mapped access, which {@link #snapshot()} turns into the same typed
 * error.
 * <p>
 * Not thread safe: one reader per thread.
 */
public final class MachineReader implements AutoCloseable
{
    private final Path file;
    private final FileChannel channel;
    private final long length;
    private final UnsafeBuffer header;
    private final CountersReader counters;
    private final UnsafeBuffer clientTable;
    private final ProcessChannelCountersReader channels;

    private MachineReader(final Path file, final FileChannel channel, final long length, final MappedByteBuffer map,
        final UnsafeBuffer fields)
    {
        this.file = file;
        this.channel = channel;
        this.length = length;
        this.header = new UnsafeBuffer(map, 0, HEADER_LENGTH);
        this.clientTable = new UnsafeBuffer(map, clientTableOffset(fields), fields.getInt(CLIENT_TABLE_LENGTH_OFFSET));
        this.channels = new ProcessChannelCountersReader(file.resolveSibling(MEMORY_FILE_NAME),
            new UnsafeBuffer(map, channelTableOffset(fields), fields.getInt(CHANNEL_TABLE_LENGTH_OFFSET)));
        final int metaDataOffset = countersMetaDataOffset(fields);
        final int metaDataLength = fields.getInt(COUNTERS_METADATA_LENGTH_OFFSET);
        final int valuesOffset = countersValuesOffset(fields);
        final int valuesLength = fields.getInt(COUNTERS_VALUES_LENGTH_OFFSET);
        this.counters = new CountersReader(new UnsafeBuffer(map, metaDataOffset, metaDataLength),
            new UnsafeBuffer(map, valuesOffset, valuesLength));
    }

    /**
     * Attaches to the machine file in a directory.
     *
     * @param directory the machine's directory.
     * @return a reader; close it when done.
     * @throws MachineFileException if there is no file, or it fails a header check.
     */
    public static MachineReader attach(final Path directory)
    {
        final Path file = directory.resolve(FILE_NAME);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        }
        catch (final NoSuchFileException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.NOT_FOUND, "no Barge machine in " +
                directory + " (no " + FILE_NAME + ")", ex);
        }
        catch (final IOException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.IO, file + ": cannot open: " + ex, ex);
        }
        try
        {
            return attach(file, channel);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(channel);
            throw ex;
        }
    }

    private static MachineReader attach(final Path file, final FileChannel channel)
    {
        try
        {
            final UnsafeBuffer fields = readHeader(file, channel);
            final long fileLength = fileLength(fields);
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, fileLength);
            return new MachineReader(file, channel, fileLength, map, fields);
        }
        catch (final IOException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.IO, file + ": cannot read: " + ex, ex);
        }
    }

    /**
     * Copies a machine file's header fields once into private memory and checks them: the file is another
     * process's.
     *
     * @param file    the file, for messages.
     * @param channel open on it.
     * @return the checked copy.
     * @throws IOException          if the file cannot be read.
     * @throws MachineFileException if the header fails a check.
     */
    static UnsafeBuffer readHeader(final Path file, final FileChannel channel) throws IOException
    {
        final long size = channel.size();
        final ByteBuffer copy = ByteBuffer.allocate(HEADER_FIELDS_LENGTH);
        int read;
        do
        {
            read = channel.read(copy, copy.position()); // until the fields are in or the file ends
        }
        while (read > 0 && copy.hasRemaining());
        final UnsafeBuffer fields = new UnsafeBuffer(copy.array());
        checkHeader(fields, size, file.toString());
        return fields;
    }

    /**
     * @return the machine file.
     */
    public Path file()
    {
        return file;
    }

    /**
     * @return the kernel's liveness now.
     * @throws MachineFileException if the file has been truncated since the attach.
     */
    public MachineStatus status()
    {
        checkLength();
        try
        {
            return statusOf(header, System.currentTimeMillis());
        }
        catch (final InternalError ex)
        {
            throw truncated(ex);
        }
    }

    static MachineStatus statusOf(final UnsafeBuffer header, final long nowMs)
    {
        final int state = stateVolatile(header);
        final long heartbeat = heartbeatVolatile(header);
        final long pid = header.getLong(KERNEL_PID_OFFSET);
        return new MachineStatus(state, pid, header.getLong(START_TIMESTAMP_OFFSET), heartbeat,
            header.getLong(HEARTBEAT_TIMEOUT_OFFSET), nowMs, MachineStatus.isProcessAlive(pid));
    }

    /**
     * @return the clients attached now, by slot, each copied consistently from the client table.
     * @throws MachineFileException if the file has been truncated since the attach.
     */
    public List<MachineClientInfo> clients()
    {
        checkLength();
        try
        {
            final List<MachineClientInfo> clients = new ArrayList<>();
            for (int slot = 0, slots = ClientTableDescriptor.slots(clientTable.capacity()); slot < slots; slot++)
            {
                final MachineClientInfo client = ClientTableDescriptor.readSlot(clientTable, slot);
                if (client != null)
                {
                    clients.add(client);
                }
            }
            return clients;
        }
        catch (final InternalError ex)
        {
            throw truncated(ex);
        }
    }

    /**
     * @return the counters, read straight from the mapping (check {@link #status()} for the file's health).
     */
    public CountersReader counters()
    {
        return counters;
    }

    /**
     * Reads every counter once, grouped by domain and channel: the kernel's counters in the machine file, and the
     * counters each channel between client processes keeps in its own frames of the memory file.
     *
     * @return the snapshot.
     * @throws MachineFileException if the file has been truncated since the attach, or the memory file cannot be
     *                              read.
     * @throws io.barge.core.MemoryFileFormatException if the memory file fails its header check.
     */
    public MachineSnapshot snapshot()
    {
        final MachineStatus status = status();
        try
        {
            final MachineSnapshot snapshot = MachineSnapshot.read(status, counters, clients(), channels.read());
            checkLength();
            return snapshot;
        }
        catch (final InternalError ex)
        {
            throw truncated(ex);
        }
    }

    private void checkLength()
    {
        final long size;
        try
        {
            size = channel.size();
        }
        catch (final IOException ex)
        {
            throw new MachineFileException(MachineFileException.Reason.IO, file + ": cannot read: " + ex, ex);
        }
        if (size < length)
        {
            throw new MachineFileException(MachineFileException.Reason.TRUNCATED, file + ": length=" + size +
                " is shorter than the " + length + " bytes it had when attached");
        }
    }

    private MachineFileException truncated(final InternalError ex)
    {
        return new MachineFileException(MachineFileException.Reason.TRUNCATED, file + ": a mapped read faulted " +
            "(the file shrank under the reader)", ex);
    }

    /**
     * Closes the file. The read-only mapping is left to the garbage collector rather than unmapped, so that a
     * {@link CountersReader} still held by the caller reads stale values instead of faulting.
     */
    @Override
    public void close()
    {
        channels.close();
        closeQuietly(channel);
    }

    static void closeQuietly(final FileChannel channel)
    {
        if (channel == null)
        {
            return;
        }
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // nothing more to release
        }
    }

    static boolean exists(final Path directory)
    {
        return Files.exists(directory.resolve(FILE_NAME));
    }
}

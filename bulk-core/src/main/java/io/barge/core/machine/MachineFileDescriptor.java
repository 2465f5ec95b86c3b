package io.barge.core.machine;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Layout of a machine file: the state of a running Barge machine that other processes read and share, in the way
 * Aeron's CnC file holds a media driver's: the kernel's identity and liveness, the command ring and broadcast buffer
 * between the kernel and client processes, the client and channel tables, and the cost counters. Version 3 added
 * the channel table (channels between client processes, their frames in {@link #MEMORY_FILE_NAME}).
 * <p>
 * File, every section a whole number of 4 KiB pages so that each starts page aligned:
 * <pre>
 *   +------------------------------+ 0
 *   |  Header (one page)           |
 *   +------------------------------+ HEADER_LENGTH
 *   |  To-kernel command ring      |  To-kernel Ring Length bytes: an Agrona ManyToOneRingBuffer of
 *   |                              |  (length - PAGE_LENGTH) bytes, a power of two, its trailer in the last page
 *   +------------------------------+ toDomainsBufferOffset
 *   |  To-domains broadcast        |  To-domains Buffer Length bytes: an Agrona broadcast buffer, laid out alike
 *   +------------------------------+ clientTableOffset
 *   |  Client table                |  Client Table Length bytes: ClientTableDescriptor slots
 *   +------------------------------+ channelTableOffset
 *   |  Channel table               |  Channel Table Length bytes: ChannelTableDescriptor slots (version 3)
 *   +------------------------------+ countersMetaDataOffset
 *   |  Counters metadata           |  Agrona CountersManager metadata records, 512 bytes a counter
 *   +------------------------------+ countersValuesOffset
 *   |  Counters values             |  Agrona CountersManager values, 128 bytes a counter
 *   +------------------------------+ fileLength
 * </pre>
 * Header:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Magic (64)                    [KERNEL] |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       Version (32)                   [KERNEL] |  8
 *  +---------------------------------------------------------------+
 *  |                    Header Length (32)                [KERNEL] |  12
 *  +---------------------------------------------------------------+
 *  |                 To-kernel Ring Length (32)           [KERNEL] |  16
 *  +---------------------------------------------------------------+
 *  |                To-domains Buffer Length (32)         [KERNEL] |  20
 *  +---------------------------------------------------------------+
 *  |               Counters Metadata Length (32)          [KERNEL] |  24
 *  +---------------------------------------------------------------+
 *  |                Counters Values Length (32)           [KERNEL] |  28
 *  +---------------------------------------------------------------+
 *  |                      Kernel PID (64)                 [KERNEL] |  32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Start Timestamp, epoch ms (64)       [KERNEL] |  40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |               Heartbeat Timestamp, epoch ms (64)     [KERNEL] |  48, written with release every interval
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Heartbeat Timeout, ms (64)           [KERNEL] |  56
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        State (32)                    [KERNEL] |  64, RUNNING, then CLOSED or DAMAGED; release
 *  +---------------------------------------------------------------+
 *  |                 Client Table Length (32)             [KERNEL] |  68
 *  +---------------------------------------------------------------+
 * </pre>
 * The heartbeat timeout is also the clients' liveness timeout: a client whose keepalives the kernel has not seen for
 * that long is declared dead. Who writes the sections: the ring's records [CLIENT] (any attached process, through
 * {@code ManyToOneRingBuffer}) and its head [KERNEL]; the broadcast buffer, the client table and the channel table [KERNEL] only
 * (clients map them read-only); the counters [KERNEL].
 * Creation protocol (the kernel, holding the directory's lock file):
 * <ol>
 *   <li>Creates the file under a temporary name at its full length (zeros: Agrona's empty counters).</li>
 *   <li>Writes every header field with plain stores, then the magic with release: a reader that sees the magic
 *       sees the fields it guards.</li>
 *   <li>Renames the file to its final name atomically, so that a reader never opens a half-written file and a
 *       reader still mapping an older machine's file keeps reading that one.</li>
 * </ol>
 * A reader copies the header once, validates it against the file's real length ({@link #checkHeader}), and only
 * then maps the sections.
 */
public final class MachineFileDescriptor
{
    /** "BARGEMCH" in ASCII, little-endian. */
    public static final long MAGIC = 0x48434D4547524142L;
    /**
     * Bumped whenever the layout changes, or the messages on its ring and broadcast buffer
     * ({@link ControlProtocolDescriptor}; 4: commands carry an attempt and a MAC, attach trades public keys), so that
     * a client of another version is refused on attach with a typed error instead of misreading the protocol.
     */
    public static final int VERSION = 4;

    /** The kernel runs and heartbeats. */
    public static final int STATE_RUNNING = 1;
    /** The kernel closed normally; the counters are its last. */
    public static final int STATE_CLOSED = 2;
    /** The kernel found its file truncated under it and grew it back: counters incomplete, heartbeat stopped. */
    public static final int STATE_DAMAGED = 3;

    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the header length. */
    public static final int HEADER_LENGTH_OFFSET = 12;
    /** Offset of the to-kernel command ring's length. */
    public static final int TO_KERNEL_RING_LENGTH_OFFSET = 16;
    /** Offset of the to-domains broadcast buffer's length. */
    public static final int TO_DOMAINS_BUFFER_LENGTH_OFFSET = 20;
    /** Offset of the counters metadata section's length. */
    public static final int COUNTERS_METADATA_LENGTH_OFFSET = 24;
    /** Offset of the counters values section's length. */
    public static final int COUNTERS_VALUES_LENGTH_OFFSET = 28;
    /** Offset of the kernel's process id. */
    public static final int KERNEL_PID_OFFSET = 32;
    /** Offset of the kernel's start time. */
    public static final int START_TIMESTAMP_OFFSET = 40;
    /** Offset of the kernel's last heartbeat. */
    public static final int HEARTBEAT_TIMESTAMP_OFFSET = 48;
    /** Offset of the heartbeat timeout. */
    public static final int HEARTBEAT_TIMEOUT_OFFSET = 56;
    /** Offset of the state. */
    public static final int STATE_OFFSET = 64;
    /** Offset of the client table's length. */
    public static final int CLIENT_TABLE_LENGTH_OFFSET = 68;
    /** Offset of the channel table's length. */
    public static final int CHANNEL_TABLE_LENGTH_OFFSET = 72;
    /** Bytes the header fields occupy. */
    public static final int HEADER_FIELDS_LENGTH = 80;
    /** The header takes one page so that the sections after it stay page aligned. */
    public static final int HEADER_LENGTH = 4096;
    /** Every section is a whole number of these. */
    public static final int PAGE_LENGTH = 4096;
    /** Largest file: its offsets must fit in an int. */
    public static final long MAX_FILE_LENGTH = Integer.MAX_VALUE - PAGE_LENGTH + 1;

    /** Bytes of the to-kernel ring's data (its section adds a page for the trailer). */
    public static final int TO_KERNEL_RING_CAPACITY = 64 * 1024;
    /** Bytes of the to-domains broadcast buffer's data (its section adds a page for the trailer). */
    public static final int TO_DOMAINS_BUFFER_CAPACITY = 256 * 1024;
    /** Smallest data capacity of either ring section. */
    public static final int MIN_RING_CAPACITY = 4096;
    /** Clients the table holds. */
    public static final int MAX_CLIENTS = 64;

    /** Name of the machine file in its directory. */
    public static final String FILE_NAME = "machine.dat";
    /** Channels the channel table holds. */
    public static final int MAX_CHANNELS = 64;

    /** Name of the kernel's physical memory file, next to the machine file (a kernel serving client processes). */
    public static final String MEMORY_FILE_NAME = "memory.dat";
    /** Name of the lock file the live kernel holds, next to it. */
    public static final String LOCK_FILE_NAME = "kernel.lock";

    private MachineFileDescriptor()
    {
    }

    /**
     * @param maxCounters counters the file must hold.
     * @return bytes of the values section: {@code maxCounters} values rounded up to whole pages.
     * @throws IllegalArgumentException if {@code maxCounters} is not positive or the file would be too long.
     */
    public static int countersValuesLength(final int maxCounters)
    {
        if (maxCounters < 1)
        {
            throw new IllegalArgumentException("maxCounters=" + maxCounters + " must be positive");
        }
        final long length = align((long)maxCounters * CountersReader.COUNTER_LENGTH);
        if (newFileLength(0) + length * (1 + metaDataPerValue()) > MAX_FILE_LENGTH)
        {
            throw new IllegalArgumentException("maxCounters=" + maxCounters + " makes a machine file over " +
                MAX_FILE_LENGTH + " bytes");
        }
        return (int)length;
    }

    /**
     * @param valuesLength bytes of the values section.
     * @return bytes of the metadata section Agrona needs for as many counters.
     */
    public static int countersMetaDataLength(final int valuesLength)
    {
        return valuesLength * metaDataPerValue();
    }

    private static int metaDataPerValue()
    {
        return CountersReader.METADATA_LENGTH / CountersReader.COUNTER_LENGTH;
    }

    /**
     * @param capacity a ring's data capacity, a power of two.
     * @return bytes of the section that holds it and its trailer.
     */
    public static int ringSectionLength(final int capacity)
    {
        return capacity + PAGE_LENGTH;
    }

    /**
     * @param sectionLength a checked ring section's length.
     * @return the data capacity of the ring in it.
     */
    public static int ringCapacity(final int sectionLength)
    {
        return sectionLength - PAGE_LENGTH;
    }

    /**
     * @return where the to-kernel ring starts.
     */
    public static int toKernelRingOffset()
    {
        return HEADER_LENGTH;
    }

    /**
     * @param header a header.
     * @return where the to-domains broadcast buffer starts.
     */
    public static int toDomainsBufferOffset(final DirectBuffer header)
    {
        return HEADER_LENGTH + header.getInt(TO_KERNEL_RING_LENGTH_OFFSET);
    }

    /**
     * @param header a header.
     * @return where the client table starts.
     */
    public static int clientTableOffset(final DirectBuffer header)
    {
        return toDomainsBufferOffset(header) + header.getInt(TO_DOMAINS_BUFFER_LENGTH_OFFSET);
    }

    /**
     * @param header a header.
     * @return where the channel table starts.
     */
    public static int channelTableOffset(final DirectBuffer header)
    {
        return clientTableOffset(header) + header.getInt(CLIENT_TABLE_LENGTH_OFFSET);
    }

    /**
     * @param header a header.
     * @return where the counters metadata section starts.
     */
    public static int countersMetaDataOffset(final DirectBuffer header)
    {
        return channelTableOffset(header) + header.getInt(CHANNEL_TABLE_LENGTH_OFFSET);
    }

    /**
     * @param header a header.
     * @return where the counters values section starts.
     */
    public static int countersValuesOffset(final DirectBuffer header)
    {
        return countersMetaDataOffset(header) + header.getInt(COUNTERS_METADATA_LENGTH_OFFSET);
    }

    /**
     * @param valuesLength bytes of the values section, from {@link #countersValuesLength(int)}.
     * @return bytes a new machine file takes with this layout's ring and client sections.
     */
    public static long newFileLength(final int valuesLength)
    {
        return (long)HEADER_LENGTH + ringSectionLength(TO_KERNEL_RING_CAPACITY) +
            ringSectionLength(TO_DOMAINS_BUFFER_CAPACITY) + ClientTableDescriptor.tableLength(MAX_CLIENTS) +
            ChannelTableDescriptor.tableLength(MAX_CHANNELS) +
            countersMetaDataLength(valuesLength) + valuesLength;
    }

    /**
     * @param header a checked header.
     * @return bytes the whole file takes.
     */
    public static long fileLength(final DirectBuffer header)
    {
        return (long)HEADER_LENGTH + header.getInt(TO_KERNEL_RING_LENGTH_OFFSET) +
            header.getInt(TO_DOMAINS_BUFFER_LENGTH_OFFSET) + header.getInt(CLIENT_TABLE_LENGTH_OFFSET) +
            header.getInt(CHANNEL_TABLE_LENGTH_OFFSET) +
            header.getInt(COUNTERS_METADATA_LENGTH_OFFSET) + header.getInt(COUNTERS_VALUES_LENGTH_OFFSET);
    }

    /**
     * Writes a new machine's header (creation protocol, step 2).
     *
     * @param buffer       the mapped file, all zeros.
     * @param valuesLength bytes of the values section, from {@link #countersValuesLength(int)}.
     * @param pid          the kernel's process id.
     * @param nowMs        epoch milliseconds: start and first heartbeat.
     * @param timeoutMs    how old a heartbeat may grow before readers call the machine stale.
     */
    public static void writeHeader(final AtomicBuffer buffer, final int valuesLength, final long pid,
        final long nowMs, final long timeoutMs)
    {
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        buffer.putInt(TO_KERNEL_RING_LENGTH_OFFSET, ringSectionLength(TO_KERNEL_RING_CAPACITY));
        buffer.putInt(TO_DOMAINS_BUFFER_LENGTH_OFFSET, ringSectionLength(TO_DOMAINS_BUFFER_CAPACITY));
        buffer.putInt(CLIENT_TABLE_LENGTH_OFFSET, ClientTableDescriptor.tableLength(MAX_CLIENTS));
        buffer.putInt(CHANNEL_TABLE_LENGTH_OFFSET, ChannelTableDescriptor.tableLength(MAX_CHANNELS));
        buffer.putInt(COUNTERS_METADATA_LENGTH_OFFSET, countersMetaDataLength(valuesLength));
        buffer.putInt(COUNTERS_VALUES_LENGTH_OFFSET, valuesLength);
        buffer.putLong(KERNEL_PID_OFFSET, pid);
        buffer.putLong(START_TIMESTAMP_OFFSET, nowMs);
        buffer.putLong(HEARTBEAT_TIMESTAMP_OFFSET, nowMs);
        buffer.putLong(HEARTBEAT_TIMEOUT_OFFSET, timeoutMs);
        buffer.putInt(STATE_OFFSET, STATE_RUNNING);
        // Release: a reader that sees the magic (acquire) sees every field above.
        buffer.putLongRelease(MAGIC_OFFSET, MAGIC);
    }

    /**
     * @param buffer the mapped file.
     * @param nowMs  epoch milliseconds.
     */
    public static void heartbeatRelease(final AtomicBuffer buffer, final long nowMs)
    {
        // Release, paired with the reader's volatile read: one aligned 64-bit store, never seen torn.
        buffer.putLongRelease(HEARTBEAT_TIMESTAMP_OFFSET, nowMs);
    }

    /**
     * @param buffer the mapped file.
     * @return the last heartbeat, epoch milliseconds.
     */
    public static long heartbeatVolatile(final AtomicBuffer buffer)
    {
        return buffer.getLongVolatile(HEARTBEAT_TIMESTAMP_OFFSET);
    }

    /**
     * @param buffer the mapped file.
     * @param state  {@link #STATE_RUNNING}, {@link #STATE_CLOSED} or {@link #STATE_DAMAGED}.
     */
    public static void stateRelease(final AtomicBuffer buffer, final int state)
    {
        // Release: a reader that sees CLOSED sees the final counter values.
        buffer.putIntRelease(STATE_OFFSET, state);
    }

    /**
     * @param buffer the mapped file.
     * @return the state.
     */
    public static int stateVolatile(final AtomicBuffer buffer)
    {
        return buffer.getIntVolatile(STATE_OFFSET);
    }

    /**
     * Checks a header copied out of a file (copy once, then validate) against the file's real length.
     *
     * @param header       the copied header, {@code min(actualLength, HEADER_FIELDS_LENGTH)} bytes valid.
     * @param actualLength the file's length.
     * @param source       where the header came from, for messages.
     * @throws MachineFileException naming the broken rule.
     */
    public static void checkHeader(final DirectBuffer header, final long actualLength, final String source)
    {
        if (actualLength < HEADER_FIELDS_LENGTH)
        {
            throw new MachineFileException(MachineFileException.Reason.TRUNCATED, source + ": length=" +
                actualLength + " is shorter than the header's " + HEADER_FIELDS_LENGTH + " bytes");
        }
        final long magic = header.getLong(MAGIC_OFFSET);
        if (magic != MAGIC)
        {
            throw new MachineFileException(MachineFileException.Reason.WRONG_MAGIC, source + ": magic=0x" +
                Long.toHexString(magic) + " expected=0x" + Long.toHexString(MAGIC) + " (not a Barge machine file)");
        }
        final int version = header.getInt(VERSION_OFFSET);
        if (version != VERSION)
        {
            throw new MachineFileException(MachineFileException.Reason.WRONG_VERSION, source + ": version=" +
                version + " expected=" + VERSION);
        }
        checkLengths(header, source);
        final long required = fileLength(header);
        if (actualLength < required)
        {
            throw new MachineFileException(MachineFileException.Reason.TRUNCATED, source + ": length=" +
                actualLength + " is shorter than the " + required + " bytes its header describes");
        }
        if (actualLength > required)
        {
            // The kernel makes the file at its exact length: sections that add up short are shifted, not trailing.
            throw badLengths(source, "length=" + actualLength + " is longer than the " + required +
                " bytes its header describes (the sections do not add up to the file)");
        }
    }

    private static void checkLengths(final DirectBuffer header, final String source)
    {
        final int headerLength = header.getInt(HEADER_LENGTH_OFFSET);
        final int toKernel = header.getInt(TO_KERNEL_RING_LENGTH_OFFSET);
        final int toDomains = header.getInt(TO_DOMAINS_BUFFER_LENGTH_OFFSET);
        final int metaData = header.getInt(COUNTERS_METADATA_LENGTH_OFFSET);
        final int values = header.getInt(COUNTERS_VALUES_LENGTH_OFFSET);
        final int clients = header.getInt(CLIENT_TABLE_LENGTH_OFFSET);
        final int channels = header.getInt(CHANNEL_TABLE_LENGTH_OFFSET);
        final String lengths = " (headerLength=" + headerLength + " toKernelRingLength=" + toKernel +
            " toDomainsBufferLength=" + toDomains + " clientTableLength=" + clients + " channelTableLength=" +
            channels + " countersMetaDataLength=" +
            metaData + " countersValuesLength=" + values + ")";
        if (headerLength != HEADER_LENGTH)
        {
            throw badLengths(source, "headerLength must be " + HEADER_LENGTH + lengths);
        }
        if (!isPages(toKernel) || !isPages(toDomains) || !isPages(clients) || !isPages(channels) ||
            !isPages(metaData) || !isPages(values) || values == 0 || clients == 0 || channels == 0)
        {
            throw badLengths(source, "every section must be a whole number of " + PAGE_LENGTH +
                "-byte pages and the values, client and channel sections not empty" + lengths);
        }
        if (!isRingSection(toKernel) || !isRingSection(toDomains))
        {
            throw badLengths(source, "each ring section must be a power of two of at least " + MIN_RING_CAPACITY +
                " bytes plus one " + PAGE_LENGTH + "-byte page" + lengths);
        }
        if ((long)values * metaDataPerValue() != metaData)
        {
            throw badLengths(source, "countersMetaDataLength must be " + metaDataPerValue() +
                " x countersValuesLength" + lengths);
        }
        if ((long)HEADER_LENGTH + toKernel + toDomains + clients + channels + metaData + values > MAX_FILE_LENGTH)
        {
            throw badLengths(source, "the sections add up to more than " + MAX_FILE_LENGTH + " bytes" + lengths);
        }
    }

    private static MachineFileException badLengths(final String source, final String rule)
    {
        return new MachineFileException(MachineFileException.Reason.BAD_LENGTHS, source + ": " + rule);
    }

    private static boolean isRingSection(final int length)
    {
        final int capacity = length - PAGE_LENGTH;
        return capacity >= MIN_RING_CAPACITY && Integer.bitCount(capacity) == 1;
    }

    private static boolean isPages(final int length)
    {
        return length >= 0 && (length & (PAGE_LENGTH - 1)) == 0;
    }

    private static long align(final long length)
    {
        return (length + PAGE_LENGTH - 1) & -PAGE_LENGTH;
    }
}

package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.barge.core.machine.MachineFileDescriptor.*;

/**
 * The kernel's side of a machine file ({@link MachineFileDescriptor}): a directory holding the file another
 * process reads with {@link MachineReader} (e.g. {@code barge stat}), and a lock file the live kernel holds.
 * <p>
 * {@link #create} takes the directory's lock (an OS file lock, released by the OS when the process dies, so a killed
 * kernel never keeps it), then reinitialises whatever machine file a previous kernel left (stale or closed, as
 * {@link #previous()} reports), and refuses a directory whose lock another kernel holds or whose file a live kernel
 * still heartbeats.
 * <p>
 * The heartbeat is written by one daemon thread every {@code timeout / 10} ms, parked in between (no busy thread).
 * A thread rather than the kernel's own calls, because the kernel is a library: an idle application makes no
 * kernel calls, and a machine that is idle is not dead. The same beat checks that the file still has its length: if
 * someone truncated it, the beat grows it back to its length (the truncated part now reads as zeros, so the kernel's
 * later counter stores land in the file instead of faulting), writes {@link MachineFileDescriptor#STATE_DAMAGED},
 * stops heartbeating and reports {@link #isDamaged()}; readers then see a damaged machine (or, if the header was
 * cut, a file that is not a machine file).
 * <p>
 * {@link #close()} writes {@link MachineFileDescriptor#STATE_CLOSED} (or leaves {@code STATE_DAMAGED}) and releases
 * the lock; the file stays, so the last counters can still be read, and the mapping is left to the garbage
 * collector so that a stray counter store after close lands in the file rather than in unmapped memory.
 */
public final class MachineFile implements AutoCloseable
{
    /** Default heartbeat timeout: a heartbeat older than this means the kernel is dead. */
    public static final long DEFAULT_HEARTBEAT_TIMEOUT_MS = 5_000;
    /** Shortest heartbeat timeout. */
    public static final long MIN_HEARTBEAT_TIMEOUT_MS = 100;

    private final Path directory;
    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final FileChannel channel;
    private final UnsafeBuffer buffer;
    private final AtomicBuffer toKernel;
    private final AtomicBuffer toDomains;
    private final AtomicBuffer clientTable;
    private final AtomicBuffer channelTable;
    private final AtomicBuffer metaData;
    private final AtomicBuffer values;
    private final long length;
    private final long pid;
    private final long startMs;
    private final MachineStatus previous;
    private final ScheduledExecutorService heartbeat;
    private volatile Thread heartbeatThread;
    private volatile boolean damaged;
    private boolean closed;
    private boolean conductorClaimed;

    private MachineFile(final Path directory, final FileChannel lockChannel, final FileLock lock,
        final MachineStatus previous, final FileChannel channel, final MappedByteBuffer map, final long length,
        final long pid, final long startMs, final long timeoutMs)
    {
        this.directory = directory;
        this.file = directory.resolve(FILE_NAME);
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.previous = previous;
        this.channel = channel;
        this.buffer = new UnsafeBuffer(map);
        this.length = length;
        this.pid = pid;
        this.startMs = startMs;
        this.toKernel = new UnsafeBuffer(map, toKernelRingOffset(),
            ringCapacity(buffer.getInt(TO_KERNEL_RING_LENGTH_OFFSET)) + RingBufferDescriptor.TRAILER_LENGTH);
        this.toDomains = new UnsafeBuffer(map, toDomainsBufferOffset(buffer),
            ringCapacity(buffer.getInt(TO_DOMAINS_BUFFER_LENGTH_OFFSET)) + BroadcastBufferDescriptor.TRAILER_LENGTH);
        this.clientTable = new UnsafeBuffer(map, clientTableOffset(buffer), buffer.getInt(CLIENT_TABLE_LENGTH_OFFSET));
        this.channelTable = new UnsafeBuffer(map, channelTableOffset(buffer),
            buffer.getInt(CHANNEL_TABLE_LENGTH_OFFSET));
        this.metaData = new UnsafeBuffer(map, countersMetaDataOffset(buffer),
            buffer.getInt(COUNTERS_METADATA_LENGTH_OFFSET));
        this.values = new UnsafeBuffer(map, countersValuesOffset(buffer), buffer.getInt(COUNTERS_VALUES_LENGTH_OFFSET));
        final long interval = Math.max(1, timeoutMs / 10);
        this.heartbeat = Executors.newSingleThreadScheduledExecutor((task) ->
        {
            final Thread thread = new Thread(task, "barge-heartbeat " + directory);
            thread.setDaemon(true);
            heartbeatThread = thread;
            return thread;
        });
        heartbeat.scheduleAtFixedRate(this::beat, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * @return {@code /dev/shm/barge-<user>} if {@code /dev/shm} is a directory, else the same name under
     *         {@code java.io.tmpdir}.
     */
    public static Path defaultDirectory()
    {
        final String name = "barge-" + System.getProperty("user.name", "default");
        final Path shm = Paths.get("/dev/shm");
        return Files.isDirectory(shm) ? shm.resolve(name) : Paths.get(System.getProperty("java.io.tmpdir"), name);
    }

    /**
     * Creates (or reinitialises) the machine file of a directory for this process's kernel.
     *
     * @param directory   the machine's directory, created if missing.
     * @param maxCounters how many counters the file holds.
     * @param timeoutMs   heartbeat timeout, at least {@link #MIN_HEARTBEAT_TIMEOUT_MS}.
     * @return the machine file, heartbeating.
     * @throws MachineFileException ({@link MachineFileException.Reason#LIVE_KERNEL}) if a live kernel owns the
     *                              directory, or ({@code IO}) if the file cannot be made.
     */
    public static MachineFile create(final Path directory, final int maxCounters, final long timeoutMs)
    {
        if (timeoutMs < MIN_HEARTBEAT_TIMEOUT_MS)
        {
            throw new IllegalArgumentException("timeoutMs=" + timeoutMs + " must be at least " +
                MIN_HEARTBEAT_TIMEOUT_MS);
        }
        final int valuesLength = countersValuesLength(maxCounters);
        FileChannel lockChannel = null;
        try
        {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve(LOCK_FILE_NAME), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
            final FileLock lock = tryLock(lockChannel, directory);
            final MachineStatus previous = checkPrevious(directory);
            return initialise(directory, lockChannel, lock, previous, valuesLength, timeoutMs);
        }
        catch (final IOException ex)
        {
            closeQuietly(lockChannel);
            throw new MachineFileException(MachineFileException.Reason.IO, directory + ": cannot create the " +
                "machine file: " + ex, ex);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(lockChannel);
            throw ex;
        }
    }

    private static FileLock tryLock(final FileChannel lockChannel, final Path directory) throws IOException
    {
        FileLock lock;
        try
        {
            lock = lockChannel.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            lock = null; // a kernel of this very JVM holds it
        }
        if (lock == null)
        {
            throw new MachineFileException(MachineFileException.Reason.LIVE_KERNEL, directory + ": another " +
                "kernel holds " + LOCK_FILE_NAME + describeExisting(directory) + "; stop it or choose another " +
                "directory");
        }
        return lock;
    }

    private static String describeExisting(final Path directory)
    {
        try (MachineReader reader = MachineReader.attach(directory))
        {
            return " (" + reader.status().describe() + ")";
        }
        catch (final MachineFileException ex)
        {
            return "";
        }
    }

    /**
     * With the lock held: what a previous kernel left. A file whose kernel still heartbeats from a live process is
     * refused even so (a kernel that lost its lock file); anything else is reinitialised.
     *
     * @return the previous kernel's status, or null if there was no readable file.
     */
    private static MachineStatus checkPrevious(final Path directory)
    {
        if (!MachineReader.exists(directory))
        {
            return null;
        }
        final MachineStatus status;
        try (MachineReader reader = MachineReader.attach(directory))
        {
            status = reader.status();
        }
        catch (final MachineFileException ex)
        {
            return null; // unreadable: not a live kernel's, so it is replaced
        }
        if (status.isRunning())
        {
            throw new MachineFileException(MachineFileException.Reason.LIVE_KERNEL, directory + ": " +
                status.describe() + "; stop it or choose another directory");
        }
        return status;
    }

    private static MachineFile initialise(final Path directory, final FileChannel lockChannel, final FileLock lock,
        final MachineStatus previous, final int valuesLength, final long timeoutMs) throws IOException
    {
        final long pid = ProcessHandle.current().pid();
        final Path temporary = directory.resolve(FILE_NAME + "." + pid + ".tmp");
        final long length = newFileLength(valuesLength);
        // A kernel killed while creating its file left its temporary behind; the lock says none is creating now.
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory, FILE_NAME + ".*.tmp"))
        {
            for (final Path leftover : leftovers)
            {
                Files.deleteIfExists(leftover);
            }
        }
        final FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ, StandardOpenOption.WRITE);
        try
        {
            channel.write(ByteBuffer.allocate(1), length - 1); // full length, all zeros (sparse where it can be)
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            final long now = System.currentTimeMillis();
            writeHeader(new UnsafeBuffer(map), valuesLength, pid, now, timeoutMs);
            Files.move(temporary, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
            return new MachineFile(directory, lockChannel, lock, previous, channel, map, length, pid, now,
                timeoutMs);
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(channel);
            Files.deleteIfExists(temporary);
            throw ex;
        }
    }

    /**
     * One heartbeat, from the heartbeat thread (tests call it directly to beat without waiting).
     */
    void beat()
    {
        final boolean wasDamaged = damaged;
        if (!fullLength() || wasDamaged)
        {
            return;
        }
        try
        {
            if (damaged)
            {
                stateRelease(buffer, STATE_DAMAGED);
            }
            else
            {
                heartbeatRelease(buffer, System.currentTimeMillis());
            }
        }
        catch (final InternalError ex)
        {
            damaged = true; // truncated between the check and the store: the JVM's error for a faulting access
        }
    }

    /**
     * @return whether the file has its length, grown back if someone truncated it (the missing pages then read as
     *         zeros, and the kernel's stores no longer fault; the file is marked damaged); false if it cannot be.
     */
    private boolean fullLength()
    {
        try
        {
            if (channel.size() < length)
            {
                damaged = true;
                channel.write(ByteBuffer.allocate(1), length - 1);
            }
            return true;
        }
        catch (final IOException ex)
        {
            damaged = true;
            return false;
        }
    }

    /**
     * @return the machine's directory.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @return the machine file.
     */
    public Path file()
    {
        return file;
    }

    /**
     * @return this kernel's process id, as the file records it.
     */
    public long pid()
    {
        return pid;
    }

    /**
     * @return when this machine file was made, epoch milliseconds.
     */
    public long startMs()
    {
        return startMs;
    }

    /**
     * @return what the previous kernel left in the directory (closed or stale) when this one reinitialised it, or
     *         null if there was no readable machine file.
     */
    public MachineStatus previous()
    {
        return previous;
    }

    /**
     * @return whether the file was found truncated under the kernel (the heartbeat then stopped).
     */
    public boolean isDamaged()
    {
        return damaged;
    }

    /**
     * Claims the command ring's consumer side for one conductor: the ring has a single consumer.
     *
     * @throws IllegalStateException if a conductor has claimed it already.
     */
    synchronized void claimConductor()
    {
        if (conductorClaimed)
        {
            throw new IllegalStateException(file + " has a kernel conductor already: the command ring has one " +
                "consumer");
        }
        conductorClaimed = true;
    }

    /**
     * @return the to-kernel command ring (data and trailer), for a {@link KernelConductor}'s reader.
     */
    public AtomicBuffer toKernelBuffer()
    {
        return toKernel;
    }

    /**
     * @return the to-domains broadcast buffer (data and trailer), for a {@link KernelConductor}'s transmitter.
     */
    public AtomicBuffer toDomainsBuffer()
    {
        return toDomains;
    }

    /**
     * @return the client table, which a {@link KernelConductor} alone writes.
     */
    public AtomicBuffer clientTableBuffer()
    {
        return clientTable;
    }

    /**
     * @return the channel table section ({@link ChannelTableDescriptor}), written by the conductor alone.
     */
    public AtomicBuffer channelTableBuffer()
    {
        return channelTable;
    }

    /**
     * @return the heartbeat timeout of the kernel and of its clients, milliseconds.
     */
    public long timeoutMs()
    {
        return buffer.getLong(HEARTBEAT_TIMEOUT_OFFSET);
    }

    /**
     * @return the counters metadata section, for {@link io.barge.core.SystemCounters}.
     */
    public AtomicBuffer countersMetaDataBuffer()
    {
        return metaData;
    }

    /**
     * @return the counters values section, for {@link io.barge.core.SystemCounters}.
     */
    public AtomicBuffer countersValuesBuffer()
    {
        return values;
    }

    /**
     * Stops the heartbeat, marks the file closed and releases the directory's lock. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        heartbeat.shutdownNow();
        try
        {
            heartbeat.awaitTermination(10, TimeUnit.SECONDS); // a beat in progress ends before CLOSED is written
            final Thread thread = heartbeatThread;
            if (thread != null)
            {
                thread.join(TimeUnit.SECONDS.toMillis(10)); // and the thread itself is gone when close returns
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (fullLength())
        {
            heartbeatRelease(buffer, System.currentTimeMillis());
            // A damaged file stays marked so: its counters are incomplete, whoever reads them later.
            stateRelease(buffer, damaged ? STATE_DAMAGED : STATE_CLOSED);
        }
        closeQuietly(channel);
        try
        {
            lock.release();
        }
        catch (final IOException ignore)
        {
            // closing the channel below releases it too
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            MachineReader.closeQuietly(channel);
        }
    }
}

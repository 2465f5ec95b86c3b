package io.barge.core;

import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static io.barge.core.PhysicalMemoryDescriptor.*;

/**
 * The simulated machine's RAM: one off-heap region split into equal frames, and the allocator of those frames.
 * <p>
 * Backed by direct memory (the default) or by a memory-mapped file whose header ({@link PhysicalMemoryDescriptor})
 * lets another process attach to the same frames. Only the {@link Kernel} hands frames out; domains reach memory
 * through their {@link AddressSpace}.
 * <p>
 * The frame allocator is a LIFO stack of free frame numbers, so a frame just freed is the next handed out while it
 * is still warm in the cache. It is not thread safe: the kernel serialises calls.
 */
public final class PhysicalMemory implements AutoCloseable
{
    /** Default frame size: one 4 KiB page. */
    public static final int DEFAULT_FRAME_SIZE = 4096;
    /** Largest size {@link #allocateDirectMiB(int)} takes: the region (and its header) must fit in an int. */
    public static final int MAX_DIRECT_MIB = 2047;

    private final ByteBuffer byteBuffer;
    private final AlignedMemory direct;
    private final UnsafeBuffer buffer;
    private final boolean mapped;
    private final int frameSize;
    private final int frameShift;
    private final int frameCount;
    private final int[] freeStack;
    /** Whether each frame is on the free stack: a second free of a frame is a kernel bug, refused loudly. */
    private final boolean[] isFree;
    // A frame of zeros outside the region, never handed out nor written: what an unreadable page of a
    // zero-on-fault view reads (fbufs volatile). Read-only by contract: only read-only views point at it.
    private final AlignedMemory zeroFrame;
    /** Written under the monitor; read without it by {@link #freeFrames()}. */
    private volatile int freeCount;
    /**
     * The kernel's per-domain caches of free frames (their frames are free too, though not on the stack), the first
     * {@link #cacheCount} slots: changed under the monitor (the array doubles when full, so registering a domain's
     * cache is amortised O(1) however many domains live), read without it, so that counting allocates nothing. A
     * grown array is published before the count that covers its new slot.
     */
    private volatile FrameCache[] caches = new FrameCache[16];
    private volatile int cacheCount;
    private boolean closed;

    private PhysicalMemory(
        final ByteBuffer byteBuffer, final AlignedMemory direct, final int frameSize, final int frameCount)
    {
        this.byteBuffer = byteBuffer;
        this.direct = direct;
        this.buffer = new UnsafeBuffer(byteBuffer);
        this.mapped = direct == null;
        this.frameSize = frameSize;
        this.frameShift = Integer.numberOfTrailingZeros(frameSize);
        this.frameCount = frameCount;
        this.freeStack = new int[frameCount];
        for (int i = 0; i < frameCount; i++)
        {
            freeStack[i] = frameCount - 1 - i; // frame 0 on top
        }
        this.freeCount = frameCount;
        this.isFree = new boolean[frameCount];
        java.util.Arrays.fill(isFree, true);
        this.zeroFrame = new AlignedMemory(frameSize, 64);
    }

    /**
     * Sizes memory the way {@code barge pipeline --memory-mib} does.
     *
     * @param mib megabytes (MiB) of 4 KiB frames, 1..{@link #MAX_DIRECT_MIB}.
     * @return memory backed by direct (off-heap) memory, {@code mib * 256} frames.
     * @throws IllegalArgumentException if {@code mib} is out of range.
     * @throws MissingJvmFlagException  if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public static PhysicalMemory allocateDirectMiB(final int mib)
    {
        if (mib < 1 || mib > MAX_DIRECT_MIB)
        {
            throw new IllegalArgumentException("mib=" + mib + " must be in [1, " + MAX_DIRECT_MIB + "]");
        }
        return allocateDirect((int)((long)mib * 1024 * 1024 / DEFAULT_FRAME_SIZE));
    }

    /**
     * @param frameCount number of 4 KiB frames.
     * @return memory backed by direct (off-heap) memory.
     * @throws MissingJvmFlagException if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public static PhysicalMemory allocateDirect(final int frameCount)
    {
        return allocateDirect(frameCount, DEFAULT_FRAME_SIZE);
    }

    /**
     * @param frameCount number of frames.
     * @param frameSize  bytes per frame, a power of two.
     * @return memory backed by page-aligned direct memory.
     * @throws MissingJvmFlagException if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public static PhysicalMemory allocateDirect(final int frameCount, final int frameSize)
    {
        JvmFlags.checkAgronaAccess();
        final int length = (int)regionLength(frameSize, frameCount);
        final AlignedMemory direct = new AlignedMemory(length, HEADER_LENGTH);
        final PhysicalMemory memory = new PhysicalMemory(direct.buffer(), direct, frameSize, frameCount);
        writeHeader(memory.buffer, frameSize, frameCount);
        return memory;
    }

    /**
     * Creates (or truncates) a file and maps it as physical memory.
     *
     * @param file       the file.
     * @param frameCount number of frames.
     * @param frameSize  bytes per frame, a power of two.
     * @return memory backed by the file.
     * @throws MissingJvmFlagException if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public static PhysicalMemory createFile(final Path file, final int frameCount, final int frameSize)
    {
        JvmFlags.checkAgronaAccess();
        final long length = regionLength(frameSize, frameCount);
        final MappedByteBuffer byteBuffer = IoUtil.mapNewFile(file.toFile(), length, false);
        final PhysicalMemory memory = new PhysicalMemory(byteBuffer, null, frameSize, frameCount);
        writeHeader(memory.buffer, frameSize, frameCount);
        return memory;
    }

    /**
     * Creates a file under a temporary name, maps it as physical memory with its header written, then renames it to
     * {@code file} atomically, so that a process opening {@code file} never sees a half-written header (and one still
     * mapping an older file keeps that one).
     *
     * @param file       the file.
     * @param frameCount number of frames.
     * @param frameSize  bytes per frame, a power of two.
     * @return memory backed by the file.
     * @throws UncheckedIOException    if the file cannot be made or renamed.
     * @throws MissingJvmFlagException if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public static PhysicalMemory createFileAtomically(final Path file, final int frameCount, final int frameSize)
    {
        final Path temporary = file.resolveSibling(file.getFileName() + ".new");
        final PhysicalMemory memory = createFile(temporary, frameCount, frameSize);
        try
        {
            Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return memory;
        }
        catch (final IOException ex)
        {
            memory.close();
            deleteFile(temporary);
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Maps an existing physical memory file after checking its header.
     *
     * @param file the file written by {@link #createFile(Path, int, int)}.
     * @return memory backed by the file, with every frame free in this process's allocator.
     * @throws MemoryFileFormatException if the magic, version or length is wrong.
     * @throws MissingJvmFlagException   if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public static PhysicalMemory attachFile(final Path file)
    {
        JvmFlags.checkAgronaAccess();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final long size = channel.size();
            if (size < PhysicalMemoryDescriptor.HEADER_FIELDS_LENGTH || size > Integer.MAX_VALUE)
            {
                throw new MemoryFileFormatException(file + ": length=" + size + " is not a physical memory file");
            }
            final MappedByteBuffer byteBuffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
            final UnsafeBuffer view = new UnsafeBuffer(byteBuffer);
            try
            {
                checkHeader(view, size, file.toString());
            }
            catch (final MemoryFileFormatException ex)
            {
                IoUtil.unmap(byteBuffer);
                throw ex;
            }
            return new PhysicalMemory(
                byteBuffer, null, view.getInt(FRAME_SIZE_OFFSET), view.getInt(FRAME_COUNT_OFFSET));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return bytes per frame.
     */
    public int frameSize()
    {
        return frameSize;
    }

    /**
     * @return log2 of the frame size.
     */
    public int frameShift()
    {
        return frameShift;
    }

    /**
     * @return number of frames in the region.
     */
    public int frameCount()
    {
        return frameCount;
    }

    /**
     * @return frames not owned by anybody: on the free stack or in a kernel frame cache (a snapshot).
     */
    public int freeFrames()
    {
        final int n = cacheCount;
        final FrameCache[] current = caches;
        int cached = 0;
        for (int i = 0; i < n; i++)
        {
            final FrameCache cache = current[i];
            cached += cache == null ? 0 : cache.size(); // null: a retire moving slots meanwhile
        }
        return freeCount + cached;
    }

    /** @return a new cache of free frames over this memory, counted by {@link #freeFrames()} until it is closed. */
    synchronized FrameCache newFrameCache()
    {
        final FrameCache cache = new FrameCache(this);
        final int n = cacheCount;
        FrameCache[] current = caches;
        if (n == current.length)
        {
            current = Arrays.copyOf(current, 2 * n);
            caches = current;
        }
        current[n] = cache;
        cacheCount = n + 1;
        return cache;
    }

    /** Returns every cache's frames to the stack (frames ran short, or a run of consecutive frames is wanted). */
    void drainCaches()
    {
        final int n = cacheCount;
        final FrameCache[] current = caches;
        for (int i = 0; i < n; i++)
        {
            final FrameCache cache = current[i];
            if (cache != null)
            {
                cache.drain(false);
            }
        }
    }

    /** A closed cache, already drained, holds no frames any more and need not be counted. */
    synchronized void retire(final FrameCache cache)
    {
        final int n = cacheCount;
        final FrameCache[] current = caches;
        for (int i = 0; i < n; i++)
        {
            if (current[i] == cache)
            {
                current[i] = current[n - 1]; // the last moves into the hole: a reader may count it twice, once
                current[n - 1] = null;
                cacheCount = n - 1;
                return;
            }
        }
    }

    /**
     * @return whether the region is backed by a mapped file.
     */
    public boolean isFileBacked()
    {
        return mapped;
    }

    /**
     * @param frame frame number.
     * @return offset of the frame's first byte in {@link #buffer()}.
     */
    public int frameOffset(final int frame)
    {
        return HEADER_LENGTH + (frame << frameShift);
    }

    /**
     * The raw region. Only the kernel and address-space translation use it; domain code never does.
     *
     * @return the whole region, header included.
     */
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return raw address of a frame-sized block of zeros outside the region, for read-only views only.
     */
    long zeroFrameAddress()
    {
        return BufferUtil.address(zeroFrame.buffer());
    }

    synchronized int allocateFrame()
    {
        if (freeCount == 0)
        {
            throw new OutOfFramesException("no free frame: frameCount=" + frameCount);
        }
        final int frame = freeStack[--freeCount];
        isFree[frame] = false;
        return frame;
    }

    /**
     * Takes a run of physically consecutive free frames, the lowest such run, for structures a domain wraps as one
     * view (rings). Cold path: it scans the free stack.
     *
     * @param count run length, at least 1.
     * @return the first frame of the run.
     * @throws OutOfFramesException if no run of that length is free.
     */
    synchronized int allocateRun(final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("count=" + count + " must be at least 1");
        }
        final boolean[] free = new boolean[frameCount];
        for (int i = 0; i < freeCount; i++)
        {
            free[freeStack[i]] = true;
        }
        int run = 0;
        for (int frame = 0; frame < frameCount; frame++)
        {
            run = free[frame] ? run + 1 : 0;
            if (run == count)
            {
                final int first = frame - count + 1;
                int kept = 0;
                for (int i = 0; i < freeCount; i++)
                {
                    final int f = freeStack[i];
                    if (f < first || f > frame)
                    {
                        freeStack[kept++] = f;
                    }
                }
                freeCount = kept;
                java.util.Arrays.fill(isFree, first, frame + 1, false);
                return first;
            }
        }
        throw new OutOfFramesException("no run of " + count + " consecutive free frames: " + freeCount + " free");
    }

    /**
     * Takes up to {@code max} frames at once, for a kernel frame cache refilled in batches (one monitor entry for
     * many allocations).
     *
     * @return how many were taken (0 if none is free).
     */
    synchronized int takeFrames(final int[] into, final int offset, final int max)
    {
        int top = freeCount;
        final int n = Math.min(max, top);
        for (int i = 0; i < n; i++)
        {
            final int frame = freeStack[--top];
            isFree[frame] = false;
            into[offset + i] = frame;
        }
        freeCount = top; // one volatile store per batch
        return n;
    }

    /** Returns frames at once (a kernel frame cache spilling or draining). */
    synchronized void returnFrames(final int[] from, final int offset, final int count)
    {
        int top = freeCount;
        try
        {
            for (int i = offset; i < offset + count; i++)
            {
                final int frame = from[i];
                checkNotFree(frame);
                isFree[frame] = true;
                freeStack[top++] = frame;
            }
        }
        finally
        {
            freeCount = top; // one volatile store per batch; the frames before a double free stay freed
        }
    }

    synchronized void freeFrame(final int frame)
    {
        checkNotFree(frame);
        isFree[frame] = true;
        freeStack[freeCount++] = frame;
    }

    private void checkNotFree(final int frame)
    {
        if (isFree[frame])
        {
            throw new IllegalStateException("frame=" + frame + " is free already (freed twice)");
        }
    }

    /**
     * @return whether {@link #close()} has run (the region is gone).
     */
    public synchronized boolean isClosed()
    {
        return closed;
    }

    /**
     * Unmaps or frees the region. Any further access is undefined; the kernel must be closed first.
     */
    public synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            zeroFrame.free();
            if (mapped)
            {
                IoUtil.unmap(byteBuffer);
            }
            else
            {
                direct.free();
            }
        }
    }

    /**
     * Deletes a physical memory file; a convenience for tests and tools.
     *
     * @param file the file.
     */
    public static void deleteFile(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}

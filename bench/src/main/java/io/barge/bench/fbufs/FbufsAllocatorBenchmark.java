package io.barge.bench.fbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.fbufs.FbufByteBufAllocator;
import io.barge.fbufs.FbufMode;
import io.barge.fbufs.FbufRegion;
import io.barge.fbufs.IoPath;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Allocate and free one 4 KiB buffer: an fbuf from a cached path's free list (as a handle, and as a Netty ByteBuf
 * from {@link FbufByteBufAllocator}), beside Netty's Adaptive and Pooled direct allocators in the same run (goal: the path allocator at most half the Adaptive allocator's time; run with
 * {@code -prof gc} to see that the fbuf path allocates nothing).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
public class FbufsAllocatorBenchmark
{
    private static final int SIZE = 4096;

    private PhysicalMemory memory;
    private Kernel kernel;
    private FbufRegion region;
    private IoPath path;
    private FbufByteBufAllocator fbufAllocator;
    private AdaptiveByteBufAllocator adaptive;
    private PooledByteBufAllocator pooled;

    /**
     * Builds a small machine with one cached, volatile path, and the Netty allocators.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory);
        final Domain originator = kernel.createDomain("originator");
        final Domain receiver = kernel.createDomain("receiver");
        region = new FbufRegion(kernel, 1024);
        path = region.createPath(new Domain[]{ originator, receiver }, new FbufMode(true, true, true), 64);
        path.release(path.allocate(SIZE));
        fbufAllocator = new FbufByteBufAllocator(path);
        adaptive = new AdaptiveByteBufAllocator(true);
        pooled = PooledByteBufAllocator.DEFAULT;
    }

    /**
     * Frees the machine.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        region.close();
        kernel.close();
        memory.close();
    }

    /**
     * @return the handle, so the work is not dropped.
     */
    @Benchmark
    public long fbufPathAllocFree()
    {
        final long handle = path.allocate(SIZE);
        path.release(handle);
        return handle;
    }

    /**
     * The same fbuf as {@link #fbufPathAllocFree()}, as a Netty ByteBuf from {@link FbufByteBufAllocator} (one
     * buffer object per call, as Netty's own allocators).
     *
     * @return the buffer's capacity.
     */
    @Benchmark
    public int fbufByteBufAllocRelease()
    {
        final ByteBuf buffer = fbufAllocator.directBuffer(SIZE);
        final int capacity = buffer.capacity();
        buffer.release();
        return capacity;
    }

    /**
     * @return the buffer's capacity.
     */
    @Benchmark
    public int nettyAdaptiveAllocRelease()
    {
        final ByteBuf buffer = adaptive.directBuffer(SIZE);
        final int capacity = buffer.capacity();
        buffer.release();
        return capacity;
    }

    /**
     * @return the buffer's capacity.
     */
    @Benchmark
    public int nettyPooledAllocRelease()
    {
        final ByteBuf buffer = pooled.directBuffer(SIZE);
        final int capacity = buffer.capacity();
        buffer.release();
        return capacity;
    }
}

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
import io.netty.util.ResourceLeakDetector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Allocate and release one 4 KiB direct {@link ByteBuf}, equal work on every side: {@link FbufByteBufAllocator}
 * (an fbuf from a cached path's free list wrapped in a ByteBuf per call) beside Netty's Adaptive and Pooled direct
 * allocators, every one of them through Netty's {@code AbstractByteBufAllocator.directBuffer}, so leak detection
 * (set by {@link #leakDetection}, the same level for all three) samples them alike. The raw path allocator (a bare
 * handle, no ByteBuf) is a row of its own, not a peer of the three. Run with {@code -prof gc} to see what each
 * allocates.
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
    /** Bytes per buffer. */
    static final int SIZE = 4096;

    /** Netty's leak detection level, applied to every allocator measured (one JVM-wide setting). */
    @Param({ "DISABLED", "SIMPLE" })
    public String leakDetection;

    private PhysicalMemory memory;
    private Kernel kernel;
    private FbufRegion region;
    private IoPath path;
    private FbufByteBufAllocator fbufs;
    private AdaptiveByteBufAllocator adaptive;
    private PooledByteBufAllocator pooled;

    /**
     * Sets the leak detection level, builds a small machine with one cached, volatile path, and the allocators.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.valueOf(leakDetection));
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory);
        final Domain originator = kernel.createDomain("originator");
        final Domain receiver = kernel.createDomain("receiver");
        region = new FbufRegion(kernel, 1024);
        path = region.createPath(new Domain[]{ originator, receiver }, new FbufMode(true, true, true), 64);
        path.release(path.allocate(SIZE));
        fbufs = new FbufByteBufAllocator(path);
        adaptive = new AdaptiveByteBufAllocator(true);
        pooled = new PooledByteBufAllocator(true);
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
     * The raw path allocator: a bare fbuf handle, no ByteBuf; not comparable with the ByteBuf rows.
     *
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
     * @return the buffer's capacity.
     */
    @Benchmark
    public int fbufByteBufAllocRelease()
    {
        return allocRelease(fbufs.directBuffer(SIZE));
    }

    /**
     * @return the buffer's capacity.
     */
    @Benchmark
    public int nettyAdaptiveAllocRelease()
    {
        return allocRelease(adaptive.directBuffer(SIZE));
    }

    /**
     * @return the buffer's capacity.
     */
    @Benchmark
    public int nettyPooledAllocRelease()
    {
        return allocRelease(pooled.directBuffer(SIZE));
    }

    private static int allocRelease(final ByteBuf buffer)
    {
        final int capacity = buffer.capacity();
        buffer.release();
        return capacity;
    }
}

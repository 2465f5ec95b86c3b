package io.barge.bench.fbufs;

import io.barge.core.Touch;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The receiver alone: the shared touch routine over a private, page-aligned buffer of the same size, the bare read
 * reference for {@link FbufsCrossingBenchmark} (goal: cached+volatile at 64 KiB with touching reaches 0.9 of this).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
public class FbufsBareReadBenchmark
{
    /** Bytes read per operation. */
    @Param({ "64", "4096", "65536", "1048576" })
    public int size;

    private ByteBuffer memory;
    private UnsafeBuffer buffer;

    /**
     * Allocates and fills the buffer.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        memory = BufferUtil.allocateDirectAligned(size, 4096);
        buffer = new UnsafeBuffer(memory);
        for (int i = 0; i < size; i++)
        {
            buffer.putByte(i, (byte)i);
        }
    }

    /**
     * Frees the buffer.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        BufferUtil.free(memory);
    }

    /**
     * @return the sum.
     */
    @Benchmark
    public long bareRead()
    {
        return Touch.sumLongs(buffer, 0, size);
    }
}

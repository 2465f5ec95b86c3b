package io.barge.bench.report;

import io.barge.bench.fbufs.FbufsAllocatorBenchmark;
import io.barge.core.Touch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * The single-thread reference points: bare read and plain copy bandwidth per size, the ByteBuf allocators (fbufs',
 * Netty's Adaptive and Pooled; the raw fbuf path allocator apart) and Netty's composite buffer.
 */
final class SingleThreadReferences
{
    /** Bytes the Netty references handle per operation. */
    static final int NETTY_BYTES = 4096;
    /** Pieces of the composite buffer. */
    static final int COMPOSITE_PIECES = 4;
    /** Copy destination offset from the source, modulo 4 KiB: half a page, so loads never alias stores. */
    static final int COPY_SKEW = 2048;

    private final Settings settings;
    private final Harness harness;

    /**
     * @param settings the run's settings.
     */
    SingleThreadReferences(final Settings settings)
    {
        this.settings = settings;
        this.harness = Harness.of(settings);
    }

    /**
     * @param out      receives each reference as it is measured.
     * @param progress told the name of each step as it finishes.
     */
    void run(final Consumer<ReportModel.Reference> out, final Consumer<String> progress)
    {
        for (final int size : settings.sizes())
        {
            progress.accept(ReportCommand.STARTING + "memory read and copy " + size + " B");
            out.accept(memoryRead(size));
            progress.accept("memory-read " + size + " B");
            out.accept(memoryCopy(size));
            progress.accept("memory-copy " + size + " B");
        }
        progress.accept(ReportCommand.STARTING + "allocators and composite buffer");
        allocators(out, progress);
        final PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
        out.accept(nettyComposite(allocator));
        progress.accept("netty-composite-buffer");
    }

    private ReportModel.Reference memoryRead(final int size)
    {
        return reference("memory-read", size, harness.measure(bareRead(size), SingleThreadRows.batch(size), () -> { }));
    }

    /**
     * The bare read: the shared touch routine over a private, page-aligned buffer of {@code size} bytes, one call
     * per operation. A transport group runs it interleaved with its own touching rows.
     *
     * @param size bytes.
     * @return the workload.
     */
    static Harness.Workload bareRead(final int size)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(size), 4096));
        fill(buffer, size);
        return (n) ->
        {
            long sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += Touch.sumLongs(buffer, 0, size);
            }
            return sum;
        };
    }

    private ReportModel.Reference memoryCopy(final int size)
    {
        // One allocation so the distance between source and destination is known: the destination starts
        // COPY_SKEW bytes past a page boundary after the source, never at the same offset modulo 4 KiB.
        final int dstOffset = align(size) + COPY_SKEW;
        final ByteBuffer block = BufferUtil.allocateDirectAligned(align(dstOffset + size), 4096);
        final UnsafeBuffer src = new UnsafeBuffer(block, 0, size);
        final UnsafeBuffer dst = new UnsafeBuffer(block, dstOffset, size);
        fill(src, size);
        final Harness.Measurement m = harness.measure((n) ->
        {
            for (int i = 0; i < n; i++)
            {
                dst.putBytes(0, src, 0, size);
            }
            return dst.getByte(size - 1);
        }, SingleThreadRows.batch(size), () -> { });
        return reference("memory-copy", size, m);
    }

    /**
     * Allocate and release one 4 KiB direct ByteBuf with each allocator, the same work on each ({@link
     * FbufsAllocatorBenchmark}: fbufs' ByteBuf allocator against Netty's Adaptive and Pooled, leak detection off for
     * all three), and the raw fbuf path allocator (a bare handle) as a row of its own.
     */
    private void allocators(final Consumer<ReportModel.Reference> out, final Consumer<String> progress)
    {
        final FbufsAllocatorBenchmark allocators = new FbufsAllocatorBenchmark();
        allocators.leakDetection = "DISABLED";
        allocators.setUp();
        try
        {
            out.accept(allocator("fbuf-bytebuf-allocator", allocators::fbufByteBufAllocRelease));
            out.accept(allocator("netty-adaptive-allocator", allocators::nettyAdaptiveAllocRelease));
            out.accept(allocator("netty-pooled-allocator", allocators::nettyPooledAllocRelease));
            out.accept(allocator("fbuf-path-allocator-raw-handle", allocators::fbufPathAllocFree));
            progress.accept("allocators");
        }
        finally
        {
            allocators.tearDown();
        }
    }

    private ReportModel.Reference allocator(final String name, final java.util.function.LongSupplier call)
    {
        final Harness.Measurement m = harness.measure((n) ->
        {
            long sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += call.getAsLong();
            }
            return sum;
        }, 64, () -> { });
        return reference(name, NETTY_BYTES, m);
    }

    private ReportModel.Reference nettyComposite(final PooledByteBufAllocator allocator)
    {
        final ByteBuf[] pieces = new ByteBuf[COMPOSITE_PIECES];
        for (int i = 0; i < pieces.length; i++)
        {
            pieces[i] = allocator.directBuffer(NETTY_BYTES / COMPOSITE_PIECES);
            pieces[i].writeZero(NETTY_BYTES / COMPOSITE_PIECES);
        }
        final Harness.Measurement m = harness.measure((n) ->
        {
            long sum = 0;
            for (int i = 0; i < n; i++)
            {
                final CompositeByteBuf composite = allocator.compositeDirectBuffer(COMPOSITE_PIECES);
                for (final ByteBuf piece : pieces)
                {
                    composite.addComponent(true, piece.retainedDuplicate());
                }
                sum += composite.readableBytes() + composite.getLong(NETTY_BYTES - 8);
                composite.release();
            }
            return sum;
        }, 64, () -> { });
        for (final ByteBuf piece : pieces)
        {
            piece.release();
        }
        return reference("netty-composite-buffer", NETTY_BYTES, m);
    }

    private static ReportModel.Reference reference(final String name, final int size, final Harness.Measurement m)
    {
        return new ReportModel.Reference(name, size, "single-thread", 1, m.opsPerSecond() * size, m.opsPerSecond(),
            1e9 / m.opsPerSecond(), m.spread(), List.of());
    }

    private static void fill(final UnsafeBuffer buffer, final int size)
    {
        for (int i = 0; i < size; i++)
        {
            buffer.putByte(i, (byte)i);
        }
    }

    private static int align(final int size)
    {
        return (size + 4095) & ~4095;
    }
}

package io.barge.bench.core;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.grant.GrantTable;
import io.barge.grant.Hypervisor;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Whether the hypervisor's grant operations scale when disjoint domain pairs use them: each thread has its own
 * granter, which grants one frame writable to the thread's own mapper, and the mapper maps and unmaps that grant
 * ({@code mapUnmap*}: the hypervisor's validation, active-table and maptrack bookkeeping, pin and the kernel's share
 * and unmap) or grant-copies the whole 4 KiB frame into a page of its own ({@code copy*}). One hypervisor and one
 * kernel serve every thread, as one machine does. {@code *TwoThreads / *OneThread} is the scaling of the aggregate
 * rate: 2.0 on two free cores if the pairs share nothing, under 1.0 when every operation waits for a lock the other
 * thread holds. {@link KernelScalingBenchmark} is the kernel's part alone. {@code spacing} frames lie between one
 * pair's frames and the next's: 0 keeps them adjacent, as in a kernel with several busy domains, where the kernel's
 * per-frame pin, owner and map-count words of the two pairs share cache lines; 64 puts each pair's words on lines
 * of their own, so the difference is that false sharing in the kernel, not the hypervisor.
 * <pre>
 *   ./barge bench HypervisorScaling -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS })
public class HypervisorScalingBenchmark
{
    /** Bytes one grant copy moves: a whole frame. */
    static final int COPY_BYTES = 4096;

    /** The kernel and hypervisor every thread uses. */
    @State(Scope.Benchmark)
    public static class Machine
    {
        Kernel kernel;
        Hypervisor hypervisor;

        /** Starts a kernel and its hypervisor. */
        @Setup(Level.Trial)
        public void setUp()
        {
            kernel = Kernel.withMemoryMiB(16);
            hypervisor = new Hypervisor(kernel, 64);
        }

        /** Closes them (every domain and frame goes). */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            hypervisor.close();
            kernel.close();
        }
    }

    /** One thread's granter and mapper, the grant between them and the mapper's pages. */
    @State(Scope.Thread)
    public static class Pair
    {
        Hypervisor hypervisor;
        Domain mapper;
        int granterId;
        int ref;
        long mapAddress;
        long copyAddress;

        /** Frames allocated after this pair's, so that the next pair's lie that far away. */
        @Param({ "0", "64" })
        public int spacing;

        /**
         * @param machine the shared kernel and hypervisor.
         */
        @Setup(Level.Trial)
        public void setUp(final Machine machine)
        {
            final Kernel kernel = machine.kernel;
            hypervisor = machine.hypervisor;
            // One pair at a time, so that a pair's frames are contiguous and the spacing lies between pairs.
            synchronized (machine)
            {
                final Domain granter = kernel.createDomain("granter-" + Thread.currentThread().getId());
                mapper = kernel.createDomain("mapper-" + Thread.currentThread().getId());
                granterId = granter.id();
                final GrantTable table = hypervisor.setupTable(granter, 16);
                ref = table.grantAccess(mapper, kernel.allocateFrame(granter, true), false);
                mapAddress = kernel.reserve(mapper, 1);
                copyAddress = kernel.reserve(mapper, 1);
                kernel.map(mapper, copyAddress, kernel.allocateFrame(mapper, true), Rights.READ_WRITE);
                if (spacing > 0)
                {
                    kernel.allocateFrames(granter, spacing, false, new int[spacing]);
                }
            }
        }
    }

    /**
     * @param pair this thread's domains.
     * @return the handle mapped and unmapped.
     */
    @Benchmark
    @Threads(1)
    public long mapUnmapOneThread(final Pair pair)
    {
        return mapUnmap(pair);
    }

    /**
     * @param pair this thread's domains.
     * @return the handle mapped and unmapped.
     */
    @Benchmark
    @Threads(2)
    public long mapUnmapTwoThreads(final Pair pair)
    {
        return mapUnmap(pair);
    }

    /**
     * @param pair this thread's domains.
     * @return the grant copied from.
     */
    @Benchmark
    @Threads(1)
    public int copyOneThread(final Pair pair)
    {
        return copy(pair);
    }

    /**
     * @param pair this thread's domains.
     * @return the grant copied from.
     */
    @Benchmark
    @Threads(2)
    public int copyTwoThreads(final Pair pair)
    {
        return copy(pair);
    }

    private static long mapUnmap(final Pair pair)
    {
        final long handle = pair.hypervisor.mapGrant(pair.mapper, pair.granterId, pair.ref, pair.mapAddress, false);
        pair.hypervisor.unmapGrant(pair.mapper, handle);
        return handle;
    }

    private static int copy(final Pair pair)
    {
        pair.hypervisor.grantCopy(pair.mapper, pair.granterId, pair.ref, 0, pair.copyAddress, COPY_BYTES, false);
        return pair.ref;
    }
}

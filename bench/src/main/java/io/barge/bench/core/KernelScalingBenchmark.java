package io.barge.bench.core;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Whether the kernel's privileged operations scale when different domains use them on different frames: each
 * thread has its own owner and grantee domain and its own frames, and shares one frame per operation (the owner
 * offers it, the grantee accepts the offer, which maps the page, then unmaps it): the kernel's part of an fbufs
 * mapping and of a hypervisor grant map (the hypervisor's own monitor is not in it). {@code shareOneThread} runs it on one thread, {@code shareTwoThreads} on two at
 * once, in the same run: {@code shareTwoThreads / shareOneThread} is the scaling, 2.0 on two free cores if nothing
 * is shared, under 1.0 when every operation waits for one lock the other thread holds. The second thread's frames
 * lie next to the first's, as in a kernel with several busy domains. {@code allocFree*} is the same comparison for a
 * frame's life: the owner allocates a frame, maps it, unmaps it and frees it (the kernel's part of an fbuf that is
 * not cached, or of a data area's set-up and teardown).
 * <pre>
 *   ./barge bench KernelScaling -f 3 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS })
public class KernelScalingBenchmark
{
    /** Frames each thread shares in turn. */
    static final int FRAMES = 16;

    /** The kernel every thread uses. */
    @State(Scope.Benchmark)
    public static class Machine
    {
        Kernel kernel;

        /** Starts a kernel with room for the threads' frames. */
        @Setup(Level.Trial)
        public void setUp()
        {
            kernel = Kernel.withMemoryMiB(16);
        }

        /** Closes it (every domain and frame goes). */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            kernel.close();
        }
    }

    /** One thread's domains, frames and the page it maps them at. */
    @State(Scope.Thread)
    public static class Pair
    {
        Kernel kernel;
        Domain owner;
        Domain grantee;
        final int[] frames = new int[FRAMES];
        long address;
        long ownerAddress;
        int next;

        /**
         * @param machine the shared kernel.
         */
        @Setup(Level.Trial)
        public void setUp(final Machine machine)
        {
            kernel = machine.kernel;
            owner = kernel.createDomain("owner-" + Thread.currentThread().getId());
            grantee = kernel.createDomain("grantee-" + Thread.currentThread().getId());
            kernel.allocateFrames(owner, FRAMES, false, frames);
            address = kernel.reserve(grantee, 1);
            ownerAddress = kernel.reserve(owner, 1);
        }
    }

    /**
     * @param pair this thread's domains.
     * @return the frame mapped and unmapped.
     */
    @Benchmark
    @Threads(1)
    public int shareOneThread(final Pair pair)
    {
        return share(pair);
    }

    /**
     * @param pair this thread's domains.
     * @return the frame mapped and unmapped.
     */
    @Benchmark
    @Threads(2)
    public int shareTwoThreads(final Pair pair)
    {
        return share(pair);
    }

    /**
     * @param pair this thread's domains.
     * @return the frame allocated, mapped, unmapped and freed.
     */
    @Benchmark
    @Threads(1)
    public int allocFreeOneThread(final Pair pair)
    {
        return allocFree(pair);
    }

    /**
     * @param pair this thread's domains.
     * @return the frame allocated, mapped, unmapped and freed.
     */
    @Benchmark
    @Threads(2)
    public int allocFreeTwoThreads(final Pair pair)
    {
        return allocFree(pair);
    }

    private static int allocFree(final Pair pair)
    {
        final Kernel kernel = pair.kernel;
        final int frame = kernel.allocateFrame(pair.owner, false);
        kernel.map(pair.owner, pair.ownerAddress, frame, Rights.READ_WRITE);
        kernel.unmap(pair.owner, pair.ownerAddress);
        kernel.freeFrame(pair.owner, frame);
        return frame;
    }

    private static int share(final Pair pair)
    {
        final Kernel kernel = pair.kernel;
        final int frame = pair.frames[pair.next];
        pair.next = (pair.next + 1) & (FRAMES - 1);
        final long capability = kernel.offerShare(pair.owner, frame, pair.grantee, Rights.READ);
        kernel.acceptShare(pair.grantee, capability, pair.address, Rights.READ);
        return kernel.unmap(pair.grantee, pair.address);
    }
}

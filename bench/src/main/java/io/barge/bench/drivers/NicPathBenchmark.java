package io.barge.bench.drivers;

import io.barge.bench.core.ThreadCpu;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.drivers.idd.DriverDomain;
import io.barge.drivers.idd.GuestTraffic;
import io.barge.drivers.idd.IddConfig;
import io.barge.drivers.idd.IddPath;
import io.barge.drivers.nic.Link;
import io.barge.drivers.nic.Nic;
import io.barge.drivers.nic.NicConfig;
import io.barge.drivers.nic.NicDriver;
import io.barge.drivers.nic.Wire;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Packets per second through the driver domain ({@link DriverDomain}) per path, 64 B and 1500 B frames, link
 * unlimited, everything on the benchmark's thread (devices, driver domain, two guests sending to each other: the
 * whole per-packet cost on one core), beside the reference in the same run: {@code copying}, the existing
 * {@link NicDriver} that copies each payload into its own TX buffer and hands its own RX buffer to a handler, two
 * NICs back to back, one driver domain each, no guests and no transport. Read the {@code packets} counter (per
 * second); a path over {@code copying} at the same size is the ratio. One operation is one pass of every agent.
 * {@code -p pins=per-transfer} pins and unpins every buffer per frame instead of keeping the pins of mappings that
 * last (the {@code pins} parameter means nothing to {@code copying}). On a machine shared with other work read
 * {@code cpuNanos / cpuPackets} instead ({@link Cpu}): the benchmark thread's CPU time per frame, which leaves out
 * the time it waited for a CPU.
 * <pre>
 *   java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/barge.jar org.openjdk.jmh.Main \
 *       NicPath -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true", "-XX:MaxDirectMemorySize=4g" })
public class NicPathBenchmark
{
    /** Frames received, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Packets
    {
        /** Frames received by guests (or by the reference's receiving driver). */
        public long packets;

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            packets = 0;
        }
    }

    /**
     * The benchmark thread's CPU time and the frames it covers: the CPU clock read once every {@link #PASSES}
     * passes (a reading costs about as much as a few frames, so not one a pass), frames counted between readings.
     * CPU time per frame is {@code cpuNanos / cpuPackets}: JMH sums these counters over the iterations, so a ratio
     * is taken of the sums (a ratio counter would come out as the sum of the iterations' ratios).
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Cpu
    {
        static final int PASSES = 64;

        /** CPU nanoseconds between the iteration's first and last readings. */
        public long cpuNanos;
        /** Frames received between those readings. */
        public long cpuPackets;
        private long start;
        private long pending;
        private int passes;

        /**
         * Starts each iteration from zero; the first reading starts the clock.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            cpuNanos = 0;
            cpuPackets = 0;
            start = -1;
            pending = 0;
            passes = 0;
        }

        void afterPass(final long packets)
        {
            pending += packets;
            if (++passes == PASSES)
            {
                passes = 0;
                final long now = ThreadCpu.now();
                if (start >= 0)
                {
                    cpuNanos += now - start;
                    cpuPackets += pending;
                }
                start = now;
                pending = 0;
            }
        }
    }

    /** One machine per trial: a driver domain with two guests on the chosen path, or the copying reference. */
    @State(Scope.Thread)
    public static class Machine
    {
        /** {@code xen-map}, {@code xen-copy}, {@code xen-persistent}, {@code rbufs}, {@code fbufs}, {@code copying}. */
        @Param({ "copying", "xen-map", "xen-copy", "xen-persistent", "rbufs", "fbufs" })
        public String path;

        /** Frame bytes. */
        @Param({ "64", "1500" })
        public int size;

        /** {@code persistent}: DMA pins kept where the path keeps its mappings; {@code per-transfer}: never. */
        @Param({ "persistent" })
        public String pins;

        PhysicalMemory memory;
        Kernel kernel;
        DriverDomain idd;
        GuestTraffic traffic;
        long seen;
        // The reference.
        Nic nicA;
        Nic nicB;
        NicDriver sender;
        NicDriver receiver;
        UnsafeBuffer payload;
        final long[] received = new long[1];
        long sent;

        /**
         * Builds the machine.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            memory = PhysicalMemory.allocateDirect(8192);
            kernel = new Kernel(memory);
            if ("copying".equals(path))
            {
                final Wire wire = new Wire(2048, Link.UNLIMITED, 2052, 1 << 20, SystemNanoClock.INSTANCE);
                nicA = new Nic(kernel, "a", wire.a(), new NicConfig().coalescing(32, 50_000));
                nicB = new Nic(kernel, "b", wire.b(), new NicConfig().coalescing(32, 50_000));
                sender = new NicDriver(kernel, kernel.createDomain("driverA"), nicA, 256, NicDriver.Mode.POLLING, 64,
                    (b, o, l) -> { });
                receiver = new NicDriver(kernel, kernel.createDomain("driverB"), nicB, 256, NicDriver.Mode.POLLING,
                    64, (b, o, l) -> received[0]++);
                payload = new UnsafeBuffer(new byte[size]);
                return;
            }
            final IddConfig config = new IddConfig().persistentPins("persistent".equals(pins));
            if (path.startsWith("xen-"))
            {
                config.path(IddPath.XEN).grants(path.substring(4));
            }
            else
            {
                config.path(IddPath.of(path));
            }
            final Domain[] guests = { kernel.createDomain("guest0"), kernel.createDomain("guest1") };
            idd = new DriverDomain(kernel, "idd", guests, config);
            traffic = new GuestTraffic(idd, size, config.capacity());
        }

        /**
         * @return the machine's kernel, whose counters the report reads before and after each window.
         */
        public Kernel kernel()
        {
            return kernel;
        }

        /**
         * One pass of every agent (the report's NIC rows run the same pass).
         *
         * @return frames received in it.
         */
        public long pass()
        {
            if (idd != null)
            {
                idd.pumpDevices();
                idd.doWork();
                traffic.doWork();
                final long now = traffic.received();
                final long delta = now - seen;
                seen = now;
                return delta;
            }
            // The reference: the same shape of loop as NicThroughputRun's single-thread placement.
            for (int i = 0; i < 64 && sent - received[0] < 512 && sender.send(payload, 0, size); i++)
            {
                sent++;
            }
            nicA.doWork();
            nicB.doWork();
            final long before = received[0];
            sender.poll(64);
            receiver.poll(64);
            return received[0] - before;
        }

        /**
         * Returns everything.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            if (idd != null)
            {
                idd.close();
            }
            else
            {
                sender.close();
                receiver.close();
                nicA.close();
                nicB.close();
            }
            kernel.close();
            memory.close();
        }
    }

    /**
     * @param machine the machine.
     * @param packets frames counted.
     * @param cpu     CPU time per frame.
     * @return frames in this pass, for the blackhole.
     */
    @Benchmark
    public long pass(final Machine machine, final Packets packets, final Cpu cpu)
    {
        final long delta = machine.pass();
        packets.packets += delta;
        cpu.afterPass(delta);
        return delta;
    }
}

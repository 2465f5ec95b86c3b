package io.barge.drivers.idd;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.device.DeviceCounters;
import io.barge.drivers.nic.NicCounters;
import io.barge.grant.GrantCounters;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A measured run of guests sending to each other through a {@link DriverDomain}: a machine, the guests, the driver
 * domain and its devices, {@link GuestTraffic}, a warm-up, then a timed window whose frames, bytes, latencies and
 * counter deltas (per frame) make the {@link Result}. The library behind {@code barge nic}.
 */
public final class IddRun
{
    /** Where the agents run. */
    public enum Placement
    {
        /** One thread runs devices, driver domain and guests in turn: the whole per-frame cost on one core. */
        PUMP,
        /** Three threads: the devices, the driver domain, the guests, each idling with a backoff when idle. */
        THREADS
    }

    /** The counters reported per frame, in this order. */
    public static final List<CounterType> COUNTERS = List.of(
        DeviceCounters.DMA_PINS, DeviceCounters.DMA_BYTES, DeviceCounters.DMA_FAULTS,
        DeviceCounters.INTERRUPTS_RAISED, DeviceCounters.INTERRUPTS_DELIVERED,
        GrantCounters.GRANT_MAPS, GrantCounters.GRANT_UNMAPS, GrantCounters.GRANT_COPIES, GrantCounters.GRANT_PINS,
        GrantCounters.GRANT_UNPINS, CounterType.PAGE_TABLE_UPDATES, CounterType.TLB_FLUSHES, CounterType.BYTES_COPIED,
        CounterType.NOTIFICATIONS_SENT, CounterType.NOTIFICATIONS_SUPPRESSED, NicCounters.NIC_RX_NO_BUFFER);

    /**
     * What a run measured, over its timed window.
     *
     * @param packets    frames received by guests.
     * @param bytes      their bytes.
     * @param nanos      length of the window.
     * @param latency    one-way latency, nanoseconds.
     * @param perPacket  counter deltas divided by the frames, by counter name.
     * @param errors     error responses and out-of-order frames seen by guests.
     * @param cpuNanos   CPU time the one thread of the {@link Placement#PUMP} placement spent in the window (so the
     *                   cost per packet on one core, whatever else the machine runs), or -1 for threads.
     */
    public record Result(long packets, long bytes, long nanos, Histogram latency, Map<String, Double> perPacket,
        long errors, long cpuNanos)
    {
        /** @return packets per second of the pumping thread's CPU time, or NaN if not measured. */
        public double packetsPerCpuSecond()
        {
            return cpuNanos <= 0 ? Double.NaN : packets * 1e9 / cpuNanos;
        }

        /** @return frames per second. */
        public double packetsPerSecond()
        {
            return packets * 1e9 / nanos;
        }

        /** @return bytes per second. */
        public double bytesPerSecond()
        {
            return bytes * 1e9 / nanos;
        }
    }

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private IddRun()
    {
    }

    /**
     * @param config    path, sizes, link rate.
     * @param guests    guest domains, at least 1.
     * @param size      frame length.
     * @param seconds   timed window, after a warm-up of a quarter of it (at most 1 s).
     * @param placement threads.
     * @param progress  told a line about once a second.
     * @return the measurement.
     * @throws Exception if an agent failed.
     */
    public static Result run(final IddConfig config, final int guests, final int size, final double seconds,
        final Placement placement, final Consumer<String> progress) throws Exception
    {
        final int frames = guests * (8 * config.capacity() + 4 * config.ringSize() / 256 + 64) + 1024;
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(frames);
            Kernel kernel = new Kernel(memory))
        {
            final Domain[] domains = new Domain[guests];
            for (int g = 0; g < guests; g++)
            {
                domains[g] = kernel.createDomain("guest" + g);
            }
            try (DriverDomain idd = new DriverDomain(kernel, "idd", domains, config))
            {
                final GuestTraffic traffic = new GuestTraffic(idd, size, config.capacity());
                return placement == Placement.PUMP ? pumped(kernel, idd, traffic, size, seconds, progress) :
                    threaded(kernel, idd, traffic, size, seconds, progress);
            }
        }
    }

    private static Result pumped(final Kernel kernel, final DriverDomain idd, final GuestTraffic traffic,
        final int size, final double seconds, final Consumer<String> progress)
    {
        final Window window = new Window(kernel, traffic, size, seconds, progress);
        window.measureCpu();
        while (!window.done())
        {
            idd.pumpDevices();
            idd.doWork();
            traffic.doWork();
        }
        return window.result();
    }

    private static Result threaded(final Kernel kernel, final DriverDomain idd, final GuestTraffic traffic,
        final int size, final double seconds, final Consumer<String> progress) throws Exception
    {
        final Throwable[] failure = new Throwable[1];
        final org.agrona.ErrorHandler onError = ex ->
        {
            synchronized (failure)
            {
                failure[0] = failure[0] == null ? ex : failure[0];
            }
        };
        final AgentRunner devices = new AgentRunner(new BackoffIdleStrategy(), onError, null, idd.devices());
        final AgentRunner driver = new AgentRunner(new BackoffIdleStrategy(), onError, null, idd);
        final AgentRunner guests = new AgentRunner(new BackoffIdleStrategy(), onError, null, traffic);
        AgentRunner.startOnThread(devices);
        AgentRunner.startOnThread(driver);
        AgentRunner.startOnThread(guests);
        final Window window = new Window(kernel, traffic, size, seconds, progress);
        try
        {
            final BackoffIdleStrategy idle = new BackoffIdleStrategy(1, 1, 1_000_000, 10_000_000);
            while (!window.done())
            {
                synchronized (failure)
                {
                    if (failure[0] != null)
                    {
                        throw new IllegalStateException("an agent failed", failure[0]);
                    }
                }
                idle.idle();
            }
        }
        finally
        {
            guests.close();
            driver.close();
            devices.close();
        }
        return window.result();
    }

    /** Warm-up, then the timed window: counter snapshots at its ends, a progress line a second. */
    private static final class Window
    {
        private final Kernel kernel;
        private final GuestTraffic traffic;
        private final int size;
        private final Consumer<String> progress;
        private final long warmupEnd;
        private final long nanos;
        private long end;
        private final long[] before = new long[COUNTERS.size()];
        private final long[] after = new long[COUNTERS.size()];
        private long startNanos;
        private long startPackets;
        private long startErrors;
        private long endNanos;
        private long endPackets;
        private long nextProgress;
        private long lastPackets;
        private long lastProgress;
        private boolean measuring;
        private boolean cpu;
        private long startCpu;
        private long endCpu = -1;

        Window(final Kernel kernel, final GuestTraffic traffic, final int size, final double seconds,
            final Consumer<String> progress)
        {
            this.kernel = kernel;
            this.traffic = traffic;
            this.size = size;
            this.progress = progress;
            final long now = System.nanoTime();
            this.nanos = (long)(seconds * 1e9);
            this.warmupEnd = now + Math.min(1_000_000_000L, nanos / 4);
            this.nextProgress = now + 1_000_000_000L;
            this.lastProgress = now;
        }

        /** The calling thread does all the work: its CPU time is the cost. */
        void measureCpu()
        {
            cpu = CPU.isCurrentThreadCpuTimeSupported();
        }

        boolean done()
        {
            final long now = System.nanoTime();
            if (!measuring && now - warmupEnd >= 0)
            {
                measuring = true;
                traffic.resetLatency();
                for (int i = 0; i < before.length; i++)
                {
                    before[i] = kernel.counters().total(COUNTERS.get(i));
                }
                startNanos = now;
                startCpu = cpu ? CPU.getCurrentThreadCpuTime() : 0;
                end = now + nanos; // from the window's real start, however late the warm-up's last pass ended
                startPackets = traffic.received();
                startErrors = traffic.errors() + traffic.outOfOrder();
            }
            if (now - nextProgress >= 0)
            {
                final long packets = traffic.received();
                final double rate = (packets - lastPackets) * 1e9 / (now - lastProgress);
                progress.accept(String.format("%s %.1f s: %.0f packets/s, %.1f MB/s, %d received",
                    measuring ? "measuring" : "warming up", (now - (measuring ? startNanos : warmupEnd)) / 1e9,
                    rate, rate * size / 1e6, packets));
                lastPackets = packets;
                lastProgress = now;
                nextProgress = now + 1_000_000_000L;
            }
            if (measuring && now - end >= 0)
            {
                endNanos = now;
                endCpu = cpu ? CPU.getCurrentThreadCpuTime() - startCpu : -1;
                endPackets = traffic.received();
                for (int i = 0; i < after.length; i++)
                {
                    after[i] = kernel.counters().total(COUNTERS.get(i)); // at the window's end, not at teardown
                }
                return true;
            }
            return false;
        }

        Result result()
        {
            final long packets = endPackets - startPackets;
            final Map<String, Double> perPacket = new LinkedHashMap<>();
            for (int i = 0; i < before.length; i++)
            {
                final CounterType type = COUNTERS.get(i);
                perPacket.put(type.name(), packets == 0 ? 0.0 :
                    (after[i] - before[i]) / (double)packets);
            }
            return new Result(packets, packets * size, endNanos - startNanos, traffic.latency().copy(), perPacket,
                traffic.errors() + traffic.outOfOrder() - startErrors, endCpu);
        }
    }
}

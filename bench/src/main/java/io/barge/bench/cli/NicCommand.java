package io.barge.bench.cli;

import io.barge.drivers.idd.IddConfig;
import io.barge.drivers.idd.IddPath;
import io.barge.drivers.idd.IddRun;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code barge nic}: guests sending to each other through a driver domain over back-to-back simulated NICs
 * ({@link io.barge.drivers.idd.DriverDomain}); prints packets/s, bytes/s, one-way latency percentiles and the
 * counters per packet, with a progress line while it runs.
 */
@Command(
    name = "nic",
    mixinStandardHelpOptions = true,
    description = {
        "Guests send to each other through a driver domain (IDD) over back-to-back simulated DMA NICs: guest i " +
            "transmits on NIC A_i, whose wire delivers to NIC B_i, whose RX ring holds guest (i+1)'s buffers.",
        "Zero copy: the devices DMA from and into the guests' buffers, pinned through the IDD's mappings.",
        "Prints packets/s, bytes/s, one-way latency percentiles and per-packet counters (grant ops, pins, DMA bytes, " +
            "interrupts, notifications sent/suppressed)."
    })
final class NicCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--path", defaultValue = "rbufs", description = "xen, rbufs or fbufs (default: ${DEFAULT-VALUE}).")
    String path;

    @Option(names = "--grants", defaultValue = "persistent",
        description = "xen grant mode: map, copy or persistent (default: ${DEFAULT-VALUE}).")
    String grants;

    @Option(names = "--guests", defaultValue = "2", description = "guest domains (default: ${DEFAULT-VALUE}).")
    int guests;

    @Option(names = "--size", defaultValue = "64", converter = Cli.ByteSize.class,
        description = "frame bytes, 16..MTU (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--seconds", defaultValue = "5", description = "timed window (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--link-gbps", defaultValue = "0",
        description = "link rate per direction in Gbit/s, 0 = unlimited (default: ${DEFAULT-VALUE}).")
    double linkGbps;

    @Option(names = "--mtu", defaultValue = "2048", description = "MTU (default: ${DEFAULT-VALUE}).")
    int mtu;

    @Option(names = "--pins", defaultValue = "persistent",
        description = "persistent (keep DMA pins where the path keeps its mappings) or per-transfer " +
            "(default: ${DEFAULT-VALUE}).")
    String pins;

    @Option(names = "--placement", defaultValue = "PUMP",
        description = "PUMP (one thread runs devices, IDD and guests) or THREADS (three agents) " +
            "(default: ${DEFAULT-VALUE}).")
    IddRun.Placement placement;

    @Override
    public Integer call() throws Exception
    {
        final IddConfig config = Cli.usage(spec, this::config);
        final PrintWriter out = spec.commandLine().getOut();
        out.printf("nic: %d guests, %d B frames, %s, %s, %.1f s%n", guests, size, config, placement, seconds);
        out.flush();
        final IddRun.Result result = IddRun.run(config, guests, size, seconds, placement, line ->
        {
            out.println("  " + line);
            out.flush();
        });
        print(out, result);
        return result.packets() > 0 ? 0 : BargeCli.EXIT_FAILED;
    }

    private IddConfig config()
    {
        if (guests < 1 || guests > 64)
        {
            throw new IllegalArgumentException("--guests=" + guests + " outside [1, 64]");
        }
        if (seconds <= 0)
        {
            throw new IllegalArgumentException("--seconds=" + seconds + " must be positive");
        }
        if (linkGbps < 0)
        {
            throw new IllegalArgumentException("--link-gbps=" + linkGbps + " is negative");
        }
        final IddConfig config = new IddConfig().path(IddPath.of(path)).grants(grants).mtu(mtu)
            .linkRate((long)(linkGbps * 1e9)).persistentPins("persistent".equals(pins));
        if (!"persistent".equals(pins) && !"per-transfer".equals(pins))
        {
            throw new IllegalArgumentException("--pins=" + pins + " is neither persistent nor per-transfer");
        }
        config.checkFits(io.barge.core.PhysicalMemory.DEFAULT_FRAME_SIZE);
        if (size < io.barge.drivers.idd.GuestTraffic.STAMP_LENGTH || size > mtu)
        {
            throw new IllegalArgumentException("--size=" + size + " outside [16, mtu=" + mtu + "]");
        }
        if (!java.util.List.of("map", "copy", "persistent").contains(grants)) // checked on every path: a typo is a typo
        {
            throw new IllegalArgumentException("--grants=" + grants + " is none of map, copy, persistent");
        }
        return config;
    }

    private static void print(final PrintWriter out, final IddRun.Result result)
    {
        final Histogram latency = result.latency();
        out.printf("packets/s   %,.0f%n", result.packetsPerSecond());
        out.printf("bytes/s     %,.0f (%.3f Gbit/s)%n", result.bytesPerSecond(), result.bytesPerSecond() * 8 / 1e9);
        out.printf("packets     %,d in %.2f s, errors %d%n", result.packets(), result.nanos() / 1e9, result.errors());
        if (result.cpuNanos() > 0)
        {
            out.printf("cpu         %.0f ns per packet on the pumping thread: %,.0f packets per CPU-second%n",
                result.cpuNanos() / (double)result.packets(), result.packetsPerCpuSecond());
        }
        if (latency.getTotalCount() > 0)
        {
            out.printf("latency us  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f (one way, %,d samples, " +
                "1 in " + io.barge.drivers.idd.GuestTraffic.LATENCY_SAMPLE + " frames)%n",
                latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3,
                latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                latency.getMaxValue() / 1e3, latency.getTotalCount());
        }
        out.println("per packet:");
        for (final Map.Entry<String, Double> entry : result.perPacket().entrySet())
        {
            out.printf("  %-26s %10.3f%n", entry.getKey(), entry.getValue());
        }
        out.flush();
    }
}

package io.barge.bench.report;

import io.barge.bench.drivers.NicPathBenchmark;
import io.barge.core.CounterType;
import io.barge.drivers.idd.IddRun;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The NIC rows: packets per second through the driver domain per path and frame size, link unlimited, beside the
 * copying {@code NicDriver} reference, on the machines of {@link NicPathBenchmark} (one machine, kernel and memory
 * per path; devices, driver domain and both guests pumped by this one thread, the same pass as the benchmark).
 * Size by size, the machines are built, warmed, then measured in short alternating windows (reference, path 1,
 * path 2, ..., then again), so every ratio compares windows of one JVM at one size; the counters that
 * {@code barge nic} prints are read from each machine's kernel before and after each window.
 */
final class NicRows
{
    /** The copying reference's path name. */
    static final String REFERENCE = "copying";
    /** Every path of the driver domain, in report order. */
    static final List<String> PATHS = List.of("xen-map", "xen-copy", "xen-persistent", "rbufs", "fbufs");
    /** The paths of a quick run: the goals' two and fbufs. */
    static final List<String> QUICK_PATHS = List.of("xen-persistent", "rbufs", "fbufs");
    /** Frame sizes of a full run. */
    static final List<Integer> SIZES = List.of(64, 1500);
    /** Frame sizes of a quick run. */
    static final List<Integer> QUICK_SIZES = List.of(64);
    /** The DMA pin policy every machine of the report uses: pins kept where the path keeps its mappings. */
    static final String PINS = "persistent";
    /** Operations per packet below this are left out of {@link #whereTimeGoes} (window edges, rare events). */
    private static final double NEGLIGIBLE_OPS = 0.01;
    /** How {@link #whereTimeGoes} names suppressed notifications. */
    private static final String SUPPRESSED = "notifications suppressed";
    /** Below this many extra operations per packet, {@link #whereTimeGoes} says the counters do not explain it. */
    private static final double FEW_OPS = 0.5;
    /** Bytes per packet below this are left out of {@link #whereTimeGoes}. */
    private static final double NEGLIGIBLE_BYTES = 1;
    /** Passes between clock reads. */
    private static final int BATCH = 16;

    private final Settings settings;
    private final List<String> paths;

    /**
     * @param settings   the run's settings.
     * @param transports the transports selected for the run: a path is measured only if its transport is one.
     */
    NicRows(final Settings settings, final Set<String> transports)
    {
        this.settings = settings;
        this.paths = paths(settings.quick(), transports);
    }

    /**
     * @param quick      a quick run.
     * @param transports the selected transports.
     * @return the paths measured (without the reference), possibly none.
     */
    static List<String> paths(final boolean quick, final Set<String> transports)
    {
        final List<String> chosen = new ArrayList<>();
        for (final String path : quick ? QUICK_PATHS : PATHS)
        {
            if (transports.contains(path.startsWith("xen-") ? "xen" : path))
            {
                chosen.add(path);
            }
        }
        return chosen;
    }

    /**
     * @param quick a quick run.
     * @return the frame sizes measured.
     */
    static List<Integer> sizes(final boolean quick)
    {
        return quick ? QUICK_SIZES : SIZES;
    }

    /**
     * @param settings   the run's settings.
     * @param transports the selected transports.
     * @return progress steps: one per measured window.
     */
    static int units(final Settings settings, final Set<String> transports)
    {
        final List<String> chosen = paths(settings.quick(), transports);
        return chosen.isEmpty() ? 0 : sizes(settings.quick()).size() * (chosen.size() + 1) *
            settings.measuredIterations();
    }

    /**
     * @param perPacket a row's counters per packet.
     * @return grant maps, unmaps, copies, pins and unpins per packet, summed.
     */
    static double grantOps(final Map<String, Double> perPacket)
    {
        return counter(perPacket, "GRANT_MAPS") + counter(perPacket, "GRANT_UNMAPS") +
            counter(perPacket, "GRANT_COPIES") + counter(perPacket, "GRANT_PINS") + counter(perPacket, "GRANT_UNPINS");
    }

    /**
     * @param perPacket a row's counters per packet.
     * @param name      a counter's name.
     * @return its value, 0 if absent.
     */
    static double counter(final Map<String, Double> perPacket, final String name)
    {
        final Double value = perPacket == null ? null : perPacket.get(name);
        return value == null ? 0 : value;
    }

    /** The privileged operations {@link #whereTimeGoes} weighs, by how it names them. */
    private static final Map<String, java.util.function.ToDoubleFunction<Map<String, Double>>> OPERATIONS =
        operations();

    private static Map<String, java.util.function.ToDoubleFunction<Map<String, Double>>> operations()
    {
        final Map<String, java.util.function.ToDoubleFunction<Map<String, Double>>> ops = new LinkedHashMap<>();
        ops.put("grant ops", NicRows::grantOps);
        ops.put("DMA pins", (p) -> counter(p, "DMA_PINS"));
        ops.put("page-table updates", (p) -> counter(p, "PAGE_TABLE_UPDATES"));
        ops.put("TLB flushes", (p) -> counter(p, "TLB_FLUSHES"));
        ops.put("interrupts", (p) -> counter(p, "INTERRUPTS_DELIVERED"));
        ops.put("notifications", (p) -> counter(p, "NOTIFICATIONS_SENT"));
        ops.put(SUPPRESSED, (p) -> counter(p, "NOTIFICATIONS_SUPPRESSED"));
        ops.put("DMA faults", (p) -> counter(p, "DMA_FAULTS"));
        ops.put("RX drops (no buffer)", (p) -> counter(p, "NIC_RX_NO_BUFFER"));
        return ops;
    }

    /**
     * Says, from a row's measured counters, where its time goes: the time per packet (1 / rate) and what beyond
     * the copying reference at the same size it costs, and the work per packet that explains it: the privileged
     * operations, largest count first, then the bytes the kernel copies and the DMA bytes, each as the difference
     * from the reference (the reference's own row gives its absolute counts). The counts are not weighted by a
     * cost, so "most" names the most frequent operation, not a measured share of the time.
     *
     * @param row       a NIC row.
     * @param reference the copying reference's row at the same frame size, or null if not measured.
     * @return one line, e.g. "2000 ns/packet, +1000 ns vs copying; per packet vs copying: +4.00 grant ops,
     *         +2.00 page-table updates, +64 B copied by the kernel; most: grant ops (+4.00)".
     */
    static String whereTimeGoes(final ReportModel.NicRow row, final ReportModel.NicRow reference)
    {
        final boolean relative = reference != null && reference != row && !REFERENCE.equals(row.path());
        final StringBuilder text = new StringBuilder();
        if (row.packetsPerSecond() > 0)
        {
            final double nanos = 1e9 / row.packetsPerSecond();
            text.append(HtmlReport.num(nanos)).append(" ns/packet");
            if (relative && reference.packetsPerSecond() > 0)
            {
                text.append(", ").append(signed(nanos - 1e9 / reference.packetsPerSecond())).append(" ns vs copying");
            }
        }
        final List<Map.Entry<String, Double>> ops = new ArrayList<>();
        for (final Map.Entry<String, java.util.function.ToDoubleFunction<Map<String, Double>>> op :
            OPERATIONS.entrySet())
        {
            final double value = op.getValue().applyAsDouble(row.perPacket()) -
                (relative ? op.getValue().applyAsDouble(reference.perPacket()) : 0);
            if (Math.abs(value) >= NEGLIGIBLE_OPS)
            {
                ops.add(Map.entry(op.getKey(), value));
            }
        }
        ops.sort((a, b) -> Double.compare(Math.abs(b.getValue()), Math.abs(a.getValue())));
        final List<String> items = new ArrayList<>();
        ops.forEach((e) -> items.add((relative ? signed(e.getValue()) : HtmlReport.num(e.getValue())) + " " +
            e.getKey()));
        for (final String[] bytes : new String[][]{ { "BYTES_COPIED", "B copied by the kernel" },
            { "DMA_BYTES", "DMA B" } })
        {
            final double value = counter(row.perPacket(), bytes[0]) -
                (relative ? counter(reference.perPacket(), bytes[0]) : 0);
            if (Math.abs(value) >= NEGLIGIBLE_BYTES)
            {
                items.add((relative ? signed(value) : HtmlReport.num(value)) + " " + bytes[1]);
            }
        }
        text.append(text.length() == 0 ? "" : "; ").append(relative ? "per packet vs copying: " : "per packet: ")
            .append(items.isEmpty() ? "the same work" : String.join(", ", items));
        // A suppressed notification is a check that saved one: listed, never named as where the time goes.
        final Optional<Map.Entry<String, Double>> most = ops.stream().filter((e) -> e.getValue() > 0 &&
            !SUPPRESSED.equals(e.getKey())).findFirst();
        text.append("; most: ");
        if (most.isEmpty())
        {
            text.append(relative ? "no counted operation beyond copying" : "no counted operation");
        }
        else
        {
            text.append(most.get().getKey()).append(" (").append(relative ? signed(most.get().getValue()) :
                HtmlReport.num(most.get().getValue())).append(")");
        }
        if (relative && most.map((e) -> e.getValue() < FEW_OPS).orElse(true) &&
            row.packetsPerSecond() < reference.packetsPerSecond())
        {
            text.append("; under one counted operation in two packets does not explain the extra time: it is in ")
                .append("uncounted work (ring requests, responses and descriptors)");
        }
        return text.toString();
    }

    /**
     * @param rows       a run's NIC rows.
     * @param frameBytes a frame size.
     * @return the copying reference's row at that size, or null if it was not measured.
     */
    static ReportModel.NicRow reference(final List<ReportModel.NicRow> rows, final int frameBytes)
    {
        return rows.stream().filter((r) -> REFERENCE.equals(r.path()) && r.frameBytes() == frameBytes).findFirst()
            .orElse(null);
    }

    private static String signed(final double value)
    {
        return (value >= 0 ? "+" : "") + HtmlReport.num(value);
    }

    /** One machine and what its windows gathered. */
    private static final class Target
    {
        final String path;
        final NicPathBenchmark.Machine machine = new NicPathBenchmark.Machine();
        final List<Double> rates = new ArrayList<>();
        final long[] deltas = new long[IddRun.COUNTERS.size()];
        long packets;
        boolean failed;

        Target(final String path)
        {
            this.path = path;
        }
    }

    /**
     * Measures every path at every size; a machine that fails is reported and the others go on.
     *
     * @param out      receives each row.
     * @param failures receives "what: why".
     * @param progress told each window as it finishes.
     */
    void run(final Consumer<ReportModel.NicRow> out, final Consumer<String> failures, final Consumer<String> progress)
    {
        if (paths.isEmpty())
        {
            return;
        }
        for (final int size : sizes(settings.quick()))
        {
            final List<Target> targets = new ArrayList<>();
            try
            {
                for (final String path : concat(REFERENCE, paths))
                {
                    final Target target = new Target(path);
                    try
                    {
                        target.machine.path = path;
                        target.machine.size = size;
                        target.machine.pins = PINS;
                        target.machine.setUp();
                        targets.add(target);
                    }
                    catch (final RuntimeException ex)
                    {
                        failures.accept("nic " + path + " " + size + " B: " + ex);
                    }
                }
                for (int i = 0; i < settings.warmupIterations(); i++)
                {
                    for (final Target target : targets)
                    {
                        attempt(target, size, false, failures);
                    }
                }
                for (int round = 0; round < settings.measuredIterations(); round++)
                {
                    for (final Target target : targets)
                    {
                        progress.accept(ReportCommand.STARTING + "nic " + target.path + " " + size + " B");
                        attempt(target, size, true, failures);
                        progress.accept("nic " + target.path + " " + size + " B");
                    }
                }
                emit(targets, size, out);
            }
            finally
            {
                for (final Target target : targets)
                {
                    close(target, size, failures);
                }
            }
        }
    }

    private static List<String> concat(final String first, final List<String> rest)
    {
        final List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private void attempt(final Target target, final int size, final boolean measured,
        final Consumer<String> failures)
    {
        if (target.failed)
        {
            return;
        }
        try
        {
            window(target, measured);
        }
        catch (final RuntimeException ex)
        {
            target.failed = true;
            failures.accept("nic " + target.path + " " + size + " B: " + ex);
        }
    }

    private void window(final Target target, final boolean measured)
    {
        final NicPathBenchmark.Machine machine = target.machine;
        final long[] before = new long[IddRun.COUNTERS.size()];
        read(machine, before);
        final long start = System.nanoTime();
        final long deadline = start + settings.iterationNanos();
        long packets = 0;
        long now;
        do
        {
            for (int i = 0; i < BATCH; i++)
            {
                packets += machine.pass();
            }
            now = System.nanoTime();
        }
        while (now < deadline);
        final long[] after = new long[before.length];
        read(machine, after);
        if (measured)
        {
            target.rates.add(packets * 1e9 / Math.max(1, now - start));
            target.packets += packets;
            for (int i = 0; i < before.length; i++)
            {
                target.deltas[i] += after[i] - before[i];
            }
        }
    }

    private static void read(final NicPathBenchmark.Machine machine, final long[] into)
    {
        for (int i = 0; i < into.length; i++)
        {
            into[i] = machine.kernel().counters().total(IddRun.COUNTERS.get(i));
        }
    }

    private static void emit(final List<Target> targets, final int size, final Consumer<ReportModel.NicRow> out)
    {
        Double reference = null;
        for (final Target target : targets)
        {
            if (REFERENCE.equals(target.path) && !target.failed && !target.rates.isEmpty())
            {
                reference = median(target);
            }
        }
        for (final Target target : targets)
        {
            if (target.failed || target.rates.isEmpty())
            {
                continue;
            }
            final double rate = median(target);
            final Map<String, Double> perPacket = new LinkedHashMap<>();
            for (int i = 0; i < target.deltas.length; i++)
            {
                final CounterType type = IddRun.COUNTERS.get(i);
                perPacket.put(type.name(), target.packets == 0 ? 0.0 : target.deltas[i] / (double)target.packets);
            }
            // Only within this size, one JVM and one placement: the reference's windows alternated with this path's.
            out.accept(new ReportModel.NicRow(target.path, size, "single-thread", PINS, rate, rate * size,
                reference == null || reference <= 0 ? null : rate / reference, perPacket, target.packets,
                Harness.spread(target.rates.stream().mapToDouble(Double::doubleValue).toArray())));
        }
    }

    private static double median(final Target target)
    {
        return Harness.median(target.rates.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void close(final Target target, final int size, final Consumer<String> failures)
    {
        try
        {
            target.machine.tearDown();
        }
        catch (final RuntimeException ex)
        {
            failures.accept("nic " + target.path + " " + size + " B (teardown): " + ex);
        }
    }
}

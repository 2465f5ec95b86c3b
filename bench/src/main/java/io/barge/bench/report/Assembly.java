package io.barge.bench.report;

import io.aeron.AeronVersion;
import io.barge.core.transport.TransportProvider;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Puts the groups' rows together into one {@link ReportModel.Results} (ratios to bare read, the environment, the
 * comparison) and writes the output folder.
 */
final class Assembly
{
    private Assembly()
    {
    }

    /**
     * @param settings    the run's settings.
     * @param providers   every installed provider.
     * @param selected    the modes measured.
     * @param measured    every group's rows.
     * @param forked      whether groups ran in fresh JVMs.
     * @param compareName the earlier file's name, or null.
     * @param older       the earlier run, or null.
     * @return the whole run.
     */
    static ReportModel.Results assemble(final Settings settings, final List<TransportProvider> providers,
        final List<ModeSpec> selected, final ReportModel.GroupOutput measured, final boolean forked,
        final String compareName, final ReportModel.Results older)
    {
        // Ratios to bare read were taken in each transport's own JVM, against a bare read interleaved with it.
        final List<ReportModel.Row> rows = List.copyOf(measured.results());
        final Map<String, Object> environment = environment(settings, providers, selected, forked);
        final ReportModel.Results results = new ReportModel.Results(ReportModel.SCHEMA, environment, rows,
            List.copyOf(measured.references()), List.copyOf(measured.overheads()), null,
            List.copyOf(measured.failures()), measured.nic() == null ? List.of() : List.copyOf(measured.nic()),
            measured.pipelineScaling() == null ? List.of() : List.copyOf(measured.pipelineScaling()));
        if (older == null)
        {
            return results;
        }
        return new ReportModel.Results(ReportModel.SCHEMA, environment, rows, results.references(),
            results.overheads(), ResultsJson.compare(compareName, older, results), results.failures(),
            results.nic(), results.pipelineScaling());
    }

    /**
     * Writes results.json, the charts and index.html.
     *
     * @param results the run.
     * @param dir     the output folder.
     * @throws IOException if a file cannot be written.
     */
    static void write(final ReportModel.Results results, final Path dir) throws IOException
    {
        ResultsJson.write(results, dir.resolve(ResultsJson.FILE_NAME));
        final List<Charts.Drawn> charts = new Charts(dir).drawAll(results);
        Files.writeString(dir.resolve("index.html"), HtmlReport.render(results, charts), StandardCharsets.UTF_8);
    }

    /**
     * Prints where the outputs are, the headline figures and the comparison.
     *
     * @param results the run.
     * @param dir     the output folder.
     * @param out     where to print.
     */
    static void summarise(final ReportModel.Results results, final Path dir, final PrintWriter out)
    {
        out.println("wrote " + dir.resolve("index.html") + ", " + dir.resolve(ResultsJson.FILE_NAME) +
            " and the charts (PNG and SVG)");
        out.println("summary (each family's best mode; in brackets the slowest and fastest iteration):");
        for (final HtmlSummary.Figures f : HtmlSummary.figures(results))
        {
            out.println(String.format(Locale.ROOT, "  %-8s %-28s x bare read at 64 KiB: %s%n%39s two threads 64 B: %s" +
                "%n%39s two threads 64 KiB: %s%n%39s 8 hops: %s", f.family(), f.bestMode(), f.bareRead(), "",
                f.twoThread(), "", f.twoThreadBulk(), "", f.scaling()));
        }
        for (final ReportModel.Row row : results.results())
        {
            if (row.threads() == 1 && "crossing".equals(row.scenario()) && row.touch())
            {
                out.println(String.format(Locale.ROOT, "  %-40s %8s touched: %10s msg/s %8s GB/s  x bare read %s",
                    Charts.modeName(row), HtmlReport.size(row.messageBytes()), HtmlReport.num(row.messagesPerSecond()),
                    HtmlReport.num(row.bytesPerSecond() / 1e9),
                    row.relativeToBareRead() == null ? "-" : HtmlReport.num(row.relativeToBareRead())));
            }
        }
        for (final ReportModel.Reference ref : results.references())
        {
            if (ref.threads() == 2 && !AgronaRingSubject.NAME.equals(ref.name()))
            {
                out.println(String.format(Locale.ROOT, "  %-40s %8s two threads, %-6s %10s msg/s %8s GB/s  %s",
                    ref.name(), HtmlReport.size(ref.messageBytes()), ref.placement() + ":",
                    HtmlReport.num(ref.messagesPerSecond()), HtmlReport.num(ref.bytesPerSecond() / 1e9),
                    CrossCoreLimitSubject.NAME.equals(ref.name()) ? "" : Families.ratioTo(ref.messageBytes(),
                        ref.placement(), ref.messagesPerSecond(), results.references(), CrossCoreLimitSubject.NAME)
                        .map((r) -> HtmlReport.num(r) + " x cross-core limit").orElse("")));
            }
        }
        for (final ReportModel.Row row : results.results())
        {
            if (row.threads() == 2)
            {
                final List<String> ratios = new java.util.ArrayList<>();
                for (final String[] reference : new String[][]{ {CrossCoreLimitSubject.NAME, "cross-core limit"},
                    {AeronIpcSubject.NAME, "Aeron IPC"}, {AgronaRingSubject.NAME, "Agrona's ring buffer"} })
                {
                    Families.ratioTo(row.messageBytes(), row.placement(), row.messagesPerSecond(),
                        results.references(), reference[0]).ifPresent((r) -> ratios.add(HtmlReport.num(r) + " x " +
                        reference[1]));
                }
                final String ratio = ratios.isEmpty() ? "no reference window at this size and placement" :
                    String.join(", ", ratios) + " at the same size and placement";
                out.println(String.format(Locale.ROOT, "  %-40s %8s two threads, %-6s %10s msg/s %8s GB/s  %s",
                    Charts.modeName(row), HtmlReport.size(row.messageBytes()), row.placement() + ":",
                    HtmlReport.num(row.messagesPerSecond()), HtmlReport.num(row.bytesPerSecond() / 1e9), ratio));
            }
        }
        summariseNic(results, out);
        summariseScaling(results, out);
        if (results.comparison() != null)
        {
            out.println("compared with " + results.comparison().against() + " (ratio now/before of messages/s, " +
                "packets/s for NIC rows; > 1: faster now):");
            for (final ReportModel.Compared c : results.comparison().rows())
            {
                out.println(String.format(Locale.ROOT, "  %-90s %10s -> %10s  %s  %s", c.key(),
                    HtmlReport.num(c.oldValue()), HtmlReport.num(c.newValue()), HtmlReport.num(c.ratio()), c.change()));
            }
            if (results.comparison().rows().isEmpty())
            {
                out.println("  no row in common");
            }
            summariseNotCompared(results.comparison().unmatched(), out);
        }
        out.flush();
    }

    /** Rows listed one by one per group of not-compared rows; the page and results.json list them all. */
    private static final int NOT_COMPARED_LINES = 12;

    /** Rows of one run only, grouped by kind, side and reason: one heading per group, then its rows. */
    private static void summariseNotCompared(final List<ReportModel.NotCompared> unmatched, final PrintWriter out)
    {
        final Map<String, List<ReportModel.NotCompared>> groups = new LinkedHashMap<>();
        for (final String kind : ResultsJson.KINDS)
        {
            for (final ReportModel.NotCompared n : unmatched)
            {
                if (n.kind().equals(kind))
                {
                    groups.computeIfAbsent(kind + "|" + n.presentIn() + "|" + n.why(), (k) -> new java.util.ArrayList<>())
                        .add(n);
                }
            }
        }
        for (final List<ReportModel.NotCompared> group : groups.values())
        {
            final ReportModel.NotCompared first = group.get(0);
            out.println(String.format(Locale.ROOT, "  not compared: %d %s %s only (%s)", group.size(),
                ResultsJson.kindName(first.kind()), ResultsJson.NOW.equals(first.presentIn()) ? "in this run" :
                "in the earlier run", first.why()));
            for (int i = 0; i < group.size() && i < NOT_COMPARED_LINES; i++)
            {
                out.println("    " + group.get(i).key());
            }
            if (group.size() > NOT_COMPARED_LINES)
            {
                out.println("    ... and " + (group.size() - NOT_COMPARED_LINES) + " more (index.html lists them all)");
            }
        }
    }

    private static void summariseNic(final ReportModel.Results results, final PrintWriter out)
    {
        if (results.nicRows().isEmpty())
        {
            return;
        }
        out.println("NIC paths through the driver domain (one thread pumps devices, driver domain and guests; " +
            "x the copying NicDriver at the same size):");
        for (final ReportModel.NicRow row : results.nicRows())
        {
            final Map<String, Double> p = row.perPacket();
            out.println(String.format(Locale.ROOT, "  nic %-16s %6s: %10s packets/s %8s GB/s  x copying %-6s " +
                "per packet: grant ops %s, DMA pins %s, DMA bytes %s, interrupts %s, notifications %s sent / %s " +
                "suppressed", row.path(), HtmlReport.size(row.frameBytes()), HtmlReport.num(row.packetsPerSecond()),
                HtmlReport.num(row.bytesPerSecond() / 1e9),
                row.relativeToReference() == null ? "-" : HtmlReport.num(row.relativeToReference()),
                HtmlReport.num(NicRows.grantOps(p)), HtmlReport.num(NicRows.counter(p, "DMA_PINS")),
                HtmlReport.num(NicRows.counter(p, "DMA_BYTES")),
                HtmlReport.num(NicRows.counter(p, "INTERRUPTS_DELIVERED")),
                HtmlReport.num(NicRows.counter(p, "NOTIFICATIONS_SENT")),
                HtmlReport.num(NicRows.counter(p, "NOTIFICATIONS_SUPPRESSED"))));
            out.println("      where the time goes: " + NicRows.whereTimeGoes(row, NicRows.reference(results.nicRows(),
                row.frameBytes())));
        }
    }

    private static void summariseScaling(final ReportModel.Results results, final PrintWriter out)
    {
        if (results.scalingRows().isEmpty())
        {
            return;
        }
        out.println("pipeline scaling (sink touching every byte; x the same chain's 1 hop, same threading and " +
            "placement):");
        for (final ReportModel.ScalingRow row : results.scalingRows())
        {
            out.println(String.format(Locale.ROOT, "  pipeline %-62s %d hops, %d thread%s %-13s %8s: %10s msg/s " +
                "%8s GB/s  x 1 hop %s", row.chain(), row.hops(), row.threads(), row.threads() == 1 ? " " : "s",
                row.placement(), HtmlReport.size(row.messageBytes()), HtmlReport.num(row.messagesPerSecond()),
                HtmlReport.num(row.bytesPerSecond() / 1e9),
                row.relativeToOneHop() == null ? "-" : HtmlReport.num(row.relativeToOneHop())));
        }
    }

    private static Map<String, Object> environment(final Settings settings, final List<TransportProvider> providers,
        final List<ModeSpec> selected, final boolean forked)
    {
        final Map<String, Object> env = new LinkedHashMap<>();
        env.put("timestamp", Instant.now().toString());
        env.put("barge", "report schema " + ReportModel.SCHEMA);
        env.put("osName", System.getProperty("os.name"));
        env.put("osVersion", System.getProperty("os.version"));
        env.put("osArch", System.getProperty("os.arch"));
        env.put("cpuModel", cpuModel());
        env.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        env.put("javaVersion", System.getProperty("java.version"));
        env.put("javaVendor", System.getProperty("java.vendor"));
        env.put("vmName", System.getProperty("java.vm.name"));
        env.put("vmVersion", System.getProperty("java.vm.version"));
        env.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
        env.put("forkPerGroup", forked);
        env.put("transportsInstalled", providers.stream().map((p) -> p.name() + ": " + p.description())
            .collect(Collectors.toList()));
        env.put("transportsMeasured", selected.stream().map(ModeSpec::display).collect(Collectors.toList()));
        env.put("singleThreadLoop", "one thread: claim, commit, then poll, forward, touch and release hop by hop");
        env.put("twoThreadLoop", "sender on the calling thread, receiver (touching) on an Agrona agent thread");
        env.put("twoThreadReferences", "cross-core-limit: a pool of capacity buffers handed over by index on " +
            "Agrona's OneToOneRingBuffer and back on a second, the buffer returned last reused first; " +
            "aeron-ipc: Aeron " + AeronVersion.VERSION +
            " IPC, embedded driver in INVOKER mode run by the publisher when back pressured, exclusive publication " +
            "(tryClaim up to a frame, else offer and a FragmentAssembler), pub-wnd of capacity messages; " +
            "agrona-one-to-one-ring-buffer: at 64 B only");
        env.put("nicLoop", "one thread pumps both NICs, the driver domain and two guests sending to each other " +
            "(NicPathBenchmark's machine), link unlimited, persistent DMA pins; reference: two back-to-back NICs " +
            "with the copying NicDriver each");
        env.put("nicPaths", NicRows.paths(settings.quick(), java.util.Set.of("xen", "rbufs", "fbufs")));
        env.put("nicFrameBytes", NicRows.sizes(settings.quick()));
        env.put("pipelineScalingLoop", "Pipeline library: source, forwarding stages, sink touching every byte; " +
            (settings.quick() ? "" : "all stages on one thread, ") + "stages split over two threads and each " +
            "on its own thread, multi-thread windows tagged near/far by placement probes; mixed chains cycle their " +
            "transports over the hops");
        env.putAll(settings.describe());
        return env;
    }

    private static String cpuModel()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter((l) -> l.startsWith("model name"))
                .map((l) -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown";
        }
    }
}

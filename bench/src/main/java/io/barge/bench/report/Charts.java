package io.barge.bench.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * Draws the report's charts with XChart, writes each as PNG and SVG beside {@code index.html}, and hands back the
 * PNG for inlining (the page opens from disk with no network) together with the chart's numbers as a table. The
 * families chart shows each family's best mode side by side; each family then gets a chart of its own modes; the
 * NIC section gets packets per second per path and frame size, the pipeline-scaling section each chain's rate over
 * its 1-hop rate by hops.
 * Every family has one colour on every chart (its modes are shades of it, told apart by marker); references are
 * dark grey and dashed; legends sit beside the plot, not above it.
 */
final class Charts
{
    private static final int WIDTH = 960;
    private static final int HEIGHT = 460;
    private static final Marker[] MARKERS = { SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.OVAL,
        SeriesMarkers.RECTANGLE };

    /**
     * The numbers a chart draws.
     *
     * @param headers column headings (the first is the x axis).
     * @param rows    one row per x value.
     */
    record Table(List<String> headers, List<List<String>> rows)
    {
    }

    /**
     * A drawn chart.
     *
     * @param name      file stem.
     * @param section   "families" or a family name.
     * @param title     heading.
     * @param caption   what it shows.
     * @param xAxis     x axis title, with its unit.
     * @param yAxis     y axis title, with its unit.
     * @param pngBase64 the PNG.
     * @param table     its numbers.
     */
    record Drawn(String name, String section, String title, String caption, String xAxis, String yAxis,
        String pngBase64, Table table)
    {
    }

    /** One series of an XY chart. */
    private record Line(String name, Color colour, Marker marker, boolean dashed, List<Double> xs, List<Double> ys)
    {
    }

    private final Path dir;
    private final List<Drawn> drawn = new ArrayList<>();
    private List<String> familyNames = List.of();

    /**
     * @param dir the output folder.
     */
    Charts(final Path dir)
    {
        this.dir = dir;
        System.setProperty("java.awt.headless", "true");
    }

    /**
     * Draws every chart the results support.
     *
     * @param results the run.
     * @return the charts drawn, in page order.
     * @throws IOException if a file cannot be written.
     */
    List<Drawn> drawAll(final ReportModel.Results results) throws IOException
    {
        final Map<String, List<ReportModel.Row>> families = Families.byFamily(results);
        familyNames = new ArrayList<>(families.keySet());
        familiesTouched(results, families);
        familiesRelative(families);
        familiesDescriptorRate(families);
        familiesPipeline(families);
        familiesLatency(families);
        twoThread(results, families);
        for (final Map.Entry<String, List<ReportModel.Row>> family : families.entrySet())
        {
            familyModes(family.getKey(), family.getValue());
        }
        nic(results.nicRows());
        pipelineScaling(results.scalingRows());
        return drawn;
    }

    /** The section of the NIC chart. */
    static final String NIC_SECTION = "nic";
    /** The section of the pipeline-scaling chart. */
    static final String SCALING_SECTION = "pipeline-scaling";
    /** The mixed chain's colour: an orange no family has. */
    private static final Color MIXED = new Color(0xff7f0e);
    /** The issue's goal for 8 hops (one thread and two), as a share of 1 hop, drawn as a dotted reference line. */
    static final double SCALING_GOAL = 0.8;

    /**
     * Packets per second per NIC path, bars grouped by frame size: the copying reference dark grey, each path in
     * its transport family's colour (xen's grant modes in shades of it).
     */
    private void nic(final List<ReportModel.NicRow> rows) throws IOException
    {
        if (rows.isEmpty())
        {
            return;
        }
        final List<Integer> sizes = rows.stream().map(ReportModel.NicRow::frameBytes).distinct().sorted()
            .collect(Collectors.toList());
        final List<String> categories = sizes.stream().map(HtmlReport::size).collect(Collectors.toList());
        final List<String> paths = new ArrayList<>();
        for (final String path : concat(NicRows.REFERENCE, NicRows.PATHS))
        {
            if (rows.stream().anyMatch((r) -> r.path().equals(path)))
            {
                paths.add(path);
            }
        }
        final CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
            .title("NIC paths: packets per second through the driver domain, by frame size")
            .xAxisTitle("frame size (bytes)").yAxisTitle("rate (packets/s)").build();
        style(chart.getStyler());
        chart.getStyler().setyAxisTickLabelsFormattingFunction(HtmlReport::num);
        final List<String> headers = new ArrayList<>(List.of("frame size"));
        final List<List<String>> cells = new ArrayList<>();
        categories.forEach((c) -> cells.add(new ArrayList<>(List.of(c))));
        final List<String> xenPaths = paths.stream().filter((p) -> p.startsWith("xen-")).collect(Collectors.toList());
        for (final String path : paths)
        {
            final List<Double> rates = sizes.stream().map((size) -> rows.stream().filter((r) -> r.path().equals(path) &&
                r.frameBytes() == size).mapToDouble(ReportModel.NicRow::packetsPerSecond).findFirst().orElse(0))
                .collect(Collectors.toList());
            final Color colour = NicRows.REFERENCE.equals(path) ? Families.REFERENCE : path.startsWith("xen-") ?
                Families.shade(Families.colour("xen", familyNames), xenPaths.indexOf(path), xenPaths.size()) :
                Families.colour(path, familyNames);
            bars(chart, NicRows.REFERENCE.equals(path) ? "copying NicDriver (reference)" : path, colour, categories,
                rates, headers, cells);
        }
        save(chart, "nic-packets", NIC_SECTION, "NIC paths: packets per second, by path and frame size",
            "Frames received per second through the driver domain, link unlimited, one thread pumping both NICs, " +
                "the driver domain and the guests (the median of the windows). The dark grey bar is the copying " +
                "NicDriver reference, measured in windows alternating with the paths' at the same size: compare " +
                "bars within one frame size.",
            "frame size (bytes)", "rate (packets/s)", new Table(headers, cells));
    }

    /**
     * Each chain's rate over its own 1-hop rate by hop count: solid with the stages on two threads (in the placement
     * most two-thread rows had), dashed all on one thread, one colour per chain (its transport family's; the mixed
     * chain orange), the goal dotted. Rows with a thread per stage stay in the table: beyond one hop they run more
     * threads than the machine has vCPUs.
     */
    private void pipelineScaling(final List<ReportModel.ScalingRow> rows) throws IOException
    {
        if (rows.isEmpty())
        {
            return;
        }
        final String placement = twoThreadPlacement(rows);
        final List<String> chains = rows.stream().map(ReportModel.ScalingRow::chain).distinct()
            .collect(Collectors.toList());
        final List<Line> lines = new ArrayList<>();
        for (int i = 0; i < chains.size(); i++)
        {
            final String chain = chains.get(i);
            // Options sit in brackets and may hold commas; a comma outside them joins two transports.
            final boolean mixed = chain.replaceAll("\\[[^\\]]*\\]", "").contains(",");
            final String family = chain.replaceAll("\\[.*", "");
            final Color colour = mixed ? MIXED : Families.colour(family, familyNames);
            for (final int threads : new int[]{ 2, 1 })
            {
                final String wanted = threads == 1 ? PlacementProbe.SINGLE_THREAD : placement;
                final List<ReportModel.ScalingRow> series = rows.stream().filter((r) -> r.chain().equals(chain) &&
                    r.threads() == threads && wanted.equals(r.placement()) && r.relativeToOneHop() != null)
                    .sorted(Comparator.comparingInt(ReportModel.ScalingRow::hops)).collect(Collectors.toList());
                addLine(lines, chainLabel(chain) + (threads == 2 ? ", two threads " + placement : ", one thread"),
                    colour, MARKERS[i % MARKERS.length], threads == 1, series, ReportModel.ScalingRow::hops,
                    ReportModel.ScalingRow::relativeToOneHop);
            }
        }
        if (lines.isEmpty())
        {
            return;
        }
        final List<Integer> hops = rows.stream().map(ReportModel.ScalingRow::hops).distinct().sorted()
            .collect(Collectors.toList());
        final List<Double> xs = hops.stream().map(Integer::doubleValue).collect(Collectors.toList());
        lines.add(new Line("goal for zero-copy (" + HtmlReport.num(SCALING_GOAL) + ")",
            Families.REFERENCE, SeriesMarkers.NONE, true, xs, xs.stream().map((x) -> SCALING_GOAL)
            .collect(Collectors.toList())));
        xy("pipeline-scaling", SCALING_SECTION, "Pipeline scaling: rate over 1 hop's rate, by hops, per chain",
            "Messages per second at the sink over the same chain's 1-hop rate with the same threading and " +
                "placement, in this run (" + HtmlReport.size(rows.get(0).messageBytes()) + " messages, sink " +
                "touching every byte). Solid: the stages split over two threads, windows of the " + placement +
                " placement; dashed: all stages on one thread. Rows with a thread per stage are in the table. " +
                "The dark grey dashed line is the goal, 8 hops at 0.8 x 1 hop for the zero-copy transports. A " +
                "mixed chain cycles its transports over the hops in the order named; options are shortened as " +
                "in the families' legends (cached+volatile: cached=true,volatile=true).",
            "hops (domain crossings)", "rate over the same chain's 1-hop rate (ratio)", false, lines, true);
    }

    /**
     * @param rows pipeline-scaling rows.
     * @return the placement ("near" or "far") of most two-thread rows with a ratio; near on a tie.
     */
    static String twoThreadPlacement(final List<ReportModel.ScalingRow> rows)
    {
        return twoThreadRatios(rows, PlacementProbe.FAR) > twoThreadRatios(rows, PlacementProbe.NEAR) ?
            PlacementProbe.FAR : PlacementProbe.NEAR;
    }

    private static long twoThreadRatios(final List<ReportModel.ScalingRow> rows, final String placement)
    {
        return rows.stream().filter((r) -> r.threads() == 2 && r.relativeToOneHop() != null &&
            placement.equals(r.placement())).count();
    }

    /**
     * @param chain a chain's name in rows, e.g. "xen[grants=persistent],fbufs[cached=true,volatile=true],rbufs".
     * @return its legend name, each transport's options shortened as the families' legends do them, transports
     *         in hop order split by " / ": "xen persistent / fbufs cached+volatile / rbufs".
     */
    static String chainLabel(final String chain)
    {
        final List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= chain.length(); i++)
        {
            final char c = i < chain.length() ? chain.charAt(i) : ',';
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            if (c == ',' && depth == 0)
            {
                final String spec = chain.substring(start, i);
                final int open = spec.indexOf('[');
                parts.add(open < 0 ? spec : spec.substring(0, open) + " " +
                    Families.shortMode(spec.substring(open + 1, spec.length() - 1)));
                start = i + 1;
            }
        }
        return String.join(" / ", parts);
    }

    private static List<String> concat(final String first, final List<String> rest)
    {
        final List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private void familiesTouched(final ReportModel.Results results, final Map<String, List<ReportModel.Row>> families)
        throws IOException
    {
        final List<Line> lines = bestLines(families, (r) -> Families.isCrossing(r) && r.touch(),
            ReportModel.Row::messageBytes, (r) -> r.bytesPerSecond() / 1e9);
        // The dashed line is drawn from the bare reads the ratios use (interleaved in each transport's JVM), not
        // from the references group's JVM: a line from another JVM can sit below rows whose ratio is under 1.
        final TreeMap<Integer, List<Double>> reads = new TreeMap<>();
        results.results().stream().filter((r) -> Families.isCrossing(r) && r.touch() &&
            r.bareReadBytesPerSecond() != null).forEach((r) -> reads.computeIfAbsent(r.messageBytes(),
                (k) -> new ArrayList<>()).add(r.bareReadBytesPerSecond()));
        final List<Map.Entry<Integer, Double>> read = new ArrayList<>();
        reads.forEach((size, values) -> read.add(Map.entry(size,
            Harness.median(values.stream().mapToDouble(Double::doubleValue).toArray()))));
        addLine(lines, "bare read (same JVMs, median)", Families.REFERENCE, SeriesMarkers.NONE, true, read,
            Map.Entry::getKey, (e) -> e.getValue() / 1e9);
        xy("families-throughput", "families", "Throughput against message size, each family's best mode",
            "One domain crossing, one thread, the receiver reading every byte (the fbufs paper's figure). " +
                "The dashed line is the bare read of a private buffer of the same size as measured in the " +
                "transports' own JVMs, interleaved with them (the median over the touching rows of that size): " +
                "the same bare reads that each row's x bare read divides by.",
            "message size (bytes, log scale)", "throughput (GB/s, log scale)", true, lines, false);
    }

    private void familiesRelative(final Map<String, List<ReportModel.Row>> families) throws IOException
    {
        final List<Line> lines = bestLines(families, (r) -> Families.isCrossing(r) && r.relativeToBareRead() != null,
            ReportModel.Row::messageBytes, ReportModel.Row::relativeToBareRead);
        xy("families-relative", "families", "Throughput relative to bare read, each family's best mode",
            "Throughput over the bare read of the same size, measured in the same JVM in iterations interleaved " +
                "with the transport's. 1.0 would mean a crossing costs nothing beyond reading the bytes once.",
            "message size (bytes, log scale)", "x bare read (ratio, same size, same JVM)", true, lines, true);
    }

    private void familiesDescriptorRate(final Map<String, List<ReportModel.Row>> families) throws IOException
    {
        final List<Line> lines = bestLines(families, (r) -> Families.isCrossing(r) && !r.touch(),
            ReportModel.Row::messageBytes, ReportModel.Row::messagesPerSecond);
        xy("families-descriptor-rate", "families", "Descriptor rate (receiver not touching), each family's best mode",
            "The receiver takes each message and releases it without reading its bytes: this is a rate of " +
                "messages (descriptors), not a memory bandwidth.",
            "message size (bytes, log scale)", "messages per second (log scale)", true, lines, false);
    }

    private void familiesPipeline(final Map<String, List<ReportModel.Row>> families) throws IOException
    {
        final List<Line> lines = bestLines(families, (r) -> "pipeline".equals(r.scenario()), ReportModel.Row::hops,
            ReportModel.Row::messagesPerSecond);
        xy("families-pipeline", "families", "Pipeline scaling by hops, each family's best mode",
            "A 64 KiB message crosses n domains, forwarded hop by hop and touched at the sink, before the next " +
                "one starts.", "hops (domain crossings)", "messages per second (log scale)", false, lines, false);
    }

    private void familiesLatency(final Map<String, List<ReportModel.Row>> families) throws IOException
    {
        final List<Line> lines = new ArrayList<>();
        for (final Map.Entry<String, List<ReportModel.Row>> family : families.entrySet())
        {
            final String best = Families.bestMode(family.getValue());
            final List<ReportModel.Row> rows = sorted(family.getValue(), (r) -> Families.isCrossing(r) && r.touch() &&
                r.mode().equals(best));
            final Color colour = Families.colour(family.getKey(), familyNames);
            addLine(lines, family.getKey() + " p50", colour, SeriesMarkers.CIRCLE, false, rows,
                ReportModel.Row::messageBytes, (r) -> r.latencyNanos().p50());
            addLine(lines, family.getKey() + " p99", colour, SeriesMarkers.NONE, true, rows,
                ReportModel.Row::messageBytes, (r) -> r.latencyNanos().p99());
        }
        xy("families-latency", "families", "Latency against message size, each family's best mode",
            "Claim to release of one message over one crossing, each message timed alone; solid p50, dashed p99.",
            "message size (bytes, log scale)", "latency (ns, log scale)", true, lines, false);
    }

    /**
     * Two-thread references drawn as bars: name, legend, colour (dark grey, an orange no family has, light grey;
     * none the copy baseline's grey).
     */
    private static final String[][] REFERENCE_BARS = {
        { CrossCoreLimitSubject.NAME, "cross-core limit (reference)", "333333" },
        { AeronIpcSubject.NAME, "Aeron IPC (reference)", "ff7f0e" },
        { AgronaRingSubject.NAME, "Agrona ring (reference)", "bdbdbd" } };

    private void twoThread(final ReportModel.Results results, final Map<String, List<ReportModel.Row>> families)
        throws IOException
    {
        final TreeSet<Integer> sizes = results.results().stream().filter((r) -> r.threads() == 2)
            .map(ReportModel.Row::messageBytes).collect(Collectors.toCollection(TreeSet::new));
        for (final int size : sizes)
        {
            final List<String> placements = List.of(PlacementProbe.NEAR, PlacementProbe.FAR);
            final CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Two threads, " + HtmlReport.size(size) +
                    " messages: each family's best mode and the references")
                .xAxisTitle("vCPU placement of the two threads (near or far)").yAxisTitle("rate (messages/s)")
                .build();
            style(chart.getStyler());
            chart.getStyler().setyAxisTickLabelsFormattingFunction(HtmlReport::num);
            final List<String> headers = new ArrayList<>(List.of("placement"));
            final List<List<String>> cells = new ArrayList<>();
            placements.forEach((p) -> cells.add(new ArrayList<>(List.of(p))));
            for (final String[] reference : REFERENCE_BARS)
            {
                final List<Double> rates = placements.stream().map((p) -> results.references().stream()
                    .filter((r) -> r.threads() == 2 && r.name().equals(reference[0]) && r.messageBytes() == size &&
                        r.placement().equals(p)).mapToDouble(ReportModel.Reference::messagesPerSecond).findFirst()
                    .orElse(0)).collect(Collectors.toList());
                if (rates.stream().anyMatch((r) -> r > 0))
                {
                    bars(chart, reference[1], new Color(Integer.parseInt(reference[2], 16)), placements, rates,
                        headers, cells);
                }
            }
            for (final Map.Entry<String, List<ReportModel.Row>> family : families.entrySet())
            {
                final String best = Families.bestMode(family.getValue());
                final List<Double> rates = placements.stream().map((p) -> family.getValue().stream()
                    .filter((r) -> r.threads() == 2 && r.messageBytes() == size && r.mode().equals(best) &&
                        r.placement().equals(p)).mapToDouble(ReportModel.Row::messagesPerSecond).findFirst()
                    .orElse(0)).collect(Collectors.toList());
                bars(chart, label(family.getKey(), best), Families.colour(family.getKey(), familyNames), placements,
                    rates, headers, cells);
            }
            save(chart, "two-thread-" + size, "families", "Two threads, " + HtmlReport.size(size) + " messages",
                "Sender and receiver on two threads; every consumer touches every byte and records the same latency " +
                    "samples. The cross-core limit is the most a zero-copy transport could do with this working " +
                    "set. Compare bars within one placement only: near and far differ by about 3x on their own. " +
                    "A missing bar means no window settled at that placement.",
                "vCPU placement of the two threads (near or far)", "rate (messages/s)", new Table(headers, cells));
        }
    }

    private void familyModes(final String family, final List<ReportModel.Row> rows) throws IOException
    {
        final List<String> modes = Families.modes(rows);
        final Color base = Families.colour(family, familyNames);
        final List<Line> lines = new ArrayList<>();
        for (int i = 0; i < modes.size(); i++)
        {
            final String mode = modes.get(i);
            addLine(lines, "default".equals(mode) ? family : Families.shortMode(mode), Families.shade(base, i, modes.size()),
                MARKERS[i % MARKERS.length], false, sorted(rows, (r) -> Families.isCrossing(r) && r.touch() &&
                    r.mode().equals(mode)), ReportModel.Row::messageBytes, (r) -> r.bytesPerSecond() / 1e9);
        }
        xy("family-" + family.replaceAll("[^A-Za-z0-9_-]", "_"), family, family + ": throughput of every mode",
            "One crossing, one thread, receiver touching; one line per mode, in shades of the family's colour.",
            "message size (bytes, log scale)", "throughput (GB/s, log scale)", true, lines, false);
    }

    private List<Line> bestLines(final Map<String, List<ReportModel.Row>> families,
        final Predicate<ReportModel.Row> filter, final ToIntFunction<ReportModel.Row> x,
        final ToDoubleFunction<ReportModel.Row> y)
    {
        final List<Line> lines = new ArrayList<>();
        for (final Map.Entry<String, List<ReportModel.Row>> family : families.entrySet())
        {
            final String best = Families.bestMode(family.getValue());
            addLine(lines, label(family.getKey(), best), Families.colour(family.getKey(), familyNames),
                SeriesMarkers.CIRCLE, false, sorted(family.getValue(), filter.and((r) -> r.mode().equals(best))), x, y);
        }
        return lines;
    }

    private static String label(final String family, final String mode)
    {
        return "default".equals(mode) ? family : family + " " + Families.shortMode(mode);
    }

    private static List<ReportModel.Row> sorted(final List<ReportModel.Row> rows,
        final Predicate<ReportModel.Row> filter)
    {
        return rows.stream().filter(filter).sorted(Comparator.comparingInt(ReportModel.Row::messageBytes)
            .thenComparingInt(ReportModel.Row::hops)).collect(Collectors.toList());
    }

    private static <T> void addLine(final List<Line> lines, final String name, final Color colour,
        final Marker marker, final boolean dashed, final List<T> rows, final ToIntFunction<T> x,
        final ToDoubleFunction<T> y)
    {
        final List<Double> xs = new ArrayList<>();
        final List<Double> ys = new ArrayList<>();
        for (final T row : rows)
        {
            final double value = y.applyAsDouble(row);
            if (value > 0)
            {
                xs.add((double)x.applyAsInt(row));
                ys.add(value);
            }
        }
        if (!xs.isEmpty())
        {
            lines.add(new Line(name, colour, marker, dashed, xs, ys));
        }
    }

    private void xy(final String name, final String section, final String title, final String caption,
        final String xAxis, final String yAxis, final boolean sizeAxis, final List<Line> lines, final boolean linearY)
        throws IOException
    {
        if (lines.isEmpty())
        {
            return;
        }
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xAxis)
            .yAxisTitle(yAxis).build();
        style(chart.getStyler());
        // XChart's tick formatting functions replace its logarithmic tick placement, so log axes keep the
        // built-in decade ticks and only get a number pattern.
        chart.getStyler().setXAxisLogarithmic(sizeAxis);
        chart.getStyler().setYAxisLogarithmic(!linearY);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setYAxisDecimalPattern(linearY ? "0.0##" : "#,##0.###");
        final TreeMap<Double, List<String>> byX = new TreeMap<>();
        final List<String> headers = new ArrayList<>(List.of(sizeAxis ? "message size" : "hops"));
        for (final Line line : lines)
        {
            final XYSeries series = chart.addSeries(line.name(), line.xs(), line.ys());
            series.setLineColor(line.colour());
            series.setMarkerColor(line.colour());
            series.setMarker(line.marker());
            series.setLineWidth(2f);
            if (line.dashed())
            {
                series.setLineStyle(SeriesLines.DASH_DASH);
            }
            headers.add(line.name());
        }
        for (int i = 0; i < lines.size(); i++)
        {
            final Line line = lines.get(i);
            for (int j = 0; j < line.xs().size(); j++)
            {
                final List<String> cells = byX.computeIfAbsent(line.xs().get(j), (k) -> new ArrayList<>());
                while (cells.size() < i)
                {
                    cells.add("-");
                }
                cells.add(HtmlReport.num(line.ys().get(j)));
            }
        }
        final List<List<String>> rows = new ArrayList<>();
        byX.forEach((x, cells) ->
        {
            while (cells.size() < lines.size())
            {
                cells.add("-");
            }
            final List<String> row = new ArrayList<>();
            row.add(sizeAxis ? HtmlReport.size((int)Math.round(x)) : String.valueOf(Math.round(x)));
            row.addAll(cells);
            rows.add(row);
        });
        save(chart, name, section, title, caption, xAxis, yAxis, new Table(headers, rows));
    }

    private static void bars(final CategoryChart chart, final String name, final Color colour,
        final List<String> placements, final List<Double> values, final List<String> headers,
        final List<List<String>> cells)
    {
        if (values.stream().allMatch((v) -> v <= 0))
        {
            return;
        }
        final CategorySeries series = chart.addSeries(name, placements, values);
        series.setFillColor(colour);
        headers.add(name);
        for (int i = 0; i < placements.size(); i++)
        {
            cells.get(i).add(values.get(i) > 0 ? HtmlReport.num(values.get(i)) : "-");
        }
    }

    private static void style(final Styler styler)
    {
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendLayout(Styler.LegendLayout.Vertical);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        // The page's heading names the chart; the plot gets the room a title would take.
        styler.setChartTitleVisible(false);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setChartPadding(12);
    }

    private void save(final Chart<?, ?> chart, final String name, final String section, final String title,
        final String caption, final String xAxis, final String yAxis, final Table table) throws IOException
    {
        if (chart.getSeriesMap().isEmpty())
        {
            return;
        }
        final Path png = dir.resolve(name + ".png");
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name + ".svg").toString(),
            VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        drawn.add(new Drawn(name, section, title, caption, xAxis, yAxis,
            Base64.getEncoder().encodeToString(Files.readAllBytes(png)), table));
    }

    static String modeName(final ReportModel.Row row)
    {
        return "default".equals(row.mode()) ? row.transport() : row.transport() + " [" + row.mode() + "]";
    }
}

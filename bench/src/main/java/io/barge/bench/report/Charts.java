package io.barge.bench.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Draws the report's charts with XChart, writes each as PNG and SVG beside {@code index.html}, and hands back the
 * PNG for inlining so the page opens from disk with no network.
 */
final class Charts
{
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 520;

    /** A drawn chart: its file stem, title, caption and PNG bytes as base64. */
    record Drawn(String name, String title, String caption, String pngBase64)
    {
    }

    private final Path dir;
    private final List<Drawn> drawn = new ArrayList<>();

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
        for (final boolean touch : List.of(true, false))
        {
            throughput(results, touch);
        }
        relative(results);
        latency(results);
        pipeline(results);
        twoThread(results);
        return drawn;
    }

    private void throughput(final ReportModel.Results results, final boolean touch) throws IOException
    {
        final XYChart chart = xy("Crossing throughput, receiver " + (touch ? "touching" : "not touching") +
            " the bytes (single thread)", "message size (bytes, log scale)", "throughput (GB/s, log scale)");
        chart.getStyler().setYAxisLogarithmic(true);
        final Map<String, List<ReportModel.Row>> byMode = rowsByMode(results,
            (r) -> "crossing".equals(r.scenario()) && r.touch() == touch && r.threads() == 1);
        byMode.forEach((mode, rows) -> addSeries(chart, mode, rows, ReportModel.Row::messageBytes,
            (r) -> r.bytesPerSecond() / 1e9));
        for (final String name : List.of("memory-read", "memory-copy"))
        {
            final List<ReportModel.Reference> refs = results.references().stream()
                .filter((r) -> name.equals(r.name()))
                .sorted(Comparator.comparingInt(ReportModel.Reference::messageBytes))
                .collect(Collectors.toList());
            addSeries(chart, name + " (reference)", refs, ReportModel.Reference::messageBytes,
                (r) -> r.bytesPerSecond() / 1e9);
        }
        save(chart, touch ? "throughput-touch" : "throughput-no-touch",
            "Throughput against message size" + (touch ? " (receiver touches)" : " (receiver does not touch)"),
            "The fbufs paper's figure: bytes moved per second over one domain crossing, one thread alternating " +
                "send and receive; the series marked (reference) are plain memory read and copy bandwidth.");
    }

    private void relative(final ReportModel.Results results) throws IOException
    {
        final XYChart chart = xy("Throughput relative to bare read bandwidth (receiver touching)",
            "message size (bytes, log scale)", "throughput / bare read bandwidth");
        chart.getStyler().setYAxisDecimalPattern("0.###");
        rowsByMode(results, (r) -> "crossing".equals(r.scenario()) && r.touch() && r.threads() == 1 &&
            r.relativeToBareRead() != null)
            .forEach((mode, rows) -> addSeries(chart, mode, rows, ReportModel.Row::messageBytes,
                ReportModel.Row::relativeToBareRead));
        save(chart, "relative-to-bare-read", "Throughput relative to bare read",
            "1.0 would mean moving a message costs nothing beyond the receiver reading it once.");
    }

    private void latency(final ReportModel.Results results) throws IOException
    {
        final List<ReportModel.Row> rows = results.results().stream()
            .filter((r) -> "crossing".equals(r.scenario()) && r.touch() && r.threads() == 1)
            .collect(Collectors.toList());
        if (rows.isEmpty())
        {
            return;
        }
        final int size = closest(rows.stream().map(ReportModel.Row::messageBytes).distinct()
            .collect(Collectors.toList()), 4096);
        final List<ReportModel.Row> atSize = rows.stream().filter((r) -> r.messageBytes() == size)
            .collect(Collectors.toList());
        final CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
            .title("Latency percentiles per transport, " + HtmlReport.size(size) + " messages, touched (single thread)")
            .xAxisTitle("transport and mode").yAxisTitle("nanoseconds (log scale)").build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisLabelRotation(20);
        final List<String> names = atSize.stream().map(Charts::modeName).collect(Collectors.toList());
        chart.addSeries("p50", names, atSize.stream().map((r) -> positive(r.latencyNanos().p50()))
            .collect(Collectors.toList()));
        chart.addSeries("p99", names, atSize.stream().map((r) -> positive(r.latencyNanos().p99()))
            .collect(Collectors.toList()));
        chart.addSeries("p99.9", names, atSize.stream().map((r) -> positive(r.latencyNanos().p999()))
            .collect(Collectors.toList()));
        // Bars start at the axis minimum, which a log axis must hold above zero; whole decades at both ends so
        // the axis has labelled ticks.
        final double low = atSize.stream().mapToDouble((r) -> positive(r.latencyNanos().p50())).min().orElse(1);
        final double high = atSize.stream().mapToDouble((r) -> positive(r.latencyNanos().p999())).max().orElse(10);
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(low))));
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(high * 1.01))));
        save(chart, "latency", "Latency percentiles per transport",
            "Time from claim to release of one message over one crossing, each message timed alone.");
    }

    private void pipeline(final ReportModel.Results results) throws IOException
    {
        final XYChart chart = xy("Pipeline scaling by hops (single thread, receiver touching at the sink)",
            "hops (domain crossings)", "messages per second (log scale)");
        chart.getStyler().setXAxisLogarithmic(false);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0.#");
        rowsByMode(results, (r) -> "pipeline".equals(r.scenario()))
            .forEach((mode, rows) -> addSeries(chart, mode, rows, ReportModel.Row::hops,
                ReportModel.Row::messagesPerSecond));
        save(chart, "pipeline", "Pipeline scaling by hops",
            "A message crosses n domains, forwarded hop by hop, before the next one starts.");
    }

    private void twoThread(final ReportModel.Results results) throws IOException
    {
        // placement -> subject -> messages per second; subjects in first-seen order.
        final Map<String, Map<String, Double>> byPlacement = new LinkedHashMap<>();
        for (final String placement : List.of(PlacementProbe.NEAR, PlacementProbe.FAR, PlacementProbe.MIXED))
        {
            byPlacement.put(placement, new LinkedHashMap<>());
        }
        final List<String> names = new ArrayList<>();
        for (final ReportModel.Reference ref : results.references())
        {
            if (ref.threads() == 2)
            {
                put(byPlacement, names, ref.placement(), ref.name() + " " + HtmlReport.size(ref.messageBytes()),
                    ref.messagesPerSecond());
            }
        }
        for (final ReportModel.Row row : results.results())
        {
            if (row.threads() == 2)
            {
                put(byPlacement, names, row.placement(), modeName(row) + " " + HtmlReport.size(row.messageBytes()),
                    row.messagesPerSecond());
            }
        }
        if (names.isEmpty())
        {
            return;
        }
        final CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
            .title("Two threads: messages per second by vCPU placement").xAxisTitle("subject")
            .yAxisTitle("messages per second").build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLabelRotation(20);
        for (final Map.Entry<String, Map<String, Double>> placement : byPlacement.entrySet())
        {
            if (!placement.getValue().isEmpty() || !PlacementProbe.MIXED.equals(placement.getKey()))
            {
                chart.addSeries(placement.getKey(), names, names.stream()
                    .map((n) -> placement.getValue().getOrDefault(n, 0.0)).collect(Collectors.toList()));
            }
        }
        save(chart, "two-thread", "Two-thread throughput by placement",
            "Compare bars of one colour only: near and far placements differ by about 3x on their own, and mixed " +
                "windows (the placement flipped during them) are neither. A missing bar means no window ran at " +
                "that placement.");
    }

    private static void put(final Map<String, Map<String, Double>> byPlacement, final List<String> names,
        final String placement, final String name, final double value)
    {
        final Map<String, Double> values = byPlacement.get(placement);
        if (values != null)
        {
            values.put(name, value);
            if (!names.contains(name))
            {
                names.add(name);
            }
        }
    }

    private static Map<String, List<ReportModel.Row>> rowsByMode(final ReportModel.Results results,
        final Predicate<ReportModel.Row> filter)
    {
        final Map<String, List<ReportModel.Row>> byMode = new LinkedHashMap<>();
        results.results().stream().filter(filter)
            .forEach((r) -> byMode.computeIfAbsent(modeName(r), (k) -> new ArrayList<>()).add(r));
        byMode.values().forEach((rows) -> rows.sort(Comparator.comparingInt(ReportModel.Row::messageBytes)
            .thenComparingInt(ReportModel.Row::hops)));
        return byMode;
    }

    static String modeName(final ReportModel.Row row)
    {
        return "default".equals(row.mode()) ? row.transport() : row.transport() + " [" + row.mode() + "]";
    }

    private static <T> void addSeries(final XYChart chart, final String name, final List<T> rows,
        final java.util.function.ToIntFunction<T> x, final ToDoubleFunction<T> y)
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
            chart.addSeries(name, xs, ys);
        }
    }

    private XYChart xy(final String title, final String xTitle, final String yTitle)
    {
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
            .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLogarithmic(true);
        return chart;
    }

    private static void style(final Styler styler)
    {
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setChartBackgroundColor(java.awt.Color.WHITE);
    }

    private void save(final Chart<?, ?> chart, final String name, final String title, final String caption)
        throws IOException
    {
        if (chart.getSeriesMap().isEmpty())
        {
            return;
        }
        final Path png = dir.resolve(name + ".png");
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name + ".svg").toString(),
            VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        final byte[] bytes = java.nio.file.Files.readAllBytes(png);
        drawn.add(new Drawn(name, title, caption, Base64.getEncoder().encodeToString(bytes)));
    }

    private static double positive(final double value)
    {
        // A log axis cannot show zero; an unmeasured bar shows as the axis floor instead.
        return value > 0 ? value : 1e-3;
    }

    private static int closest(final List<Integer> sizes, final int wanted)
    {
        return sizes.stream().min(Comparator.comparingInt((s) -> Math.abs(Integer.numberOfTrailingZeros(
            Integer.highestOneBit(s)) - Integer.numberOfTrailingZeros(wanted)))).orElse(wanted);
    }
}

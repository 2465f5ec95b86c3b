package io.barge.bench.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Writes {@code index.html}: one self-contained page (inline CSS, charts as inline PNG, no script, no network) with
 * the charts, the overhead table beside the seed's struck-out list, the two-thread rows by placement, the
 * references, every row, and the comparison with an earlier run.
 */
final class HtmlReport
{
    private final StringBuilder html = new StringBuilder(1 << 16);

    /**
     * @param results the run.
     * @param charts  the drawn charts.
     * @return the page.
     * @throws IOException if the bundled seed list cannot be read.
     */
    static String render(final ReportModel.Results results, final List<Charts.Drawn> charts) throws IOException
    {
        final HtmlReport page = new HtmlReport();
        page.head();
        page.intro(results);
        page.failures(results.failures());
        page.charts(charts);
        page.overheads(results);
        page.twoThread(results);
        page.references(results);
        page.comparison(results.comparison());
        page.allRows(results);
        page.environment(results.environment());
        page.html.append("</body></html>\n");
        return page.html.toString();
    }

    private void head()
    {
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .append("<title>Barge transport report</title><style>")
            .append("body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}")
            .append("table{border-collapse:collapse;margin:1em 0;font-size:13px}")
            .append("td,th{border:1px solid #bbb;padding:3px 7px;text-align:right}td{white-space:nowrap}")
            .append("th{background:#eee}td.l,th.l{text-align:left}")
            .append("img{max-width:100%;border:1px solid #ddd}.side{display:flex;gap:2em;align-items:flex-start}")
            .append(".seed{font-size:13px;min-width:340px;max-width:420px;flex-shrink:0}.faster{color:#070}.slower{color:#a00}")
            .append("</style></head><body>\n");
    }

    private void intro(final ReportModel.Results results)
    {
        final Map<String, Object> env = results.environment();
        html.append("<h1>Barge: every transport side by side</h1>\n<p>Run ")
            .append(esc(String.valueOf(env.get("timestamp")))).append(", ")
            .append(Boolean.TRUE.equals(env.get("quick")) ? "quick run" : "full run").append(", transports: ")
            .append(esc(String.valueOf(env.get("transportsMeasured")))).append(".</p>\n")
            .append("<p><b>How to read it.</b> Single-thread rows come from one thread that claims, commits, ")
            .append("polls, touches (or not) and releases each message before the next: they measure the ")
            .append("transport's own work and are steady. Two-thread rows put the receiver on a second thread; ")
            .append("on a 2-vCPU machine those figures flip between a <i>near</i> and a <i>far</i> placement of ")
            .append("the vCPUs, so each row is tagged by a ping-pong probe taken before and after its window and ")
            .append("ratios are only taken between rows of one placement. Rates are medians of the measured ")
            .append("iterations (after warm-up), each group in a fresh JVM; the spread columns give the slowest ")
            .append("and fastest iteration. <i>Touch</i> means the receiver read every byte with the same routine ")
            .append("as the memory-read reference, so <i>relative to bare read</i> compares like with like.</p>\n");
    }

    private void failures(final List<String> failures)
    {
        if (failures == null || failures.isEmpty())
        {
            return;
        }
        html.append("<h2 class=\"slower\">Failed measurements</h2>\n<p>These could not be measured; every other ")
            .append("row is valid.</p>\n<ul>\n");
        failures.forEach((f) -> html.append("<li><code>").append(esc(f)).append("</code></li>\n"));
        html.append("</ul>\n");
    }

    private void charts(final List<Charts.Drawn> charts)
    {
        html.append("<h2>Charts</h2>\n");
        if (charts.isEmpty())
        {
            html.append("<p>No chart: nothing was measured.</p>\n");
        }
        for (final Charts.Drawn chart : charts)
        {
            html.append("<h3>").append(esc(chart.title())).append("</h3>\n<p>").append(esc(chart.caption()))
                .append(" (also <a href=\"").append(chart.name()).append(".svg\">SVG</a>, <a href=\"")
                .append(chart.name()).append(".png\">PNG</a>)</p>\n<img alt=\"").append(esc(chart.title()))
                .append("\" src=\"data:image/png;base64,").append(chart.pngBase64()).append("\">\n");
        }
    }

    private void overheads(final ReportModel.Results results) throws IOException
    {
        final List<ReportModel.Row> rows = results.results().stream()
            .filter((r) -> r.threads() == 1 && "crossing".equals(r.scenario()) && !r.touch())
            .sorted(Comparator.comparing(ReportModel.Row::transport).thenComparing(ReportModel.Row::mode)
                .thenComparingInt(ReportModel.Row::messageBytes))
            .collect(Collectors.toList());
        html.append("<h2>Overhead per message</h2>\n<p>Privileged operations per message over one crossing, ")
            .append("from the kernel's counters (after minus before the measured iterations, divided by the ")
            .append("messages), receiver not touching.</p>\n<div class=\"side\"><table><tr>")
            .append("<th class=\"l\">transport</th><th class=\"l\">mode</th><th>bytes</th><th>frames allocated</th>")
            .append("<th>frames zeroed</th><th>page-table updates</th><th>flushes</th><th>protection changes</th>")
            .append("<th>bytes copied</th><th>notifications sent</th><th>notifications suppressed</th></tr>\n");
        for (final ReportModel.Row r : rows)
        {
            final ReportModel.PerMessage p = r.perMessage();
            html.append("<tr><td class=\"l\">").append(esc(r.transport())).append("</td><td class=\"l\">")
                .append(esc(r.mode())).append("</td><td>").append(size(r.messageBytes())).append("</td>");
            for (final double v : new double[] {p.framesAllocated(), p.framesZeroed(), p.pageTableUpdates(),
                p.tlbFlushes(), p.protectionChanges(), p.bytesCopied(), p.notificationsSent(),
                p.notificationsSuppressed()})
            {
                html.append("<td>").append(num(v)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n").append(seedList()).append("</div>\n");
    }

    private void twoThread(final ReportModel.Results results)
    {
        html.append("<h2>Two threads, by placement</h2>\n<p>Each transport's crossing with the receiver on a ")
            .append("second thread (touching), beside Agrona's OneToOneRingBuffer at 56 B, in alternating ")
            .append("windows. The ratio is taken only against Agrona at the same placement. A window is mixed when ")
            .append("its placement probes disagree or either thread spent under 90% of it on a CPU (JIT threads, ")
            .append("other processes); mixed windows were re-measured and are kept as mixed only when they never ")
            .append("settled. Their latencies (in Every ")
            .append("row) are one-way, claim to receipt, sampled every 16th message, and include the wait behind ")
            .append("up to 64 messages in flight.</p>\n<table><tr>")
            .append("<th class=\"l\">subject</th><th>bytes</th><th class=\"l\">placement</th><th>messages/s</th>")
            .append("<th>min</th><th>max</th><th>x Agrona (same placement)</th><th>probe p50s (ns)</th></tr>\n");
        for (final ReportModel.Reference ref : results.references())
        {
            if (ref.threads() == 2)
            {
                twoThreadRow(ref.name(), ref.messageBytes(), ref.placement(), ref.messagesPerSecond(), ref.spread(),
                    Optional.empty(), ref.placementProbeNanos());
            }
        }
        for (final ReportModel.Row row : results.results())
        {
            if (row.threads() == 2)
            {
                final Optional<Double> agrona = results.references().stream()
                    .filter((r) -> r.threads() == 2 && r.placement().equals(row.placement()) &&
                        !PlacementProbe.MIXED.equals(r.placement()))
                    .map(ReportModel.Reference::messagesPerSecond).findFirst();
                twoThreadRow(Charts.modeName(row), row.messageBytes(), row.placement(), row.messagesPerSecond(),
                    row.spread(), agrona.map((a) -> row.messagesPerSecond() / a), row.placementProbeNanos());
            }
        }
        html.append("</table>\n");
    }

    private void twoThreadRow(final String name, final int bytes, final String placement, final double rate,
        final ReportModel.Spread spread, final Optional<Double> ratio, final List<Double> probes)
    {
        html.append("<tr><td class=\"l\">").append(esc(name)).append("</td><td>").append(size(bytes))
            .append("</td><td class=\"l\">").append(placement).append("</td><td>").append(num(rate))
            .append("</td><td>").append(num(spread.min())).append("</td><td>").append(num(spread.max()))
            .append("</td><td>").append(ratio.map(HtmlReport::num).orElse("-")).append("</td><td>")
            .append(probes.stream().map((p) -> String.valueOf(Math.round(p))).collect(Collectors.joining(" ")))
            .append("</td></tr>\n");
    }

    private void references(final ReportModel.Results results)
    {
        html.append("<h2>Reference points (same run)</h2>\n<table><tr><th class=\"l\">name</th><th>bytes</th>")
            .append("<th class=\"l\">placement</th><th>GB/s</th><th>operations/s</th><th>ns/op</th>")
            .append("<th>min ops/s</th><th>max ops/s</th></tr>\n");
        for (final ReportModel.Reference r : results.references())
        {
            html.append("<tr><td class=\"l\">").append(esc(r.name())).append("</td><td>")
                .append(size(r.messageBytes())).append("</td><td class=\"l\">").append(r.placement())
                .append("</td><td>").append(num(r.bytesPerSecond() / 1e9)).append("</td><td>")
                .append(num(r.messagesPerSecond())).append("</td><td>").append(num(r.nanosPerOp()))
                .append("</td><td>").append(num(r.spread().min())).append("</td><td>").append(num(r.spread().max()))
                .append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private void comparison(final ReportModel.Comparison comparison)
    {
        if (comparison == null)
        {
            return;
        }
        html.append("<h2>Compared with ").append(esc(comparison.against())).append("</h2>\n")
            .append("<p>Ratio = this run's messages/s over the earlier run's, for rows present in both ")
            .append("(same scenario, size, touch and placement). Above 1 is faster.</p>\n<table><tr>")
            .append("<th class=\"l\">row</th><th>before</th><th>now</th><th>ratio</th></tr>\n");
        for (final ReportModel.Compared c : comparison.rows())
        {
            final String cls = c.ratio() >= 1.05 ? "faster" : c.ratio() <= 0.95 ? "slower" : "";
            html.append("<tr><td class=\"l\">").append(esc(c.key())).append("</td><td>").append(num(c.oldValue()))
                .append("</td><td>").append(num(c.newValue())).append("</td><td class=\"").append(cls).append("\">")
                .append(num(c.ratio())).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private void allRows(final ReportModel.Results results)
    {
        html.append("<h2>Every row</h2>\n<table><tr><th class=\"l\">transport</th><th class=\"l\">mode</th>")
            .append("<th class=\"l\">scenario</th><th>hops</th><th>bytes</th><th>touch</th>")
            .append("<th class=\"l\">placement</th><th>messages/s</th><th>GB/s</th><th>x bare read</th>")
            .append("<th>min msg/s</th><th>max msg/s</th><th>p50 ns</th><th>p99 ns</th><th>p99.9 ns</th>")
            .append("<th>max ns</th></tr>\n");
        for (final ReportModel.Row r : results.results())
        {
            html.append("<tr><td class=\"l\">").append(esc(r.transport())).append("</td><td class=\"l\">")
                .append(esc(r.mode())).append("</td><td class=\"l\">").append(r.scenario()).append("</td><td>")
                .append(r.hops()).append("</td><td>").append(size(r.messageBytes())).append("</td><td>")
                .append(r.touch() ? "yes" : "no").append("</td><td class=\"l\">").append(r.placement())
                .append("</td><td>").append(num(r.messagesPerSecond())).append("</td><td>")
                .append(num(r.bytesPerSecond() / 1e9)).append("</td><td>")
                .append(r.relativeToBareRead() == null ? "-" : num(r.relativeToBareRead())).append("</td><td>")
                .append(num(r.spread().min())).append("</td><td>").append(num(r.spread().max())).append("</td><td>")
                .append(num(r.latencyNanos().p50())).append("</td><td>").append(num(r.latencyNanos().p99()))
                .append("</td><td>").append(num(r.latencyNanos().p999())).append("</td><td>")
                .append(num(r.latencyNanos().max())).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private void environment(final Map<String, Object> environment)
    {
        html.append("<h2>Machine, JVM and settings</h2>\n<table>");
        environment.forEach((k, v) -> html.append("<tr><th class=\"l\">").append(esc(k))
            .append("</th><td class=\"l\">").append(esc(String.valueOf(v))).append("</td></tr>\n"));
        html.append("</table>\n");
    }

    private static String seedList() throws IOException
    {
        try (InputStream in = HtmlReport.class.getResourceAsStream("fbufs-overheads.html"))
        {
            if (in == null)
            {
                throw new IOException("resource io/barge/bench/report/fbufs-overheads.html is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String num(final double v)
    {
        if (v == 0)
        {
            return "0";
        }
        final double a = Math.abs(v);
        if (a >= 1e9)
        {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (a >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4)
        {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    static String size(final int bytes)
    {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0)
        {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0)
        {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    static String esc(final String s)
    {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

package io.barge.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Writes {@code index.html}: one self-contained page (inline CSS, charts as inline PNG, no script, no network). At
 * the top a summary per family; then the families side by side, a section per family with its modes, the seed's
 * overhead table beside the measured one, the two-thread rows by placement, the references, every row, and the
 * comparison with an earlier run. Under every chart, the numbers it draws.
 */
final class HtmlReport
{
    /** Column heads of {@link #operationCells}, in its order. */
    private static final String OPERATION_HEADS = "<th>page-table updates</th><th>TLB flushes</th>" +
        "<th>bytes copied</th><th>grant maps</th><th>grant unmaps</th><th>grant copies</th><th>grant pins</th>" +
        "<th>notifications</th>";

    /** Columns of the NIC table: path, frame, packets/s, GB/s, x copying, min, max and 11 counters. */
    private static final int NIC_COLUMNS = 18;

    private final StringBuilder html = new StringBuilder(1 << 16);

    /**
     * @param results the run.
     * @param charts  the drawn charts.
     * @return the page.
     */
    static String render(final ReportModel.Results results, final List<Charts.Drawn> charts)
    {
        final HtmlReport page = new HtmlReport();
        page.head();
        page.intro(results);
        HtmlSummary.summary(page.html, results);
        page.failures(results.failures());
        page.howToRead();
        page.charts(charts, "families", "Families side by side", "families");
        page.families(results, charts);
        HtmlSummary.overheads(page.html, results.overheads() == null ? List.of() : results.overheads());
        page.twoThread(results);
        page.nic(results.nicRows(), charts);
        page.pipelineScaling(results.scalingRows(), charts);
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
            .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .append("<title>Barge transport report</title><style>")
            .append("body{font-family:sans-serif;margin:2em auto;max-width:1280px;padding:0 1em;color:#222;")
            .append("line-height:1.4}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:2em}")
            .append("table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}")
            .append("td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;vertical-align:top}")
            .append("td{white-space:nowrap}th{background:#f0f0f0}td.l,th.l{text-align:left}")
            .append("td.why{white-space:normal;min-width:320px;font-size:12px}td.differs{background:#fde9c8}")
            .append("table.summary{font-size:15px}table.summary td{padding:6px 10px}")
            .append("figure{margin:1em 0 2em}figure img{display:block;max-width:100%;border:1px solid #ddd}")
            .append("figcaption{color:#444;margin:4px 0}.legend{font-size:12px;color:#444}")
            .append(".faster{color:#070;font-weight:bold}.slower{color:#a00;font-weight:bold}")
            .append("</style></head><body>\n");
    }

    private void intro(final ReportModel.Results results)
    {
        final Map<String, Object> env = results.environment();
        html.append("<h1>Barge: every transport side by side</h1>\n<p>Run ")
            .append(esc(String.valueOf(env.get("timestamp")))).append(", ")
            .append(Boolean.TRUE.equals(env.get("quick")) ? "quick run" : "full run").append(", transports: ")
            .append(esc(String.valueOf(env.get("transportsMeasured")))).append(".</p>\n");
    }

    private void howToRead()
    {
        html.append("<p><b>How to read it.</b> Single-thread rows come from one thread that claims, commits, ")
            .append("polls, touches (or not) and releases each message before the next: they measure the ")
            .append("transport's own work and are steady. <i>Touched</i> means the receiver read every byte with ")
            .append("the same routine as the bare read, which runs in the same JVM in iterations interleaved with ")
            .append("the transport's, so <i>x bare read</i> compares like with like; rows where the receiver does ")
            .append("not touch the bytes move descriptors only and are given in messages per second. Two-thread ")
            .append("rows put the receiver on a second thread; on a 2-vCPU machine those figures flip between a ")
            .append("<i>near</i> and a <i>far</i> placement of the vCPUs, so each window is tagged by a ping-pong ")
            .append("probe and ratios are taken only against the references at the same size and placement (the ")
            .append("cross-core limit, Aeron IPC, Agrona's ring at 64 B), whose consumers do the same work. ")
            .append("Rates are medians of the measured iterations after warm-up, ")
            .append("each group in a fresh JVM; min and max are the slowest and fastest iteration.</p>\n");
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

    private void charts(final List<Charts.Drawn> charts, final String section, final String heading,
        final String id)
    {
        html.append("<section id=\"").append(id).append("\"><h2>").append(esc(heading)).append("</h2>\n");
        boolean any = false;
        for (final Charts.Drawn chart : charts)
        {
            if (chart.section().equals(section))
            {
                figure(chart);
                any = true;
            }
        }
        if (!any)
        {
            html.append("<p>No chart: nothing was measured.</p>\n");
        }
        html.append("</section>\n");
    }

    private void figure(final Charts.Drawn chart)
    {
        html.append("<figure class=\"chart\" id=\"chart-").append(chart.name()).append("\"><h3>")
            .append(esc(chart.title())).append("</h3>\n<img alt=\"").append(esc(chart.title()))
            .append("\" src=\"data:image/png;base64,").append(chart.pngBase64()).append("\">\n<figcaption>")
            .append(esc(chart.caption())).append(" Axes: x ").append(esc(chart.xAxis())).append(", y ")
            .append(esc(chart.yAxis())).append(". Also as <a href=\"").append(chart.name()).append(".svg\">SVG</a> ")
            .append("and <a href=\"").append(chart.name()).append(".png\">PNG</a>.</figcaption>\n")
            .append("<table class=\"data\"><caption>").append(esc(chart.yAxis())).append("</caption><tr>");
        for (final String header : chart.table().headers())
        {
            html.append("<th>").append(esc(header)).append("</th>");
        }
        html.append("</tr>\n");
        for (final List<String> row : chart.table().rows())
        {
            html.append("<tr>");
            row.forEach((cell) -> html.append("<td>").append(esc(cell)).append("</td>"));
            html.append("</tr>\n");
        }
        html.append("</table></figure>\n");
    }

    private void families(final ReportModel.Results results, final List<Charts.Drawn> charts)
    {
        for (final Map.Entry<String, List<ReportModel.Row>> family : Families.byFamily(results).entrySet())
        {
            final String name = family.getKey();
            html.append("<section id=\"").append(Families.anchor(name)).append("\"><h2>").append(esc(name))
                .append(": its modes</h2>\n<table><tr><th class=\"l\">mode</th>")
                .append("<th>x bare read, 64 KiB</th><th>GB/s, 64 KiB touched</th>")
                .append("<th>messages/s, 64 B, descriptor only</th><th>8 hops / 1 hop</th></tr>\n");
            for (final String mode : Families.modes(family.getValue()))
            {
                final List<ReportModel.Row> rows = family.getValue();
                final Optional<ReportModel.Row> touched = rows.stream().filter((r) -> Families.isCrossing(r) &&
                    r.touch() && r.mode().equals(mode) && r.messageBytes() == Families.SUMMARY_BYTES).findFirst();
                final Optional<ReportModel.Row> descriptors = rows.stream().filter((r) -> Families.isCrossing(r) &&
                    !r.touch() && r.mode().equals(mode) && r.messageBytes() == 64).findFirst();
                final Optional<ReportModel.Row> one = Families.pipeline(rows, mode, 1);
                final Optional<ReportModel.Row> eight = Families.pipeline(rows, mode, Families.SCALING_HOPS);
                html.append("<tr><td class=\"l\">").append(esc(mode)).append("</td><td>")
                    .append(touched.map((r) -> r.relativeToBareRead() == null ? "-" : num(r.relativeToBareRead()))
                        .orElse("-"))
                    .append("</td><td>").append(touched.map((r) -> num(r.bytesPerSecond() / 1e9)).orElse("-"))
                    .append("</td><td>").append(descriptors.map((r) -> num(r.messagesPerSecond())).orElse("-"))
                    .append("</td><td>").append(one.isPresent() && eight.isPresent() ?
                        num(eight.get().messagesPerSecond() / one.get().messagesPerSecond()) : "-")
                    .append("</td></tr>\n");
            }
            html.append("</table>\n");
            operations(family.getValue());
            charts.stream().filter((c) -> c.section().equals(name)).forEach(this::figure);
            html.append("</section>\n");
        }
    }

    /**
     * A family's privileged operations per message, by mode: one touched crossing at the summary's size (or the
     * largest measured below it), so that families compare on the same work; grant operations are the Xen family's.
     */
    private void operations(final List<ReportModel.Row> rows)
    {
        final int bytes = rows.stream().filter((r) -> Families.isCrossing(r) && r.touch())
            .mapToInt(ReportModel.Row::messageBytes).filter((b) -> b <= Families.SUMMARY_BYTES).max().orElse(-1);
        if (bytes < 0)
        {
            return;
        }
        html.append("<table class=\"operations\"><caption>Operations per message, one crossing, ").append(size(bytes))
            .append(" touched</caption><tr><th class=\"l\">mode</th>").append(OPERATION_HEADS).append("</tr>\n");
        for (final String mode : Families.modes(rows))
        {
            rows.stream().filter((r) -> Families.isCrossing(r) && r.touch() && r.messageBytes() == bytes &&
                r.mode().equals(mode)).findFirst().ifPresent((r) ->
                {
                    html.append("<tr><td class=\"l\">").append(esc(mode)).append("</td>");
                    operationCells(r.perMessage());
                    html.append("</tr>\n");
                });
        }
        html.append("</table>\n");
    }

    private void operationCells(final ReportModel.PerMessage m)
    {
        for (final double v : new double[]{ m.pageTableUpdates(), m.tlbFlushes(), m.bytesCopied(), m.grantMaps(),
            m.grantUnmaps(), m.grantCopies(), m.grantPins(), m.notificationsSent() })
        {
            html.append("<td>").append(num(v)).append("</td>");
        }
    }

    private void twoThread(final ReportModel.Results results)
    {
        html.append("<section id=\"two-thread\"><h2>Two threads, by size and placement</h2>\n<p>Each transport's ")
            .append("crossing with the receiver on a second thread, beside three references at the same size, in ")
            .append("alternating windows of the same run. <b>cross-core limit</b>: a pool of as many buffers of the ")
            .append("size as the transports' channels hold messages, the producer writing each buffer's stamp word ")
            .append("and handing its index over Agrona's OneToOneRingBuffer, the consumer touching every byte and ")
            .append("handing the buffer back: the most any zero-copy transport could do between these two threads ")
            .append("with this working set (a private buffer read by one thread is not the limit for data another ")
            .append("core handed over). <b>aeron-ipc</b>: Aeron 1.47.4 IPC, an embedded driver, an exclusive ")
            .append("publication (tryClaim for messages that fit a frame, offer and a fragment assembler for larger ")
            .append("ones), its window as many messages as the channels; the driver runs in invoker mode on the ")
            .append("publisher's thread when it is back pressured, so no third thread takes one of the two vCPUs. ")
            .append("<b>agrona-one-to-one-ring-buffer</b>: the ring carrying the whole message, only at 64 B, where ")
            .append("a message is no bigger than a transport's descriptor. Every consumer does the same work: read ")
            .append("the stamp word, touch every byte with the shared routine, record the latency of every 16th ")
            .append("message. Ratios are taken only against a reference of the same size and placement. A window is ")
            .append("mixed when its placement probes disagree or either thread spent under 90% of it on a CPU; ")
            .append("mixed windows were re-measured and are kept as mixed only when they never settled, and are ")
            .append("never divided.</p>\n<table><tr>")
            .append("<th class=\"l\">subject</th><th>bytes</th><th class=\"l\">placement</th><th>messages/s</th>")
            .append("<th>GB/s</th><th>min</th><th>max</th><th>x cross-core limit</th><th>x Aeron IPC</th>")
            .append("<th>x Agrona</th><th>probe p50s (ns)</th></tr>\n");
        final List<ReportModel.Reference> references = results.references();
        final java.util.TreeSet<Integer> sizes = new java.util.TreeSet<>();
        references.stream().filter((r) -> r.threads() == 2).forEach((r) -> sizes.add(r.messageBytes()));
        results.results().stream().filter((r) -> r.threads() == 2).forEach((r) -> sizes.add(r.messageBytes()));
        for (final int bytes : sizes)
        {
            for (final ReportModel.Reference ref : references)
            {
                if (ref.threads() == 2 && ref.messageBytes() == bytes)
                {
                    twoThreadRow(ref.name(), bytes, ref.placement(), ref.messagesPerSecond(), ref.spread(),
                        references, ref.placementProbeNanos());
                }
            }
            for (final ReportModel.Row row : results.results())
            {
                if (row.threads() == 2 && row.messageBytes() == bytes)
                {
                    twoThreadRow(Charts.modeName(row), bytes, row.placement(), row.messagesPerSecond(), row.spread(),
                        references, row.placementProbeNanos());
                }
            }
        }
        html.append("</table></section>\n");
    }

    private void nic(final List<ReportModel.NicRow> rows, final List<Charts.Drawn> charts)
    {
        if (rows.isEmpty())
        {
            return;
        }
        html.append("<section id=\"nic\"><h2>NIC paths through the driver domain</h2>\n<p>Two guests send to ")
            .append("each other through a driver domain over back-to-back simulated DMA NICs, link unlimited; one ")
            .append("thread pumps the devices, the driver domain and the guests, so a rate is the whole per-packet ")
            .append("cost on one core (the machine of <code>NicPathBenchmark</code>). <b>copying</b> is the ")
            .append("reference: the NicDriver copying each payload into its own buffers, two NICs back to back, no ")
            .append("guests. Windows of every path at one size alternate in one JVM; <i>x copying</i> divides by the ")
            .append("reference at the same size only. The counters per packet (deltas of each machine's kernel over ")
            .append("the measured windows, divided by the packets received) say where the time goes: grant ")
            .append("operations and page-table work on the xen paths, DMA pins where mappings do not last, DMA bytes ")
            .append("(each NIC reads a 16 B descriptor, writes back 8 B and moves the payload once: at 64 B, ")
            .append("2 x 64 + 2 x 24 = 176 B), interrupts and notifications. <i>Where the time goes</i> is ")
            .append("computed from those counters: the time per packet (1 / rate) and its difference from the ")
            .append("reference at the same size, then the work per packet beyond the reference's, privileged ")
            .append("operations largest count first, then bytes; the counts are not weighted by a cost, so ")
            .append("<i>most</i> names the most frequent operation, not a measured share of the time. It is the ")
            .append("line under each path's row.</p>\n<table><tr>")
            .append("<th class=\"l\">path</th><th>frame</th><th>packets/s</th><th>GB/s</th><th>x copying</th>")
            .append("<th>min</th><th>max</th><th>grant ops</th><th>grant maps</th><th>grant copies</th>")
            .append("<th>DMA pins</th><th>DMA bytes</th><th>page-table updates</th><th>bytes copied</th>")
            .append("<th>interrupts</th><th>notifications sent</th><th>suppressed</th><th>RX no buffer</th></tr>\n");
        for (final ReportModel.NicRow r : rows)
        {
            final Map<String, Double> p = r.perPacket();
            html.append("<tr><td class=\"l\">").append(esc(r.path())).append("</td><td>").append(size(r.frameBytes()))
                .append("</td><td>").append(num(r.packetsPerSecond())).append("</td><td>")
                .append(num(r.bytesPerSecond() / 1e9)).append("</td><td>")
                .append(r.relativeToReference() == null ? "-" : num(r.relativeToReference())).append("</td><td>")
                .append(num(r.spread().min())).append("</td><td>").append(num(r.spread().max()));
            for (final double v : new double[]{ NicRows.grantOps(p), NicRows.counter(p, "GRANT_MAPS"),
                NicRows.counter(p, "GRANT_COPIES"), NicRows.counter(p, "DMA_PINS"), NicRows.counter(p, "DMA_BYTES"),
                NicRows.counter(p, "PAGE_TABLE_UPDATES"), NicRows.counter(p, "BYTES_COPIED"),
                NicRows.counter(p, "INTERRUPTS_DELIVERED"), NicRows.counter(p, "NOTIFICATIONS_SENT"),
                NicRows.counter(p, "NOTIFICATIONS_SUPPRESSED"), NicRows.counter(p, "NIC_RX_NO_BUFFER") })
            {
                html.append("</td><td>").append(num(v));
            }
            // A line of its own under the row: the table is already as wide as the page.
            html.append("</td></tr>\n<tr><td class=\"l why\" colspan=\"").append(NIC_COLUMNS)
                .append("\"><i>where the time goes:</i> ").append(esc(NicRows.whereTimeGoes(r,
                NicRows.reference(rows, r.frameBytes())))).append("</td></tr>\n");
        }
        html.append("</table>\n");
        charts.stream().filter((c) -> c.section().equals(Charts.NIC_SECTION)).forEach(this::figure);
        html.append("</section>\n");
    }

    private void pipelineScaling(final List<ReportModel.ScalingRow> rows, final List<Charts.Drawn> charts)
    {
        if (rows.isEmpty())
        {
            return;
        }
        html.append("<section id=\"pipeline-scaling\"><h2>Pipeline scaling, by chain and threads</h2>\n<p>")
            .append("Pipelines of the Pipeline library (source, forwarding stages, a sink touching every byte) at ")
            .append(size(rows.get(0).messageBytes())).append(", all stages on one thread, split over two threads, ")
            .append("or each on its own thread (threads = hops + 1, more than this machine has vCPUs beyond one ")
            .append("hop). A chain of several transports cycles them over the hops; a stage between two different ")
            .append("transports copies once into the next one's claim (<i>copied forwards</i>). Windows of every ")
            .append("chain, length and threading alternate; a window on several threads is bracketed by placement ")
            .append("probes and pooled with its placement (near or far; mixed when the probes disagree). <i>x 1 ")
            .append("hop</i> divides by the same chain's 1-hop row with the same threading (one thread, or two) and ")
            .append("placement, in this run. The goal: 8 hops at least 0.8 x 1 hop for the zero-copy transports, ")
            .append("on one thread and on two; copy beside them.</p>\n")
            .append("<table><tr><th class=\"l\">chain</th><th>hops</th><th>threads</th>")
            .append("<th class=\"l\">placement</th><th>messages/s</th>")
            .append("<th>GB/s</th><th>x 1 hop</th><th>min</th><th>max</th><th>copied forwards/msg</th>")
            .append(OPERATION_HEADS.replace("</th>", "/msg</th>")).append("</tr>\n");
        for (final ReportModel.ScalingRow r : rows)
        {
            html.append("<tr><td class=\"l\">").append(esc(r.chain())).append("</td><td>").append(r.hops())
                .append("</td><td>").append(r.threads()).append("</td><td class=\"l\">")
                .append(esc(String.valueOf(r.placement()))).append("</td><td>").append(num(r.messagesPerSecond()))
                .append("</td><td>").append(num(r.bytesPerSecond() / 1e9)).append("</td><td>")
                .append(r.relativeToOneHop() == null ? "-" : num(r.relativeToOneHop())).append("</td><td>")
                .append(num(r.spread().min())).append("</td><td>").append(num(r.spread().max())).append("</td><td>")
                .append(num(r.copiedForwards())).append("</td>");
            operationCells(r.perMessage());
            html.append("</tr>\n");
        }
        html.append("</table>\n");
        charts.stream().filter((c) -> c.section().equals(Charts.SCALING_SECTION)).forEach(this::figure);
        html.append("</section>\n");
    }

    private void twoThreadRow(final String name, final int bytes, final String placement, final double rate,
        final ReportModel.Spread spread, final List<ReportModel.Reference> references, final List<Double> probes)
    {
        html.append("<tr><td class=\"l\">").append(esc(name)).append("</td><td>").append(size(bytes))
            .append("</td><td class=\"l\">").append(placement).append("</td><td>").append(num(rate))
            .append("</td><td>").append(num(rate * bytes / 1e9))
            .append("</td><td>").append(num(spread.min())).append("</td><td>").append(num(spread.max()));
        for (final String reference : new String[]{ CrossCoreLimitSubject.NAME, AeronIpcSubject.NAME,
            AgronaRingSubject.NAME })
        {
            html.append("</td><td>").append(name.equals(reference) && !PlacementProbe.MIXED.equals(placement) ? "1" :
                Families.ratioTo(bytes, placement, rate, references, reference).map(HtmlReport::num).orElse("-"));
        }
        html.append("</td><td>")
            .append(probes.stream().map((p) -> String.valueOf(Math.round(p))).collect(Collectors.joining(" ")))
            .append("</td></tr>\n");
    }

    private void references(final ReportModel.Results results)
    {
        html.append("<section id=\"references\"><h2>Reference points (same run)</h2>\n<table><tr>")
            .append("<th class=\"l\">name</th><th>bytes</th><th class=\"l\">placement</th><th>GB/s</th>")
            .append("<th>operations/s</th><th>ns/op</th><th>min ops/s</th><th>max ops/s</th></tr>\n");
        for (final ReportModel.Reference r : results.references())
        {
            html.append("<tr><td class=\"l\">").append(esc(r.name())).append("</td><td>")
                .append(size(r.messageBytes())).append("</td><td class=\"l\">").append(r.placement())
                .append("</td><td>").append(isBandwidth(r.name()) ? num(r.bytesPerSecond() / 1e9) : "-")
                .append("</td><td>").append(num(r.messagesPerSecond())).append("</td><td>")
                .append(num(r.nanosPerOp())).append("</td><td>").append(num(r.spread().min())).append("</td><td>")
                .append(num(r.spread().max())).append("</td></tr>\n");
        }
        html.append("</table></section>\n");
    }

    private static boolean isBandwidth(final String reference)
    {
        return reference.startsWith("memory-") || reference.startsWith("agrona") ||
            CrossCoreLimitSubject.NAME.equals(reference) || AeronIpcSubject.NAME.equals(reference);
    }

    private void comparison(final ReportModel.Comparison comparison)
    {
        if (comparison == null)
        {
            return;
        }
        html.append("<section id=\"comparison\"><h2>Compared with ").append(esc(comparison.against()))
            .append("</h2>\n<p>Ratio = this run's rate over the earlier run's (messages/s; packets/s for NIC ")
            .append("rows), for rows present in both with the same identity: transport rows by scenario, ")
            .append("transport, mode, hops, size, touch and placement; references by name, size and placement; NIC ")
            .append("rows by path, frame size, DMA pins and placement; pipeline-scaling rows by chain, hops, ")
            .append("threads and size. Above 1 is faster. A row is marked faster or ")
            .append("slower only when the change is larger than the spread (slowest to fastest iteration, over ")
            .append("the median) of either run. Rows that one run has and the other does not are listed after ")
            .append("the table, not compared.</p>\n<table><tr><th class=\"l\">row</th><th class=\"l\">kind</th>")
            .append("<th>before</th><th>now</th><th>ratio</th><th>spread before</th><th>spread now</th>")
            .append("<th class=\"l\">change</th></tr>\n");
        for (final ReportModel.Compared c : comparison.rows())
        {
            final String cls = "within spread".equals(c.change()) ? "" : c.change();
            html.append("<tr><td class=\"l\">").append(esc(c.key())).append("</td><td class=\"l\">")
                .append(esc(c.kind())).append("</td><td>").append(num(c.oldValue()))
                .append("</td><td>").append(num(c.newValue())).append("</td><td class=\"").append(cls).append("\">")
                .append(num(c.ratio())).append("</td><td>").append(percent(c.oldSpread())).append("</td><td>")
                .append(percent(c.newSpread())).append("</td><td class=\"l ").append(cls).append("\">")
                .append(esc(c.change())).append("</td></tr>\n");
        }
        if (comparison.rows().isEmpty())
        {
            html.append("<tr><td class=\"l\" colspan=\"8\">no row in common</td></tr>\n");
        }
        html.append("</table>\n");
        final List<ReportModel.NotCompared> unmatched = comparison.unmatched();
        if (!unmatched.isEmpty())
        {
            html.append("<h3 id=\"not-compared\">Not compared: in one run only</h3>\n<table class=\"not-compared\">")
                .append("<tr><th class=\"l\">row</th><th class=\"l\">kind</th><th class=\"l\">only in</th>")
                .append("<th class=\"l\">why</th></tr>\n");
            for (final String kind : ResultsJson.KINDS)
            {
                for (final ReportModel.NotCompared n : unmatched)
                {
                    if (n.kind().equals(kind))
                    {
                        html.append("<tr><td class=\"l\">").append(esc(n.key())).append("</td><td class=\"l\">")
                            .append(esc(n.kind())).append("</td><td class=\"l\">")
                            .append(ResultsJson.NOW.equals(n.presentIn()) ? "this run" : "the earlier run")
                            .append("</td><td class=\"l\">").append(esc(n.why())).append("</td></tr>\n");
                    }
                }
            }
            html.append("</table>\n");
        }
        html.append("</section>\n");
    }

    private static String percent(final double share)
    {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    private void allRows(final ReportModel.Results results)
    {
        html.append("<section id=\"rows\"><h2>Every row</h2>\n<p>GB/s is given only where the receiver touched ")
            .append("the bytes; other rows moved descriptors only.</p>\n<table><tr><th class=\"l\">transport</th>")
            .append("<th class=\"l\">mode</th><th class=\"l\">scenario</th><th>hops</th><th>bytes</th>")
            .append("<th>touch</th><th class=\"l\">placement</th><th>messages/s</th><th>GB/s</th>")
            .append("<th>x bare read</th><th>min msg/s</th><th>max msg/s</th><th>p50 ns</th><th>p99 ns</th>")
            .append("<th>p99.9 ns</th><th>max ns</th>").append(OPERATION_HEADS.replace("</th>", "/msg</th>"))
            .append("</tr>\n");
        for (final ReportModel.Row r : results.results())
        {
            html.append("<tr><td class=\"l\">").append(esc(r.transport())).append("</td><td class=\"l\">")
                .append(esc(r.mode())).append("</td><td class=\"l\">").append(r.scenario()).append("</td><td>")
                .append(r.hops()).append("</td><td>").append(size(r.messageBytes())).append("</td><td>")
                .append(r.touch() ? "yes" : "no (descriptor only)").append("</td><td class=\"l\">")
                .append(r.placement()).append("</td><td>").append(num(r.messagesPerSecond())).append("</td><td>")
                .append(r.touch() ? num(r.bytesPerSecond() / 1e9) : "-").append("</td><td>")
                .append(r.relativeToBareRead() == null ? "-" : num(r.relativeToBareRead())).append("</td><td>")
                .append(num(r.spread().min())).append("</td><td>").append(num(r.spread().max())).append("</td><td>")
                .append(num(r.latencyNanos().p50())).append("</td><td>").append(num(r.latencyNanos().p99()))
                .append("</td><td>").append(num(r.latencyNanos().p999())).append("</td><td>")
                .append(num(r.latencyNanos().max())).append("</td>");
            operationCells(r.perMessage());
            html.append("</tr>\n");
        }
        html.append("</table></section>\n");
    }

    private void environment(final Map<String, Object> environment)
    {
        html.append("<section id=\"environment\"><h2>Machine, JVM and settings</h2>\n<table>");
        environment.forEach((k, v) -> html.append("<tr><th class=\"l\">").append(esc(k))
            .append("</th><td class=\"l\">").append(esc(String.valueOf(v))).append("</td></tr>\n"));
        html.append("</table></section>\n");
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

package io.barge.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code report} in-process with very short iterations, checks the outputs against the schema and that every
 * installed transport and mode appears, and checks each bad input.
 */
class ReportCommandTest
{
    /** Settings that make a whole run take a second or two. */
    private static final String[] TINY = {"--no-fork", "--no-progress", "--quick", "--sizes", "64,4K",
        "--iteration-millis", "2", "--iterations", "2", "--warmups", "1", "--hops", "1,2",
        "--two-thread-rounds", "1", "--two-thread-sizes", "64", "--memory-frames", "4096",
        "--probe-round-trips", "50"};

    /**
     * Every chart a tiny run always draws: the families side by side, then one per installed family, then the NIC
     * chart. The two-thread and pipeline-scaling charts are drawn only when some window settled at near or far,
     * which a loaded machine may never give (a quick run has no one-thread pipeline rows).
     */
    static final List<String> CHARTS = charts();
    private static final String TWO_THREAD_CHART = "two-thread-64";
    private static final String NIC_CHART = "nic-packets";
    private static final String SCALING_CHART = "pipeline-scaling";
    private static final String FBUFS_CHAIN = "fbufs[cached=true,volatile=true]";
    private static final String MIXED_CHAIN = "xen[grants=persistent]," + FBUFS_CHAIN + ",rbufs";

    /**
     * An earlier run, fixed data, that the first run is compared with: no transport or reference rows; NIC rows
     * for two of the quick run's paths (rbufs as a file from before the pins field, without it) and one path and
     * size the quick run does not measure; pipeline-scaling rows for two of the quick run's shapes, in each placement
     * (a window's placement is the machine's to choose), and one shape it does not measure.
     */
    static final String OLDER = """
        {"schema": 2, "environment": {"timestamp": "2026-01-01T00:00:00Z"}, "results": [], "references": [],
         "overheads": [], "failures": [],
         "nic": [
          {"path": "xen-persistent", "frameBytes": 64, "placement": "single-thread", "pins": "persistent",
           "packetsPerSecond": 1000000.0, "bytesPerSecond": 64000000.0, "relativeToReference": 0.5,
           "perPacket": {"DMA_BYTES": 176.0}, "packets": 1000,
           "spread": {"iterations": 2, "mean": 1000000.0, "min": 990000.0, "max": 1010000.0, "stdev": 10000.0}},
          {"path": "rbufs", "frameBytes": 64, "placement": "single-thread",
           "packetsPerSecond": 4000000.0, "bytesPerSecond": 256000000.0, "relativeToReference": 2.0,
           "perPacket": {"DMA_BYTES": 176.0}, "packets": 4000,
           "spread": {"iterations": 2, "mean": 4000000.0, "min": 3800000.0, "max": 4200000.0, "stdev": 200000.0}},
          {"path": "xen-map", "frameBytes": 1500, "placement": "single-thread", "pins": "persistent",
           "packetsPerSecond": 300000.0, "bytesPerSecond": 450000000.0, "relativeToReference": 0.3,
           "perPacket": {"DMA_BYTES": 3048.0}, "packets": 300,
           "spread": {"iterations": 2, "mean": 300000.0, "min": 290000.0, "max": 310000.0, "stdev": 10000.0}}],
         "pipelineScaling": [
          {"chain": "copy", "hops": 1, "threads": 2, "placement": "near", "messageBytes": 65536,
           "messagesPerSecond": 20000.0, "bytesPerSecond": 1310720000.0, "relativeToOneHop": null, "perMessage": null,
           "copiedForwards": 0.0,
           "spread": {"iterations": 2, "mean": 20000.0, "min": 19000.0, "max": 21000.0, "stdev": 1000.0}},
          {"chain": "copy", "hops": 1, "threads": 2, "placement": "far", "messageBytes": 65536,
           "messagesPerSecond": 15000.0, "bytesPerSecond": 983040000.0, "relativeToOneHop": null, "perMessage": null,
           "copiedForwards": 0.0,
           "spread": {"iterations": 2, "mean": 15000.0, "min": 14250.0, "max": 15750.0, "stdev": 1000.0}},
          {"chain": "copy", "hops": 1, "threads": 2, "placement": "mixed", "messageBytes": 65536,
           "messagesPerSecond": 12000.0, "bytesPerSecond": 786432000.0, "relativeToOneHop": null, "perMessage": null,
           "copiedForwards": 0.0,
           "spread": {"iterations": 2, "mean": 12000.0, "min": 11400.0, "max": 12600.0, "stdev": 1000.0}},
          {"chain": "fbufs[cached=true,volatile=true]", "hops": 2, "threads": 3, "placement": "near", "messageBytes": 65536,
           "messagesPerSecond": 50000.0, "bytesPerSecond": 3276800000.0, "relativeToOneHop": null, "perMessage": null,
           "copiedForwards": 0.0,
           "spread": {"iterations": 2, "mean": 50000.0, "min": 45000.0, "max": 55000.0, "stdev": 1000.0}},
          {"chain": "fbufs[cached=true,volatile=true]", "hops": 2, "threads": 3, "placement": "far", "messageBytes": 65536,
           "messagesPerSecond": 40000.0, "bytesPerSecond": 2621440000.0, "relativeToOneHop": null, "perMessage": null,
           "copiedForwards": 0.0,
           "spread": {"iterations": 2, "mean": 40000.0, "min": 36000.0, "max": 44000.0, "stdev": 1000.0}},
          {"chain": "fbufs[cached=true,volatile=true]", "hops": 2, "threads": 3, "placement": "mixed", "messageBytes": 65536,
           "messagesPerSecond": 30000.0, "bytesPerSecond": 1966080000.0, "relativeToOneHop": null, "perMessage": null,
           "copiedForwards": 0.0,
           "spread": {"iterations": 2, "mean": 30000.0, "min": 27000.0, "max": 33000.0, "stdev": 1000.0}},
          {"chain": "copy", "hops": 8, "threads": 9, "placement": "far", "messageBytes": 65536,
           "messagesPerSecond": 9000.0, "bytesPerSecond": 589824000.0, "relativeToOneHop": null, "perMessage": null,
           "copiedForwards": 0.0,
           "spread": {"iterations": 2, "mean": 9000.0, "min": 8100.0, "max": 9900.0, "stdev": 1000.0}}]}
        """;

    /** An earlier run from before NIC and pipeline-scaling rows existed: neither key is there. */
    static final String OLDER_WITHOUT_SECTIONS = """
        {"schema": 2, "environment": {"timestamp": "2025-06-01T00:00:00Z"}, "results": [], "references": [],
         "overheads": [], "comparison": null, "failures": []}
        """;

    private static List<String> charts()
    {
        final List<String> charts = new ArrayList<>(List.of("families-throughput", "families-relative",
            "families-descriptor-rate", "families-pipeline", "families-latency"));
        providers().forEach((p) -> charts.add("family-" + p.name().replaceAll("[^A-Za-z0-9_-]", "_")));
        // xen, rbufs and fbufs are installed, so the quick run measures NIC paths and pipeline-scaling chains.
        charts.add(NIC_CHART);
        return List.copyOf(charts);
    }

    @TempDir
    static Path shared;
    private static Path firstRun;
    private static Path older;
    private static Result first;

    /** Exit code and what the command printed. */
    record Result(int exit, String out, String err)
    {
    }

    @BeforeAll
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    static void runOnce() throws IOException
    {
        firstRun = shared.resolve("first");
        older = Files.writeString(shared.resolve("older.json"), OLDER);
        first = run(firstRun, "--compare", older.toString());
    }

    /**
     * @return every installed transport plus the test ring (two modes), which exists only in this test.
     */
    static List<TransportProvider> providers()
    {
        final List<TransportProvider> providers = new ArrayList<>(Transports.installed());
        providers.add(new TestRingTransport());
        return providers;
    }

    static Result run(final Path out, final String... extra)
    {
        final List<String> args = new ArrayList<>(List.of(TINY));
        args.add("--out");
        args.add(out.toString());
        args.addAll(List.of(extra));
        return execute(new ReportCommand(ReportCommandTest::providers), args.toArray(new String[0]));
    }

    static Result execute(final String... args)
    {
        return execute(new ReportCommand(), args);
    }

    static Result execute(final ReportCommand command, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tinyRunWritesEveryOutput()
    {
        assertEquals(0, first.exit(), first.err());
        for (final String chart : CHARTS)
        {
            for (final String ext : List.of(".png", ".svg"))
            {
                assertTrue(Files.isRegularFile(firstRun.resolve(chart + ext)), chart + ext + " missing in " + firstRun);
            }
        }
        assertTrue(Files.isRegularFile(firstRun.resolve("index.html")));
        assertTrue(Files.isRegularFile(firstRun.resolve("results.json")));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pageIsSelfContained() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final String html = Files.readString(firstRun.resolve("index.html"));
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"),
            "no network and no script");
        final int placed = (html.contains("id=\"chart-" + TWO_THREAD_CHART + "\"") ? 1 : 0) +
            (html.contains("id=\"chart-" + SCALING_CHART + "\"") ? 1 : 0);
        assertEquals(CHARTS.size() + placed, html.split("src=\"data:image/png;base64,", -1).length - 1,
            "every chart inline");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pageHasSummaryChartsWithImagesTablesAndUnits() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final String html = Files.readString(firstRun.resolve("index.html"));
        final List<String> families = new ArrayList<>();
        providers().forEach((p) -> families.add(p.name()));
        final List<String> problems = ReportPageCheck.check(html, families);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(new java.util.TreeSet<>(CHARTS), new java.util.TreeSet<>(ReportPageCheck.charts(html).stream()
            .filter((c) -> !TWO_THREAD_CHART.equals(c) && !SCALING_CHART.equals(c)).toList()), "every chart");
        assertEquals(new HashSet<>(ReportPageCheck.charts(html)).size(), ReportPageCheck.charts(html).size(),
            "no chart twice");
        assertTrue(html.contains("descriptor only"), "rows that do not touch are labelled as descriptor rates");
    }

    /**
     * Opens the page in headless Chromium (when one is installed; CI may not have it) and checks what a reader would
     * see: the DOM Chromium built holds every chart with its image and table, and the screenshot is not blank and
     * shows the families' chart colours, so the inline images decoded. The screenshot stays in target/ to look at.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void pageRendersInHeadlessChromium() throws IOException, InterruptedException
    {
        final String chromium = Chromium.find();
        org.junit.jupiter.api.Assumptions.assumeTrue(chromium != null, "no chromium binary (looked for " +
            Chromium.NAMES + " on PATH and $BARGE_CHROMIUM): skipping the browser check; the page's structure is " +
            "still checked by pageHasSummaryChartsWithImagesTablesAndUnits");
        assertEquals(0, first.exit(), first.err());
        final Path page = firstRun.resolve("index.html");
        final String dom = Chromium.dumpDom(chromium, page);
        assertTrue(ReportPageCheck.check(dom, List.of()).stream().noneMatch((p) -> p.startsWith("chart")),
            String.join("\n", ReportPageCheck.check(dom, List.of())));
        assertEquals(ReportPageCheck.charts(Files.readString(page)), ReportPageCheck.charts(dom),
            "Chromium's DOM holds every chart");
        final Path png = Path.of("target", "report-screenshot.png").toAbsolutePath();
        final java.awt.image.BufferedImage shot = Chromium.screenshot(chromium, page, png, 1280, 6000);
        assertTrue(shot.getWidth() >= 1000 && shot.getHeight() >= 3000, shot.getWidth() + "x" + shot.getHeight());
        final int firstFamilyColour = Families.colour("fbufs", List.of("fbufs")).getRGB();
        assertTrue(Chromium.hasColour(shot, firstFamilyColour, 300),
            "the first family's colour shows: the chart images decoded (" + png + ")");
        assertTrue(Chromium.distinctColours(shot) > 50, "the screenshot is not blank (" + png + ")");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nicAndPipelineScalingRowsAreInTheJsonThePageAndTheSummary() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode results = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile());
        final Set<String> paths = new HashSet<>();
        results.get("nic").forEach((r) -> paths.add(r.get("path").asText() + " " + r.get("frameBytes").asInt()));
        assertEquals(Set.of("copying 64", "xen-persistent 64", "rbufs 64", "fbufs 64"), paths,
            "a quick run measures 64 B frames on three paths beside the reference");
        results.get("nic").forEach((r) -> assertTrue(r.get("perPacket").get("DMA_BYTES").asDouble() > 0, r.toString()));
        final Set<String> scaling = new HashSet<>();
        results.get("pipelineScaling").forEach((r) -> scaling.add(r.get("chain").asText() + " " +
            r.get("hops").asInt() + "/" + r.get("threads").asInt()));
        results.get("pipelineScaling").forEach((r) -> assertTrue(Set.of("near", "far", "mixed")
            .contains(r.get("placement").asText()), "every quick window runs on two threads or more: " + r));
        final String fbufs = "fbufs[cached=true,volatile=true]";
        final String mixed = "xen[grants=persistent]," + fbufs + ",rbufs";
        assertEquals(Set.of("copy 1/2", "copy 2/2", "copy 2/3", fbufs + " 1/2", fbufs + " 2/2", fbufs + " 2/3",
            mixed + " 1/2", mixed + " 2/2", mixed + " 2/3"), scaling,
            "a quick run: two threads and a thread per stage, copy, fbufs and the mixed chain at the run's hops");
        final String page = Files.readString(firstRun.resolve("index.html"));
        assertTrue(page.contains("id=\"nic\"") && page.contains("id=\"pipeline-scaling\""));
        assertTrue(first.out().contains("nic xen-persistent") && first.out().contains("pipeline " + mixed),
            first.out());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nicChartDrawsEveryPathsPacketRateBesideTheCopyingReference() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode nic = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile()).get("nic");
        final String html = Files.readString(firstRun.resolve("index.html"));
        final List<List<String>> table = ReportPageCheck.chartTable(html, NIC_CHART);
        assertEquals(List.of("frame size", "copying NicDriver (reference)", "xen-persistent", "rbufs", "fbufs"),
            table.get(0), "a bar per path, the reference first");
        assertEquals(2, table.size(), "one frame size in a quick run: " + table);
        assertEquals("64 B", table.get(1).get(0));
        for (final JsonNode row : nic)
        {
            final String path = row.get("path").asText();
            final int column = table.get(0).indexOf(NicRows.REFERENCE.equals(path) ? "copying NicDriver (reference)" :
                path);
            assertEquals(HtmlReport.num(row.get("packetsPerSecond").asDouble()), table.get(1).get(column), path);
        }
        final int section = html.indexOf("<section id=\"nic\">");
        assertTrue(html.indexOf("id=\"chart-" + NIC_CHART + "\"") > section &&
            html.indexOf("id=\"chart-" + NIC_CHART + "\"") < html.indexOf("</section>", section),
            "the chart sits in the NIC section");
        assertTrue(html.contains("Axes: x frame size (bytes), y rate (packets/s)"), "axes named with units");
        for (final String ext : List.of(".png", ".svg"))
        {
            assertTrue(Files.size(firstRun.resolve(NIC_CHART + ext)) > 1000, NIC_CHART + ext);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pipelineScalingChartDrawsEachChainsRatioToOneHopByHops() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final List<ReportModel.ScalingRow> scaling = ResultsJson.readForCompare(firstRun.resolve("results.json"))
            .scalingRows();
        final String html = Files.readString(firstRun.resolve("index.html"));
        // The chart's two-thread lines are of the placement most two-thread rows had (near on a tie).
        final long near = scaling.stream().filter((r) -> r.threads() == 2 && "near".equals(r.placement())).count();
        final long far = scaling.stream().filter((r) -> r.threads() == 2 && "far".equals(r.placement())).count();
        if (near + far == 0)
        {
            assertFalse(html.contains("id=\"chart-" + SCALING_CHART + "\""), "no settled two-thread window, no line");
            return;
        }
        final String placement = far > near ? "far" : "near";
        final List<ReportModel.ScalingRow> drawn = scaling.stream().filter((r) -> r.threads() == 2 &&
            placement.equals(r.placement())).toList();
        final List<String> heads = new ArrayList<>(List.of("hops"));
        for (final String chain : List.of("copy", FBUFS_CHAIN, MIXED_CHAIN))
        {
            if (drawn.stream().anyMatch((r) -> r.chain().equals(chain) && r.relativeToOneHop() != null))
            {
                heads.add(Charts.chainLabel(chain) + ", two threads " + placement);
            }
        }
        heads.add("goal for zero-copy (0.800)");
        final List<List<String>> table = ReportPageCheck.chartTable(html, SCALING_CHART);
        assertEquals(heads, table.get(0), "a quick run: two threads in one placement, a line per chain, the goal");
        assertEquals(List.of("1", "2"), table.subList(1, table.size()).stream().map((r) -> r.get(0)).toList());
        for (final ReportModel.ScalingRow row : drawn)
        {
            if (row.relativeToOneHop() == null)
            {
                continue; // its chain had no 1-hop window in this placement
            }
            final int column = table.get(0).indexOf(Charts.chainLabel(row.chain()) + ", two threads " + placement);
            final List<String> cells = table.get(row.hops());
            assertEquals(HtmlReport.num(row.relativeToOneHop()), cells.get(column), row.toString());
            assertEquals("0.800", cells.get(cells.size() - 1), "the goal line");
        }
        final int section = html.indexOf("<section id=\"pipeline-scaling\">");
        assertTrue(html.indexOf("id=\"chart-" + SCALING_CHART + "\"") > section, "in the pipeline-scaling section");
        assertTrue(html.contains("Axes: x hops (domain crossings), y rate over the same chain's 1-hop rate (ratio)"),
            "axes named with units");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyNicRowSaysWhereTheTimeGoesFromItsCounters() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final List<ReportModel.NicRow> rows = ResultsJson.readForCompare(firstRun.resolve("results.json")).nicRows();
        final String html = Files.readString(firstRun.resolve("index.html"));
        final String section = html.substring(html.indexOf("<section id=\"nic\">"));
        final String table = section.substring(section.indexOf("<table>"), section.indexOf("</table>"));
        assertEquals(rows.size() * 2 + 1, table.split("<tr>", -1).length - 1, "a heading, then a row and a line per path");
        for (final ReportModel.NicRow row : rows)
        {
            final String line = NicRows.whereTimeGoes(row, NicRows.reference(rows, row.frameBytes()));
            assertTrue(line.startsWith(HtmlReport.num(1e9 / row.packetsPerSecond()) + " ns/packet"), line);
            assertTrue(NicRows.REFERENCE.equals(row.path()) != line.contains("vs copying"), line);
            assertTrue(table.contains("<tr><td class=\"l why\" colspan=\"18\"><i>where the time goes:</i> " +
                HtmlReport.esc(line) + "</td></tr>"), row.path() + " in the page: " + line);
            assertTrue(first.out().contains("where the time goes: " + line), row.path() + ": " + first.out());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void compareCoversNicAndPipelineScalingRowsByIdentity() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode now = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile());
        final JsonNode comparison = now.get("comparison");
        final Map<String, JsonNode> compared = new java.util.HashMap<>();
        comparison.get("rows").forEach((r) -> compared.put(r.get("kind").asText() + " " + r.get("key").asText(), r));
        final Map<String, Double> nicNow = new java.util.HashMap<>();
        now.get("nic").forEach((r) -> nicNow.put(r.get("path").asText() + " " + r.get("frameBytes").asInt(),
            r.get("packetsPerSecond").asDouble()));
        // Fixed data of OLDER: before, its spread as (max - min) / median, and this run's row. Pipeline rows are
        // compared within one placement: each of this run's rows of the two shapes OLDER has meets its placement's.
        final Map<String, Double> olderCopy = Map.of("near", 2e4, "far", 1.5e4, "mixed", 1.2e4);
        final Map<String, Double> olderFbufs = Map.of("near", 5e4, "far", 4e4, "mixed", 3e4);
        final List<Object[]> expectedRows = new ArrayList<>(List.of(
            new Object[]{ "nic nic|xen-persistent|64B|pins=persistent|single-thread", 1e6, 0.02,
                nicNow.get("xen-persistent 64") },
            new Object[]{ "nic nic|rbufs|64B|pins=persistent|single-thread", 4e6, 0.1, nicNow.get("rbufs 64") }));
        final List<String> mixedChainNow = new ArrayList<>();
        now.get("pipelineScaling").forEach((r) ->
        {
            final String chain = r.get("chain").asText();
            final String placement = r.get("placement").asText();
            final String key = "pipelineScaling|" + chain + "|hops=" + r.get("hops").asInt() + "|threads=" +
                r.get("threads").asInt() + "|65536B|" + placement;
            final double rate = r.get("messagesPerSecond").asDouble();
            if (chain.equals("copy") && r.get("hops").asInt() == 1 && r.get("threads").asInt() == 2)
            {
                expectedRows.add(new Object[]{ "pipelineScaling " + key, olderCopy.get(placement), 0.1, rate });
            }
            else if (chain.equals(FBUFS_CHAIN) && r.get("hops").asInt() == 2 && r.get("threads").asInt() == 3)
            {
                expectedRows.add(new Object[]{ "pipelineScaling " + key, olderFbufs.get(placement), 0.2, rate });
            }
            else if (chain.equals(MIXED_CHAIN) && r.get("hops").asInt() == 1)
            {
                mixedChainNow.add(key);
            }
        });
        final Object[][] expected = expectedRows.toArray(new Object[0][]);
        assertTrue(expected.length >= 4, "the two NIC rows and at least a row of each compared pipeline shape: " +
            now.get("pipelineScaling"));
        assertFalse(mixedChainNow.isEmpty(), "the mixed chain's 1-hop row");
        final String html = Files.readString(firstRun.resolve("index.html"));
        final String section = html.substring(html.indexOf("<section id=\"comparison\">"));
        for (final Object[] row : expected)
        {
            final JsonNode c = compared.get((String)row[0]);
            assertTrue(c != null, row[0] + " compared: " + compared.keySet());
            assertEquals((double)row[1], c.get("oldValue").asDouble(), 1e-9);
            assertEquals((double)row[3], c.get("newValue").asDouble(), 1e-9, "this run's rate");
            assertEquals((double)row[3] / (double)row[1], c.get("ratio").asDouble(), 1e-12, row[0] + ": now / before");
            assertEquals((double)row[2], c.get("oldSpread").asDouble(), 1e-12);
            assertEquals(ResultsJson.change(c.get("ratio").asDouble(), c.get("oldSpread").asDouble(),
                c.get("newSpread").asDouble()), c.get("change").asText());
            final String key = c.get("key").asText();
            assertTrue(section.contains("<tr><td class=\"l\">" + HtmlReport.esc(key) + "</td><td class=\"l\">" +
                c.get("kind").asText() + "</td><td>" + HtmlReport.num((double)row[1]) + "</td><td>" +
                HtmlReport.num((double)row[3]) + "</td><td class=\""), key + " in the page's comparison table");
            assertTrue(first.out().lines().anyMatch((l) -> l.contains(key) &&
                l.contains(HtmlReport.num(c.get("ratio").asDouble()))), key + " in the summary: " + first.out());
        }
        assertEquals(expected.length, compared.keySet().stream().filter((k) -> k.startsWith("nic ") ||
            k.startsWith("pipelineScaling ")).count(), "only rows with the same identity are compared");
        // Rows in one run only are listed, with the side and why.
        final Map<String, JsonNode> unmatched = new java.util.HashMap<>();
        comparison.get("notCompared").forEach((r) -> unmatched.put(r.get("key").asText(), r));
        final String noSuchRow = "no row with this identity in the earlier run";
        for (final String[] row : new String[][]{
            { "nic|xen-map|1500B|pins=persistent|single-thread", ResultsJson.BEFORE, "no row with this identity in " +
                "this run" },
            { "nic|copying|64B|pins=persistent|single-thread", ResultsJson.NOW, noSuchRow },
            { "nic|fbufs|64B|pins=persistent|single-thread", ResultsJson.NOW, noSuchRow },
            { "pipelineScaling|copy|hops=8|threads=9|65536B|far", ResultsJson.BEFORE, "no row with this identity " +
                "in " + "this run" },
            { mixedChainNow.get(0), ResultsJson.NOW, noSuchRow } })
        {
            final JsonNode n = unmatched.get(row[0]);
            assertTrue(n != null, row[0] + " listed as not compared: " + unmatched.keySet());
            assertEquals(row[1], n.get("presentIn").asText(), row[0]);
            assertEquals(row[2], n.get("why").asText(), row[0]);
            assertTrue(section.contains("<tr><td class=\"l\">" + HtmlReport.esc(row[0]) + "</td>"), row[0] +
                " in the page's not-compared table");
        }
        // The earlier run has no transport rows at all: each of this run's is listed as such, none compared.
        assertTrue(now.get("results").size() > 0);
        now.get("results").forEach((r) -> assertEquals("the earlier run has no transport rows", unmatched.values()
            .stream().filter((n) -> "result".equals(n.get("kind").asText())).findFirst().orElseThrow()
            .get("why").asText()));
        assertEquals(now.get("results").size(), unmatched.values().stream().filter((n) ->
            "result".equals(n.get("kind").asText())).count());
        assertTrue(first.out().contains("not compared: 1 NIC rows in the earlier run only"), first.out());
        assertTrue(first.out().contains("not compared: 2 NIC rows in this run only (" + noSuchRow + ")"), first.out());
        assertTrue(first.out().contains("not compared: " + now.get("results").size() + " transport rows in this " +
            "run only (the earlier run has no transport rows)"), first.out());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anOlderFileWithoutNicOrScalingRowsListsThemAsNotCompared(@TempDir final Path dir) throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final Path file = Files.writeString(dir.resolve("older.json"), OLDER_WITHOUT_SECTIONS);
        final ReportModel.Results before = ResultsJson.readForCompare(file);
        assertEquals(List.of(), before.nicRows());
        assertEquals(List.of(), before.scalingRows());
        final ReportModel.Results now = ResultsJson.readForCompare(firstRun.resolve("results.json"));
        assertFalse(now.nicRows().isEmpty() || now.scalingRows().isEmpty(), "the tiny run has both kinds");
        final ReportModel.Comparison comparison = ResultsJson.compare(file.toString(), before, now);
        assertEquals(List.of(), comparison.rows(), "nothing in common");
        for (final String kind : List.of("nic", "pipelineScaling"))
        {
            final List<ReportModel.NotCompared> listed = comparison.unmatched().stream()
                .filter((n) -> n.kind().equals(kind)).toList();
            assertEquals(kind.equals("nic") ? now.nicRows().size() : now.scalingRows().size(), listed.size(), kind);
            for (final ReportModel.NotCompared n : listed)
            {
                assertEquals(ResultsJson.NOW, n.presentIn());
                assertEquals("the earlier run has no " + ResultsJson.kindName(kind) + " (measured without them, or " +
                    "written before they existed)", n.why());
            }
        }
        assertEquals(now.nicRows().stream().map(ReportModel.NicRow::key).toList(), comparison.unmatched().stream()
            .filter((n) -> n.kind().equals("nic")).map(ReportModel.NotCompared::key).toList());
        final ReportModel.Results compared = new ReportModel.Results(now.schema(), now.environment(), now.results(),
            now.references(), now.overheads(), comparison, now.failures(), now.nic(), now.pipelineScaling());
        final StringWriter text = new StringWriter();
        Assembly.summarise(compared, dir, new PrintWriter(text));
        assertTrue(text.toString().contains("  no row in common"), text.toString());
        assertTrue(text.toString().contains("not compared: " + now.nicRows().size() + " NIC rows in this run only " +
            "(the earlier run has no NIC rows"), text.toString());
        assertTrue(text.toString().contains("not compared: " + now.scalingRows().size() + " pipeline-scaling rows " +
            "in this run only"), text.toString());
        final String html = HtmlReport.render(compared, List.of());
        assertTrue(html.contains("no row in common") && html.contains("id=\"not-compared\""));
        for (final ReportModel.ScalingRow row : now.scalingRows())
        {
            assertTrue(html.contains("<tr><td class=\"l\">" + HtmlReport.esc(row.key()) + "</td><td class=\"l\">" +
                "pipelineScaling</td><td class=\"l\">this run</td>"), row.key());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void resultsMatchTheSchema() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final ObjectMapper json = new ObjectMapper();
        final JsonNode schema;
        try (InputStream in = ReportCommand.class.getResourceAsStream("results.schema.json"))
        {
            schema = json.readTree(in);
        }
        final JsonNode results = json.readTree(firstRun.resolve("results.json").toFile());
        final List<String> errors = SchemaCheck.check(schema, results);
        assertTrue(errors.isEmpty(), String.join("\n", errors));
        final Set<String> references = new HashSet<>();
        results.get("references").forEach((r) -> references.add(r.get("name").asText()));
        assertEquals(Set.of("memory-read", "memory-copy", "agrona-one-to-one-ring-buffer", "cross-core-limit",
            "aeron-ipc", "fbuf-bytebuf-allocator",
            "netty-adaptive-allocator", "netty-pooled-allocator", "fbuf-path-allocator-raw-handle",
            "netty-composite-buffer"), references);
        assertEquals(ReportModel.SCHEMA, results.get("schema").asInt());
        assertEquals(8, results.get("overheads").size(), "every fbufs combination in the overhead table");
        assertTrue(results.get("references").findValues("placement").stream()
            .anyMatch((p) -> !"single-thread".equals(p.asText())), "the Agrona reference carries a placement");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyInstalledTransportAndModeAppears() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode results = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile()).get("results");
        final String html = Files.readString(firstRun.resolve("index.html"));
        for (final TransportProvider provider : providers())
        {
            for (final Map<String, String> options : provider.modes())
            {
                final String label = TransportOptions.parse(provider.name(), provider.options(), options).mode();
                final String mode = label.isEmpty() ? "default" : label;
                int crossing = 0;
                int pipeline = 0;
                int twoThread = 0;
                for (final JsonNode row : results)
                {
                    if (row.get("transport").asText().equals(provider.name()) && row.get("mode").asText().equals(mode))
                    {
                        crossing += "crossing".equals(row.get("scenario").asText()) && row.get("threads").asInt() == 1
                            ? 1 : 0;
                        pipeline += "pipeline".equals(row.get("scenario").asText()) ? 1 : 0;
                        twoThread += row.get("threads").asInt() == 2 ? 1 : 0;
                    }
                }
                final String what = provider.name() + " [" + mode + "]";
                assertEquals(4, crossing, what + ": 2 sizes x touch/no touch");
                assertEquals(2, pipeline, what + ": hops 1 and 2");
                assertTrue(twoThread >= 1, what + ": a two-thread row");
                assertTrue(html.contains(HtmlReport.esc(provider.name())), what + " in index.html");
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void xenFamilyHasItsRowsGrantCountersColourAndSummary() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode results = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile()).get("results");
        final Map<String, JsonNode> touched4k = new java.util.HashMap<>();
        for (final JsonNode row : results)
        {
            if ("xen".equals(row.get("transport").asText()) && "crossing".equals(row.get("scenario").asText()) &&
                row.get("threads").asInt() == 1 && row.get("touch").asBoolean() &&
                row.get("messageBytes").asInt() == 4096)
            {
                touched4k.put(row.get("mode").asText(), row.get("perMessage"));
            }
        }
        assertEquals(Set.of("grants=map", "grants=copy", "grants=persistent", "grants=map,granter=receiver",
            "grants=copy,granter=receiver", "grants=persistent,granter=receiver"), touched4k.keySet(),
            "xen's modes, sender-granted and receiver-posted");
        for (final String posted : List.of("", ",granter=receiver"))
        {
            final JsonNode map = touched4k.get("grants=map" + posted);
            final JsonNode copy = touched4k.get("grants=copy" + posted);
            final JsonNode persistent = touched4k.get("grants=persistent" + posted);
            assertTrue(map.get("grantMaps").asDouble() >= 1 && map.get("grantUnmaps").asDouble() >= 1,
                "grant map maps and unmaps every message: " + map);
            assertEquals(0, copy.get("grantMaps").asDouble(), "grant copy maps nothing: " + copy);
            assertTrue(copy.get("grantCopies").asDouble() >= 1, "grant copy copies every message: " + copy);
            assertTrue(persistent.get("grantMaps").asDouble() < map.get("grantMaps").asDouble(),
                "persistent grants are mapped once at open, not per message: " + persistent);
        }

        final String html = Files.readString(firstRun.resolve("index.html"));
        final String summary = html.substring(html.indexOf("<section id=\"summary\">"));
        assertTrue(summary.substring(0, summary.indexOf("</section>")).contains("href=\"#family-xen\""),
            "the summary has a xen line");
        final int at = html.indexOf("<section id=\"family-xen\">");
        assertTrue(at >= 0, "a xen section");
        final String section = html.substring(at, html.indexOf("</section>", at));
        assertTrue(section.contains("Operations per message") && section.contains("<th>grant maps</th>") &&
            section.contains("<th>grant copies</th>") && section.contains("<th>TLB flushes</th>"),
            "xen's per-message counters in its section");
        for (final String mode : touched4k.keySet())
        {
            assertTrue(section.contains("<tr><td class=\"l\">" + mode + "</td>"), mode + " in the xen section");
        }
        final List<String> names = providers().stream().map(TransportProvider::name).toList();
        for (final String other : names)
        {
            if (!"xen".equals(other))
            {
                assertNotEquals(Families.colour("xen", names), Families.colour(other, names), "xen's colour vs " +
                    other);
            }
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void compareWithAnEarlierRunGivesRatios() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final Path second = shared.resolve("second");
        // One transport is enough to have rows in common, and keeps the second run short on a loaded machine.
        final Result result = run(second, "--compare", firstRun.resolve("results.json").toString(), "--transports",
            TestRingTransport.NAME);
        assertEquals(0, result.exit(), result.err());
        final JsonNode comparison = new ObjectMapper().readTree(second.resolve("results.json").toFile())
            .get("comparison");
        assertTrue(comparison.get("rows").size() > 0, "rows in common: " + comparison);
        for (final JsonNode row : comparison.get("rows"))
        {
            assertEquals(row.get("newValue").asDouble() / row.get("oldValue").asDouble(), row.get("ratio").asDouble(),
                1e-9, row.toString());
            assertEquals(ResultsJson.change(row.get("ratio").asDouble(), row.get("oldSpread").asDouble(),
                row.get("newSpread").asDouble()), row.get("change").asText(), row.toString());
        }
        assertTrue(result.out().contains("compared with"), result.out());
        assertTrue(Files.readString(second.resolve("index.html")).contains("Compared with"));
        // The second run measures no NIC path (the test ring only): the first run's NIC rows are listed, not lost.
        final JsonNode firstNic = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile()).get("nic");
        final List<String> listed = new ArrayList<>();
        comparison.get("notCompared").forEach((n) ->
        {
            if ("nic".equals(n.get("kind").asText()))
            {
                assertEquals(ResultsJson.BEFORE, n.get("presentIn").asText(), n.toString());
                assertTrue(n.get("why").asText().startsWith("this run has no NIC rows"), n.toString());
                listed.add(n.get("key").asText());
            }
        });
        assertEquals(firstNic.size(), listed.size(), listed.toString());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unknownTransportListsTheInstalledOnes(@TempDir final Path dir)
    {
        final Path out = dir.resolve("out");
        final Result result = run(out, "--transports", "no-such-transport");
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("unknown transport 'no-such-transport'"), result.err());
        for (final TransportProvider provider : Transports.installed())
        {
            assertTrue(result.err().contains(provider.name()), "lists " + provider.name() + ": " + result.err());
        }
        assertFalse(Files.exists(out), "nothing written before the inputs are checked");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unknownModeListsTheValidOnes(@TempDir final Path dir)
    {
        final Path out = dir.resolve("out");
        final Result result = run(out, "--mode", "no-such-mode");
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("unknown mode 'no-such-mode'; valid modes"), result.err());
        for (final TransportProvider provider : Transports.installed())
        {
            assertTrue(result.err().contains(provider.name() + ":"), "lists " + provider.name() + ": " + result.err());
        }
        assertFalse(Files.exists(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "2M", "-64", "64,4Q", "1.5K"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void badSizeIsAClearMessage(final String sizes, @TempDir final Path dir)
    {
        final Path out = dir.resolve("out");
        final Result result = execute("--no-fork", "--no-progress", "--out", out.toString(), "--sizes", sizes);
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("bad size"), result.err());
        assertFalse(Files.exists(out));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unwritableOutIsReportedBeforeMeasuring(@TempDir final Path dir) throws IOException
    {
        // A path under a regular file cannot become a folder, even for root.
        final Path file = Files.writeString(dir.resolve("a-file"), "x");
        final Result result = execute("--no-fork", "--no-progress", "--out", file.resolve("report").toString());
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("is not a writable folder") && result.err().contains("nothing was measured"),
            result.err());
        assertFalse(result.err().contains("%"), "no progress bar ran: " + result.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json at all", "[1, 2, 3]", "{\"hello\": 1}", "{\"schema\": 3, \"results\": []," +
        " \"references\": []}", "{\"schema\": 1}", "{\"schema\": 2, \"results\": [{\"transport\": []}], " +
        "\"references\": []}"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void compareWithANonBargeFileIsAClearMessage(final String content, @TempDir final Path dir) throws IOException
    {
        final Path other = Files.writeString(dir.resolve("other.json"), content);
        final Path out = dir.resolve("out");
        final Result result = execute("--no-fork", "--no-progress", "--out", out.toString(), "--compare",
            other.toString());
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("is not a Barge results file"), result.err());
        assertFalse(Files.exists(out));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void compareWithAMissingFileIsAClearMessage(@TempDir final Path dir)
    {
        final Result result = execute("--no-fork", "--no-progress", "--out", dir.resolve("out").toString(),
            "--compare", dir.resolve("missing.json").toString());
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("no such file"), result.err());
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void aBrokenTransportIsReportedAndTheRestIsWritten(@TempDir final Path dir) throws IOException
    {
        final TransportProvider broken = new BrokenTransport();
        final Path out = dir.resolve("out");
        final List<String> args = new ArrayList<>(List.of(TINY));
        args.addAll(List.of("--out", out.toString(), "--transports", BrokenTransport.NAME));
        final Result result = execute(new ReportCommand(() -> List.of(broken)), args.toArray(new String[0]));
        assertEquals(1, result.exit(), result.err());
        assertTrue(result.err().contains("broken on purpose"), result.err());
        final JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertTrue(results.get("failures").size() > 0, results.get("failures").toString());
        assertTrue(results.get("references").size() > 0, "the references were still measured");
        assertTrue(results.get("references").findValuesAsText("name").contains("agrona-one-to-one-ring-buffer"),
            "the two-thread group went on without the broken transport");
        assertTrue(Files.readString(out.resolve("index.html")).contains("Failed measurements"));
    }

    @Test
    void helpWorks()
    {
        final Result result = execute("--help");
        assertEquals(0, result.exit());
        assertTrue(result.out().contains("--quick") && result.out().contains("--compare"), result.out());
    }
}

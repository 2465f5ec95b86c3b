package io.barge.bench.report;

import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pieces under the report: the harness's statistics, placement classification, size parsing, the measurement
 * loops over a test transport (frames all returned), and a group run in a forked JVM.
 */
class MeasurementTest
{
    /** The smallest settings that still run every measurement loop; shared with {@link EqualWorkTest}. */
    static final Settings TINY = new Settings(true, List.of(64, 4096), List.of(1, 2), 4096, List.of(64), 1,
        1, 2, 1_000_000L, 1_000_000L, 400, 2048, 20);

    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(2048);
        kernel = new Kernel(memory);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 20261125})
    void medianAndSpreadMatchADirectComputation(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final double[] rates = new double[1 + random.nextInt(9)];
        double sum = 0;
        for (int i = 0; i < rates.length; i++)
        {
            rates[i] = 1 + random.nextDouble() * 1e6;
            sum += rates[i];
        }
        final double[] sorted = rates.clone();
        java.util.Arrays.sort(sorted);
        final double median = rates.length % 2 == 1 ? sorted[rates.length / 2] :
            (sorted[rates.length / 2 - 1] + sorted[rates.length / 2]) / 2;
        assertEquals(median, Harness.median(rates), 1e-9, "seed " + seed);
        final ReportModel.Spread spread = Harness.spread(rates);
        assertEquals(sum / rates.length, spread.mean(), 1e-6, "seed " + seed);
        assertEquals(sorted[0], spread.min(), "seed " + seed);
        assertEquals(sorted[rates.length - 1], spread.max(), "seed " + seed);
        assertEquals(rates.length, spread.iterations(), "seed " + seed);
        assertTrue(spread.stdev() >= 0, "seed " + seed);
    }

    @Test
    void placementIsNearFarOrMixed()
    {
        assertEquals(PlacementProbe.NEAR, PlacementProbe.classify(190, 200, 400));
        assertEquals(PlacementProbe.FAR, PlacementProbe.classify(620, 610, 400));
        assertEquals(PlacementProbe.MIXED, PlacementProbe.classify(190, 620, 400));
        assertEquals(PlacementProbe.MIXED, PlacementProbe.classify(620, 190, 400));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void probeMeasuresAPositiveRoundTrip()
    {
        assertTrue(new PlacementProbe(20).p50Nanos() > 0);
    }

    @Test
    void sizesParseWithSuffixes()
    {
        assertEquals(List.of(64, 4096, 65536, 1048576), Selection.sizes(List.of("1MiB", "64", "4K", "64KiB", "4096")));
        assertEquals(List.of(100), Selection.sizes(List.of(" 100B ")));
        assertThrows(IllegalArgumentException.class, () -> Selection.sizes(List.of()));
    }

    @Test
    void modesAreNamedByEveryOptionValue()
    {
        final List<ModeSpec> modes = Selection.modes(List.of(new TestRingTransport()), null, null);
        assertEquals(List.of("zero=false", "zero=true"), modes.stream().map(ModeSpec::label).toList());
        assertEquals(1, Selection.modes(List.of(new TestRingTransport()), null,
            List.of(TestRingTransport.NAME + ":zero=true")).size());
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> Selection.modes(List.of(new TestRingTransport()), List.of("nope"), null));
        assertTrue(ex.getMessage().contains(TestRingTransport.NAME), ex.getMessage());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void singleThreadRowsReturnEveryFrame()
    {
        final int free = kernel.freeFrames();
        final ModeSpec mode = new ModeSpec(TestRingTransport.NAME, Map.of(), "default");
        final List<ReportModel.Row> rows = new ArrayList<>();
        final List<String> steps = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        try (Transport transport = transport())
        {
            new SingleThreadRows(TINY, kernel, mode, transport).run(rows::add, failures::add, steps::add);
        }
        assertEquals(List.of(), failures);
        assertEquals(free, kernel.freeFrames(), "frames leaked by the measurement");
        assertEquals(6, rows.size());
        assertEquals(new Group(Group.TRANSPORT, List.of(mode)).units(TINY), finished(steps).size());
        for (final ReportModel.Row row : rows)
        {
            assertTrue(row.messagesPerSecond() > 0 && row.latencyNanos().p50() > 0, row.toString());
            assertEquals(row.messagesPerSecond() * row.messageBytes(), row.bytesPerSecond(), 1e-6);
            // The test ring copies once per forward: hops - 1 copies of the message.
            assertEquals((row.hops() - 1) * (double)row.messageBytes(), row.perMessage().bytesCopied(), 1e-9,
                row.toString());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void twoThreadRowsAreTaggedWithAPlacement()
    {
        final int free = kernel.freeFrames();
        final ModeSpec mode = new ModeSpec(TestRingTransport.NAME, Map.of(), "default");
        final List<ReportModel.Row> rows = new ArrayList<>();
        final List<ReportModel.Reference> references = new ArrayList<>();
        try (Transport transport = transport())
        {
            new TwoThreadRows(TINY, kernel, Map.of(mode, transport), (f) -> rows.add(null))
                .run(rows::add, references::add, (s) -> { });
        }
        assertEquals(free, kernel.freeFrames(), "frames leaked by the measurement");
        assertFalse(rows.isEmpty());
        assertFalse(rows.contains(null), "no failure");
        assertFalse(references.isEmpty());
        for (final ReportModel.Row row : rows)
        {
            assertTrue(List.of("near", "far", "mixed").contains(row.placement()), row.toString());
            assertEquals(2, row.threads());
            assertEquals(2, row.placementProbeNanos().size(), row.toString());
        }
        // TINY measures 64 B only: every reference is there, each tagged like the rows.
        assertEquals(java.util.Set.of(CrossCoreLimitSubject.NAME, AeronIpcSubject.NAME, AgronaRingSubject.NAME),
            references.stream().map(ReportModel.Reference::name).collect(java.util.stream.Collectors.toSet()));
        assertTrue(references.stream().allMatch((r) -> r.threads() == 2 && r.messageBytes() == 64 &&
            r.placementProbeNanos().size() == 2), references.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aGroupRunsInAFreshJvm(@TempDir final Path dir) throws Exception
    {
        final List<String> steps = new ArrayList<>();
        final ReportModel.GroupOutput output = Forker.run(TINY, new Group(Group.REFERENCES, List.of()), dir,
            steps::add);
        assertEquals(new Group(Group.REFERENCES, List.of()).units(TINY), finished(steps).size(), steps.toString());
        // Read and copy per size; four allocators; the composite buffer.
        assertEquals(TINY.sizes().size() * 2 + 5, output.references().size());
        assertTrue(output.references().stream().allMatch((r) -> r.messagesPerSecond() > 0));
    }

    /**
     * @param steps progress messages.
     * @return those that mark a finished step (the others name the step starting).
     */
    static List<String> finished(final List<String> steps)
    {
        return steps.stream().filter((s) -> !s.startsWith(ReportCommand.STARTING)).toList();
    }

    private Transport transport()
    {
        final TestRingTransport provider = new TestRingTransport();
        return provider.create(kernel, TransportOptions.parse(provider.name(), provider.options(), Map.of()));
    }
}

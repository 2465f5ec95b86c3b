package io.barge.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NIC group and the pipeline-scaling group, run in this JVM with tiny windows: a row per path and size (or per
 * chain, length and threading), the counters that must be there, DMA bytes per packet as the device's behaviour
 * fixes them, ratios taken only within a size (or within a chain and threading), the progress count.
 */
class NicAndScalingRowsTest
{
    /**
     * Per packet, the TX NIC reads a 16 B descriptor and the payload and writes back 8 B; the RX NIC reads a 16 B
     * descriptor, writes the payload and writes back 8 B: 2 x payload + 2 x (16 + 8).
     */
    private static final int DESCRIPTOR_BYTES_PER_PACKET = 2 * (16 + 8);
    /** Packets in flight when a window opens or closes blur the per-packet division by a few percent. */
    private static final double WINDOW_EDGE = 0.1;
    /** The counters {@code barge nic} prints per packet: pins, DMA bytes and faults, two interrupt counts, five
     * grant operations, page-table updates, TLB flushes, bytes copied, notifications sent and suppressed, RX drops. */
    private static final int PER_PACKET_COUNTERS = 16;

    private static Settings settings(final boolean quick, final List<Integer> hops, final double iterationMillis)
    {
        return new Settings(quick, List.of(64), hops, Settings.PIPELINE_BYTES, List.of(64), 1, 1, 2,
            (long)(iterationMillis * 1e6), (long)(iterationMillis * 1e6), 400, 16384, 50);
    }

    private static List<ModeSpec> modes(final String... transports)
    {
        final List<ModeSpec> modes = new ArrayList<>();
        for (final String transport : transports)
        {
            modes.add(new ModeSpec(transport, Map.of(), "default"));
        }
        return modes;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void nicGroupHasARowPerPathAndSizeWithTheCountersThatExplainThem()
    {
        final Settings settings = settings(false, List.of(1), 20);
        final ReportModel.GroupOutput out = runCountingSteps(settings, new Group(Group.NIC,
            modes("xen", "rbufs", "fbufs")));
        final List<ReportModel.NicRow> rows = out.nic();
        assertEquals(12, rows.size(), rows.toString());
        for (final int size : List.of(64, 1500))
        {
            final ReportModel.NicRow reference = row(rows, NicRows.REFERENCE, size);
            for (final String path : List.of("copying", "xen-map", "xen-copy", "xen-persistent", "rbufs", "fbufs"))
            {
                final ReportModel.NicRow r = row(rows, path, size);
                assertTrue(r.packets() > 0 && r.packetsPerSecond() > 0, r.toString());
                assertEquals(r.packetsPerSecond() * size, r.bytesPerSecond(), 1e-6 * r.bytesPerSecond());
                assertEquals("single-thread", r.placement());
                assertNotNull(r.relativeToReference(), r.toString());
                // The ratio is to the reference of the same size, not the other size's.
                assertEquals(r.packetsPerSecond() / reference.packetsPerSecond(), r.relativeToReference(), 1e-9);
                final double expectedDma = 2.0 * size + DESCRIPTOR_BYTES_PER_PACKET;
                assertEquals(expectedDma, NicRows.counter(r.perPacket(), "DMA_BYTES"), expectedDma * WINDOW_EDGE,
                    path + " " + size + " B: " + r.perPacket());
                assertEquals(PER_PACKET_COUNTERS, r.perPacket().size(), r.perPacket().toString());
            }
            assertEquals(1.0, reference.relativeToReference(), 1e-12);
            assertEquals(0.0, NicRows.grantOps(reference.perPacket()), "the reference has no guests, so no grants");
            assertTrue(NicRows.counter(row(rows, "xen-map", size).perPacket(), "GRANT_MAPS") > 0.5,
                "xen map maps each request's grant");
            assertTrue(NicRows.counter(row(rows, "xen-map", size).perPacket(), "PAGE_TABLE_UPDATES") > 0);
            assertTrue(NicRows.counter(row(rows, "xen-copy", size).perPacket(), "GRANT_COPIES") > 0.5,
                "xen copy copies each request's payload through the hypervisor");
            assertTrue(NicRows.counter(row(rows, "xen-copy", size).perPacket(), "BYTES_COPIED") >= size,
                "xen copy copies each request's payload through the hypervisor");
            for (final String path : List.of("xen-persistent", "rbufs", "fbufs"))
            {
                assertEquals(0.0, NicRows.counter(row(rows, path, size).perPacket(), "GRANT_MAPS"), path);
                final Map<String, Double> p = row(rows, path, size).perPacket();
                assertTrue(NicRows.counter(p, "NOTIFICATIONS_SENT") + NicRows.counter(p, "NOTIFICATIONS_SUPPRESSED") > 0,
                    path + " notifies or suppresses per packet: " + p);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void quickNicGroupIsShortAndOnlyMeasuresTheSelectedPaths()
    {
        final Settings settings = settings(true, List.of(1), 2);
        final Group group = new Group(Group.NIC, modes("rbufs", "copy"));
        final ReportModel.GroupOutput out = GroupRunner.run(settings, group, List.of(), (s) -> { });
        assertEquals(List.of(), out.failures());
        assertEquals(List.of("copying 64", "rbufs 64"), out.nic().stream().map((r) -> r.path() + " " + r.frameBytes())
            .toList());
        assertEquals(List.of(), NicRows.paths(true, Set.of("copy")), "no driver domain path without its transport");
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void pipelineScalingHasEveryChainLengthAndThreadingWithRatiosToItsOwnOneHop()
    {
        final Settings settings = settings(false, List.of(1, 2), 3);
        final ReportModel.GroupOutput out = runCountingSteps(settings, new Group(Group.PIPELINE_SCALING,
            modes("copy", "fbufs", "rbufs", "xen")));
        final List<ReportModel.ScalingRow> rows = out.pipelineScaling();
        final List<String> chains = List.of("copy", "fbufs[cached=true,volatile=true]", "rbufs",
            "xen[grants=persistent]", "xen[grants=persistent],fbufs[cached=true,volatile=true],rbufs");
        // Shapes: 1 hop on 1 and 2 threads; 2 hops on 1, 2 and 3 (a thread per stage). A shape on several threads
        // has a row per placement its windows settled in.
        final List<List<Integer>> shapes = List.of(List.of(1, 1), List.of(1, 2), List.of(2, 1), List.of(2, 2),
            List.of(2, 3));
        for (final String chain : chains)
        {
            for (final List<Integer> shape : shapes)
            {
                final List<ReportModel.ScalingRow> placed = scalings(rows, chain, shape.get(0), shape.get(1));
                assertFalse(placed.isEmpty(), "no row " + chain + " " + shape + " in " + rows);
                assertEquals(placed.size(), placed.stream().map(ReportModel.ScalingRow::placement).distinct().count(),
                    "one row per placement: " + placed);
                for (final ReportModel.ScalingRow row : placed)
                {
                    assertEquals(Settings.PIPELINE_BYTES, row.messageBytes());
                    assertTrue(row.messagesPerSecond() > 0);
                    if (row.threads() == 1)
                    {
                        assertEquals("single-thread", row.placement());
                    }
                    else
                    {
                        assertTrue(Set.of("near", "far", "mixed").contains(row.placement()), row.toString());
                    }
                    // The base: the same chain's 1 hop, one thread or two (a thread per stage too), same placement.
                    final List<ReportModel.ScalingRow> base = scalings(rows, chain, 1, row.threads() == 1 ? 1 : 2)
                        .stream().filter((b) -> b.placement().equals(row.placement())).toList();
                    if (row.threads() == 1)
                    {
                        assertFalse(base.isEmpty(), "a one-thread row always has its one-thread 1-hop base: " + row);
                    }
                    if ("mixed".equals(row.placement()) || base.isEmpty())
                    {
                        assertNull(row.relativeToOneHop(), "no ratio without a 1-hop row of one placement: " + row);
                    }
                    else
                    {
                        assertEquals(row.messagesPerSecond() / base.get(0).messagesPerSecond(),
                            row.relativeToOneHop(), 1e-9, "the ratio is to the same chain's 1 hop with the same " +
                            "threading and placement: " + row);
                    }
                }
            }
        }
        // copy copies every payload once per hop; the zero-copy chains copy nothing in the kernel.
        for (final ReportModel.ScalingRow copyTwo : scalings(rows, "copy", 2, 3))
        {
            assertTrue(copyTwo.perMessage().bytesCopied() >= 2.0 * Settings.PIPELINE_BYTES, copyTwo.toString());
        }
        scalings(rows, "fbufs[cached=true,volatile=true]", 2, 3).forEach((r) -> assertEquals(0.0, r.copiedForwards()));
        // The mixed chain's 2 hops are xen then fbufs: the stage between them copies each message once.
        for (final ReportModel.ScalingRow mixed : scalings(rows, chains.get(4), 2, 2))
        {
            assertEquals(1.0, mixed.copiedForwards(), 1e-9, mixed.toString());
        }
        scalings(rows, chains.get(4), 1, 1).forEach((r) -> assertEquals(0.0, r.copiedForwards()));
    }

    /** Fixed thread counts: one thread (not quick), two, and a thread per stage when that is more than two. */
    @Test
    void threadingsAreOneTwoAndOwnThreadsMeasuredOnceForOneHop()
    {
        assertEquals(List.of(1, 2), PipelineScalingRows.threadings(false, 1));
        assertEquals(List.of(1, 2, 3), PipelineScalingRows.threadings(false, 2));
        assertEquals(List.of(1, 2, 9), PipelineScalingRows.threadings(false, 8));
        assertEquals(List.of(2), PipelineScalingRows.threadings(true, 1));
        assertEquals(List.of(2, 5), PipelineScalingRows.threadings(true, 4));
    }

    private static ReportModel.NicRow nicRow(final String path, final double rate, final Map<String, Double> perPacket)
    {
        return new ReportModel.NicRow(path, 64, "single-thread", NicRows.PINS, rate, rate * 64, null, perPacket, 1000,
            new ReportModel.Spread(2, rate, rate, rate, 0));
    }

    /** Fixed counters: where-the-time-goes lines are differences from the reference at the same size. */
    @Test
    void whereTheTimeGoesIsTheCountersBeyondTheReference()
    {
        final ReportModel.NicRow copying = nicRow("copying", 1e6, Map.of("DMA_BYTES", 176.0,
            "INTERRUPTS_DELIVERED", 0.25, "BYTES_COPIED", 64.0));
        final ReportModel.NicRow map = nicRow("xen-map", 5e5, Map.of("DMA_BYTES", 176.0, "GRANT_MAPS", 2.0,
            "GRANT_UNMAPS", 2.0, "PAGE_TABLE_UPDATES", 3.0, "INTERRUPTS_DELIVERED", 0.05, "NOTIFICATIONS_SENT", 0.5,
            "NOTIFICATIONS_SUPPRESSED", 7.0, "BYTES_COPIED", 128.0, "TLB_FLUSHES", 0.001));
        assertEquals("2000 ns/packet, +1000 ns vs copying; per packet vs copying: +7.00 notifications suppressed, " +
            "+4.00 grant ops, +3.00 page-table updates, +0.500 notifications, -0.200 interrupts, " +
            "+64.00 B copied by the kernel; most: grant ops (+4.00)", NicRows.whereTimeGoes(map, copying));
        assertEquals("1000 ns/packet; per packet: 0.250 interrupts, 64.00 B copied by the kernel, 176 DMA B; " +
            "most: interrupts (0.250)", NicRows.whereTimeGoes(copying, copying));
        // Slower than the reference with hardly any counted work beyond it: the line says the counters do not
        // explain it; the suppressed notifications are listed but never the answer.
        final ReportModel.NicRow persistent = nicRow("xen-persistent", 2.5e5, Map.of("DMA_BYTES", 176.0,
            "INTERRUPTS_DELIVERED", 0.28, "NOTIFICATIONS_SENT", 0.06, "NOTIFICATIONS_SUPPRESSED", 4.0,
            "BYTES_COPIED", 64.0));
        assertEquals("4000 ns/packet, +3000 ns vs copying; per packet vs copying: +4.00 notifications suppressed, " +
            "+0.060 notifications, +0.030 interrupts; most: notifications (+0.060); under one counted operation in " +
            "two packets does not explain the extra time: it is in uncounted work (ring requests, responses and " +
            "descriptors)",
            NicRows.whereTimeGoes(persistent, copying));
        assertEquals("4000 ns/packet; per packet: 4.00 notifications suppressed, 0.280 interrupts, " +
            "0.060 notifications, 64.00 B copied by the kernel, 176 DMA B; most: interrupts (0.280)",
            NicRows.whereTimeGoes(persistent, null), "without a reference: absolute counts");
        assertEquals(copying, NicRows.reference(List.of(map, copying, persistent), 64));
        assertEquals(null, NicRows.reference(List.of(map, persistent), 64));
    }

    @Test
    void chainLegendsShortenEachTransportsOptionsInHopOrder()
    {
        assertEquals("xen persistent / fbufs cached+volatile / rbufs",
            Charts.chainLabel("xen[grants=persistent],fbufs[cached=true,volatile=true],rbufs"));
        assertEquals("fbufs cached+volatile", Charts.chainLabel("fbufs[cached=true,volatile=true]"));
        assertEquals("copy", Charts.chainLabel("copy"));
        assertEquals("rbufs / copy", Charts.chainLabel("rbufs,copy"));
    }

    /** Runs a group in this JVM; checks that nothing failed and that it reported one step per measured window. */
    private static ReportModel.GroupOutput runCountingSteps(final Settings settings, final Group group)
    {
        final List<String> steps = new ArrayList<>();
        final ReportModel.GroupOutput out = GroupRunner.run(settings, group, List.of(), (step) ->
        {
            if (!step.startsWith(ReportCommand.STARTING))
            {
                steps.add(step);
            }
        });
        assertEquals(List.of(), out.failures());
        assertEquals(group.units(settings), steps.size(), "one progress step per measured window");
        return out;
    }

    private static ReportModel.NicRow row(final List<ReportModel.NicRow> rows, final String path, final int size)
    {
        return rows.stream().filter((r) -> r.path().equals(path) && r.frameBytes() == size).findFirst()
            .orElseThrow(() -> new AssertionError("no row " + path + " " + size + " B in " + rows));
    }

    private static List<ReportModel.ScalingRow> scalings(final List<ReportModel.ScalingRow> rows, final String chain,
        final int hops, final int threads)
    {
        return rows.stream().filter((r) -> r.chain().equals(chain) && r.hops() == hops && r.threads() == threads)
            .toList();
    }
}

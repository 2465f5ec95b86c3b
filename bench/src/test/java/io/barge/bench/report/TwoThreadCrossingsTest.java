package io.barge.bench.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TwoThreadCrossingsTest
{
    /**
     * Ratios pair a row only with the references and the copy row of its own size and placement; a reference not
     * measured there gets no ratio (not a NaN).
     */
    @Test
    void ratiosAreTakenAtTheSameSizeAndPlacementOnly()
    {
        final ReportModel.GroupOutput output = new ReportModel.GroupOutput(
            List.of(row("fbufs", 64, "near", 5e6), row("copy", 64, "near", 4e6), row("copy", 64, "far", 1e6),
                row("fbufs", 4096, "near", 2e6)),
            List.of(agrona(64, "near", 10e6), agrona(64, "far", 8e6),
                reference(CrossCoreLimitSubject.NAME, 4096, "near", 2.5e6), reference(AeronIpcSubject.NAME, 4096,
                "near", 1e6), reference(AeronIpcSubject.NAME, 4096, "far", 0.5e6)), List.of(),
            List.of("two-thread x: broken"));
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TwoThreadCrossings.print(output, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final List<String> lines = List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
        assertEquals("failed: two-thread x: broken", lines.get(0));
        assertEquals(List.of(
            "agrona-one-to-one-ring-buffer                         64 near         10,000,000",
            "agrona-one-to-one-ring-buffer                         64 far           8,000,000",
            "cross-core-limit                                    4096 near          2,500,000",
            "aeron-ipc                                           4096 near          1,000,000",
            "aeron-ipc                                           4096 far             500,000",
            "fbufs [default]                                       64 near          5,000,000   0.500 x agrona   " +
                "1.250 x copy",
            "copy [default]                                        64 near          4,000,000   0.400 x agrona   " +
                "1.000 x copy",
            "copy [default]                                        64 far           1,000,000   0.125 x agrona   " +
                "1.000 x copy",
            "fbufs [default]                                     4096 near          2,000,000   0.800 x limit   " +
                "2.000 x aeron"), lines.subList(2, lines.size()));
    }

    private static ReportModel.Row row(final String transport, final int size, final String placement,
        final double rate)
    {
        return new ReportModel.Row(transport, "default", "crossing", 1, size, true, placement, 2, rate, rate * size,
            null, null, new ReportModel.Latency(1, 2, 3, 4), new ReportModel.PerMessage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0), EqualWorkTest.spread(rate), List.of());
    }

    private static ReportModel.Reference agrona(final int size, final String placement, final double rate)
    {
        return reference(AgronaRingSubject.NAME, size, placement, rate);
    }

    private static ReportModel.Reference reference(final String name, final int size, final String placement,
        final double rate)
    {
        return new ReportModel.Reference(name, size, placement, 2, rate * size, rate, 1e9 / rate,
            EqualWorkTest.spread(rate), List.of());
    }
}

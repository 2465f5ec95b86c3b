package io.barge.bench.report;

import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two-thread references beside the transports: the cross-core limit and Aeron IPC move every message and their
 * consumers see every byte (the sum of each message's words less the stamp word is fixed by the buffers' fill:
 * word {@code i} holds {@code i}); Aeron leaves nothing behind in its directory's parent; the two-thread group
 * measures the references at every size (Agrona only at 64 B) and its progress count matches.
 */
class TwoThreadReferencesTest
{
    private static final int MESSAGES = 320;

    /** Sum of words 1 .. n-1 of one message (fixed data: n (n - 1) / 2 for n = size / 8). */
    @ParameterizedTest(name = "{0} B, capacity {1}")
    @CsvSource({ "64, 64, 28", "4096, 64, 130816", "65536, 16, 33550336", "1048576, 2, 8589869056" })
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void crossCoreLimitConsumerSeesEveryByteOfEveryMessage(final int size, final int capacity, final long perMessage)
    {
        try (CrossCoreLimitSubject subject = new CrossCoreLimitSubject(size, capacity))
        {
            moveAndCheck(subject, size, perMessage);
            moveAndCheck(subject, size, perMessage);
        }
    }

    @ParameterizedTest(name = "{0} B, capacity {1}")
    @CsvSource({ "64, 64, 28", "4096, 64, 130816", "65536, 16, 33550336", "1048576, 2, 8589869056" })
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aeronIpcConsumerSeesEveryByteOfEveryMessageAndTheDirectoryGoes(final int size, final int capacity,
        final long perMessage) throws IOException
    {
        final Set<Path> before = aeronDirectories();
        final Path directory;
        try (AeronIpcSubject subject = new AeronIpcSubject(size, capacity))
        {
            directory = subject.directory();
            assertTrue(Files.isDirectory(directory), "the driver's directory exists while it runs: " + directory);
            // Two windows: the driver and client survive the gap between windows, when nothing serves them.
            moveAndCheck(subject, size, perMessage);
            moveAndCheck(subject, size, perMessage);
        }
        assertFalse(Files.exists(directory), "the driver's directory is deleted on close: " + directory);
        assertTrue(before.containsAll(aeronDirectories()), "no aeron directory left behind");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theTwoThreadGroupMeasuresTheReferencesAtEverySize()
    {
        final Settings settings = new Settings(true, List.of(64), List.of(1), 4096, List.of(64, 4096), 1, 1, 2,
            1_000_000L, 1_000_000L, 400, 2048, 20);
        final List<ReportModel.Reference> references = new ArrayList<>();
        final List<String> steps = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(2048);
            Kernel kernel = new Kernel(memory))
        {
            new TwoThreadRows(settings, kernel, Map.of(), failures::add).run((r) -> { }, references::add,
                steps::add);
        }
        assertEquals(List.of(), failures);
        assertEquals(Set.of("cross-core-limit 64", "aeron-ipc 64", "agrona-one-to-one-ring-buffer 64",
            "cross-core-limit 4096", "aeron-ipc 4096"), references.stream().map((r) -> r.name() + " " +
            r.messageBytes()).collect(Collectors.toSet()), "Agrona's ring only at a descriptor's size");
        assertEquals(new Group(Group.TWO_THREAD, List.of()).units(settings),
            MeasurementTest.finished(steps).size(), steps.toString());
    }

    @Test
    void ratiosAreTakenOnlyAgainstTheNamedReferenceAtTheSameSizeAndPlacement()
    {
        final List<ReportModel.Reference> references = List.of(reference(CrossCoreLimitSubject.NAME, 65536, "near",
            2e5), reference(AeronIpcSubject.NAME, 65536, "near", 5e4), reference(CrossCoreLimitSubject.NAME, 65536,
            "far", 1e5), reference(CrossCoreLimitSubject.NAME, 64, "near", 1e7));
        assertEquals(0.5, Families.ratioTo(65536, "near", 1e5, references, CrossCoreLimitSubject.NAME).orElseThrow());
        assertEquals(2.0, Families.ratioTo(65536, "near", 1e5, references, AeronIpcSubject.NAME).orElseThrow());
        assertEquals(1.0, Families.ratioTo(65536, "far", 1e5, references, CrossCoreLimitSubject.NAME).orElseThrow());
        assertTrue(Families.ratioTo(65536, "far", 1e5, references, AeronIpcSubject.NAME).isEmpty(), "no Aeron far");
        assertTrue(Families.ratioTo(65536, "mixed", 1e5, references, CrossCoreLimitSubject.NAME).isEmpty());
        assertTrue(Families.ratioTo(4096, "near", 1e5, references, CrossCoreLimitSubject.NAME).isEmpty());
        final ReportModel.Row row = EqualWorkTest.row("crossing", 1, 65536, true, "near", 2, 1.5e5, null);
        final String page = HtmlReport.render(new ReportModel.Results(ReportModel.SCHEMA, Map.of(), List.of(row),
            references, List.of(), null, List.of()), List.of());
        assertTrue(page.contains("<td>0.750</td><td>3.00</td><td>-</td>"), "x limit, x Aeron, no Agrona at 64 KiB");
    }

    private static void moveAndCheck(final TwoThreadSubject subject, final int size, final long perMessage)
    {
        final long touchedBefore = subject.bytesTouched();
        final long checksumBefore = subject.checksum();
        subject.recording(true);
        subject.start();
        subject.produce(MESSAGES);
        subject.stop();
        subject.recording(false);
        assertEquals(MESSAGES * (long)size, subject.bytesTouched() - touchedBefore, "every byte touched");
        assertEquals(MESSAGES * perMessage, subject.checksum() - checksumBefore, "every word seen, as filled");
    }

    private static ReportModel.Reference reference(final String name, final int size, final String placement,
        final double rate)
    {
        return new ReportModel.Reference(name, size, placement, 2, rate * size, rate, 1e9 / rate,
            EqualWorkTest.spread(rate), List.of());
    }

    private static Set<Path> aeronDirectories() throws IOException
    {
        final Set<Path> found = new java.util.HashSet<>();
        for (final String parent : new String[]{ "/dev/shm", System.getProperty("java.io.tmpdir") })
        {
            final Path dir = Path.of(parent);
            if (Files.isDirectory(dir))
            {
                try (Stream<Path> entries = Files.list(dir))
                {
                    entries.filter((p) -> p.getFileName().toString().startsWith("barge-aeron-")).forEach(found::add);
                }
            }
        }
        return found;
    }
}

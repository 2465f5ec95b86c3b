package io.barge.core.machine;

import io.barge.core.CounterKeyDescriptor;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel built with a machine directory keeps its counters in the machine file, and a reader that has nothing but
 * the file sees them change, named by domain and labelled, while the kernel runs and after it closes.
 */
@Timeout(30)
class MachineFileTest
{
    static Kernel kernel(final Path dir)
    {
        return Kernel.builder().memoryMiB(4).maxDomains(8).machineDirectory(dir).build();
    }

    @Test
    void aReaderOverTheFileAloneSeesTheCountersChangeWithTheirLabels(@TempDir final Path dir)
    {
        try (Kernel kernel = kernel(dir); Domain source = kernel.createDomain("source");
            Domain sink = kernel.createDomain("sink"); MachineReader reader = MachineReader.attach(dir))
        {
            assertNotNull(kernel.machineFile());
            assertEquals(dir.resolve(MachineFileDescriptor.FILE_NAME), reader.file());
            kernel.allocateFrame(source, true);
            kernel.allocateFrame(source, true);
            sink.count(CounterType.NOTIFICATIONS_SENT, 5);

            final MachineSnapshot first = reader.snapshot();
            assertTrue(first.status().isRunning(), first.status().describe());
            assertEquals(ProcessHandle.current().pid(), first.status().pid());
            final MachineSnapshot.Group sourceGroup = first.domain("source");
            assertEquals(source.id(), sourceGroup.domainId());
            assertEquals(CounterKeyDescriptor.KIND_DOMAIN, sourceGroup.kind());
            assertEquals(2, sourceGroup.value("frames allocated"));
            assertEquals(2, sourceGroup.value("frames zeroed"));
            assertEquals(5, first.domain("sink").value("notifications sent"));
            assertEquals(0, first.domain("sink").value("frames allocated"));
            assertNotNull(first.domain("kernel"));

            sink.count(CounterType.NOTIFICATIONS_SENT, 3);
            kernel.allocateFrame(source, false);
            final MachineSnapshot second = reader.snapshot();
            assertEquals(8, second.domain("sink").value("notifications sent"));
            assertEquals(3, second.domain("source").value("frames allocated"));
            assertEquals(2, second.domain("source").value("frames zeroed"));
        }
    }

    @Test
    void countersCarryStableTypeIdsAndKeysAnyCountersReaderCanRead(@TempDir final Path dir)
    {
        try (Kernel kernel = kernel(dir); Domain a = kernel.createDomain("A");
            MachineReader reader = MachineReader.attach(dir))
        {
            a.count(CounterType.BYTES_COPIED, 4096);
            final List<String> found = new ArrayList<>();
            reader.counters().forEach((counterId, typeId, key, label) ->
            {
                if (typeId == 6 && CounterKeyDescriptor.domainId(key) == a.id())
                {
                    found.add(CounterKeyDescriptor.name(key) + "|" + label + "|" +
                        reader.counters().getCounterValue(counterId));
                }
            });
            assertEquals(List.of("A|A: bytes copied|4096"), found);
        }
    }

    @Test
    void aDestroyedDomainLeavesItsCountsInTheRetiredTotalsOfTheFile(@TempDir final Path dir)
    {
        try (Kernel kernel = kernel(dir); MachineReader reader = MachineReader.attach(dir))
        {
            final Domain gone = kernel.createDomain("gone");
            gone.count(CounterType.PROTOCOL_VIOLATIONS, 7);
            gone.close();
            final MachineSnapshot snapshot = reader.snapshot();
            assertNull(snapshot.domain("gone"));
            final MachineSnapshot.Group retired = snapshot.groups().stream()
                .filter((g) -> g.kind() == CounterKeyDescriptor.KIND_RETIRED).findFirst().orElseThrow();
            assertEquals(7, retired.value("protocol violations"));
            assertEquals("retired (destroyed domains)", retired.title());
        }
    }

    @Test
    void afterCloseTheFileSaysClosedAndKeepsTheLastCounts(@TempDir final Path dir)
    {
        try (Kernel kernel = kernel(dir))
        {
            final int startFree = kernel.freeFrames();
            final Domain a = kernel.createDomain("A");
            kernel.allocateFrame(a, true);
            a.count(CounterType.TLB_FLUSHES, 2);
            a.close();
            assertEquals(startFree, kernel.freeFrames());
        }
        try (MachineReader reader = MachineReader.attach(dir))
        {
            final MachineSnapshot snapshot = reader.snapshot();
            assertSame(MachineStatus.State.CLOSED, snapshot.status().state(), snapshot.status().describe());
            final MachineSnapshot.Group retired = snapshot.groups().stream()
                .filter((g) -> g.kind() == CounterKeyDescriptor.KIND_RETIRED).findFirst().orElseThrow();
            assertEquals(1, retired.value("frames allocated"));
            assertEquals(1, retired.value("frames freed"));
            assertEquals(2, retired.value("translation-cache flushes"));
        }
    }

    @Test
    void theHeartbeatThreadBeatsUntilTheKernelClosesAndThenEnds(@TempDir final Path dir)
    {
        final String threadName = "barge-heartbeat " + dir;
        try (Kernel kernel = Kernel.builder().memoryMiB(1).maxDomains(2).machineDirectory(dir)
            .heartbeatTimeoutMs(MachineFile.MIN_HEARTBEAT_TIMEOUT_MS).build();
            MachineReader reader = MachineReader.attach(dir))
        {
            final long first = reader.status().heartbeatMs();
            final org.agrona.concurrent.IdleStrategy idle = new org.agrona.concurrent.BackoffIdleStrategy();
            while (reader.status().heartbeatMs() == first) // bounded by the class's timeout
            {
                idle.idle();
            }
            assertTrue(reader.status().heartbeatMs() > first);
            assertTrue(heartbeatThreadAlive(threadName), "one daemon thread beats");
        }
        assertFalse(heartbeatThreadAlive(threadName), "closing the kernel ends its heartbeat thread");
    }

    private static boolean heartbeatThreadAlive(final String name)
    {
        return Thread.getAllStackTraces().keySet().stream().anyMatch((t) -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void theDefaultKernelStaysInMemory()
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1); Kernel built = Kernel.builder().memoryMiB(1).build())
        {
            assertNull(kernel.machineFile());
            assertNull(built.machineFile());
            final Domain a = built.createDomain("a");
            built.allocateFrame(a, true);
            assertEquals(1, a.counter(CounterType.FRAMES_ALLOCATED));
        }
    }

    @Test
    void theDefaultDirectoryIsUnderDevShmWhenThereIsOne()
    {
        final Path dir = MachineFile.defaultDirectory();
        final boolean shm = java.nio.file.Files.isDirectory(java.nio.file.Paths.get("/dev/shm"));
        assertEquals(shm ? java.nio.file.Paths.get("/dev/shm") :
            java.nio.file.Paths.get(System.getProperty("java.io.tmpdir")), dir.getParent());
        assertTrue(dir.getFileName().toString().startsWith("barge-"), dir.toString());
    }
}

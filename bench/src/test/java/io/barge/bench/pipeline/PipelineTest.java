package io.barge.bench.pipeline;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.InvalidOptionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class PipelineTest
{
    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(8192);
        kernel = new Kernel(memory);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    private static PipelineConfig.Builder small(final String transport)
    {
        return PipelineConfig.builder().transport(transport).messages(3000).warmup(300).size(4096).capacity(16);
    }

    @ParameterizedTest(name = "{0} domains={1} threads={2} size={3} notify={4}")
    @CsvSource({
        "copy, 2, 1, 16, UMP",
        "copy, 3, 2, 4096, UMP",
        "copy, 5, 2, 10000, UMP",
        "copy, 4, 3, 65536, UMP",
        "test-loopback, 2, 2, 16, UMP",
        "test-loopback, 3, 2, 4096, UMP",
        "test-loopback, 5, 1, 9000, UMP",
    })
    void streamsEveryMessageInOrderAndReturnsEveryFrame(final String transport, final int domains, final int threads,
        final int size, final ChannelConfig.Notification notification)
    {
        final int freeBefore = kernel.freeFrames();
        final PipelineConfig config = small(transport).domains(domains).threads(threads).size(size)
            .notification(notification).build();

        final PipelineResult result = Pipeline.run(config, kernel);

        assertTrue(result.completed(), result::format);
        assertEquals(3000, result.received());
        assertEquals(2700, result.measuredMessages());
        assertEquals(2700L * size, result.measuredBytes());
        assertEquals(0, result.sequenceErrors(), result::format);
        assertEquals(0, result.framesLeaked(), result::format);
        assertEquals(freeBefore, kernel.freeFrames(), "domains destroyed, every frame back");
        assertEquals(2700, result.latency().getTotalCount());
        assertTrue(result.messagesPerSecond() > 0 && result.bytesPerSecond() > 0, result::format);
        assertTrue(result.windowNanos() > 0);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = { 1, 2, 3, 42, 0x5EED, 20261125 })
    void generatedConfigurationsDeliverEverythingInOrder(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int run = 0; run < 3; run++)
        {
            final String transport = random.nextBoolean() ? "copy" : "test-loopback";
            final int messages = random.nextInt(100, 2000);
            final PipelineConfig config = PipelineConfig.builder()
                .transport(transport)
                .domains(random.nextInt(2, 7))
                .messages(messages)
                .warmup(random.nextInt(0, messages / 2))
                .size(random.nextInt(PipelineMessageDescriptor.HEADER_LENGTH, 70_000))
                .capacity(1 << random.nextInt(1, 7))
                .threads(random.nextInt(1, 4))
                .touch(random.nextBoolean())
                .fill(random.nextBoolean())
                .notification("copy".equals(transport) && random.nextBoolean() ?
                    ChannelConfig.Notification.LMP : ChannelConfig.Notification.UMP)
                .build();
            final String context = "seed=" + seed + " run=" + run + " " + config;
            final int freeBefore = kernel.freeFrames();

            final PipelineResult result = Pipeline.run(config, kernel);

            assertTrue(result.completed(), context);
            assertEquals(messages, result.received(), context);
            assertEquals((long)(messages - config.warmup()) * config.size(), result.measuredBytes(), context);
            assertEquals(0, result.sequenceErrors(), context);
            assertEquals(0, result.framesLeaked(), context);
            assertEquals(freeBefore, kernel.freeFrames(), context);
        }
    }

    @Test
    void forwardersOfACopyingTransportCountTheirCopies()
    {
        final PipelineResult result = Pipeline.run(small("test-loopback").domains(4).size(1000).build(), kernel);

        // The loopback transport copies once per forwarding hop: 2 forwarders. The counters start at the sink's first
        // measured message, so up to capacity x hops in-flight messages may be split across the snapshot.
        final double inFlightShare = 16.0 * 3 / result.measuredMessages();
        assertEquals(2.0 * 1000, result.counterPerMessage(CounterType.BYTES_COPIED), 2000 * inFlightShare,
            result::format);
        assertEquals(0, result.counterDelta(CounterType.FRAMES_ALLOCATED), "set-up is outside the measurement");
    }

    @Test
    void withoutWarmupCountersCoverEveryMessageExactly()
    {
        final PipelineResult result = Pipeline.run(small("test-loopback").domains(3).size(1000).warmup(0).build(),
            kernel);

        assertEquals(3000, result.measuredMessages());
        assertEquals(1000.0, result.counterPerMessage(CounterType.BYTES_COPIED), 1e-9, result::format);
    }

    @Test
    void touchReadsEveryByteAndFillWritesThem()
    {
        final PipelineResult untouched = Pipeline.run(small("test-loopback").build(), kernel);
        final PipelineResult touched = Pipeline.run(small("test-loopback").touch(true).fill(true).build(), kernel);

        assertEquals(0, untouched.checksum());
        assertNotEquals(0, touched.checksum());
        assertEquals(0, touched.sequenceErrors());
    }

    @Test
    void reportsFramesATransportDidNotReturn()
    {
        final int freeBefore = kernel.freeFrames();
        final PipelineResult result = Pipeline.run(small("test-loopback").domains(2).option("leak", "true").build(), kernel);

        assertEquals(1, result.framesLeaked());
        assertTrue(result.format().contains("WARNING: 1 frames not returned"), result::format);
        assertEquals(freeBefore, kernel.freeFrames(), "destroying the domains took the frame back");
    }

    @Test
    void aFailingStageEndsTheRunWithItsErrorAndLeaksNothing()
    {
        final int freeBefore = kernel.freeFrames();
        final PipelineConfig config = small("test-loopback").domains(3).option("failAt", "100").build();

        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> Pipeline.run(config, kernel));

        assertInstanceOf(io.barge.core.ProtocolViolationException.class, ex.getCause());
        assertEquals(freeBefore, kernel.freeFrames());
        // The machine is still usable for the next run.
        assertTrue(Pipeline.run(small("test-loopback").build(), kernel).completed());
    }

    @Test
    void aRunThatStallsIsReportedIncompleteAfterTheTimeoutAndLeaksNothing()
    {
        final int freeBefore = kernel.freeFrames();
        final PipelineConfig config = small("test-loopback").option("stallAt", "1000").timeoutSeconds(1).build();

        final PipelineResult result = Pipeline.run(config, kernel);

        assertFalse(result.completed());
        assertEquals(1000, result.received());
        assertEquals(0, result.messagesPerSecond());
        assertTrue(result.format().contains("WARNING: incomplete, the sink received 1000 of 3000"), result::format);
        assertEquals(0, result.framesLeaked(), "messages in flight are returned by the teardown");
        assertEquals(freeBefore, kernel.freeFrames());
    }

    @Test
    void unknownTransportOrOptionIsRejectedBeforeAnythingIsAllocated()
    {
        final int freeBefore = kernel.freeFrames();

        final InvalidOptionException unknown = assertThrows(InvalidOptionException.class,
            () -> Pipeline.run(small("no-such").build(), kernel));
        final InvalidOptionException badKey = assertThrows(InvalidOptionException.class,
            () -> Pipeline.run(small("test-loopback").option("nope", "1").build(), kernel));

        assertTrue(unknown.getMessage().contains("test-loopback"), unknown.getMessage());
        assertTrue(badKey.getMessage().contains("zero") && badKey.getMessage().contains("flavour"),
            badKey.getMessage());
        assertEquals(freeBefore, kernel.freeFrames());
    }

    @Test
    void runsOnAMachineOfItsOwn()
    {
        final PipelineResult result = Pipeline.run(small("test-loopback").memoryMiB(32).build());

        assertTrue(result.completed());
        assertEquals(0, result.framesLeaked());
    }

    @Test
    void configRejectsImpossibleValuesWithTheRule()
    {
        final IllegalArgumentException domains = assertThrows(IllegalArgumentException.class,
            () -> PipelineConfig.builder().domains(1).build());
        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> PipelineConfig.builder().size(8).build());
        final IllegalArgumentException capacity = assertThrows(IllegalArgumentException.class,
            () -> PipelineConfig.builder().capacity(3).build());

        assertTrue(domains.getMessage().contains("domains=1"), domains.getMessage());
        assertTrue(size.getMessage().contains("size=8"), size.getMessage());
        assertTrue(capacity.getMessage().contains("capacity=3"), capacity.getMessage());
    }

    @Test
    void defaultWarmupIsATenthOfTheMessages()
    {
        assertEquals(PipelineConfig.DEFAULT_MESSAGES / 10, PipelineConfig.defaults().warmup());
        assertEquals("copy", PipelineConfig.defaults().transport());
    }
}

package io.barge.drivers.pipeline;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Status;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pipelines over Rbufs paths: consecutive rbufs hops are opened as one path, so every middle stage hands the
 * source's regions on without copying a byte; receive-master hops and changes of transport copy as before.
 */
@Timeout(120)
class RbufsPathPipelineTest
{
    private static final int LENGTH = 4096;
    private static final int CAPACITY = 8;
    private static final long MESSAGES = 600;

    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(16384);
        kernel = new Kernel(memory);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    private Pipeline.Builder forwarding(final TransportSpec[] hops, final StreamCheck check)
    {
        final Pipeline.Builder builder = Pipeline.builder(kernel)
            .source(MESSAGES, LENGTH, check)
            .channelConfig(ChannelConfig.defaults().withMaxMessageLength(LENGTH).withCapacity(CAPACITY))
            .sink("sink", check)
            .timeout(100, TimeUnit.SECONDS);
        for (int i = 0; i < hops.length; i++)
        {
            builder.hop(i, hops[i]);
            if (i > 0)
            {
                builder.stage("stage-" + i, StageHandler.FORWARD);
            }
        }
        return builder;
    }

    private static TransportSpec[] same(final TransportSpec spec, final int hops)
    {
        final TransportSpec[] specs = new TransportSpec[hops];
        java.util.Arrays.fill(specs, spec);
        return specs;
    }

    private static void assertDelivered(final PipelineResult result, final StreamCheck check)
    {
        assertTrue(result.completed(), result::format);
        assertEquals(MESSAGES, check.received(), "every message once");
        assertEquals(0, check.outOfOrder(), "in order");
        assertEquals(0, check.corrupted(), "payload intact");
        assertEquals(0, result.framesLeaked(), result::format);
    }

    @ParameterizedTest(name = "{0} hops on {1} threads")
    @CsvSource({"4, 1", "4, 2", "8, 1", "8, 2", "8, 9"})
    void everyForwardingStageOfAnRbufsPathCopiesNothing(final int hops, final int threads)
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(hops * 10L + threads);
        final PipelineResult result = forwarding(same(TransportSpec.of("rbufs"), hops), check).threads(threads)
            .build().run();

        assertDelivered(result, check);
        assertEquals(0, result.copiedForwards());
        for (int stage = 1; stage < hops; stage++)
        {
            assertEquals(0, result.counterDelta(stage, CounterType.BYTES_COPIED), "stage " + stage + " copied");
        }
        assertEquals(0, result.counterDelta(CounterType.BYTES_COPIED), result::format);
        assertEquals(0, result.counterDelta(CounterType.PROTOCOL_VIOLATIONS), result::format);
        leaks.assertNothingLeaked();
    }

    @Test
    void receiveMasterHopsStillForwardByCopying()
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(5);
        final TransportSpec rmm = TransportSpec.of("rbufs", Map.of("mode", "rmm"));
        final PipelineResult result = forwarding(same(rmm, 3), check).threads(2).build().run();

        assertDelivered(result, check);
        for (int stage = 1; stage < 3; stage++)
        {
            assertEquals(MESSAGES * LENGTH, result.counterDelta(stage, CounterType.BYTES_COPIED), "stage " + stage);
        }
        leaks.assertNothingLeaked();
    }

    @Test
    void mixedTransportsCopyOnlyWhereTheTransportChangesAndEachRbufsRunIsAPath()
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(17);
        final TransportSpec rbufs = TransportSpec.of("rbufs");
        final TransportSpec[] specs = {rbufs, rbufs, TransportSpec.of("fbufs"), rbufs, rbufs, rbufs};
        final PipelineResult result = forwarding(specs, check).threads(3).build().run();

        assertDelivered(result, check);
        assertEquals(2 * MESSAGES, result.copiedForwards(), "into fbufs and out of it");
        for (final int stage : new int[]{1, 4, 5})
        {
            assertEquals(0, result.counterDelta(stage, CounterType.BYTES_COPIED), "stage " + stage + " on a path");
        }
        leaks.assertNothingLeaked();
    }

    @Test
    void aStageThatWritesItsOwnMessagesOnAnRbufsPathDelivers()
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(23);
        final StageHandler rewrite = (message, out) ->
        {
            // A transformation: the same bytes, written by this stage into its own hop's area.
            final int status = out.tryClaim(message.length());
            if (status != Status.OK)
            {
                return status;
            }
            for (int i = 0; i + 8 <= message.length(); i += 8)
            {
                out.claim().putLong(i, message.getLong(i));
            }
            out.commit();
            return Status.OK;
        };
        final PipelineResult result = Pipeline.builder(kernel)
            .source(MESSAGES, LENGTH, check)
            .channelConfig(ChannelConfig.defaults().withMaxMessageLength(LENGTH).withCapacity(CAPACITY))
            .stage("forward-1", StageHandler.FORWARD)
            .stage("rewrite", rewrite)
            .stage("forward-3", StageHandler.FORWARD)
            .sink("sink", check)
            .transport(TransportSpec.of("rbufs"))
            .threads(2)
            .timeout(100, TimeUnit.SECONDS)
            .build()
            .run();

        assertDelivered(result, check);
        assertEquals(0, result.counterDelta(1, CounterType.BYTES_COPIED), "before the rewrite: handed on");
        assertEquals(MESSAGES * LENGTH, result.counterDelta(3, CounterType.BYTES_COPIED),
            "after it: the stage's own area is not the path's, so the forward copies");
        leaks.assertNothingLeaked();
    }
}

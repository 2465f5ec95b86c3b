package io.barge.drivers.pipeline;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.InvalidOptionException;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class PipelineTest
{
    private static final String[] TRANSPORTS = {"copy", "fbufs", "rbufs", "xen"};
    private static final int LENGTH = 4096;
    private static final int CAPACITY = 8;

    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(16384);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32); // 32 domains of counters, not 42 MB for 1024
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    private Pipeline.Builder forwarding(final TransportSpec[] hops, final StreamCheck check, final long messages)
    {
        final Pipeline.Builder builder = Pipeline.builder(kernel)
            .source(messages, LENGTH, check)
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

    private static TransportSpec[] same(final String transport, final int hops)
    {
        final TransportSpec[] specs = new TransportSpec[hops];
        java.util.Arrays.fill(specs, TransportSpec.of(transport));
        return specs;
    }

    /** Expected copies, as fixed rules of the path: one per message at each change of transport. */
    private static int transportChanges(final TransportSpec[] hops)
    {
        int changes = 0;
        for (int i = 1; i < hops.length; i++)
        {
            changes += hops[i].equals(hops[i - 1]) ? 0 : 1;
        }
        return changes;
    }

    private static void assertDeliveredEverything(final PipelineResult result, final StreamCheck check,
        final long messages)
    {
        assertTrue(result.completed(), result::format);
        assertEquals(messages, check.received(), "every message once");
        assertEquals(0, check.outOfOrder(), "in order");
        assertEquals(0, check.corrupted(), "payload intact");
        assertEquals(0, result.sequenceErrors(), result::format);
        assertEquals(messages, result.received());
        assertEquals(0, result.framesLeaked(), result::format);
    }

    @ParameterizedTest(name = "{0} over {1} hops")
    @CsvSource({
        "copy, 1", "copy, 2", "copy, 4", "copy, 8",
        "fbufs, 1", "fbufs, 2", "fbufs, 4", "fbufs, 8",
        "rbufs, 1", "rbufs, 2", "rbufs, 4", "rbufs, 8",
        "xen, 1", "xen, 2", "xen, 4", "xen, 8",
    })
    void everyMessageArrivesOnceInOrderAndIntact(final String transport, final int hops)
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(hops);
        final PipelineResult result = forwarding(same(transport, hops), check, 600).threads(2).build().run();

        assertDeliveredEverything(result, check, 600);
        assertEquals(0, result.copiedForwards(), "one transport: every stage forwards on its own path");
        assertEquals(600, result.latency().getTotalCount());
        assertTrue(result.bytesPerSecond() > 0, result::format);
        leaks.assertNothingLeaked();
    }

    /** A placement puts each domain on the thread it names: here the two ends share one, the stages the other. */
    @Test
    void aPlacementRunsEachDomainOnTheThreadItNames()
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(7);
        final AtomicReference<Thread> source = new AtomicReference<>();
        final AtomicReference<Thread> first = new AtomicReference<>();
        final AtomicReference<Thread> second = new AtomicReference<>();
        final AtomicReference<Thread> sink = new AtomicReference<>();
        final Pipeline pipeline = Pipeline.builder(kernel)
            .source(300, LENGTH, (claim, sequence) ->
            {
                source.set(Thread.currentThread());
                check.write(claim, sequence);
            })
            .stage("first", (message, out) ->
            {
                first.set(Thread.currentThread());
                return out.forward(message);
            })
            .stage("second", (message, out) ->
            {
                second.set(Thread.currentThread());
                return out.forward(message);
            })
            .sink("sink", (message) ->
            {
                sink.set(Thread.currentThread());
                check.onMessage(message);
            })
            .transport(TransportSpec.of("rbufs"))
            .channelConfig(ChannelConfig.defaults().withMaxMessageLength(LENGTH).withCapacity(CAPACITY))
            .placement(1, 0, 0, 1)
            .timeout(100, TimeUnit.SECONDS)
            .build();
        assertEquals(2, pipeline.threads());
        final PipelineResult result = pipeline.run();

        assertDeliveredEverything(result, check, 300);
        assertSame(source.get(), sink.get(), "the source and the sink share thread 1");
        assertSame(first.get(), second.get(), "both stages run on thread 0");
        assertTrue(source.get() != first.get(), "two threads");
        leaks.assertNothingLeaked();
    }

    @Test
    void aPlacementThatDoesNotNameOneThreadPerDomainIsRefusedBeforeAnythingRuns()
    {
        final StreamCheck check = new StreamCheck(8);
        final TransportSpec[] hops = same("copy", 2); // three domains
        assertEquals("placement names 2 threads, one per domain is needed: domains=3",
            assertThrows(IllegalArgumentException.class, () -> forwarding(hops, check, 10).placement(0, 1).build())
                .getMessage());
        assertEquals("placement [0, 2, 2]: thread 1 has no domain (use the indices 0..2 each at least once)",
            assertThrows(IllegalArgumentException.class, () -> forwarding(hops, check, 10).placement(0, 2, 2)
                .build()).getMessage());
        assertEquals("placement [0, -1, 0]: thread indices start at 0",
            assertThrows(IllegalArgumentException.class, () -> forwarding(hops, check, 10).placement(0, -1, 0)
                .build()).getMessage());
        assertEquals("placement [0, 0, 1] uses 2 threads, threads=3",
            assertThrows(IllegalArgumentException.class, () -> forwarding(hops, check, 10).threads(3)
                .placement(0, 0, 1).build()).getMessage());
        assertEquals(0, check.received());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 0x5EED, 20261202})
    void mixedTransportsCopyOnlyWhereTheTransportChanges(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int hops = 1 + random.nextInt(8);
        final TransportSpec[] specs = new TransportSpec[hops];
        for (int i = 0; i < hops; i++)
        {
            specs[i] = TransportSpec.of(TRANSPORTS[random.nextInt(TRANSPORTS.length)]);
        }
        final String path = "seed " + seed + ": " + java.util.Arrays.toString(specs);
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(seed);
        final PipelineResult result = forwarding(specs, check, 400).threads(1 + random.nextInt(hops + 1)).build()
            .run();

        assertTrue(result.completed(), () -> path + "\n" + result.format());
        assertEquals(400, check.received(), path);
        assertEquals(0, check.outOfOrder(), path);
        assertEquals(0, check.corrupted(), path);
        assertEquals(400L * transportChanges(specs), result.copiedForwards(), path);
        leaks.assertNothingLeaked();
    }

    @Test
    void aStageBetweenTwoTransportsCopiesOnceAndOneBetweenFbufsHopsDoesNot()
    {
        final TransportSpec fbufs = TransportSpec.of("fbufs");
        final TransportSpec[] specs = {fbufs, fbufs, TransportSpec.of("rbufs")};
        final StreamCheck check = new StreamCheck(7);
        final PipelineResult result = forwarding(specs, check, 300).build().run();

        assertDeliveredEverything(result, check, 300);
        assertEquals(300, result.copiedForwards());
        assertEquals(0, result.counterDelta(1, CounterType.BYTES_COPIED), "fbufs to fbufs hands the buffer on");
        assertTrue(result.counterDelta(2, CounterType.BYTES_COPIED) >= 300L * LENGTH, result::format);
    }

    @Test
    void theCliStyleTransportListXenFbufsRbufsDelivers()
    {
        final TransportSpec[] specs = {TransportSpec.of("xen"), TransportSpec.of("fbufs"), TransportSpec.of("rbufs")};
        final StreamCheck check = new StreamCheck(11);
        final PipelineResult result = forwarding(specs, check, 500).build().run();

        assertDeliveredEverything(result, check, 500);
        assertEquals(1000, result.copiedForwards());
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 5})
    void stagesRunOnTheirOwnThreadsOrComposedOnOne(final int threads)
    {
        final StreamCheck check = new StreamCheck(threads);
        final Pipeline pipeline = forwarding(same("fbufs", 4), check, 800).threads(threads).build();
        assertEquals(threads, pipeline.threads());

        final PipelineResult result = pipeline.run();

        assertDeliveredEverything(result, check, 800);
    }

    @Test
    void aPipelineRunsAgainAndEachRunEndsItsStream()
    {
        final StreamCheck first = new StreamCheck(3);
        final Pipeline pipeline = forwarding(same("copy", 2), first, 200).build();
        assertDeliveredEverything(pipeline.run(), first, 200);

        final PipelineResult again = pipeline.run();

        assertTrue(again.completed(), again::format);
        assertEquals(200, again.received());
        assertEquals(400, first.received(), "the same checker saw both runs");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"copy", "fbufs", "rbufs", "xen"})
    void aConsumingStageAndATransformingStagePassTheEndOfStreamOn(final String transport)
    {
        final List<Long> seen = new ArrayList<>();
        final PipelineResult result = Pipeline.builder(kernel)
            .source(300, 64, MessageWriter.HEADER_ONLY)
            .transport(TransportSpec.of(transport))
            .stage("drop-odd", (message, out) ->
                message.getLong(PipelineMessageDescriptor.SEQUENCE_OFFSET) % 2 == 0 ? out.forward(message) : Status.OK)
            .stage("tag", PipelineTest::tagged)
            .sink("sink", (message) ->
            {
                assertEquals(0xCAFEL, message.getLong(PipelineMessageDescriptor.HEADER_LENGTH));
                seen.add(message.getLong(PipelineMessageDescriptor.SEQUENCE_OFFSET));
            })
            .build()
            .run();

        assertEquals(150, seen.size(), result::format);
        for (int i = 0; i < seen.size(); i++)
        {
            assertEquals(2L * i, seen.get(i));
        }
        assertTrue(result.completed(), "the end of the stream passed the consuming stage");
        assertEquals(150, result.received());
        assertEquals(0, result.framesLeaked(), result::format);
    }

    /** A transformation: a new message of 24 bytes, the header copied and a tag appended. */
    private static int tagged(final Message message, final Outlet out)
    {
        if (out.tryClaim(24) != Status.OK)
        {
            return Status.BACK_PRESSURED;
        }
        out.claim().putLong(PipelineMessageDescriptor.TIMESTAMP_OFFSET,
            message.getLong(PipelineMessageDescriptor.TIMESTAMP_OFFSET));
        out.claim().putLong(PipelineMessageDescriptor.SEQUENCE_OFFSET,
            message.getLong(PipelineMessageDescriptor.SEQUENCE_OFFSET));
        out.claim().putLong(PipelineMessageDescriptor.HEADER_LENGTH, 0xCAFEL);
        out.commit();
        return Status.OK;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"copy", "fbufs", "rbufs", "xen"})
    void aStageThatThrowsStopsThePipelineReportsTheErrorAndReturnsEveryFrame(final String transport)
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final IllegalStateException boom = new IllegalStateException("stage failed on purpose");
        final StreamCheck check = new StreamCheck(5);
        final Pipeline pipeline = Pipeline.builder(kernel)
            .source(5000, LENGTH, check)
            .transport(TransportSpec.of(transport))
            .channelConfig(ChannelConfig.defaults().withMaxMessageLength(LENGTH).withCapacity(CAPACITY))
            .stage("forward", StageHandler.FORWARD)
            .stage("faulty", (message, out) ->
            {
                if (message.getLong(PipelineMessageDescriptor.SEQUENCE_OFFSET) == 100)
                {
                    throw boom;
                }
                return out.forward(message);
            })
            .sink("sink", check)
            .build();

        final PipelineFailedException failure = assertThrows(PipelineFailedException.class, pipeline::run);

        assertSame(boom, failure.getCause());
        assertTrue(failure.getMessage().contains("stage:faulty"), failure.getMessage());
        assertTrue(check.received() <= 100, "nothing after the failing message reached the sink");
        assertEquals(0, check.outOfOrder());
        leaks.assertNothingLeaked();
    }

    @Test
    void aSinkThatThrowsFailsTheRunToo()
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final Pipeline pipeline = Pipeline.builder(kernel)
            .source(1000, 256, MessageWriter.HEADER_ONLY)
            .transport(TransportSpec.of("rbufs"))
            .sink("sink", (message) ->
            {
                throw new ArithmeticException("sink failed on purpose");
            })
            .build();

        final PipelineFailedException failure = assertThrows(PipelineFailedException.class, pipeline::run);

        assertInstanceOf(ArithmeticException.class, failure.getCause());
        assertTrue(failure.getMessage().contains("sink:sink"), failure.getMessage());
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"copy", "fbufs", "rbufs", "xen"})
    void aStalledConsumerBackPressuresTheSourceWithoutLoss(final String transport)
    {
        final int hops = 3;
        final AtomicReference<Pipeline> running = new AtomicReference<>();
        final StreamCheck check = new StreamCheck(9);
        final long[] writtenWhenStalled = {-1};
        final Pipeline pipeline = forwarding(same(transport, hops), check, 1000)
            .sink("sink", (message) ->
            {
                if (check.received() == 0)
                {
                    // Hold the first message until the source has felt back pressure (bounded by the test timeout).
                    final IdleStrategy idle = new BackoffIdleStrategy();
                    while (running.get().sourceBackPressures() == 0)
                    {
                        idle.idle();
                    }
                    writtenWhenStalled[0] = check.written();
                }
                check.onMessage(message);
            })
            .build();
        running.set(pipeline);

        final PipelineResult result = pipeline.run();

        assertDeliveredEverything(result, check, 1000);
        assertTrue(result.sourceBackPressures() > 0);
        assertTrue(writtenWhenStalled[0] >= 1 && writtenWhenStalled[0] <= (long)hops * CAPACITY,
            "at most capacity x hops messages in flight while the sink stalled: " + writtenWhenStalled[0]);
    }

    @Test
    void builderRejectsImpossiblePipelinesWithTheRule()
    {
        final TransportSpec copy = TransportSpec.of("copy");
        final Pipeline.Builder noSink = Pipeline.builder(kernel).source(10, 64, MessageWriter.HEADER_ONLY)
            .transport(copy);
        assertThrows(IllegalArgumentException.class, noSink::build);
        assertThrows(IllegalArgumentException.class, () -> valid(copy).source(10, 15, MessageWriter.HEADER_ONLY)
            .build());
        assertThrows(IllegalArgumentException.class, () -> valid(copy).source(0, 64, MessageWriter.HEADER_ONLY)
            .build());
        assertThrows(IllegalArgumentException.class, () -> valid(copy).warmup(10).build());
        assertThrows(IllegalArgumentException.class, () -> valid(copy).threads(3).build());
        assertThrows(IllegalArgumentException.class, () -> valid(copy).hop(1, copy).build());
        assertThrows(IllegalArgumentException.class, () -> Pipeline.builder(kernel)
            .source(10, 64, MessageWriter.HEADER_ONLY).sink("sink", (m) -> { }).build(), "no transport");
        assertThrows(IllegalArgumentException.class, () -> valid(copy)
            .channelConfig(ChannelConfig.defaults().withMaxMessageLength(32)).build());
        assertThrows(InvalidOptionException.class, () -> TransportSpec.of("no-such-transport"));
        assertThrows(InvalidOptionException.class, () -> TransportSpec.of("fbufs", java.util.Map.of("bogus", "1")));
        assertEquals(1, valid(copy).build().hopCount());
    }

    private Pipeline.Builder valid(final TransportSpec spec)
    {
        return Pipeline.builder(kernel).source(10, 64, MessageWriter.HEADER_ONLY).transport(spec)
            .sink("sink", (m) -> { });
    }

    @Test
    void aCounterTypeRegisteredAfterTheRunReadsZeroAndTheResultStillFormats()
    {
        final StreamCheck check = new StreamCheck(17);
        final PipelineResult result = forwarding(same("copy", 1), check, 50).build().run();
        // As a transport module that loads later does (grant-tables registers its GRANT_* types when it loads).
        final CounterType late = CounterType.register(1010, "PIPELINE_TEST_LATE", "pipeline test late type");

        assertEquals(0, result.counterDelta(late));
        assertEquals(0, result.counterDelta(0, late));
        assertEquals(0.0, result.counterPerMessage(late));
        assertTrue(result.format().contains("bytes copied"), result::format);
    }

    @Test
    void warmupLeavesLeadingMessagesOutOfTheMeasurement()
    {
        final StreamCheck check = new StreamCheck(13);
        final PipelineResult result = forwarding(same("copy", 1), check, 500).warmup(100).build().run();

        assertDeliveredEverything(result, check, 500);
        assertEquals(400, result.measuredMessages());
        assertEquals(400L * LENGTH, result.measuredBytes());
        assertEquals(400, result.latency().getTotalCount());
        // Copy in at the source, out at the sink; the copies of the messages in flight at the snapshot (at most
        // capacity of them) fall before it.
        final long copied = result.counterDelta(CounterType.BYTES_COPIED);
        assertTrue(copied >= (400L - CAPACITY) * LENGTH * 2 && copied <= 500L * LENGTH * 2, result::format);
        assertEquals(copied, result.counterDelta(0, CounterType.BYTES_COPIED) +
            result.counterDelta(1, CounterType.BYTES_COPIED), "the copy transport counts on the two ends");
    }

    // ---- Rbufs paths: consecutive rbufs hops are one path, so every middle stage hands the source's regions on.

    private static TransportSpec[] sameSpec(final TransportSpec spec, final int hops)
    {
        final TransportSpec[] specs = new TransportSpec[hops];
        java.util.Arrays.fill(specs, spec);
        return specs;
    }

    @ParameterizedTest(name = "{0} hops on {1} threads")
    @CsvSource({"4, 1", "4, 2", "8, 1", "8, 2", "8, 9"})
    void everyForwardingStageOfAnRbufsPathCopiesNothing(final int hops, final int threads)
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(hops * 10L + threads);
        final PipelineResult result = forwarding(same("rbufs", hops), check, 600).threads(threads).build().run();

        assertDeliveredEverything(result, check, 600);
        assertEquals(0, result.copiedForwards());
        for (int stage = 1; stage < hops; stage++)
        {
            assertEquals(0, result.counterDelta(stage, CounterType.BYTES_COPIED), "stage " + stage + " copied");
        }
        assertEquals(0, result.counterDelta(CounterType.BYTES_COPIED), result::format);
        assertEquals(0, result.counterDelta(CounterType.PROTOCOL_VIOLATIONS), result::format);
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest(name = "{0} hops")
    @ValueSource(ints = {4, 8})
    void oneThreadOfAnRbufsPathGetsEveryRegionBackWithinTheDutyCycleSoTheSourceIsNeverFull(final int hops)
    {
        // Capacity 64, above the source's burst of 32: the path's 64 regions are enough if each cycle's returns reach
        // the source before it claims again (the upstream sweep passes them up every hop). In path order alone a return
        // climbed one hop per cycle and the source found the first hop full about once every ten messages.
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(hops);
        final Pipeline.Builder builder = forwarding(same("rbufs", hops), check, 2000).threads(1)
            .channelConfig(ChannelConfig.defaults().withMaxMessageLength(LENGTH).withCapacity(64));

        final PipelineResult result = builder.build().run();

        assertDeliveredEverything(result, check, 2000);
        assertEquals(0, result.sourceBackPressures(), result::format);
        assertEquals(0, result.counterDelta(CounterType.BYTES_COPIED), result::format);
        leaks.assertNothingLeaked();
    }

    @Test
    void receiveMasterRbufsHopsStillForwardByCopying()
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(5);
        final TransportSpec rmm = TransportSpec.of("rbufs", java.util.Map.of("mode", "rmm"));
        final PipelineResult result = forwarding(sameSpec(rmm, 3), check, 600).threads(2).build().run();

        assertDeliveredEverything(result, check, 600);
        for (int stage = 1; stage < 3; stage++)
        {
            assertEquals(600L * LENGTH, result.counterDelta(stage, CounterType.BYTES_COPIED), "stage " + stage);
        }
        leaks.assertNothingLeaked();
    }

    @Test
    void eachRunOfRbufsHopsAmongOtherTransportsIsAPathOfItsOwn()
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        final StreamCheck check = new StreamCheck(17);
        final TransportSpec rbufs = TransportSpec.of("rbufs");
        final TransportSpec[] specs = {rbufs, rbufs, TransportSpec.of("fbufs"), rbufs, rbufs, rbufs};
        final PipelineResult result = forwarding(specs, check, 600).threads(3).build().run();

        assertDeliveredEverything(result, check, 600);
        assertEquals(2 * 600, result.copiedForwards(), "into fbufs and out of it");
        for (final int stage : new int[]{1, 4, 5})
        {
            assertEquals(0, result.counterDelta(stage, CounterType.BYTES_COPIED), "stage " + stage + " on a path");
        }
        leaks.assertNothingLeaked();
    }

    @Test
    void aStageThatWritesItsOwnMessagesOnAnRbufsPathDeliversAndTheNextForwardCopies()
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
            .source(600, LENGTH, check)
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

        assertDeliveredEverything(result, check, 600);
        assertEquals(0, result.counterDelta(1, CounterType.BYTES_COPIED), "before the rewrite: handed on");
        assertEquals(600L * LENGTH, result.counterDelta(3, CounterType.BYTES_COPIED),
            "after it: the stage's own area is not the path's, so the forward copies");
        leaks.assertNothingLeaked();
    }
}

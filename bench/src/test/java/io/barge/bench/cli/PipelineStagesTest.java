package io.barge.bench.cli;

import io.barge.bench.cli.BargeCliTest.Run;
import io.barge.bench.core.StageMessageDescriptor;
import io.barge.core.Kernel;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.ProcessChannelDescriptor;
import io.barge.core.machine.ProcessRbufsSender;
import io.barge.core.machine.ProcessSender;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.barge.bench.cli.BargeCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barge pipeline --attach}: stages as child JVMs on a kernel service in this JVM. Messages flow and are
 * checked; {@code barge stat} shows the stages; a stage killed with SIGKILL leaves its peers waiting and the kernel
 * serving; a restarted stage is taken up again; SIGTERM ends a stage with its summary; a kernel killed under the
 * stages ends them with "the kernel is gone". Every scenario with channels runs on both kinds a downstream can make
 * ({@code --channel rbufs}, the default, and {@code ring}); with Rbufs a stage killed mid-stream most likely dies
 * with a claim half written, which the touching sink never sees (rejected 0).
 */
@Timeout(120)
class PipelineStagesTest
{
    private static final long WAIT_S = 30;
    private static final String SIZE = "1024";
    private static final Pattern RECEIVED = Pattern.compile("received ([0-9,]+), gaps");

    private static KernelService kernel(final Path dir)
    {
        // A short heartbeat timeout: a killed stage's domain and channels go within a fraction of a second.
        return KernelService.start(Kernel.builder().memoryMiB(16).machineDirectory(dir).heartbeatTimeoutMs(300),
            Throwable::printStackTrace);
    }

    private static ChildLines stage(final Path dir, final String kind, final String role, final String name,
        final String... more)
    {
        final String[] base = role.equals("source") ?
            new String[]{ "pipeline", "--attach", dir.toString(), "--role", role, "--name", name, "--size", SIZE,
                "--report-ms", "200" } :
            new String[]{ "pipeline", "--attach", dir.toString(), "--role", role, "--name", name, "--size", SIZE,
                "--report-ms", "200", "--channel", kind };
        final String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return ChildLines.start(role + " " + name, args);
    }

    /** Waits for a rate line whose received count is above {@code above}; returns that count. */
    private static long awaitReceivedAbove(final ChildLines sink, final long above) throws InterruptedException
    {
        final String line = sink.await("with received above " + above, (l) ->
        {
            final Matcher m = RECEIVED.matcher(l);
            return m.find() && Long.parseLong(m.group(1).replace(",", "")) > above;
        }, WAIT_S);
        final Matcher m = RECEIVED.matcher(line);
        assertTrue(m.find(), line);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rbufs", "ring"})
    void sourceToSinkSurvivesTheSourceDyingAndResumesWithANewOne(final String kind, @TempDir final Path dir)
        throws Exception
    {
        try (KernelService service = kernel(dir);
            ChildLines sink = stage(dir, kind, "sink", "snk", "--from", "src", "--touch"))
        {
            sink.awaitStart("sink \"snk\" running: pid ", WAIT_S);
            sink.awaitContaining("waiting for a live domain named \"src\"", WAIT_S);
            try (ChildLines source = stage(dir, kind, "source", "src"))
            {
                source.awaitStart("source \"src\" running", WAIT_S);
                final String connected = source.awaitContaining("connected: channel ", WAIT_S);
                assertTrue(connected.endsWith("(" + kind + ")"), connected);
                sink.awaitContaining("first message: source run ", WAIT_S);
                final long before = awaitReceivedAbove(sink, 0);

                final Run stat = run("stat", "--dir", dir.toString(), "--once");
                assertEquals(0, stat.exitCode(), stat::all);
                assertTrue(stat.out().contains("\"snk\"") && stat.out().contains("\"src\""), stat::all);
                assertTrue(stat.out().contains("pid " + source.process().pid()), stat::all);
                assertTrue(stat.out().contains("pid " + sink.process().pid()), stat::all);

                source.kill(WAIT_S);
                final String gone = sink.awaitContaining("upstream gone", WAIT_S);
                assertTrue(gone.contains("died"), gone);
                sink.awaitContaining("waiting for a live domain named \"src\"", WAIT_S);
                assertTrue(sink.process().isAlive(), sink::seen);

                // The kernel serves on: a new client attaches, makes a domain and leaves.
                try (MachineClient client = MachineClient.attach(dir))
                {
                    assertTrue(client.createDomain("probe") > 0);
                }
                assertTrue(before > 0);
            }
            try (ChildLines again = stage(dir, kind, "source", "src"))
            {
                again.awaitContaining("connected: channel ", WAIT_S);
                sink.awaitContaining("new source run ", WAIT_S);
                final long after = awaitReceivedAbove(sink, 0);
                assertTrue(after > 0);
                assertEquals(143, again.terminate(WAIT_S), again::seen); // 128 + SIGTERM
                final String summary = again.awaitStart("source \"src\" summary: sent ", WAIT_S);
                assertTrue(summary.contains("downstreams 1"), summary);
            }
            sink.awaitContaining("the sender closed the channel", WAIT_S);
            assertEquals(143, sink.terminate(WAIT_S), sink::seen);
            final String summary = sink.awaitStart("sink \"snk\" summary: received ", WAIT_S);
            assertTrue(summary.contains("source runs 2") && summary.contains("rejected 0") &&
                summary.contains("upstreams 2"), summary);
            assertEquals(0, service.clientCount(), "every stage detached or was timed out");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rbufs", "ring"})
    void aForwardKilledAndRestartedLeavesSourceAndSinkRunningAndTheyResume(final String kind, @TempDir final Path dir)
        throws Exception
    {
        try (KernelService service = kernel(dir);
            ChildLines sink = stage(dir, kind, "sink", "snk", "--from", "fwd", "--touch");
            ChildLines source = stage(dir, kind, "source", "src"))
        {
            sink.awaitStart("sink \"snk\" running", WAIT_S);
            source.awaitStart("source \"src\" running", WAIT_S);
            try (ChildLines forward = stage(dir, kind, "forward", "fwd", "--from", "src"))
            {
                forward.awaitStart("forward \"fwd\" running", WAIT_S);
                sink.awaitContaining("first message: source run ", WAIT_S);
                awaitReceivedAbove(sink, 0);
                forward.kill(WAIT_S);
            }
            sink.awaitContaining("upstream gone", WAIT_S);
            final long atGone = awaitReceivedAbove(sink, 0);
            source.awaitContaining("downstream gone", WAIT_S);
            assertTrue(sink.process().isAlive() && source.process().isAlive(), sink.seen() + source.seen());
            try (ChildLines forward = stage(dir, kind, "forward", "fwd", "--from", "src"))
            {
                forward.awaitContaining("connected: channel ", WAIT_S);
                forward.awaitContaining("connected: channel ", WAIT_S); // both ends: upstream and downstream
                sink.awaitContaining("connected: channel ", WAIT_S);
                // The same source run goes on: what died in the old forward's rings is a gap, never a reject.
                awaitReceivedAbove(sink, atGone);
                assertTrue(!sink.seen().contains("rejected message"), sink::seen);
                assertEquals(143, forward.terminate(WAIT_S), forward::seen);
                final String summary = forward.awaitStart("forward \"fwd\" summary: ", WAIT_S);
                assertTrue(summary.contains("upstreams 1, downstreams 1"), summary);
            }
            assertEquals(143, sink.terminate(WAIT_S), sink::seen);
            final String summary = sink.awaitStart("sink \"snk\" summary: ", WAIT_S);
            assertTrue(summary.contains("source runs 1") && summary.contains("rejected 0") &&
                summary.contains("upstreams 2"), summary);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rbufs", "ring"})
    void aSinkRejectsTornOrCorruptMessagesAndAcceptsTheWholeOnes(final String kind, @TempDir final Path dir)
        throws Exception
    {
        try (KernelService service = kernel(dir);
            ChildLines sink = stage(dir, kind, "sink", "snk", "--from", "src", "--touch", "--messages", "2");
            MachineClient source = MachineClient.attach(dir))
        {
            sink.awaitStart("sink \"snk\" running", WAIT_S);
            // This test is the source: it finds the sink's channel as a source stage does, and sends by hand.
            final MachineClient.ChannelInfo channel = awaitChannelFrom(source, source.createDomain("src"), sink);
            final int size = Integer.parseInt(SIZE);
            final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
            try (HandSender sender = new HandSender(source, channel, kind))
            {
                StageMessageDescriptor.write(message, 0, 77, size);
                message.putByte(size - 3, (byte)(message.getByte(size - 3) + 1)); // one byte off
                sender.send(message, size);
                StageMessageDescriptor.write(message, 1, 77, size);
                message.putInt(StageMessageDescriptor.LENGTH_OFFSET, size - 8); // header says otherwise
                sender.send(message, size);
                StageMessageDescriptor.write(message, 2, 77, size);
                sender.send(message, size);
                StageMessageDescriptor.write(message, 1, 77, size); // whole, but after 2: out of order
                sender.send(message, size);
                StageMessageDescriptor.write(message, 3, 77, size);
                sender.send(message, size);
                final String first = sink.awaitContaining("rejected message", WAIT_S);
                assertTrue(first.contains("sequence 0: tail byte") || first.contains("sequence 0: payload word"),
                    first);
                assertTrue(sink.awaitContaining("rejected message", WAIT_S).contains("header check"), sink::seen);
                assertTrue(sink.awaitContaining("rejected message", WAIT_S).contains("repeated or out of order"),
                    sink::seen);
                final String summary = sink.awaitStart("sink \"snk\" summary: received 2 messages", WAIT_S);
                assertTrue(summary.contains("rejected 3"), summary);
                assertTrue(sink.process().waitFor(WAIT_S, TimeUnit.SECONDS));
                assertEquals(1, sink.process().exitValue(), "a sink that rejected anything fails");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rbufs", "ring"})
    void aSinkNeverTakesUpAgainAnUpstreamDomainWhoseChannelClosed(final String kind, @TempDir final Path dir)
        throws Exception
    {
        try (KernelService service = kernel(dir);
            ChildLines sink = stage(dir, kind, "sink", "snk", "--from", "src");
            MachineClient source = MachineClient.attach(dir))
        {
            sink.awaitStart("sink \"snk\" running", WAIT_S);
            // An ending stage closes its ends before it detaches: its domain stays live meanwhile, as this one does.
            final int closing = source.createDomain("src");
            final MachineClient.ChannelInfo first = awaitChannelFrom(source, closing, sink);
            final int size = Integer.parseInt(SIZE);
            final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
            try (HandSender sender = new HandSender(source, first, kind))
            {
                StageMessageDescriptor.write(message, 0, 5, size);
                sender.send(message, size);
            }
            sink.awaitContaining("the sender closed the channel", WAIT_S);
            final int next = source.createDomain("src");
            final MachineClient.ChannelInfo second = awaitChannelFrom(source, next, sink);
            sink.awaitContaining("connected: channel " + second.channelId() + " from domain " + next, WAIT_S);
            final String seen = sink.seen();
            assertEquals(1, seen.split("from domain " + closing + " ", -1).length - 1, seen);
            assertEquals(closing, first.senderDomain());
        }
    }

    /** The test as a source by hand, on the kind the sink made: sends copies of a message. */
    private static final class HandSender implements AutoCloseable
    {
        private final ProcessSender ring;
        private final ProcessRbufsSender rbufs;

        HandSender(final MachineClient client, final MachineClient.ChannelInfo channel, final String kind)
        {
            assertEquals(kind, ProcessChannelDescriptor.kindName(channel.kind()), "the sink made the kind asked");
            final boolean isRing = channel.kind() == ProcessChannelDescriptor.KIND_RING;
            ring = isRing ? client.openSender(channel.channelId()) : null;
            rbufs = isRing ? null : client.openRbufsSender(channel.channelId());
        }

        void send(final UnsafeBuffer message, final int length)
        {
            if (ring != null)
            {
                assertEquals(ProcessSender.OK, ring.offer(message, 0, length));
                return;
            }
            assertEquals(ProcessRbufsSender.OK, rbufs.tryClaim(length));
            rbufs.buffer().putBytes(0, message, 0, length);
            rbufs.commit();
        }

        @Override
        public void close()
        {
            if (ring != null)
            {
                ring.close();
            }
            else
            {
                rbufs.close();
            }
        }
    }

    private static MachineClient.ChannelInfo awaitChannelFrom(final MachineClient client, final int domain,
        final ChildLines sink)
    {
        MachineClient.ChannelInfo channel = null;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        final BackoffIdleStrategy idle = new BackoffIdleStrategy();
        while (channel == null && System.nanoTime() - deadline < 0)
        {
            channel = client.newestOpenChannelFrom(domain, (id) -> false);
            idle.idle();
        }
        assertNotNull(channel, sink::seenNow);
        return channel;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rbufs", "ring"})
    void aKernelKilledUnderRunningStagesEndsThemWithTheKernelIsGone(final String kind, @TempDir final Path dir)
        throws Exception
    {
        try (ChildLines kernel = ChildLines.start("kernel", "kernel", "--dir", dir.toString(), "--memory-mib", "16",
            "--timeout-ms", "2000"))
        {
            kernel.awaitStart("kernel running: pid ", WAIT_S);
            try (ChildLines sink = stage(dir, kind, "sink", "snk", "--from", "src", "--touch");
                ChildLines source = stage(dir, kind, "source", "src"))
            {
                sink.awaitStart("sink \"snk\" running", WAIT_S);
                awaitReceivedAbove(sink, 0);
                kernel.kill(WAIT_S);
                // Found by an end with nothing to do, or by the stage's own look between reports: either ends it.
                for (final ChildLines stage : new ChildLines[]{ sink, source })
                {
                    stage.awaitContaining("stopping: the kernel is gone: ", WAIT_S);
                    assertTrue(stage.process().waitFor(WAIT_S, TimeUnit.SECONDS), stage::seenNow);
                    assertEquals(1, stage.process().exitValue(), stage::seen);
                }
                assertTrue(!sink.seen().contains("rejected message"), sink::seen);
            }
        }
    }

    @Test
    void aStageWaitsBoundedAndSaysForWhat(@TempDir final Path dir)
    {
        try (KernelService service = kernel(dir))
        {
            final Run sink = run("pipeline", "--attach", dir.toString(), "--role", "sink", "--name", "lonely",
                "--from", "nobody", "--wait-ms", "300");
            assertEquals(1, sink.exitCode(), sink::all);
            assertTrue(sink.out().contains("gave up after 300 ms waiting for a live domain named \"nobody\""),
                sink::all);
            assertTrue(sink.out().contains("sink \"lonely\" summary: received 0 messages"), sink::all);
            final Run source = run("pipeline", "--attach", dir.toString(), "--role", "source", "--name", "alone",
                "--wait-ms", "300");
            assertEquals(1, source.exitCode(), source::all);
            assertTrue(source.out().contains("waiting for a downstream stage (one started with --from alone)"),
                source::all);
            assertEquals(0, service.clientCount(), "both detached");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rbufs", "ring"})
    void aBoundedSourceAndSinkEndByThemselves(final String kind, @TempDir final Path dir)
        throws Exception
    {
        try (KernelService service = kernel(dir);
            ChildLines sink = stage(dir, kind, "sink", "snk", "--from", "src", "--touch", "--messages", "5000"))
        {
            sink.awaitStart("sink \"snk\" running", WAIT_S);
            final Run source = run("pipeline", "--attach", dir.toString(), "--role", "source", "--name", "src",
                "--size", SIZE, "--messages", "5000");
            assertEquals(0, source.exitCode(), source::all);
            assertTrue(source.out().contains("summary: sent 5,000 messages (5,120,000 bytes)"), source::all);
            final String summary = sink.awaitStart("sink \"snk\" summary: received 5,000 messages", WAIT_S);
            assertTrue(summary.contains("gaps 0 (missing 0), rejected 0"), summary);
            assertTrue(sink.process().waitFor(WAIT_S, TimeUnit.SECONDS));
            assertEquals(0, sink.process().exitValue(), sink::seen);
        }
    }

    @Test
    void badStageOptionsAreUsageErrors(@TempDir final Path dir)
    {
        final String d = dir.toString();
        expectUsage("--attach needs --role", "pipeline", "--attach", d);
        expectUsage("--attach needs --name N", "pipeline", "--attach", d, "--role", "sink", "--from", "x");
        expectUsage("Invalid value for option '--role'", "pipeline", "--attach", d, "--role", "pump", "--name", "a");
        expectUsage("a sink needs --from UPSTREAM", "pipeline", "--attach", d, "--role", "sink", "--name", "s");
        expectUsage("a forward needs --from UPSTREAM", "pipeline", "--attach", d, "--role", "forward", "--name", "f");
        expectUsage("--from is for a forward or a sink", "pipeline", "--attach", d, "--role", "source", "--name",
            "s", "--from", "x");
        expectUsage("printable ASCII", "pipeline", "--attach", d, "--role", "source", "--name", "a b");
        expectUsage("must be 1..64 characters", "pipeline", "--attach", d, "--role", "source", "--name",
            "n".repeat(65));
        expectUsage("is this stage's own --name", "pipeline", "--attach", d, "--role", "sink", "--name", "s",
            "--from", "s");
        expectUsage("--size: size=8 must be in [24", "pipeline", "--attach", d, "--role", "source", "--name", "s",
            "--size", "8");
        expectUsage("--touch is for a sink", "pipeline", "--attach", d, "--role", "source", "--name", "s",
            "--touch");
        expectUsage("--capacity=3 must be a power of two", "pipeline", "--attach", d, "--role", "sink", "--name",
            "s", "--from", "x", "--capacity", "3");
        expectUsage("make a ring the kernel refuses", "pipeline", "--attach", d, "--role", "sink", "--name",
            "s", "--from", "x", "--size", "1m", "--capacity", "64", "--channel", "ring");
        expectUsage("make an Rbufs data area the kernel refuses", "pipeline", "--attach", d, "--role", "sink",
            "--name", "s", "--from", "x", "--size", "1m", "--capacity", "128");
        expectUsage("--channel=pipe must be ring or rbufs", "pipeline", "--attach", d, "--role", "sink", "--name",
            "s", "--from", "x", "--channel", "pipe");
        expectUsage("--channel is for a forward or a sink", "pipeline", "--attach", d, "--role", "source",
            "--name", "s", "--channel", "ring");
        expectUsage("--capacity is for a forward or a sink", "pipeline", "--attach", d, "--role", "source",
            "--name", "s", "--capacity", "4");
        expectUsage("--messages=-1 must not be negative", "pipeline", "--attach", d, "--role", "source", "--name",
            "s", "--messages", "-1");
        expectUsage("--wait-ms=-1 must not be negative", "pipeline", "--attach", d, "--role", "source", "--name",
            "s", "--wait-ms", "-1");
        expectUsage("--report-ms=10 must be at least 100", "pipeline", "--attach", d, "--role", "source", "--name",
            "s", "--report-ms", "10");
        expectUsage("--hops is for the in-process pipeline", "pipeline", "--attach", d, "--role", "source",
            "--name", "s", "--hops", "3");
        expectUsage("--role is for a stage: add --attach D", "pipeline", "--role", "sink");
        expectUsage("--attach: no Barge machine in " + d, "pipeline", "--attach", d, "--role", "source", "--name",
            "s");
    }

    @Test
    void aSecondLiveStageOfOneNameIsRefused(@TempDir final Path dir)
    {
        try (KernelService service = kernel(dir); MachineClient other = MachineClient.attach(dir))
        {
            final int taken = other.createDomain("dup");
            final Run second = run("pipeline", "--attach", dir.toString(), "--role", "source", "--name", "dup");
            assertEquals(2, second.exitCode(), second::all);
            assertTrue(second.err().contains("--name dup: a live stage of that name runs already (domain " + taken +
                ")"), second::all);
            assertEquals(1, service.clientCount(), "the refused stage detached");
        }
    }

    private static void expectUsage(final String message, final String... args)
    {
        final Run run = run(args);
        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains(message), run::all);
    }
}

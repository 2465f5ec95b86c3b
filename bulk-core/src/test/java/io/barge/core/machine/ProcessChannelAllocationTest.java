package io.barge.core.machine;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data paths of both process channel kinds allocate nothing in steady state: after a warm-up, 200,000 messages
 * sent and received on one thread (both clients in this JVM) allocate less than a few KiB in total, and so do
 * 200,000 polls that find nothing (the idle path, which also looks after the peer and the kernel now and then). A
 * per-message allocation of one small object would be megabytes.
 */
@Timeout(60)
class ProcessChannelAllocationTest
{
    private static final int MESSAGES = 200_000;
    private static final long BUDGET_BYTES = 16 * 1024;
    private static final int SIZE = 256;

    @TempDir
    Path dir;

    private final List<Throwable> conductorErrors = new CopyOnWriteArrayList<>();

    @AfterEach
    void noConductorErrors()
    {
        assertEquals(List.of(), conductorErrors);
    }

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void ringChannelSendReceiveAndIdlePollsAllocateNothing()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
            ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int channel = pair.channel(SIZE, 16 * 1024);
            final ProcessSender sender = pair.a.openSender(channel);
            final ProcessReceiver receiver = pair.b.openReceiver(channel);
            final UnsafeBuffer message = new UnsafeBuffer(new byte[SIZE]);
            final long[] sum = new long[1];
            final ProcessReceiver.MessageHandler handler = (buffer, offset, length) -> sum[0] += buffer.getLong(offset);
            final Runnable crossings = () ->
            {
                for (int i = 0; i < MESSAGES; i++)
                {
                    message.putLong(0, i);
                    if (sender.offer(message, 0, SIZE) != ProcessSender.OK || receiver.poll(handler, 1) != 1)
                    {
                        throw new IllegalStateException("message " + i + " not delivered");
                    }
                }
            };
            final Runnable idlePolls = () ->
            {
                for (int i = 0; i < MESSAGES; i++)
                {
                    if (receiver.poll(handler, 1) != 0)
                    {
                        throw new IllegalStateException("a message from nowhere at poll " + i);
                    }
                }
            };
            assertAllocatesNothing("ring crossings", crossings);
            assertAllocatesNothing("ring idle polls", idlePolls);
            assertTrue(sum[0] > 0);
        }
    }

    @Test
    void rbufsChannelClaimCommitPollAndIdlePollsAllocateNothing()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
            ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int channel = RbufsChannelTest.rbufs(pair, SIZE, 16 * 1024);
            final ProcessRbufsSender sender = pair.a.openRbufsSender(channel);
            final ProcessRbufsReceiver receiver = pair.b.openRbufsReceiver(channel);
            final long[] sum = new long[1];
            final ProcessReceiver.MessageHandler handler = (buffer, offset, length) -> sum[0] += buffer.getLong(offset);
            final Runnable crossings = () ->
            {
                for (int i = 0; i < MESSAGES; i++)
                {
                    if (sender.tryClaim(SIZE) != ProcessRbufsSender.OK)
                    {
                        throw new IllegalStateException("back pressured at message " + i);
                    }
                    sender.buffer().putLong(0, i);
                    sender.commit();
                    if (receiver.poll(handler, 1) != 1)
                    {
                        throw new IllegalStateException("message " + i + " not delivered");
                    }
                }
            };
            final Runnable idlePolls = () ->
            {
                for (int i = 0; i < MESSAGES; i++)
                {
                    if (receiver.poll(handler, 1) != 0)
                    {
                        throw new IllegalStateException("a message from nowhere at poll " + i);
                    }
                }
            };
            assertAllocatesNothing("rbufs crossings", crossings);
            assertAllocatesNothing("rbufs idle polls", idlePolls);
            assertTrue(sum[0] > 0);
        }
    }

    /** Runs once to warm up (class loading, JIT), then again measured. */
    private static void assertAllocatesNothing(final String what, final Runnable run)
    {
        run.run();
        final long before = allocatedBytes();
        run.run();
        final long allocated = allocatedBytes() - before;
        assertTrue(allocated < BUDGET_BYTES, what + " allocated " + allocated + " bytes for " + MESSAGES + " calls");
    }
}

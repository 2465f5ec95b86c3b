package io.barge.core.machine;

import io.barge.core.JvmFlags;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kernel in a child JVM is killed (SIGKILL) while channel ends in this JVM use it: no one will ever mark a peer's
 * end gone, yet every receiver delivers what was committed and then throws {@link KernelGoneException}, and every
 * back-pressured sender throws it too, within a bounded time; closing the ends and the clients afterwards does not
 * hang.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // it reads a child's stdout, which blocks
class KernelGoneChildProcessTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 30;
    /** Far beyond the kernel-check interval and the heartbeat timeout: only a hang misses it. */
    private static final long GONE_WITHIN_MS = 10_000;
    private static final String READY = "kernel ready";
    private static final int COMMITTED = 3;

    @TempDir
    Path dir;

    /**
     * The child: a kernel service on the machine directory {@code args[0]}; prints "kernel ready", then serves until
     * it is killed (or stdin closes).
     *
     * @param args the machine directory.
     * @throws Exception if the kernel does not start (the parent sees no ready line).
     */
    public static void main(final String[] args) throws Exception
    {
        try (KernelService service = MachineClientTest.service(Paths.get(args[0]), new java.util.ArrayList<>()))
        {
            System.out.println(READY + " " + service.kernel().freeFrames());
            System.out.flush();
            System.in.readAllBytes();
        }
    }

    @Test
    void receiversDeliverWhatWasCommittedThenHearTheKernelIsGoneAndBackPressuredSendersToo() throws Exception
    {
        final Process kernel = new ProcessBuilder(JvmFlags.childJvm("64m", KernelGoneChildProcessTest.class,
            List.of(dir.toString()))).redirectErrorStream(true).start();
        try
        {
            ChildOutput.readyLine(kernel, READY);
            try (ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
            {
                final int ringId = pair.channel(64, 4096);
                final int rbufsId = RbufsChannelTest.rbufs(pair, RbufsChannelTest.SMALL_MAX,
                    RbufsChannelTest.SMALL_CAPACITY);
                final ProcessSender ringSender = pair.a.openSender(ringId);
                final ProcessReceiver ringReceiver = pair.b.openReceiver(ringId);
                final ProcessRbufsSender rbufsSender = pair.a.openRbufsSender(rbufsId);
                final ProcessRbufsReceiver rbufsReceiver = pair.b.openRbufsReceiver(rbufsId);
                final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
                for (int i = 0; i < COMMITTED; i++)
                {
                    ProcessChannelTest.fill(message, i, 64);
                    assertEquals(ProcessSender.OK, ringSender.offer(message, 0, 64));
                    assertTrue(RbufsChannelTest.send(rbufsSender, i, 100));
                }
                assertTrue(pair.a.isKernelRunning());

                kernel.destroyForcibly();
                assertTrue(kernel.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "kernel not dead");

                final int[] ring = {0};
                final int[] rbufs = {0};
                final ProcessReceiver.MessageHandler ringCheck = (buffer, offset, length) ->
                    assertTrue(ProcessChannelTest.isWhole(buffer, offset, length, ring[0]++));
                final ProcessReceiver.MessageHandler rbufsCheck = (buffer, offset, length) ->
                    assertTrue(ProcessChannelTest.isWhole(buffer, offset, length, rbufs[0]++));
                expectKernelGone("ring receiver", () -> ringReceiver.poll(ringCheck, 1));
                assertEquals(COMMITTED, ring[0], "every committed message came before the error");
                expectKernelGone("rbufs receiver", () -> rbufsReceiver.poll(rbufsCheck, 1));
                assertEquals(COMMITTED, rbufs[0], "every committed message came before the error");
                assertThrows(KernelGoneException.class, () -> ringReceiver.poll(ringCheck, 1), "and stays gone");

                // The senders have room until the rings fill (no receiver reads now), then hear it.
                expectKernelGone("ring sender", () -> ringSender.offer(message, 0, 64) == ProcessSender.OK ? 1 : 0);
                expectKernelGone("rbufs sender", () -> RbufsChannelTest.send(rbufsSender, 9, 100) ? 1 : 0);

                ringSender.close();
                ringReceiver.close();
                rbufsSender.close();
                rbufsReceiver.close();
            }
        }
        finally
        {
            if (kernel.isAlive())
            {
                kernel.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** Calls {@code step} (an idle strategy between calls that did nothing) until it throws the kernel is gone. */
    private static void expectKernelGone(final String what, final IntSupplier step)
    {
        final IdleStrategy idle = new BackoffIdleStrategy(1, 1, 1_000, 100_000);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GONE_WITHIN_MS);
        try
        {
            while (System.nanoTime() - deadline < 0)
            {
                idle.idle(step.getAsInt());
            }
        }
        catch (final KernelGoneException ex)
        {
            assertTrue(ex.getMessage().contains("is gone"), ex.getMessage());
            return;
        }
        fail(what + ": no KernelGoneException within " + GONE_WITHIN_MS + " ms of the kernel's death");
    }
}

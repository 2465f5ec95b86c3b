package io.barge.core.machine;

import io.barge.core.JvmFlags;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Zero copy between OS processes: a child JVM writes checksummed messages of 1 B..64 KiB in place into an Rbufs
 * channel's data area for this process, which reads them in place, and is killed (SIGKILL) mid-stream (most likely
 * with a buffer claimed and half written); every message received is whole, then the receiver hears {@link PeerGoneException}
 * once the kernel timed the child out; a restarted child opens a new channel and traffic resumes; at the end every
 * frame is free.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // it reads a child's stdout, which blocks
class RbufsChannelChildProcessTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 30;
    private static final String READY = "channel ready";
    private static final int MAX_MESSAGE = 64 * 1024;
    private static final int CAPACITY = 512 * 1024; // 8 buffers

    @TempDir
    Path dir;

    private final List<Throwable> conductorErrors = new CopyOnWriteArrayList<>();

    /** @return message {@code sequence}'s length, fixed by it: 1 B..64 KiB, small ones often. */
    static int lengthOf(final int sequence)
    {
        final SplittableRandom random = new SplittableRandom(sequence);
        return random.nextBoolean() ? 1 + random.nextInt(64) : 1 + random.nextInt(MAX_MESSAGE);
    }

    /**
     * The child: attaches to the machine in {@code args[0]}, creates a domain, an Rbufs channel from it to domain
     * {@code args[1]}, prints "channel ready &lt;channel id&gt;", then sends messages 0, 1, 2, ... until it is killed
     * or the receiver goes.
     *
     * @param args the machine directory and the receiver's domain id.
     */
    public static void main(final String[] args)
    {
        final MachineClient client = MachineClient.attach(Paths.get(args[0]));
        final int domain = client.createDomain("child sender");
        final int channelId = client.createChannel(domain, Integer.parseInt(args[1]), MAX_MESSAGE, CAPACITY,
            ProcessChannelDescriptor.KIND_RBUFS);
        final ProcessRbufsSender sender = client.openRbufsSender(channelId);
        System.out.println(READY + " " + channelId);
        System.out.flush();
        final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, 100_000);
        try
        {
            for (int sequence = 0; ; sequence++)
            {
                final int length = lengthOf(sequence);
                while (!RbufsChannelTest.send(sender, sequence, length))
                {
                    idle.idle();
                }
                idle.reset();
            }
        }
        catch (final PeerGoneException ex)
        {
            client.close();
        }
    }

    @AfterEach
    void noConductorErrors()
    {
        assertEquals(List.of(), conductorErrors);
    }

    @Test
    void aKilledSenderNeverExposesATornMessageTheReceiverHearsPeerGoneAndARestartedSenderResumes() throws Exception
    {
        // A 1 s liveness timeout: short enough for a quick detection, long enough that this process's own client is
        // not timed out on a loaded machine.
        try (KernelService service = MachineClientTest.service(dir, conductorErrors, 1_000))
        {
            final int startFree = service.kernel().freeFrames();
            try (MachineClient client = MachineClient.attach(dir))
            {
                final int domain = client.createDomain("parent receiver");
                for (int round = 1; round <= 2; round++)
                {
                    final Process child = startChild(domain);
                    try
                    {
                        final int channelId = readReady(child);
                        final ProcessRbufsReceiver receiver = client.openRbufsReceiver(channelId);
                        final int[] next = {0};
                        final ProcessReceiver.MessageHandler check = (buffer, offset, length) ->
                        {
                            final int sequence = next[0]++;
                            assertEquals(lengthOf(sequence), length, "message " + sequence + "'s length");
                            assertTrue(ProcessChannelTest.isWhole(buffer, offset, length, sequence),
                                "message " + sequence + " is torn or wrong");
                        };
                        pollUntil(receiver, check, () -> next[0] >= 300, "300 messages from child " + round);
                        child.destroyForcibly();
                        assertTrue(child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child not dead");
                        final int beforeDeath = next[0];
                        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        final IdleStrategy idle = new BackoffIdleStrategy(1, 1, 1_000, 1_000_000);
                        PeerGoneException gone = null;
                        while (gone == null)
                        {
                            try
                            {
                                receiver.poll(check, 64);
                            }
                            catch (final PeerGoneException ex)
                            {
                                gone = ex;
                            }
                            if (System.nanoTime() - deadline > 0)
                            {
                                fail("no PeerGoneException within 20 s of the kill (" + next[0] + " received)");
                            }
                            idle.idle();
                        }
                        assertTrue(gone.getMessage().contains("died"), gone.getMessage());
                        assertTrue(next[0] >= beforeDeath, "drained what was committed before the kill");
                        receiver.close(); // both ends gone: the channel's frames go back
                    }
                    finally
                    {
                        if (child.isAlive())
                        {
                            child.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        }
                    }
                    MachineClientTest.await(() -> service.clientCount() == 1, 10_000, "the dead child timed out");
                }
                assertEquals(2, service.kernel().kernelDomain().counter(ConductorCounters.CLIENT_TIMEOUTS));
                assertEquals(2, service.kernel().kernelDomain().counter(ConductorCounters.CHANNELS_FREED));
                client.destroyDomain(domain);
            }
            assertEquals(startFree, service.kernel().freeFrames(), "every frame is free at the end");
        }
    }

    private static void pollUntil(final ProcessRbufsReceiver receiver, final ProcessReceiver.MessageHandler handler,
        final java.util.function.BooleanSupplier done, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, 100_000);
        while (!done.getAsBoolean())
        {
            idle.idle(receiver.poll(handler, 64));
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within 30 s: " + what);
            }
        }
    }

    private Process startChild(final int receiverDomain) throws Exception
    {
        final List<String> command = JvmFlags.childJvm("64m", RbufsChannelChildProcessTest.class,
            List.of(dir.toString(), Integer.toString(receiverDomain)));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static int readReady(final Process process) throws Exception
    {
        final String line = ChildOutput.readyLine(process, READY);
        return Integer.parseInt(line.substring(READY.length()).trim());
    }
}

package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.JvmFlags;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The transport SPI's ends in three processes: the kernel in one child JVM, one end in this JVM and the other in a
 * second child JVM, every message checksummed by its reader. The child is SIGKILLed mid-stream: this JVM's end gets
 * a typed {@link PeerGoneException} (a sender on its next claim; a receiver after it has had every whole message the
 * child committed, none torn), the kernel's frames all come back once this end closes, and a restarted child resumes
 * on a new channel and ends the stream with the SPI's finish and end of stream.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // it reads children's output, which blocks
class ProcessTransportChildProcessTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 20;
    /** The kernel's heartbeat timeout: how soon a killed child is declared dead. */
    private static final long KERNEL_TIMEOUT_MS = 1_000;
    /** Far beyond the kernel's timeout: only a hang misses it. */
    private static final long GONE_WITHIN_NS = TimeUnit.SECONDS.toNanos(15);
    private static final int MAX = 4096;
    private static final ChannelConfig CONFIG = new ChannelConfig(MAX, 8, ChannelConfig.Notification.UMP);
    private static final int RESUMED = 500;
    private static final String READY = "ready";

    @TempDir
    Path dir;
    private Process kernel;
    private MachineClient client;
    private MachineReader reader;

    /**
     * The children. {@code kernel DIR}: a kernel service with a short heartbeat timeout, "ready", then it serves
     * until its stdin closes. {@code sink DIR KIND SOURCE}: a domain "sink" and a channel from the domain SOURCE to
     * it, "ready CHANNEL", then it checks every message until the end of stream ("checked N" every 100, "done N" at
     * the end). {@code source DIR KIND SINK}: a domain "source", "ready DOMAIN", then it waits for a channel from it
     * to SINK and streams ("sent N" every 100), forever or, with a fifth argument, that many messages and the end.
     *
     * @param args the role and its arguments.
     * @throws Exception whatever stops the child (printed by the parent as it reads the output).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path directory = Paths.get(args[1]);
        if ("kernel".equals(args[0]))
        {
            try (KernelService service = KernelService.start(Kernel.builder().memoryMiB(16).maxDomains(16)
                .machineDirectory(directory).heartbeatTimeoutMs(KERNEL_TIMEOUT_MS), Throwable::printStackTrace))
            {
                System.out.println(READY);
                System.out.flush();
                System.in.readAllBytes();
            }
            return;
        }
        try (MachineClient client = MachineClient.attach(directory);
            ProcessTransport transport = ProcessTransport.open(client, args[2]))
        {
            if ("sink".equals(args[0]))
            {
                final Domain sink = transport.createDomain("sink");
                final int channelId = transport.createChannel(Integer.parseInt(args[3]),
                    transport.kernelDomainId(sink), CONFIG);
                final Channel channel = transport.openChannel(channelId);
                System.out.println(READY + " " + channelId);
                System.out.flush();
                final long checked = checkAll(channel.receiver(), true);
                System.out.println("done " + checked);
            }
            else
            {
                final Domain source = transport.createDomain("source");
                final int sourceId = transport.kernelDomainId(source);
                System.out.println(READY + " " + sourceId);
                System.out.flush();
                final MachineClient.ChannelInfo info = awaitChannelFrom(client, sourceId);
                final Channel channel = transport.openChannel(info.channelId());
                sendAll(channel.sender(), args.length > 4 ? Long.parseLong(args[4]) : Long.MAX_VALUE, true);
                channel.sender().finish();
                System.out.println("done");
            }
            System.out.flush();
        }
    }

    @BeforeEach
    void startKernel() throws Exception
    {
        kernel = start("kernel", dir.toString());
        assertEquals(READY, readyLine(kernel));
        client = MachineClient.attach(dir);
        reader = MachineReader.attach(dir);
    }

    @AfterEach
    void stopKernel() throws Exception
    {
        try
        {
            if (client != null)
            {
                client.close();
            }
            if (reader != null)
            {
                reader.close();
            }
        }
        finally
        {
            kernel.getOutputStream().close();
            if (!kernel.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                kernel.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {ProcessTransport.RBUFS, ProcessTransport.FBUFS, ProcessTransport.RING,
        ProcessTransport.XEN})
    void aKilledReceivingChildIsPeerGoneForTheSenderNothingLeaksAndARestartedChildResumes(final String kind)
        throws Exception
    {
        try (ProcessTransport transport = ProcessTransport.open(client, kind))
        {
            final Domain source = transport.createDomain("source");
            final long heldAtStart = kernelHeld();
            final String sourceId = Integer.toString(transport.kernelDomainId(source));

            final Process sink = start("sink", dir.toString(), kind, sourceId);
            final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            try
            {
                final Channel channel = transport.openChannel(Integer.parseInt(readyLine(sink).split(" ")[1]));
                drain(sink, lines);
                final Sender sender = channel.sender();
                final Claim claim = sender.newClaim();
                final IdleStrategy idle = new BackoffIdleStrategy();
                final long deadline = System.nanoTime() + GONE_WITHIN_NS;
                boolean killed = false;
                long sent = 0;
                PeerGoneException gone = null;
                while (gone == null)
                {
                    assertTrue(System.nanoTime() - deadline < 0, kind + ": no peer gone within the bound; sent " +
                        sent + ", child said " + lines);
                    if (!killed && lines.contains("checked 200"))
                    {
                        sink.destroyForcibly(); // SIGKILL, mid-stream: the sender is still claiming
                        killed = true;
                    }
                    try
                    {
                        if (sender.tryClaim(length(sent), claim) == Status.OK)
                        {
                            write(claim.buffer(), sent++);
                            sender.commit(claim);
                            idle.reset();
                        }
                        else
                        {
                            idle.idle();
                        }
                    }
                    catch (final PeerGoneException ex)
                    {
                        gone = ex;
                    }
                }
                assertTrue(killed, kind + ": peer gone before the child was killed: " + gone.getMessage());
                assertTrue(gone.getMessage().contains("receiver died"), gone.getMessage());
                assertFalse(lines.stream().anyMatch((l) -> l.startsWith("bad")), kind + ": child saw " + lines);
                assertFalse(claim.isActive(), "no claim is left active");
                channel.close();
                assertEquals(heldAtStart, kernelHeld(), kind + ": every frame of the channel is back");
            }
            finally
            {
                sink.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }

            final Process again = start("sink", dir.toString(), kind, sourceId);
            try
            {
                final Channel channel = transport.openChannel(Integer.parseInt(readyLine(again).split(" ")[1]));
                sendAll(channel.sender(), RESUMED, false);
                channel.sender().finish();
                assertTrue(again.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), kind + ": restarted sink stuck");
                final String output = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, again.exitValue(), output);
                assertTrue(output.contains("done " + RESUMED), kind + ": " + output);
                channel.close();
                assertEquals(heldAtStart, kernelHeld(), kind + ": every frame back after the resumed stream");
            }
            finally
            {
                again.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {ProcessTransport.RBUFS, ProcessTransport.FBUFS, ProcessTransport.RING,
        ProcessTransport.XEN})
    void aSendingChildKilledMidStreamLeavesOnlyWholeMessagesThenPeerGoneAndARestartedChildResumes(final String kind)
        throws Exception
    {
        try (ProcessTransport transport = ProcessTransport.open(client, kind))
        {
            final Domain sink = transport.createDomain("sink");
            final int sinkId = transport.kernelDomainId(sink);
            final long heldAtStart = kernelHeld();

            final Process source = start("source", dir.toString(), kind, Integer.toString(sinkId));
            try
            {
                final int sourceId = Integer.parseInt(readyLine(source).split(" ")[1]);
                final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
                drain(source, lines);
                final Channel channel = transport.openChannel(transport.createChannel(sourceId, sinkId, CONFIG));
                final Receiver receiver = channel.receiver();
                final Message message = receiver.newMessage();
                final long deadline = System.nanoTime() + GONE_WITHIN_NS;
                long checked = 0;
                PeerGoneException gone = null;
                while (gone == null)
                {
                    assertTrue(System.nanoTime() - deadline < 0, kind + ": no peer gone within the bound; checked " +
                        checked + ", child said " + lines);
                    try
                    {
                        if (receiver.receive(message, 10, TimeUnit.MILLISECONDS) == Status.OK)
                        {
                            assertEquals(null, check(message, checked), kind + ": message " + checked);
                            receiver.release(message);
                            if (++checked == 200)
                            {
                                source.destroyForcibly(); // SIGKILL, mid-stream: it is claiming and writing
                            }
                        }
                    }
                    catch (final PeerGoneException ex)
                    {
                        gone = ex;
                    }
                }
                assertTrue(checked >= 200, kind + ": gone after " + checked + ": " + gone.getMessage());
                assertTrue(gone.getMessage().contains("sender died") &&
                    gone.getMessage().contains("every message it committed was delivered"), gone.getMessage());
                channel.close();
                assertEquals(heldAtStart, kernelHeld(), kind + ": every frame of the channel is back");
            }
            finally
            {
                source.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }

            final Process again = start("source", dir.toString(), kind, Integer.toString(sinkId),
                Integer.toString(RESUMED));
            try
            {
                final int sourceId = Integer.parseInt(readyLine(again).split(" ")[1]);
                final Channel channel = transport.openChannel(transport.createChannel(sourceId, sinkId, CONFIG));
                assertEquals(RESUMED, checkAll(channel.receiver(), false), kind + ": the resumed stream");
                assertTrue(again.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), kind + ": restarted source stuck");
                assertEquals(0, again.exitValue());
                channel.close();
                assertEquals(heldAtStart, kernelHeld(), kind + ": every frame back after the resumed stream");
            }
            finally
            {
                again.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** Message {@code sequence}'s length: a multiple of 8 from 16 to {@link #MAX}, varying. */
    private static int length(final long sequence)
    {
        return 16 + (int)((sequence * 584) % (MAX - 15)) / 8 * 8;
    }

    /** Writes message {@code sequence}: the sequence, words derived from it, then a checksum of all before it. */
    private static void write(final MutableDirectBuffer buffer, final long sequence)
    {
        final int length = length(sequence);
        long sum = 0;
        for (int i = 0; i < length - 8; i += 8)
        {
            final long word = i == 0 ? sequence : sequence * 0x9E3779B97F4A7C15L + i;
            buffer.putLong(i, word);
            sum = sum * 31 + word;
        }
        buffer.putLong(length - 8, sum);
    }

    /** @return null if the message is whole message {@code sequence}, else what is wrong. */
    private static String check(final Message message, final long sequence)
    {
        final int length = message.length();
        if (length != length(sequence) || message.pieceCount() != 1)
        {
            return "length=" + length + " pieces=" + message.pieceCount() + ", expected " + length(sequence);
        }
        final DirectBuffer bytes = message.buffer(0);
        long sum = 0;
        for (int i = 0; i < length - 8; i += 8)
        {
            sum = sum * 31 + bytes.getLong(i);
        }
        if (bytes.getLong(0) != sequence || bytes.getLong(length - 8) != sum)
        {
            return "sequence=" + bytes.getLong(0) + " checksum=" + bytes.getLong(length - 8) + ", expected " +
                sequence + " and " + sum;
        }
        return null;
    }

    private static void sendAll(final Sender sender, final long count, final boolean report)
    {
        final Claim claim = sender.newClaim();
        for (long sequence = 0; sequence < count; sequence++)
        {
            sender.awaitClaim(length(sequence), claim);
            write(claim.buffer(), sequence);
            sender.commit(claim);
            if (report && (sequence + 1) % 100 == 0)
            {
                System.out.println("sent " + (sequence + 1));
                System.out.flush();
            }
        }
    }

    /** @return messages checked until the end of stream; a bad one ends the child (exit 1) or fails the test. */
    private static long checkAll(final Receiver receiver, final boolean child)
    {
        final Message message = receiver.newMessage();
        long checked = 0;
        int status;
        while ((status = receiver.receive(message, 10, TimeUnit.SECONDS)) == Status.OK)
        {
            final String bad = check(message, checked);
            if (bad != null)
            {
                if (child)
                {
                    System.out.println("bad " + checked + ": " + bad);
                    System.out.flush();
                    System.exit(1);
                }
                fail("message " + checked + ": " + bad);
            }
            receiver.release(message);
            if (child && ++checked % 100 == 0)
            {
                System.out.println("checked " + checked);
                System.out.flush();
            }
            else if (!child)
            {
                checked++;
            }
        }
        assertEquals(Status.END_OF_STREAM, status, Status.name(status));
        return checked;
    }

    private static MachineClient.ChannelInfo awaitChannelFrom(final MachineClient client, final int domainId)
    {
        final IdleStrategy idle = new BackoffIdleStrategy(1, 1, 1_000, 1_000_000);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_TIMEOUT_SECONDS);
        MachineClient.ChannelInfo info;
        while ((info = client.newestOpenChannelFrom(domainId, (id) -> false)) == null)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("no channel from domain " + domainId);
            }
            idle.idle();
        }
        return info;
    }

    private long kernelHeld()
    {
        final MachineSnapshot.Group kernelDomain = reader.snapshot().domain(Kernel.KERNEL_DOMAIN_ID);
        return kernelDomain.value("frames allocated") - kernelDomain.value("frames freed");
    }

    private static Process start(final String... args) throws Exception
    {
        return new ProcessBuilder(JvmFlags.childJvm("96m", ProcessTransportChildProcessTest.class, List.of(args)))
            .redirectErrorStream(true).start();
    }

    /** @return the child's ready line, after "ready" (the words before it are its output so far, shown on failure). */
    private static String readyLine(final Process process) throws Exception
    {
        return ChildOutput.readyLine(process, READY);
    }

    /** Copies the child's further output lines into {@code lines} on a daemon thread, until it ends. */
    private static void drain(final Process process, final LinkedBlockingQueue<String> lines)
    {
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = out.readLine()) != null)
                {
                    lines.add(line);
                }
            }
            catch (final java.io.IOException ex)
            {
                lines.add("output ended: " + ex);
            }
        }, "child-output");
        thread.setDaemon(true);
        thread.start();
    }
}

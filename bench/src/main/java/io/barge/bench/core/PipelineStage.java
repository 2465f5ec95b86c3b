package io.barge.bench.core;

import io.barge.core.CounterKeyDescriptor;
import io.barge.core.machine.ChannelBrokenException;
import io.barge.core.machine.ControlProtocolDescriptor;
import io.barge.core.machine.KernelGoneException;
import io.barge.core.machine.KernelRefusedException;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.MachineClientException;
import io.barge.core.machine.MachineClientInfo;
import io.barge.core.machine.MachineReader;
import io.barge.core.machine.MachineSnapshot;
import io.barge.core.machine.PeerGoneException;
import io.barge.core.machine.ProcessChannelDescriptor;
import io.barge.core.machine.ProcessReceiver;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintWriter;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One stage of a pipeline whose stages run in separate processes attached to one kernel ({@code barge pipeline
 * --attach D --role ...}): a source sends {@link StageMessageDescriptor} messages, a forward receives each and sends
 * it on, a sink checks each and counts. Each stage owns one domain named after it.
 * <p>
 * <b>Rendezvous</b> (race-free because the kernel serialises it): the downstream end makes every channel. A forward
 * or sink looks its upstream's domain up by name in the machine's counters ({@link MachineReader#snapshot()}: the
 * newest live domain of that name whose owning process is alive), asks the kernel for a channel from it to its own
 * domain, and opens the receiving end; the kernel refuses a domain that went meanwhile, and the stage looks again.
 * A source or forward looks in the channel table ({@link MachineClient#newestOpenChannelFrom}) for the newest channel
 * out of its own domain with both ends open, and opens the sending end. So a stage may start, die and restart in any
 * order: each waits (looking every {@value #LOOK_INTERVAL_MS} ms, bounded by {@code waitMs} when that is set) and
 * says what it waits for.
 * <p>
 * <b>Channel kinds.</b> The downstream makes each channel, so the kind is its choice ({@link Settings#kind()}); an
 * upstream opens whatever kind the table shows. On an Rbufs channel a source writes each message in place in the
 * claimed buffer and a sink checks it in place in the read-only view (no copy); a forward copies each message once,
 * from its upstream's view into a claimed downstream buffer (the two channels' data areas differ). On a ring channel
 * the sender copies into the ring.
 * <p>
 * <b>Peers going.</b> An upstream that closes or dies is heard as {@link PeerGoneException} once every message it
 * committed has been taken; a downstream, as {@link PeerGoneException} on the next send. Either way the stage says
 * so, closes its end and waits for a new peer as above. A forward never loses a message it took: one the downstream
 * could not take is kept in a private buffer and sent first to the next downstream. A channel whose peer broke the
 * protocol ({@link ChannelBrokenException}) is given up the same way. A kernel that is gone stops the stage with
 * exit 1, whether an end with nothing to do found it ({@link KernelGoneException}) or the stage's own look did.
 * <p>
 * <b>The sink</b> accepts only whole messages ({@link StageMessageDescriptor#check}: the header always, every byte
 * with {@code touch}); it reports a new source run, a sequence gap (messages lost with a stage that died), and
 * rejects, with reasons, anything torn, corrupt or out of order. The data path allocates nothing; reports do.
 * <p>
 * An {@link Agent}: one thread runs it; {@link #exitCode()} and the summary are read after it stopped.
 */
public final class PipelineStage implements Agent
{
    /** What a stage does. */
    public enum Role
    {
        /** Sends sequenced messages downstream. */
        SOURCE,
        /** Receives from its upstream and sends each message on. */
        FORWARD,
        /** Receives and checks. */
        SINK
    }

    /**
     * A stage's settings, checked by the command that makes them.
     *
     * @param role     what it does.
     * @param name     its domain's name.
     * @param from     its upstream's name (null for a source).
     * @param size     bytes of each message a source sends; the longest a forward or sink takes.
     * @param messages messages to send or take before the stage ends, 0 for no end.
     * @param touch    whether a sink checks every byte.
     * @param kind     kind of each channel the stage makes (forward, sink): {@link ProcessChannelDescriptor#KIND_RING}
     *                 or {@link ProcessChannelDescriptor#KIND_RBUFS}.
     * @param channelBytes ring or data-area bytes of each channel the stage makes (forward, sink).
     * @param waitMs   longest wait for a peer, 0 for no end.
     * @param reportMs milliseconds between rate lines.
     */
    public record Settings(Role role, String name, String from, int size, long messages, boolean touch,
        int kind, int channelBytes, long waitMs, long reportMs)
    {
    }

    /** Exit status of a stage that ended as asked. */
    public static final int EXIT_OK = 0;
    /** Exit status of a stage that failed (a reject, a wait that ran out, the kernel gone). */
    public static final int EXIT_FAILED = 1;
    /** Exit status of a stage whose settings the kernel refused. */
    public static final int EXIT_USAGE = 2;

    static final long LOOK_INTERVAL_MS = 20;
    private static final int BATCH = 64;
    private static final int MAX_EVENT_LINES = 20;

    private final Settings settings;
    private final MachineClient client;
    private final MachineReader reader;
    private final PrintWriter out;
    private final int domainId;
    private final String title;
    private final UnsafeBuffer message;
    private final long runId;
    private final IntHashSet givenUp = new IntHashSet();
    private final IntHashSet lostUpstreams = new IntHashSet();
    private final ProcessReceiver.MessageHandler forwardHandler = this::onForward;
    private final ProcessReceiver.MessageHandler sinkHandler = this::onSink;
    private final long startNs = System.nanoTime();

    private StageEnd receiver;
    private StageEnd sender;
    private int upstreamDomain = -1;
    private long nextUpstreamLookNs;
    private long nextDownstreamLookNs;
    private long waitingSinceNs = startNs;
    private String waitingFor;
    private long nextReportNs;
    private long lastReportNs = startNs;
    private long lastReportCount;
    private long lastReportBytes;
    private boolean done;
    private int exitCode = EXIT_OK;
    private String failure;
    private int eventLines;

    // Source: the message in the buffer, not yet taken by the ring.
    private long sequence;
    private boolean written;
    // Forward: a message taken from upstream that the downstream has not taken yet.
    private int pendingLength = -1;
    private MachineClientException downstreamFailure;
    // Counts: sent (source), forwarded (forward) or accepted (sink); and bytes of them.
    private long count;
    private long bytes;
    private long received;
    private long rejected;
    private long gaps;
    private long missing;
    private long runs;
    private long upstreams;
    private long downstreams;
    private boolean haveRun;
    private long currentRun;
    private long expected;

    /**
     * @param settings checked settings.
     * @param client   attached to the kernel.
     * @param domainId this stage's domain, made by {@code client}.
     * @param reader   read-only view of the same machine (upstream lookups).
     * @param out      where the stage reports.
     */
    public PipelineStage(final Settings settings, final MachineClient client, final int domainId,
        final MachineReader reader, final PrintWriter out)
    {
        this.settings = settings;
        this.client = client;
        this.domainId = domainId;
        this.reader = reader;
        this.out = out;
        this.title = settings.role().name().toLowerCase(java.util.Locale.ROOT) + " \"" + settings.name() + "\"";
        this.message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            org.agrona.BitUtil.align(settings.size(), 4096), 4096), 0, settings.size());
        this.runId = new SplittableRandom(System.nanoTime() ^ ProcessHandle.current().pid() * 0x9E3779B97F4A7C15L)
            .nextLong();
        this.nextReportNs = startNs + TimeUnit.MILLISECONDS.toNanos(settings.reportMs());
    }

    @Override
    public String roleName()
    {
        return "barge-stage " + settings.name();
    }

    @Override
    public int doWork()
    {
        if (done)
        {
            throw new AgentTerminationException();
        }
        final long now = System.nanoTime();
        int work = 0;
        try
        {
            if (settings.role() != Role.SOURCE && receiver == null && now - nextUpstreamLookNs >= 0)
            {
                nextUpstreamLookNs = now + TimeUnit.MILLISECONDS.toNanos(LOOK_INTERVAL_MS);
                work += findUpstream();
            }
            if (settings.role() != Role.SINK && sender == null && now - nextDownstreamLookNs >= 0)
            {
                nextDownstreamLookNs = now + TimeUnit.MILLISECONDS.toNanos(LOOK_INTERVAL_MS);
                work += findDownstream();
            }
            switch (settings.role())
            {
                case SOURCE:
                    work += sender != null ? send() : 0;
                    break;
                case FORWARD:
                    work += sender != null ? forward() : 0;
                    break;
                default:
                    work += receiver != null ? sink() : 0;
                    break;
            }
            if (now - nextReportNs >= 0)
            {
                nextReportNs = now + TimeUnit.MILLISECONDS.toNanos(settings.reportMs());
                report(now);
                checkKernel();
            }
            checkWait(now);
        }
        catch (final KernelGoneException ex)
        {
            fail(EXIT_FAILED, "the kernel is gone: " + ex.getMessage());
        }
        catch (final MachineClientException ex)
        {
            // Refused or unanswered outside a rendezvous: e.g. the kernel timed this stage out.
            fail(EXIT_FAILED, "the kernel failed a request: " + ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            fail(EXIT_FAILED, "unexpected error: " + ex);
        }
        return work;
    }

    private int send()
    {
        int sent = 0;
        try
        {
            while (sent < BATCH)
            {
                if (sender.inPlace())
                {
                    if (!sender.tryClaim(settings.size()))
                    {
                        break;
                    }
                    StageMessageDescriptor.write(sender.claimed(), sequence, runId, settings.size());
                    sender.commit(); // a receiver gone since the claim throws: the sequence stays in hand
                }
                else
                {
                    if (!written)
                    {
                        StageMessageDescriptor.write(message, sequence, runId, settings.size());
                        written = true;
                    }
                    if (!sender.offer(message, 0, settings.size()))
                    {
                        break;
                    }
                    written = false;
                }
                sequence++;
                sent++;
                count++;
                bytes += settings.size();
                if (settings.messages() > 0 && count == settings.messages())
                {
                    done = true;
                    break;
                }
            }
        }
        catch (final PeerGoneException | ChannelBrokenException ex)
        {
            downstreamGone(ex);
        }
        return sent;
    }

    private int forward()
    {
        int work = 0;
        if (pendingLength >= 0)
        {
            try
            {
                if (!sender.offer(message, 0, pendingLength))
                {
                    return 0;
                }
            }
            catch (final PeerGoneException | ChannelBrokenException ex)
            {
                downstreamGone(ex);
                return 0;
            }
            final int length = pendingLength;
            pendingLength = -1;
            counted(length);
            work++;
        }
        if (receiver == null)
        {
            return work;
        }
        try
        {
            // One at a time: a message the downstream cannot take stops the batch before the next is taken.
            while (work < BATCH && pendingLength < 0 && receiver.poll(forwardHandler, 1) > 0)
            {
                work++;
            }
        }
        catch (final PeerGoneException | ChannelBrokenException ex)
        {
            upstreamGone(ex);
        }
        if (downstreamFailure != null)
        {
            final MachineClientException ex = downstreamFailure;
            downstreamFailure = null;
            downstreamGone(ex);
        }
        return work;
    }

    private void onForward(final DirectBuffer buffer, final int offset, final int length)
    {
        received++;
        try
        {
            if (sender.offer(buffer, offset, length))
            {
                counted(length);
                return;
            }
        }
        catch (final PeerGoneException | ChannelBrokenException ex)
        {
            downstreamFailure = ex;
        }
        // Taken from upstream but not sent on: kept (the view goes when this returns), sent first next time.
        message.putBytes(0, buffer, offset, length);
        pendingLength = length;
    }

    private void counted(final int length)
    {
        count++;
        bytes += length;
        if (settings.messages() > 0 && count == settings.messages())
        {
            done = true;
        }
    }

    private int sink()
    {
        try
        {
            final long left = settings.messages() > 0 ? settings.messages() - count : BATCH;
            return receiver.poll(sinkHandler, (int)Math.min(BATCH, left));
        }
        catch (final PeerGoneException | ChannelBrokenException ex)
        {
            upstreamGone(ex);
            return 0;
        }
    }

    private void onSink(final DirectBuffer buffer, final int offset, final int length)
    {
        received++;
        final String wrong = StageMessageDescriptor.check(buffer, offset, length, settings.touch());
        if (wrong != null)
        {
            reject(wrong);
            return;
        }
        final long seq = StageMessageDescriptor.sequence(buffer, offset);
        final long run = StageMessageDescriptor.runId(buffer, offset);
        if (!haveRun || run != currentRun)
        {
            event(haveRun ? "new source run " + Long.toHexString(run) + " from sequence " + seq + " (run " +
                Long.toHexString(currentRun) + " ended at " + (expected - 1) + ")" :
                "first message: source run " + Long.toHexString(run) + ", sequence " + seq);
            haveRun = true;
            currentRun = run;
            runs++;
        }
        else if (seq > expected)
        {
            gaps++;
            missing += seq - expected;
            event("gap: expected sequence " + expected + ", got " + seq + " (" + (seq - expected) +
                " missing, lost with a stage that died)");
        }
        else if (seq < expected)
        {
            reject("sequence " + seq + " of run " + Long.toHexString(run) + " after " + (expected - 1) +
                ": repeated or out of order");
            return;
        }
        expected = seq + 1;
        counted(length);
    }

    private void reject(final String why)
    {
        rejected++;
        exitCode = EXIT_FAILED;
        event("rejected message: " + why);
    }

    private int findUpstream()
    {
        final int upstream = liveDomain(settings.from());
        if (upstream < 0)
        {
            waiting("a live domain named \"" + settings.from() + "\" (start its stage)");
            return 0;
        }
        final int channelId;
        try
        {
            channelId = client.createChannel(upstream, domainId, settings.size(), settings.channelBytes(),
                settings.kind());
        }
        catch (final KernelRefusedException ex)
        {
            if (ex.errorCode() == ControlProtocolDescriptor.ERROR_BAD_SIZES)
            {
                fail(EXIT_USAGE, "the kernel refused the channel's sizes: " + ex.getMessage());
            }
            else if (ex.errorCode() != ControlProtocolDescriptor.ERROR_UNKNOWN_DOMAIN)
            {
                waiting("a channel from \"" + settings.from() + "\" (" + ex.getMessage() + ")");
            }
            return 0; // an unknown domain went between the lookup and the request: look again
        }
        receiver = StageEnd.upstream(client, channelId, settings.kind());
        upstreams++;
        upstreamDomain = upstream;
        say("connected: channel " + channelId + " from domain " + upstream + " \"" + settings.from() + "\" (" +
            ProcessChannelDescriptor.kindName(settings.kind()) + ")");
        connected();
        return 1;
    }

    /**
     * @return the newest live domain of that name whose owning process is alive and from which this stage never
     *         lost a channel, or -1.
     */
    private int liveDomain(final String name)
    {
        final MachineSnapshot snapshot = reader.snapshot();
        int newest = -1;
        for (final MachineSnapshot.Group group : snapshot.groups())
        {
            if (group.kind() == CounterKeyDescriptor.KIND_DOMAIN && group.name().equals(name) &&
                group.domainId() > newest && !lostUpstreams.contains(group.domainId()) &&
                ownerAlive(snapshot, group.domainId()))
            {
                newest = group.domainId();
            }
        }
        return newest;
    }

    /**
     * @param snapshot a machine's snapshot.
     * @param domainId a domain in it.
     * @return whether a client process owns the domain and is alive (on this host).
     */
    public static boolean ownerAlive(final MachineSnapshot snapshot, final int domainId)
    {
        for (final MachineClientInfo info : snapshot.clients())
        {
            for (final int id : info.domainIds())
            {
                if (id == domainId)
                {
                    return ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false);
                }
            }
        }
        return false;
    }

    private int findDownstream()
    {
        final MachineClient.ChannelInfo channel = client.newestOpenChannelFrom(domainId, givenUp::contains);
        if (channel == null)
        {
            waiting("a downstream stage (one started with --from " + settings.name() + ")");
            return 0;
        }
        if (channel.maxMessageLength() < settings.size())
        {
            givenUp.add(channel.channelId());
            say("channel " + channel.channelId() + " to domain " + channel.receiverDomain() + " takes at most " +
                channel.maxMessageLength() + " bytes, this stage sends up to " + settings.size() + ": not used " +
                "(start the downstream with --size " + settings.size() + " or more)");
            return 0;
        }
        try
        {
            sender = StageEnd.downstream(client, channel.channelId(), channel.kind());
        }
        catch (final IllegalStateException ex)
        {
            // Closed or broken since the table showed it (ChannelBrokenException is one): pass it over.
            givenUp.add(channel.channelId());
            say("channel " + channel.channelId() + " not usable: " + ex.getMessage());
            return 0;
        }
        downstreams++;
        say("connected: channel " + channel.channelId() + " to domain " + channel.receiverDomain() + " (" +
            ProcessChannelDescriptor.kindName(channel.kind()) + ")");
        connected();
        return 1;
    }

    private void upstreamGone(final MachineClientException ex)
    {
        // Never that domain again: a stage that ends closes its ends before it detaches, so its domain and process
        // still look live for a moment after the channel is gone. Domain ids are not reused.
        lostUpstreams.add(upstreamDomain);
        receiver.close();
        receiver = null;
        say("upstream gone (domain " + upstreamDomain + "): " + ex.getMessage() + "; waiting for a new \"" +
            settings.from() + "\"");
        startWaiting();
    }

    private void downstreamGone(final MachineClientException ex)
    {
        givenUp.add(sender.channelId());
        sender.close();
        sender = null;
        say("downstream gone: " + ex.getMessage() + "; waiting for a new one" +
            (pendingLength >= 0 || written ? " (the message in hand goes to it first)" : ""));
        startWaiting();
    }

    private void startWaiting()
    {
        if (waitingFor == null)
        {
            waitingSinceNs = System.nanoTime();
        }
    }

    private void waiting(final String what)
    {
        if (waitingFor == null || !waitingFor.equals(what))
        {
            if (waitingFor == null)
            {
                waitingSinceNs = System.nanoTime();
            }
            waitingFor = what;
            say("waiting for " + what);
        }
    }

    private void connected()
    {
        final boolean upstreamOk = settings.role() == Role.SOURCE || receiver != null;
        final boolean downstreamOk = settings.role() == Role.SINK || sender != null;
        if (upstreamOk && downstreamOk)
        {
            waitingFor = null;
        }
    }

    private void checkWait(final long now)
    {
        final boolean needs = (settings.role() != Role.SOURCE && receiver == null) ||
            (settings.role() != Role.SINK && sender == null);
        if (needs && settings.waitMs() > 0 && now - waitingSinceNs > TimeUnit.MILLISECONDS.toNanos(settings.waitMs()))
        {
            fail(EXIT_FAILED, "gave up after " + settings.waitMs() + " ms waiting for " +
                (waitingFor == null ? "a peer" : waitingFor));
        }
    }

    private void checkKernel()
    {
        if (!client.isKernelRunning())
        {
            fail(EXIT_FAILED, "the kernel is gone: the kernel in " + client.file().getParent() + " closed or died");
        }
    }

    private void fail(final int code, final String why)
    {
        if (failure == null)
        {
            failure = why;
            exitCode = code;
            say("stopping: " + why);
        }
        done = true;
    }

    private void report(final long now)
    {
        final double seconds = (now - lastReportNs) / 1e9;
        final long n = count - lastReportCount;
        final long b = bytes - lastReportBytes;
        lastReportNs = now;
        lastReportCount = count;
        lastReportBytes = bytes;
        final StringBuilder line = new StringBuilder(title).append(String.format(": %,.0f msg/s, %,.1f MB/s; %s %,d",
            n / seconds, b / seconds / 1e6, verb(), count));
        if (settings.role() == Role.SINK)
        {
            line.append(String.format(", gaps %,d (missing %,d), rejected %,d", gaps, missing, rejected));
        }
        if (waitingFor != null)
        {
            line.append("; waiting for ").append(waitingFor);
        }
        out.println(line);
        out.flush();
    }

    private String verb()
    {
        switch (settings.role())
        {
            case SOURCE:
                return "sent";
            case FORWARD:
                return "forwarded";
            default:
                return "received";
        }
    }

    private void event(final String what)
    {
        if (eventLines < MAX_EVENT_LINES)
        {
            say(what);
        }
        else if (eventLines == MAX_EVENT_LINES)
        {
            say("(further gaps and rejects are counted, not printed)");
        }
        eventLines++;
    }

    private void say(final String what)
    {
        out.println(title + ": " + what);
        out.flush();
    }

    /** Closes the stage's channel ends (the kernel marks them closed; peers hear it after draining). */
    @Override
    public void onClose()
    {
        if (receiver != null)
        {
            receiver.close();
            receiver = null;
        }
        if (sender != null)
        {
            sender.close();
            sender = null;
        }
    }

    /**
     * @return the summary, one line (after the stage stopped).
     */
    public String summary()
    {
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        final StringBuilder line = new StringBuilder(title).append(String.format(
            " summary: %s %,d messages (%,d bytes) in %.1f s, %,.0f msg/s", verb(), count, bytes, seconds,
            count / seconds));
        switch (settings.role())
        {
            case SOURCE:
                line.append(String.format("; downstreams %d", downstreams));
                break;
            case FORWARD:
                line.append(String.format(", received %,d; upstreams %d, downstreams %d", received, upstreams,
                    downstreams));
                break;
            default:
                line.append(String.format("; source runs %d, gaps %,d (missing %,d), rejected %,d; upstreams %d",
                    runs, gaps, missing, rejected, upstreams));
                break;
        }
        if (failure != null)
        {
            line.append("; stopped: ").append(failure);
        }
        return line.toString();
    }

    /**
     * @return {@link #EXIT_OK}, or why not (after the stage stopped).
     */
    public int exitCode()
    {
        return exitCode;
    }

    /**
     * @return messages sent, forwarded or accepted.
     */
    public long count()
    {
        return count;
    }
}

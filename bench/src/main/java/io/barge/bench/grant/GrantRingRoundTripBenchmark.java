package io.barge.bench.grant;

import io.barge.core.Access;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import io.barge.grant.BackRing;
import io.barge.grant.EventChannels;
import io.barge.grant.FrontRing;
import io.barge.grant.GrantTable;
import io.barge.grant.Hypervisor;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Round trips over a grant-mapped Xen-style descriptor ring ({@link FrontRing}/{@link BackRing}, 16-byte slots,
 * woken by {@link EventChannels}) with event-index notification suppression on and off, beside a pair of Agrona
 * {@link OneToOneRingBuffer}s (request ring and response ring) doing the same work, in the same run. One thread plays
 * both ends: {@code batch} requests written and pushed, the backend copies each once, answers it and pushes, the
 * frontend consumes the responses, and each side re-arms with its final check when out of work. With suppression on,
 * the batch is pushed once and a push notifies only when the peer's event index was passed (once per batch per
 * direction here, since the peer goes idle every round); off, every request and every response is pushed and
 * signalled on its own. Compare the {@code messages} counters;
 * {@code notifications} counts event-channel sends (per second: divide by {@code messages} for per message).
 * <pre>
 *   java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -jar bench/target/barge.jar bench \
 *       GrantRingRoundTrip -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@State(Scope.Thread)
public class GrantRingRoundTripBenchmark
{
    private static final int SLOT = 16;

    /** Requests per invocation: pushed together, then answered, then consumed. */
    @Param({ "1", "16" })
    public int batch;

    /** Messages and notifications, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counts
    {
        /** Round trips completed. */
        public long messages;
        /** Event-channel notifications sent, both directions. */
        public long notifications;

        /**
         * Starts each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            messages = 0;
            notifications = 0;
        }
    }

    /** A ring granted by a frontend domain and mapped by a backend domain, with an event channel between them. */
    @State(Scope.Thread)
    public static class XenRing
    {
        /** Whether pushes notify only when the peer asked (event indices) or always. */
        @Param({ "true", "false" })
        public boolean suppression;

        PhysicalMemory memory;
        Kernel kernel;
        Hypervisor hypervisor;
        EventChannels events;
        Domain frontDomain;
        Domain backDomain;
        FrontRing front;
        BackRing back;
        int frontPort;
        int backPort;
        final UnsafeBuffer requestCopy = new UnsafeBuffer(new byte[SLOT]);
        final UnsafeBuffer responseCopy = new UnsafeBuffer(new byte[SLOT]);
        long sequence;
        long wakeups;

        /**
         * Grants, maps and binds.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            memory = PhysicalMemory.allocateDirect(256);
            kernel = new Kernel(memory, 1 << 12, 8);
            hypervisor = new Hypervisor(kernel, 64);
            events = new EventChannels(kernel, 4);
            frontDomain = kernel.createDomain("front");
            backDomain = kernel.createDomain("back");
            final GrantTable table = hypervisor.setupTable(frontDomain, 8);
            final int frame = kernel.allocateFrame(frontDomain, true);
            final long frontVa = kernel.reserve(frontDomain, 1);
            kernel.map(frontDomain, frontVa, frame, Rights.READ_WRITE);
            final int ref = table.grantAccess(backDomain, frame, false);
            final long backVa = kernel.reserve(backDomain, 1);
            hypervisor.mapGrant(backDomain, frontDomain.id(), ref, backVa, false);
            final UnsafeBuffer frontView = new UnsafeBuffer(0, 0);
            final UnsafeBuffer backView = new UnsafeBuffer(0, 0);
            frontDomain.addressSpace().wrapView(frontView, frontVa, memory.frameSize(), Access.WRITE);
            backDomain.addressSpace().wrapView(backView, backVa, memory.frameSize(), Access.WRITE);
            front = new FrontRing(frontDomain, frontView, SLOT);
            back = new BackRing(backDomain, backView);
            frontPort = events.allocUnbound(frontDomain, backDomain.id());
            backPort = events.bindInterdomain(backDomain, frontDomain.id(), frontPort);
            events.bindHandler(frontDomain, frontPort, () -> wakeups++);
            events.bindHandler(backDomain, backPort, () -> wakeups++);
        }

        /**
         * Frees everything.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            events.close();
            hypervisor.close();
            kernel.close();
            memory.close();
        }

        long sent()
        {
            return frontDomain.counter(CounterType.NOTIFICATIONS_SENT) +
                backDomain.counter(CounterType.NOTIFICATIONS_SENT);
        }
    }

    /** Agrona's one-to-one ring buffers: one for requests, one for responses. */
    @State(Scope.Thread)
    public static class AgronaPair implements MessageHandler
    {
        ByteBuffer requestMemory;
        ByteBuffer responseMemory;
        OneToOneRingBuffer requests;
        OneToOneRingBuffer responses;
        long sequence;
        long sum;
        boolean answering;

        /**
         * Allocates the rings.
         */
        @Setup(Level.Trial)
        public void setUp()
        {
            requestMemory = BufferUtil.allocateDirectAligned(4096 + RingBufferDescriptor.TRAILER_LENGTH, 128);
            responseMemory = BufferUtil.allocateDirectAligned(4096 + RingBufferDescriptor.TRAILER_LENGTH, 128);
            requests = new OneToOneRingBuffer(new UnsafeBuffer(requestMemory));
            responses = new OneToOneRingBuffer(new UnsafeBuffer(responseMemory));
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index,
            final int length)
        {
            if (answering)
            {
                final int claim = responses.tryClaim(1, SLOT);
                if (claim < 0)
                {
                    throw new IllegalStateException("response ring full");
                }
                responses.buffer().putLong(claim, buffer.getLong(index));
                responses.buffer().putLong(claim + 8, buffer.getLong(index + 8) + 1);
                responses.commit(claim);
            }
            else
            {
                sum += buffer.getLong(index + 8);
            }
        }
    }

    /**
     * @param ring   the Xen-style ring.
     * @param counts the counters.
     * @return a value derived from the responses.
     */
    @Benchmark
    public long xenRing(final XenRing ring, final Counts counts)
    {
        final FrontRing front = ring.front;
        final BackRing back = ring.back;
        final long sentBefore = ring.sent();
        final boolean suppression = ring.suppression;
        for (int i = 0; i < batch; i++)
        {
            final int off = front.claimRequest();
            front.buffer().putLong(off, ring.sequence);
            front.buffer().putLong(off + 8, ring.sequence++);
            if (!suppression)
            {
                // Off: every request is published and signalled on its own, whatever the backend asked for.
                front.pushRequestsAndCheckNotify();
                ring.events.notify(ring.frontDomain, ring.frontPort);
            }
        }
        if (suppression && front.pushRequestsAndCheckNotify())
        {
            ring.events.notify(ring.frontDomain, ring.frontPort);
        }
        while (back.copyNextRequest(ring.requestCopy, 0))
        {
            final int off = back.claimResponse();
            back.buffer().putLong(off, ring.requestCopy.getLong(0));
            back.buffer().putLong(off + 8, ring.requestCopy.getLong(8) + 1);
            if (!suppression)
            {
                back.pushResponsesAndCheckNotify();
                ring.events.notify(ring.backDomain, ring.backPort);
            }
        }
        if (suppression && back.pushResponsesAndCheckNotify())
        {
            ring.events.notify(ring.backDomain, ring.backPort);
        }
        // Out of work: each side re-arms its event index before it would sleep.
        back.finalCheckForRequests();
        long result = 0;
        while (front.copyNextResponse(ring.responseCopy, 0))
        {
            result += ring.responseCopy.getLong(8);
        }
        front.finalCheckForResponses();
        counts.messages += batch;
        counts.notifications += ring.sent() - sentBefore;
        return result;
    }

    /**
     * @param pair   the Agrona rings.
     * @param counts the counters.
     * @return a value derived from the responses.
     */
    @Benchmark
    public long agronaRingBuffers(final AgronaPair pair, final Counts counts)
    {
        for (int i = 0; i < batch; i++)
        {
            final int claim = pair.requests.tryClaim(1, SLOT);
            if (claim < 0)
            {
                throw new IllegalStateException("request ring full");
            }
            pair.requests.buffer().putLong(claim, pair.sequence);
            pair.requests.buffer().putLong(claim + 8, pair.sequence++);
            pair.requests.commit(claim);
        }
        pair.answering = true;
        int read = 0;
        while (read < batch)
        {
            read += pair.requests.read(pair, batch - read);
        }
        pair.answering = false;
        read = 0;
        while (read < batch)
        {
            read += pair.responses.read(pair, batch - read);
        }
        counts.messages += batch;
        return pair.sum;
    }
}

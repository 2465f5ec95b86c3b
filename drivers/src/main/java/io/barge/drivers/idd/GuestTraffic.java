package io.barge.drivers.idd;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.ResponseHandler;
import io.barge.core.transport.Status;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.Agent;

import java.nio.ByteOrder;

/**
 * The guests' side of a measured run, as one Agrona agent: every guest of a {@link DriverDomain} sends frames of one
 * size to the next guest (the driver domain's wiring), each stamped with its send time and sequence in the first 16
 * bytes, written once in the guest's own buffer; every guest receives what its neighbour sent and records the
 * one-way latency of one frame in {@link #LATENCY_SAMPLE} in a histogram. At most {@code window} frames per guest
 * are on their way at once, so that latency
 * measures the path, not an unbounded queue. No garbage per frame.
 * <p>
 * Not thread safe: one thread runs it; {@link #received()} may be read from another (a progress line).
 */
public final class GuestTraffic implements Agent
{
    /** Bytes of the stamp at the start of every frame: send time, then sequence. */
    public static final int STAMP_LENGTH = 16;
    /** One frame in this many has its latency recorded (a clock read and a histogram update each). */
    public static final int LATENCY_SAMPLE = 16;

    private final DriverDomain idd;
    private final int size;
    private final int window;
    private final int guests;
    private final Claim[] claims;
    private final long[] sent;
    /** By sender: frames of that guest its neighbour received (each guest hears from one neighbour only). */
    private final long[] receivedFrom;
    private final Histogram latency = new Histogram(60_000_000_000L, 3);
    private final MessageHandler onFrame = this::onFrame;
    private final ResponseHandler onResponse = this::onResponse;
    private long count;
    /** {@link #count} published once a pass, for a progress line on another thread. */
    private volatile long received;
    private long errors;
    private long outOfOrder;
    private int receiving;
    private long now;
    private volatile boolean resetRequested;

    /**
     * @param idd    the driver domain whose guests send.
     * @param size   frame length, in [{@link #STAMP_LENGTH}, mtu].
     * @param window most frames per guest sent and not yet received, at least 1.
     */
    public GuestTraffic(final DriverDomain idd, final int size, final int window)
    {
        if (size < STAMP_LENGTH || size > idd.config().mtu())
        {
            throw new IllegalArgumentException("size=" + size + " outside [" + STAMP_LENGTH + ", mtu=" +
                idd.config().mtu() + "]");
        }
        if (window < 1)
        {
            throw new IllegalArgumentException("window=" + window + " is below 1");
        }
        this.idd = idd;
        this.size = size;
        this.window = window;
        this.guests = idd.guests();
        this.claims = new Claim[guests];
        this.sent = new long[guests];
        this.receivedFrom = new long[guests];
        for (int g = 0; g < guests; g++)
        {
            claims[g] = idd.guest(g).newClaim();
        }
    }

    @Override
    public int doWork()
    {
        if (resetRequested)
        {
            resetRequested = false;
            latency.reset();
        }
        int work = 0;
        now = System.nanoTime(); // one clock read per pass: the stamp of every frame sent in it
        for (int g = 0; g < guests; g++)
        {
            work += send(g);
        }
        for (int g = 0; g < guests; g++)
        {
            final GuestNic nic = idd.guest(g);
            receiving = (g + guests - 1) % guests;
            work += nic.poll(onFrame, 64);
            work += nic.pollResponses(onResponse, 64);
        }
        received = count; // one volatile store a pass, not one a frame
        return work;
    }

    private int send(final int g)
    {
        final GuestNic nic = idd.guest(g);
        final Claim claim = claims[g];
        int work = 0;
        while (work < 64 && sent[g] - receivedFrom[g] < window && nic.tryClaim(size, claim) == Status.OK)
        {
            claim.putLong(0, now);
            claim.putLong(8, sent[g]++);
            nic.commit(claim);
            work++;
        }
        return work;
    }

    private void onFrame(final Message message)
    {
        final long stamp = message.getLong(0, ByteOrder.LITTLE_ENDIAN);
        final long sequence = message.getLong(8, ByteOrder.LITTLE_ENDIAN);
        if (sequence != receivedFrom[receiving])
        {
            outOfOrder++; // a drop or a reorder on the path (drops happen only when a guest backs up)
        }
        receivedFrom[receiving] = sequence + 1;
        if ((count & (LATENCY_SAMPLE - 1)) == 0)
        {
            latency.recordValue(Math.max(0, System.nanoTime() - stamp));
        }
        count++;
    }

    private void onResponse(final long id, final int status)
    {
        if (status != Status.OK)
        {
            errors++;
        }
    }

    /**
     * @return frames received by all guests so far.
     */
    public long received()
    {
        return received;
    }

    /**
     * @return frames sent by all guests so far.
     */
    public long sent()
    {
        long sum = 0;
        for (final long s : sent)
        {
            sum += s;
        }
        return sum;
    }

    /**
     * @return error responses (xen) so far.
     */
    public long errors()
    {
        return errors;
    }

    /**
     * @return frames whose sequence was not the next expected.
     */
    public long outOfOrder()
    {
        return outOfOrder;
    }

    /**
     * Asks for a fresh latency record (after a warm-up): the agent's next pass starts it. Any thread.
     */
    public void resetLatency()
    {
        resetRequested = true;
    }

    /**
     * @return one-way latencies in nanoseconds since the last reset; read while the agent is stopped.
     */
    public Histogram latency()
    {
        return latency;
    }

    @Override
    public String roleName()
    {
        return "guests-" + idd.domain().name();
    }
}

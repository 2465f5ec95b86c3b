package io.barge.drivers.nic;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;

/**
 * Drains a {@link Link} as another station would: checks each frame's CRC32C trailer and counts good and bad frames
 * and payload bytes. An {@link Agent}; the counts are read by other threads.
 */
public final class TrafficSink implements Agent
{
    private final Link link;
    private final Link.Crc crc;
    private final MessageHandler onFrame = this::onFrame;
    private volatile long frames;
    private volatile long bytes;
    private volatile long crcErrors;

    /**
     * @param link the link to drain.
     */
    public TrafficSink(final Link link)
    {
        this.link = link;
        this.crc = new Link.Crc(link);
    }

    @Override
    public int doWork()
    {
        return link.receive(onFrame, 64);
    }

    private void onFrame(final int type, final MutableDirectBuffer buffer, final int index, final int wireLength)
    {
        final int length = wireLength - Link.CRC_LENGTH;
        if (length < 1 || !crc.check(link.buffer(), index, length))
        {
            crcErrors = crcErrors + 1; // single writer
            return;
        }
        frames = frames + 1;
        bytes = bytes + length;
    }

    /**
     * @return good frames drained.
     */
    public long frames()
    {
        return frames;
    }

    /**
     * @return payload bytes of good frames.
     */
    public long bytes()
    {
        return bytes;
    }

    /**
     * @return frames whose trailer did not match.
     */
    public long crcErrors()
    {
        return crcErrors;
    }

    @Override
    public String roleName()
    {
        return "traffic-sink-" + link.name();
    }
}

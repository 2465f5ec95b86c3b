package io.barge.drivers.nic;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.SplittableRandom;

/**
 * Puts frames on a {@link Link} as another station would: seeded payloads of a fixed length, each with its CRC32C
 * trailer, within the link's rate; optionally with a corrupt trailer on every n-th frame. An {@link Agent}.
 */
public final class TrafficGenerator implements Agent
{
    private final Link link;
    private final int length;
    private final long frames;
    private final int corruptEvery;
    private final SplittableRandom random;
    private final Link.Crc crc;
    private long sent;

    /**
     * @param link         the link to transmit on.
     * @param length       payload bytes per frame, in [1, mtu].
     * @param frames       how many frames to send.
     * @param corruptEvery every n-th frame (1-based) gets a wrong CRC; 0 for none.
     * @param seed         payload seed.
     */
    public TrafficGenerator(final Link link, final int length, final long frames, final int corruptEvery,
        final long seed)
    {
        if (length < 1 || length > link.mtu())
        {
            throw new IllegalArgumentException("length=" + length + " outside [1, mtu=" + link.mtu() + "]");
        }
        this.link = link;
        this.length = length;
        this.frames = frames;
        this.corruptEvery = corruptEvery;
        this.random = new SplittableRandom(seed);
        this.crc = new Link.Crc(link);
    }

    @Override
    public int doWork()
    {
        int work = 0;
        while (sent < frames && work < 64)
        {
            final int wireLength = length + Link.CRC_LENGTH;
            if (!link.hasCredit(wireLength))
            {
                break;
            }
            final int index = link.tryClaim(wireLength);
            if (index < 0)
            {
                break;
            }
            final UnsafeBuffer buffer = link.buffer();
            for (int i = 0; i < length; i++)
            {
                buffer.putByte(index + i, (byte)random.nextInt());
            }
            crc.append(buffer, index, length);
            sent++;
            if (corruptEvery > 0 && sent % corruptEvery == 0)
            {
                buffer.putByte(index, (byte)~buffer.getByte(index)); // after the CRC: the trailer no longer matches
            }
            link.commit(index, wireLength);
            work++;
        }
        return work;
    }

    /**
     * @return frames put on the link.
     */
    public long sent()
    {
        return sent;
    }

    @Override
    public String roleName()
    {
        return "traffic-generator-" + link.name();
    }
}

package io.barge.grant.xen;

import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.grant.SharedRingDescriptor;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static io.barge.grant.xen.XenRequestDescriptor.FLAGS_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.ID_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.LENGTH_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.SEGMENTS_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.SEGMENT_COUNT_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Generated hostile requests: a front end writes random requests (random header fields, or well-formed segments
 * naming random grant references, which may hit the channel's own ring, indirect or persistent grants). Each is
 * either delivered (the front end granted what it named) or refused with a {@link ProtocolViolationException};
 * nothing else is thrown, a second channel from the same front end goes on, and the fixture finds nothing leaked.
 */
@Timeout(60)
class XenHostileRequestTest extends XenFixture
{
    private static final int ROUNDS = 40;

    @ParameterizedTest
    @CsvSource({ "MAP, 1", "MAP, 77", "COPY, 2", "COPY, 78", "PERSISTENT, 3", "PERSISTENT, 79" })
    void randomRequestsAreDeliveredOrRefusedAndNothingLeaks(final GrantMode mode, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final XenTransport transport = transport(mode);
        int refused = 0;
        int delivered = 0;
        try (XenChannel other = transport.open(a, c, config(4 * PAGE, 4)))
        {
            for (int round = 0; round < ROUNDS; round++)
            {
                final String context = "seed=" + seed + " round=" + round;
                try (XenChannel channel = transport.open(a, b, config(20 * PAGE, 4)))
                {
                    forgeRandomRequest(channel, random);
                    final Message message = channel.receiver().newMessage();
                    try
                    {
                        final int status = channel.receiver().poll(message);
                        assertEquals(Status.OK, status, context);
                        assertTrue(message.length() >= 1 && message.length() <= 20 * PAGE, context);
                        channel.receiver().release(message);
                        delivered++;
                    }
                    catch (final ProtocolViolationException expected)
                    {
                        refused++;
                        assertFalse(message.isHeld(), context);
                        assertFalse(channel.isOpen(), context);
                    }
                    catch (final RuntimeException ex)
                    {
                        fail(context + ": a hostile request raised " + ex, ex);
                    }
                }
                send(other, round, 1000);
                other.receiver().release(receive(other, round, 1000));
            }
        }
        assertTrue(refused > 0, "seed=" + seed + ": no request was refused");
        assertTrue(delivered > 0, "seed=" + seed + ": no request was delivered");
    }

    /** A grant this front end gave the back end (its ring or persistent pages), another domain's, or none. */
    private static int randomRef(final XenChannel channel, final SplittableRandom random)
    {
        final int[] ring = channel.sender().ringRefs();
        final int[] persistent = channel.sender().persistentRefs();
        switch (random.nextInt(4))
        {
            case 0:
                return ring[random.nextInt(ring.length)];
            case 1:
                return persistent != null ? persistent[random.nextInt(persistent.length)] : random.nextInt(600);
            case 2:
                return random.nextInt(600);
            default:
                return random.nextInt();
        }
    }

    private void forgeRandomRequest(final XenChannel channel, final SplittableRandom random)
    {
        final int slot = slot(channel, 0);
        final boolean wellFormed = random.nextBoolean();
        final int segments = wellFormed ? 1 + random.nextInt(3) :
            random.nextInt(-2, 30);
        int length = 0;
        for (int i = 0; i < Math.max(0, Math.min(segments, XenRequestDescriptor.DIRECT_SEGMENTS)); i++)
        {
            final int offset = wellFormed ? random.nextInt(PAGE / 2) : random.nextInt(PAGE + 8);
            final int bytes = wellFormed ? 1 + random.nextInt(PAGE - offset) : random.nextInt(PAGE + 8);
            final int ref = randomRef(channel, random);
            final int at = XenRequestDescriptor.segmentOffset(slot + SEGMENTS_OFFSET, i);
            ringPutInt(channel, a, at, ref);
            ringPutInt(channel, a, at + 4, (bytes << 16) | offset);
            length += bytes;
        }
        ringPutInt(channel, a, slot + ID_OFFSET, random.nextInt());
        ringPutInt(channel, a, slot + FLAGS_OFFSET, wellFormed ? 0 : random.nextInt(4));
        ringPutInt(channel, a, slot + LENGTH_OFFSET, wellFormed ? length : random.nextInt(-10, 30 * PAGE));
        ringPutInt(channel, a, slot + SEGMENT_COUNT_OFFSET, segments);
        ringPutInt(channel, a, SharedRingDescriptor.REQ_PROD_OFFSET, 1);
    }
}

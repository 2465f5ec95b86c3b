package io.barge.grant.xen;

import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
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
 * Generated hostile posts: the receiver rewrites its first posted buffer's request with random fields (or
 * well-formed segments naming random grant references: its ring's, its other buffers', another channel's, none).
 * The sender either fills and answers it or refuses it with a {@link ProtocolViolationException}, at its claim or
 * (grant copy) its commit; nothing else is thrown, a second channel to the same receiver goes on, and the fixture
 * finds nothing leaked.
 */
@Timeout(60)
class XenPostedHostileRequestTest extends XenPostedFixture
{
    private static final int ROUNDS = 40;
    private static final int BUFFER = 3 * PAGE;

    @ParameterizedTest
    @CsvSource({ "MAP, 11", "MAP, 91", "COPY, 12", "COPY, 92", "PERSISTENT, 13", "PERSISTENT, 93" })
    void randomPostsAreFilledOrRefusedAndNothingLeaks(final GrantMode mode, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final XenPostedTransport transport = posted(mode);
        int refused = 0;
        int filled = 0;
        try (XenPostedChannel other = transport.open(c, b, config(BUFFER, 4)))
        {
            for (int round = 0; round < ROUNDS; round++)
            {
                final String context = "seed=" + seed + " round=" + round;
                try (XenPostedChannel channel = transport.open(a, b, config(BUFFER, 4)))
                {
                    forgeRandomPost(channel, other, random);
                    final Claim claim = channel.sender().newClaim();
                    try
                    {
                        assertEquals(Status.OK, channel.sender().tryClaim(BUFFER, claim), context);
                        fill(claim, round, BUFFER);
                        channel.sender().commit(claim);
                        filled++;
                        final Message message = channel.receiver().newMessage();
                        assertEquals(Status.OK, channel.receiver().poll(message), context);
                        assertEquals(BUFFER, message.length(), context);
                        channel.receiver().release(message);
                    }
                    catch (final ProtocolViolationException expected)
                    {
                        refused++;
                        assertFalse(claim.isActive(), context);
                        assertFalse(channel.isOpen(), context);
                    }
                    catch (final RuntimeException ex)
                    {
                        fail(context + ": a hostile post raised " + ex, ex);
                    }
                }
                send(other, round, 1000);
                other.receiver().release(receive(other, round, 1000));
            }
        }
        assertTrue(refused > 0, "seed=" + seed + ": no post was refused");
        assertTrue(filled > 0, "seed=" + seed + ": no post was filled");
    }

    private static int randomRef(final XenPostedChannel channel, final XenPostedChannel other,
        final SplittableRandom random)
    {
        switch (random.nextInt(6))
        {
            case 0:
                final int[] ring = channel.receiver().ringRefs();
                return ring[random.nextInt(ring.length)];
            case 1:
                return bufferRef(other, random.nextInt(4));
            case 2:
                return random.nextInt(2000);
            case 3:
                return random.nextInt();
            default:
                // One of its own buffers' pages (persistent: any page of the pool).
                final int[] pool = channel.receiver().persistentRefs();
                return pool != null ? pool[random.nextInt(pool.length)] :
                    channel.receiver().postedRef(random.nextInt(4), random.nextInt(3));
        }
    }

    private void forgeRandomPost(final XenPostedChannel channel, final XenPostedChannel other,
        final SplittableRandom random)
    {
        final int slot = slot(channel, 0);
        final boolean wellFormed = random.nextInt(3) > 0;
        final int segments = wellFormed ? 3 : random.nextInt(-2, 20);
        for (int i = 0; i < Math.max(0, Math.min(segments, XenRequestDescriptor.DIRECT_SEGMENTS)); i++)
        {
            final int offset = wellFormed ? 0 : random.nextInt(PAGE + 8);
            final int bytes = wellFormed ? PAGE : random.nextInt(PAGE + 8);
            final int at = XenRequestDescriptor.segmentOffset(slot + SEGMENTS_OFFSET, i);
            if (!wellFormed || random.nextInt(3) == 0)
            {
                ringPutInt(channel, b, at, randomRef(channel, other, random));
            }
            ringPutInt(channel, b, at + 4, (bytes << 16) | offset);
        }
        ringPutInt(channel, b, slot + ID_OFFSET, wellFormed ? random.nextInt(-1, 6) : random.nextInt());
        ringPutInt(channel, b, slot + FLAGS_OFFSET, wellFormed ? 0 : random.nextInt(4));
        ringPutInt(channel, b, slot + LENGTH_OFFSET, wellFormed ? BUFFER : random.nextInt(-10, 5 * PAGE));
        ringPutInt(channel, b, slot + SEGMENT_COUNT_OFFSET, segments);
    }
}

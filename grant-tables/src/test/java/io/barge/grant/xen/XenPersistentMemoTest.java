package io.barge.grant.xen;

import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.grant.SharedRingDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.barge.grant.xen.XenRequestDescriptor.LENGTH_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.SEGMENTS_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The persistent back end remembers the last request it accepted per request id and takes a request equal to it
 * word for word without checking its segments again. A front end that sends a request with the same id and header
 * as an accepted one but one segment or the length changed must still be checked in full: each such forgery is
 * refused, and the exact copy is delivered with the original's bytes.
 */
@Timeout(30)
class XenPersistentMemoTest extends XenFixture
{
    private static final int LENGTH = 3 * PAGE;
    private static final int SEGMENTS = 3;
    /** Ints of a 3-segment request: the 16-byte header and 3 segments of 8 bytes. */
    private static final int REQUEST_INTS = (SEGMENTS_OFFSET + SEGMENTS * XenRequestDescriptor.SEGMENT_LENGTH) / 4;

    @Test
    void anExactCopyOfAnAcceptedRequestIsDeliveredWithItsBytes()
    {
        try (XenChannel channel = transport(GrantMode.PERSISTENT).open(a, b, config(4 * PAGE, 2)))
        {
            final int[] request = acceptOne(channel);
            forge(channel, request);
            final Message again = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(again));
            assertContent(again, 0, LENGTH);
            channel.receiver().release(again);
        }
    }

    /**
     * @param change 0: a segment's reference names a page outside the pool (the ring's); 1: a segment runs past its
     *               page; 2: the length is one more than the segments carry; 3: a segment's reference names the
     *               next pool page, so the pages are no longer the buffer's own in order but still pool pages (valid,
     *               and its own bytes).
     */
    @ParameterizedTest
    @ValueSource(ints = { 0, 1, 2, 3 })
    void aRequestThatDiffersInOneWordIsCheckedInFull(final int change)
    {
        try (XenChannel channel = transport(GrantMode.PERSISTENT).open(a, b, config(4 * PAGE, 2)))
        {
            final int[] request = acceptOne(channel);
            final int segment1 = (SEGMENTS_OFFSET + XenRequestDescriptor.SEGMENT_LENGTH) / 4;
            switch (change)
            {
                case 0:
                    request[segment1] = channel.sender().ringRefs()[0];
                    break;
                case 1:
                    request[segment1 + 1] = (16 << 16) | (PAGE - 8); // 16 bytes from 8 before the page's end
                    break;
                case 2:
                    request[LENGTH_OFFSET / 4] = LENGTH + 1;
                    break;
                default:
                    request[segment1] = nextPoolRef(channel, request[segment1]);
                    break;
            }
            forge(channel, request);
            final Message forged = channel.receiver().newMessage();
            if (change == 3)
            {
                assertEquals(Status.OK, channel.receiver().poll(forged));
                assertEquals(LENGTH, forged.length());
                // Its second page is the original's third: the runs are this request's, not the remembered one's.
                final UnsafeBuffer bytes = new UnsafeBuffer(new byte[LENGTH]);
                forged.getBytes(0, bytes, 0, LENGTH);
                for (int i = 0; i < PAGE; i++)
                {
                    assertEquals(pattern(0, i), bytes.getByte(i), "byte " + i);
                    assertEquals(pattern(0, 2 * PAGE + i), bytes.getByte(PAGE + i), "byte " + (PAGE + i));
                }
                channel.receiver().release(forged);
                return;
            }
            assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(forged),
                "change " + change + " was accepted");
            assertFalse(forged.isHeld());
            assertFalse(channel.isOpen());
        }
    }

    /** Sends, receives and releases message 0; returns its request's ints as the ring still holds them. */
    private int[] acceptOne(final XenChannel channel)
    {
        send(channel, 0, LENGTH);
        channel.receiver().release(receive(channel, 0, LENGTH));
        final int at = slot(channel, 0);
        final int[] request = new int[REQUEST_INTS];
        for (int i = 0; i < REQUEST_INTS; i++)
        {
            request[i] = ringGetInt(channel, at + 4 * i);
        }
        // The response overwrote the slot's first 8 bytes with the same id and status 0 (the request's flags).
        assertEquals(SEGMENTS, request[XenRequestDescriptor.SEGMENT_COUNT_OFFSET / 4]);
        return request;
    }

    /** Writes {@code request} into ring slot 1 as the front end and publishes it. */
    private void forge(final XenChannel channel, final int[] request)
    {
        final int at = slot(channel, 1);
        for (int i = 0; i < request.length; i++)
        {
            ringPutInt(channel, a, at + 4 * i, request[i]);
        }
        ringPutInt(channel, a, SharedRingDescriptor.REQ_PROD_OFFSET, 2);
    }

    private static int nextPoolRef(final XenChannel channel, final int ref)
    {
        final int[] pool = channel.sender().persistentRefs();
        for (int i = 0; i < pool.length; i++)
        {
            if (pool[i] == ref)
            {
                return pool[(i + 1) % pool.length];
            }
        }
        throw new AssertionError("ref " + ref + " is not a pool page");
    }
}

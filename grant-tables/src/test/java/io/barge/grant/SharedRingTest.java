package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.EventIndex;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SharedRingTest extends GrantFixture
{
    /** Request: id (8 bytes), value (8); response: id (8), value * 2 (8). */
    private static final int SLOT = 16;

    private final UnsafeBuffer privateCopy = new UnsafeBuffer(new byte[SLOT]);

    @Test
    void requestsAndResponsesRoundTripWithEventIndexSuppression()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, SLOT);
        final BackRing back = new BackRing(b, shared.backView);
        assertEquals(128, front.size(), "(4096 - 640) / 16 = 216, rounded down to a power of two");
        assertEquals(128, back.size());

        request(front, 1, 10);
        request(front, 2, 20);
        assertTrue(front.pushRequestsAndCheckNotify(), "req_event starts at 1: the first push notifies");
        assertEquals(2, back.unconsumedRequests());
        answerAll(back);
        assertTrue(back.pushResponsesAndCheckNotify(), "rsp_event starts at 1");
        assertEquals(2, front.unconsumedResponses());
        assertResponse(front, 1, 20);
        assertResponse(front, 2, 40);
        assertFalse(front.copyNextResponse(privateCopy, 0));

        // The backend has not re-armed req_event: the next push need not notify (suppressed, counted).
        request(front, 3, 30);
        assertFalse(front.pushRequestsAndCheckNotify());
        front.publishCounts(); // counts reach the domains in batches: published on the rings' thread
        back.publishCounts();
        assertEquals(1, a.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
        assertTrue(back.finalCheckForRequests(), "the final check finds the request pushed meanwhile");
        answerAll(back);
        assertFalse(back.finalCheckForRequests(), "idle now, req_event re-armed");
        assertFalse(back.pushResponsesAndCheckNotify(), "the frontend did not re-arm rsp_event");
        front.publishCounts(); // counts reach the domains in batches: published on the rings' thread
        back.publishCounts();
        assertEquals(1, b.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
        assertTrue(front.finalCheckForResponses());
        assertResponse(front, 3, 60);
        assertFalse(front.finalCheckForResponses());

        request(front, 4, 1);
        assertTrue(front.pushRequestsAndCheckNotify(), "re-armed: this one notifies");
        answerAll(back);
        assertTrue(back.pushResponsesAndCheckNotify(), "re-armed: this one notifies");
        assertResponse(front, 4, 2);
        assertFalse(front.pushRequestsAndCheckNotify(), "nothing to push: no notification, none counted");
        front.publishCounts(); // counts reach the domains in batches: published on the rings' thread
        back.publishCounts();
        assertEquals(1, a.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
        // The pushes that notified are counted as sent by the ring itself (EventIndex.Counts).
        front.publishCounts(); // counts reach the domains in batches: published on the rings' thread
        back.publishCounts();
        assertEquals(2, a.counter(CounterType.NOTIFICATIONS_SENT));
        assertEquals(2, b.counter(CounterType.NOTIFICATIONS_SENT));
        assertEquals(1, b.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
    }

    @Test
    void notificationCountsReachTheDomainInBatchesAtIdleAndOnPublish()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, SLOT);
        final BackRing back = new BackRing(b, shared.backView);
        request(front, 1, 1);
        assertTrue(front.pushRequestsAndCheckNotify(), "req_event starts at 1");
        for (int i = 2; i <= 4; i++)
        {
            request(front, i, i);
            assertFalse(front.pushRequestsAndCheckNotify(), "the back end has not re-armed");
        }
        assertEquals(0, a.counter(CounterType.NOTIFICATIONS_SENT), "not yet added: fewer than a batch");
        assertEquals(0, a.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
        front.publishCounts();
        assertEquals(1, a.counter(CounterType.NOTIFICATIONS_SENT));
        assertEquals(3, a.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
        answerAll(back);
        assertTrue(back.pushResponsesAndCheckNotify(), "rsp_event starts at 1");
        request(front, 5, 5);
        assertFalse(front.pushRequestsAndCheckNotify(), "still not re-armed");
        answerAll(back);
        assertFalse(back.pushResponsesAndCheckNotify(), "the front end has not re-armed rsp_event");
        assertEquals(0, b.counter(CounterType.NOTIFICATIONS_SUPPRESSED), "not yet added");
        assertFalse(back.finalCheckForRequests(), "idle");
        assertEquals(1, b.counter(CounterType.NOTIFICATIONS_SUPPRESSED), "going idle added it");
        // A full batch is added without an idle point or a publish.
        int answered = 0;
        for (int i = 0; i < FrontRing.COUNT_BATCH; i++)
        {
            while (front.copyNextResponse(privateCopy, 0))
            {
                answered++;
            }
            request(front, 100 + i, i);
            front.pushRequestsAndCheckNotify();
            answerAll(back);
            back.pushResponsesAndCheckNotify();
        }
        assertTrue(answered > 0);
        assertEquals(1 + 3 + FrontRing.COUNT_BATCH,
            a.counter(CounterType.NOTIFICATIONS_SENT) + a.counter(CounterType.NOTIFICATIONS_SUPPRESSED),
            "published 4, then a batch added when it filled; the last push waits for the next");
    }

    @Test
    void aFullRingRefusesClaimsUntilResponsesAreConsumed()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, 64);
        final BackRing back = new BackRing(b, shared.backView);
        assertEquals(32, front.size());
        for (int i = 0; i < 32; i++)
        {
            assertNotEquals(FrontRing.RING_FULL, front.claimRequest());
        }
        assertEquals(0, front.freeRequests());
        assertEquals(FrontRing.RING_FULL, front.claimRequest());
        front.pushRequestsAndCheckNotify();
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[64]);
        assertTrue(back.copyNextRequest(copy, 0));
        assertThrows(IllegalStateException.class, () ->
        {
            back.claimResponse();
            back.claimResponse();
        }, "one consumed request, one response");
        back.pushResponsesAndCheckNotify();
        assertEquals(FrontRing.RING_FULL, front.claimRequest(), "a response not yet consumed keeps its slot");
        assertTrue(front.copyNextResponse(copy, 0));
        assertEquals(1, front.freeRequests());
    }

    /**
     * A request copied in two parts copies the header, then what the request says it fills (rounded up to 8 bytes,
     * clamped to the slot), and nothing more of the slot; a response copy takes the length asked.
     */
    @Test
    void aShortRequestCopiesItsOwnBytesAndNoMoreOfTheSlot()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, 64);
        final BackRing back = new BackRing(b, shared.backView);
        // Bytes a request fills, in its first word; the request's 8 words are 1..8, the header is word 0.
        final RequestLength firstWord = (copy, index) -> (int)copy.getLong(index);
        final long[][] cases = { { 20, 24 }, { 3, 8 }, { 64, 64 }, { 1000, 64 }, { -5, 8 } };
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[64]);
        for (final long[] c : cases)
        {
            final int slot = front.claimRequest();
            shared.frontView.putLong(slot, c[0]);
            for (int w = 1; w < 8; w++)
            {
                shared.frontView.putLong(slot + 8 * w, w + 1);
            }
            front.pushRequestsAndCheckNotify();
            copy.setMemory(0, 64, (byte)0x5A);
            assertTrue(back.copyNextRequest(copy, 0, 8, firstWord));
            final int copied = (int)c[1];
            assertEquals(c[0], copy.getLong(0), "header");
            for (int at = 8; at < 64; at += 8)
            {
                assertEquals(at < copied ? at / 8 + 1 : 0x5A5A5A5A5A5A5A5AL, copy.getLong(at),
                    "request of " + c[0] + " bytes: word at " + at);
            }
            back.claimResponse();
            back.pushResponsesAndCheckNotify();
            copy.setMemory(0, 64, (byte)0x5A);
            assertTrue(front.copyNextResponse(copy, 0, 16));
            assertEquals(2, copy.getLong(8), "the slot's second word: the request's, not answered over");
            assertEquals(0x5A5A5A5A5A5A5A5AL, copy.getLong(16), "past the 16 bytes asked");
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = { 11L, 12L, 13L })
    void randomBatchesWrapTheRingManyTimesInOrder(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final RingFixture shared = new RingFixture(this, a, table, b, 2);
        final FrontRing front = new FrontRing(a, shared.frontView, 32);
        final BackRing back = new BackRing(b, shared.backView);
        assertEquals(128, front.size(), "(8192 - 640) / 32 = 236 -> 128");
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[32]);
        long sent = 0;
        long answered = 0;
        long received = 0;
        while (received < 5000)
        {
            for (int n = random.nextInt(front.freeRequests() + 1); n > 0; n--)
            {
                final int off = front.claimRequest();
                front.buffer().putLong(off, sent);
                front.buffer().putLong(off + 24, ~sent);
                sent++;
            }
            front.pushRequestsAndCheckNotify();
            for (int n = random.nextInt(back.unconsumedRequests() + 1); n > 0; n--)
            {
                assertTrue(back.copyNextRequest(copy, 0));
                assertEquals(answered, copy.getLong(0), "seed=" + seed);
                assertEquals(~answered, copy.getLong(24), "seed=" + seed);
                final int off = back.claimResponse();
                back.buffer().putLong(off, answered++);
            }
            back.pushResponsesAndCheckNotify();
            while (random.nextInt(4) != 0 && front.copyNextResponse(copy, 0))
            {
                assertEquals(received++, copy.getLong(0), "seed=" + seed);
            }
        }
    }

    @Test
    void aRequestRewrittenAfterTheBackendCopiedItChangesNothingItDoes()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, SLOT);
        final BackRing back = new BackRing(b, shared.backView);
        final int off = request(front, 7, 100);
        front.pushRequestsAndCheckNotify();
        assertTrue(back.copyNextRequest(privateCopy, 0));
        // The frontend rewrites the slot, as a hostile peer would between the backend's check and its use.
        front.buffer().putLong(off, 666);
        front.buffer().putLong(off + 8, 1_000_000);
        final long id = privateCopy.getLong(0);
        final long value = privateCopy.getLong(8);
        assertEquals(7, id);
        assertEquals(100, value);
        final int rsp = back.claimResponse();
        back.buffer().putLong(rsp, id);
        back.buffer().putLong(rsp + 8, value * 2);
        back.pushResponsesAndCheckNotify();
        assertResponse(front, 7, 200);
    }

    @Test
    void anImpossibleReqProdBreaksThatRingOnlyAndIsCounted()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final RingFixture other = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, SLOT);
        final BackRing back = new BackRing(b, shared.backView);
        final FrontRing front2 = new FrontRing(a, other.frontView, SLOT);
        final BackRing back2 = new BackRing(b, other.backView);

        // The frontend claims size + 1 requests outstanding.
        SharedRingDescriptor.reqProdRelease(shared.frontView, back.size() + 1);
        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
            back::unconsumedRequests);
        assertTrue(ex.getMessage().contains("req_prod=" + (back.size() + 1)), ex.getMessage());
        assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertTrue(back.isBroken());
        SharedRingDescriptor.reqProdRelease(shared.frontView, 0);
        assertThrows(ProtocolViolationException.class, () -> back.copyNextRequest(privateCopy, 0), "stays broken");
        assertThrows(ProtocolViolationException.class, back::pushResponsesAndCheckNotify);

        request(front2, 1, 5);
        front2.pushRequestsAndCheckNotify();
        answerAll(back2);
        back2.pushResponsesAndCheckNotify();
        assertResponse(front2, 1, 10);
        assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS), "the other ring goes on");
        assertFalse(front.isBroken());
    }

    @Test
    void aReqProdBehindTheConsumerBreaksTheRing()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, SLOT);
        final BackRing back = new BackRing(b, shared.backView);
        request(front, 1, 1);
        request(front, 2, 2);
        front.pushRequestsAndCheckNotify();
        assertTrue(back.copyNextRequest(privateCopy, 0));
        assertTrue(back.copyNextRequest(privateCopy, 0));
        SharedRingDescriptor.reqProdRelease(shared.frontView, 1);
        assertThrows(ProtocolViolationException.class, back::unconsumedRequests);
        SharedRingDescriptor.reqProdRelease(shared.frontView, Integer.MIN_VALUE);
        assertThrows(ProtocolViolationException.class, back::finalCheckForRequests);
    }

    @Test
    void anImpossibleRspProdBreaksTheFrontRing()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, SLOT);
        request(front, 1, 1);
        front.pushRequestsAndCheckNotify();
        // One request outstanding; the backend claims two responses.
        SharedRingDescriptor.rspProdRelease(shared.backView, 2);
        assertThrows(ProtocolViolationException.class, () -> front.copyNextResponse(privateCopy, 0));
        assertEquals(1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertThrows(ProtocolViolationException.class, front::claimRequest);
        assertTrue(front.isBroken());
    }

    @Test
    void aBadHeaderIsRefusedOnAttach()
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        new FrontRing(a, shared.frontView, SLOT);
        shared.frontView.putInt(SharedRingDescriptor.SLOT_COUNT_OFFSET, 100);
        assertThrows(ProtocolViolationException.class, () -> new BackRing(b, shared.backView), "not a power of two");
        shared.frontView.putInt(SharedRingDescriptor.SLOT_COUNT_OFFSET, 1 << 20);
        assertThrows(ProtocolViolationException.class, () -> new BackRing(b, shared.backView), "does not fit");
        shared.frontView.putInt(SharedRingDescriptor.SLOT_COUNT_OFFSET, 128);
        shared.frontView.putInt(SharedRingDescriptor.SLOT_LENGTH_OFFSET, 12);
        assertThrows(ProtocolViolationException.class, () -> new BackRing(b, shared.backView), "not a multiple of 8");
        shared.frontView.putInt(SharedRingDescriptor.SLOT_LENGTH_OFFSET, SLOT);
        shared.frontView.putInt(SharedRingDescriptor.MAGIC_OFFSET, 0);
        assertThrows(ProtocolViolationException.class, () -> new BackRing(b, shared.backView), "magic");
        assertEquals(4, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertThrows(IllegalArgumentException.class, () -> new FrontRing(a, shared.frontView, 12));
        assertThrows(IllegalArgumentException.class, () -> new FrontRing(a, shared.frontView, 8192));
    }

    @Test
    void theNotifyTestIsWrapSafe()
    {
        assertTrue(EventIndex.crossed(0, 1, 1));
        assertFalse(EventIndex.crossed(1, 2, 1));
        assertTrue(EventIndex.crossed(1, 5, 3));
        assertFalse(EventIndex.crossed(1, 5, 6));
        assertTrue(EventIndex.crossed(Integer.MAX_VALUE, Integer.MIN_VALUE + 1, Integer.MIN_VALUE));
        assertTrue(EventIndex.crossed(-2, 2, 0));
        assertFalse(EventIndex.crossed(-2, 2, 3));
        assertFalse(EventIndex.crossed(-2, 2, -2));
    }

    private static int request(final FrontRing front, final long id, final long value)
    {
        final int off = front.claimRequest();
        front.buffer().putLong(off, id);
        front.buffer().putLong(off + 8, value);
        return off;
    }

    private void answerAll(final BackRing back)
    {
        while (back.copyNextRequest(privateCopy, 0))
        {
            final int off = back.claimResponse();
            back.buffer().putLong(off, privateCopy.getLong(0));
            back.buffer().putLong(off + 8, privateCopy.getLong(8) * 2);
        }
    }

    private void assertResponse(final FrontRing front, final long id, final long value)
    {
        assertTrue(front.copyNextResponse(privateCopy, 0), "a response is waiting");
        assertEquals(id, privateCopy.getLong(0));
        assertEquals(value, privateCopy.getLong(8));
    }
}

package io.barge.grant.xen;

import io.barge.core.CounterType;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Xen's responses as the transport's {@link io.barge.core.transport.Capability#RESPONSES}: what the back end writes
 * on the ring for {@code respond} and {@code release}, how the front end reports them, and a sender that does not
 * poll its reports.
 */
class XenResponsesTest extends XenFixture
{
    private static final int CAPACITY = 4;

    /**
     * A response handler that sends the next message on the same sender (a loop driven by its answers): the
     * reports are handed out outside the end's gate, so the handler's claim and commit are not a second call inside.
     */
    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void aResponseHandlerMaySendOnTheSameSender(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            final Claim claim = channel.sender().newClaim();
            final List<Long> answered = new ArrayList<>();
            final Message message = channel.receiver().newMessage();
            send(channel, 0, 100);
            for (int round = 0; round < 10; round++)
            {
                assertEquals(Status.OK, channel.receiver().poll(message), "round " + round);
                assertContent(message, round, 100);
                channel.receiver().release(message);
                final int next = round + 1;
                assertEquals(1, channel.sender().pollResponses((id, status) ->
                {
                    answered.add(id);
                    assertEquals(Status.OK, status);
                    assertEquals(Status.OK, channel.sender().tryClaim(100, claim));
                    for (int i = 0; i < 100; i++)
                    {
                        claim.putByte(i, pattern(next, i));
                    }
                    channel.sender().commit(claim);
                }, 4), "round " + round);
            }
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), answered);
            assertEquals(Status.OK, channel.receiver().poll(message), "the last message the handler sent");
            assertContent(message, 10, 100);
            channel.receiver().release(message);
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void respondWritesTheRequestIdAndStatusOnTheRing(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            final Claim claim = channel.sender().newClaim();
            final long[] claimed = new long[2];
            for (int i = 0; i < 2; i++)
            {
                assertEquals(Status.OK, channel.sender().tryClaim(100, claim));
                claimed[i] = claim.messageId();
                channel.sender().commit(claim);
            }
            assertEquals(List.of(0L, 1L), List.of(claimed[0], claimed[1]), "a sequence from 0");
            final Message first = channel.receiver().newMessage();
            final Message second = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(first));
            assertEquals(Status.OK, channel.receiver().poll(second));
            // The back end's numbering is the ring's request id: the front end's buffers, taken from the top.
            final long firstRequestId = first.messageId();
            assertNotEquals(firstRequestId, second.messageId());
            channel.receiver().respond(second, Status.ERROR);
            channel.receiver().release(first);
            // Fixed data: responses fill slots 0 and 1 in answer order, (request id, RSP_ERROR = -1 / RSP_OKAY = 0).
            assertEquals(2, ringGetInt(channel, io.barge.grant.SharedRingDescriptor.RSP_PROD_OFFSET));
            assertEquals(-1, ringGetInt(channel, slot(channel, 0) + 4));
            assertEquals((int)firstRequestId, ringGetInt(channel, slot(channel, 1)));
            assertEquals(0, ringGetInt(channel, slot(channel, 1) + 4));
            final List<String> reports = new ArrayList<>();
            assertEquals(2, channel.sender().pollResponses((id, status) -> reports.add(id + ":" +
                Status.name(status)), 8));
            assertEquals(List.of("1:ERROR", "0:OK"), reports);
            assertEquals(1, channel.sender().refusedRequests());
            assertEquals(CAPACITY, channel.sender().freeBuffers(), "each response recycled its buffer");
        }
    }

    @Test
    void aSenderThatDoesNotPollKeepsTheLastCapacityAnswersAndCountsTheRest()
    {
        try (XenChannel channel = transport(GrantMode.COPY).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            for (int i = 0; i < 3 * CAPACITY; i++)
            {
                send(channel, i, 300);
                channel.receiver().respond(receive(channel, i, 300), i % 2 == 0 ? Status.OK : Status.ERROR);
            }
            final List<Long> ids = new ArrayList<>();
            final List<Integer> statuses = new ArrayList<>();
            assertEquals(CAPACITY, channel.sender().pollResponses((id, status) ->
            {
                ids.add(id);
                statuses.add(status);
            }, 100));
            assertEquals(List.of(8L, 9L, 10L, 11L), ids);
            assertEquals(List.of(Status.OK, Status.ERROR, Status.OK, Status.ERROR), statuses);
            assertEquals(2L * CAPACITY, channel.sender().lostResponses());
            assertTrue(channel.isOpen());
        }
    }

    @Test
    void aRepeatedResponseIsStillAViolationAndIsNotReported()
    {
        try (XenChannel channel = transport(GrantMode.MAP).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            send(channel, 0, 100);
            send(channel, 1, 100);
            final Message message = receive(channel, 0, 100);
            final int requestId = (int)message.messageId();
            channel.receiver().release(message);
            final List<Long> ids = new ArrayList<>();
            assertEquals(1, channel.sender().pollResponses((id, status) -> ids.add(id), 4));
            // The back end repeats its response: the id names no request in flight any more.
            ringPutInt(channel, b, slot(channel, 1), requestId);
            ringPutInt(channel, b, slot(channel, 1) + 4, 0);
            ringPutInt(channel, b, io.barge.grant.SharedRingDescriptor.RSP_PROD_OFFSET, 2);
            assertThrows(ProtocolViolationException.class,
                () -> channel.sender().pollResponses((id, status) -> ids.add(id), 4));
            assertEquals(List.of(0L), ids, "reported once");
            assertEquals(1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
    }
}

package io.barge.grant.xen;

import io.barge.core.CounterType;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.grant.SharedRingDescriptor;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The end of a xen stream travels on the ring as an end request: its layout, the back end's check of the count it
 * names (a forged end breaks that channel only), and a receiver woken through the request event channel.
 */
class XenEndOfStreamTest extends XenFixture
{
    private static final int CAPACITY = 4;

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void finishPushesAnEndRequestNamingTheMessagesBeforeIt(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            send(channel, 0, 100);
            send(channel, 1, 5000);
            send(channel, 2, 7);
            channel.sender().finish();
            // Fixed data: the end is the fourth request, flags END (2), length 0, no segment, id = 3 messages.
            final int end = slot(channel, 3);
            assertEquals(4, ringGetInt(channel, SharedRingDescriptor.REQ_PROD_OFFSET));
            assertEquals(3, ringGetInt(channel, end));
            assertEquals(2, ringGetInt(channel, end + 4));
            assertEquals(0, ringGetInt(channel, end + 8));
            assertEquals(0, ringGetInt(channel, end + 12));
            for (int i = 0; i < 3; i++)
            {
                assertFalse(channel.receiver().isEndOfStream());
                final int length = i == 0 ? 100 : i == 1 ? 5000 : 7;
                channel.receiver().release(receive(channel, i, length));
            }
            assertEquals(Status.END_OF_STREAM, channel.receiver().poll(channel.receiver().newMessage()));
            assertTrue(channel.receiver().isEndOfStream());
            assertTrue(channel.isOpen());
        }
    }

    @ParameterizedTest
    @CsvSource({ "2, 1", "2, 3", "0, 1", "3, -1" })
    void anEndNamingAnotherCountBreaksThatChannelOnly(final int sent, final int named)
    {
        final XenTransport transport = transport(GrantMode.MAP);
        final XenChannel victim = transport.open(a, b, config(4 * PAGE, CAPACITY));
        try (XenChannel other = transport.open(a, c, config(4 * PAGE, CAPACITY)))
        {
            for (int i = 0; i < sent; i++)
            {
                send(victim, i, 300);
            }
            victim.sender().finish();
            ringPutInt(victim, a, slot(victim, sent), named);
            for (int i = 0; i < sent; i++)
            {
                victim.receiver().release(receive(victim, i, 300));
            }
            final Message message = victim.receiver().newMessage();
            final ProtocolViolationException ex =
                assertThrows(ProtocolViolationException.class, () -> victim.receiver().poll(message));
            assertTrue(ex.getMessage().startsWith("xen poll: "), ex.getMessage());
            assertTrue(ex.getMessage().contains("names " + Integer.toUnsignedString(named) + " messages, " + sent),
                ex.getMessage());
            assertFalse(victim.isOpen());
            assertFalse(victim.receiver().isEndOfStream());
            assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
            send(other, 7, 2000);
            other.receiver().release(receive(other, 7, 2000));
            other.sender().finish();
            assertEquals(Status.END_OF_STREAM, other.receiver().poll(other.receiver().newMessage()));
            victim.close();
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void aRequestPushedAfterTheEndBreaksTheChannel(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            channel.sender().finish();
            assertEquals(Status.END_OF_STREAM, channel.receiver().poll(channel.receiver().newMessage()));
            // A hostile front end pushes one more request behind its end.
            ringPutInt(channel, a, SharedRingDescriptor.REQ_PROD_OFFSET, 2);
            final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
                () -> channel.receiver().poll(channel.receiver().newMessage()));
            assertTrue(ex.getMessage().contains("after the end"), ex.getMessage());
            assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void anEndThatCarriesAMessageIsRefused(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            channel.sender().finish();
            ringPutInt(channel, a, slot(channel, 0) + 8, 100);
            final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
                () -> channel.receiver().poll(channel.receiver().newMessage()));
            assertTrue(ex.getMessage().contains("an end carries no message"), ex.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void aRegisteredReceiverIsWokenByTheRequestEventChannel(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            final Waitset waitset = new Waitset("xen ends");
            final AtomicInteger runs = new AtomicInteger();
            channel.receiver().register(waitset, runs::incrementAndGet);
            final long eventsBefore = channel.requestEvents.get();
            assertFalse(waitset.dispatch(0, TimeUnit.MILLISECONDS, new BackoffIdleStrategy()), "nothing sent yet");
            send(channel, 0, 100);
            assertEquals(eventsBefore + 1, channel.requestEvents.get(), "the push crossed req_event: one event");
            assertTrue(waitset.dispatch(10, TimeUnit.SECONDS, new BackoffIdleStrategy()));
            assertEquals(1, runs.get());
            channel.receiver().release(receive(channel, 0, 100));
            channel.receiver().register(waitset, runs::incrementAndGet);
            channel.sender().finish();
            assertTrue(waitset.dispatch(10, TimeUnit.SECONDS, new BackoffIdleStrategy()), "the end wakes it too");
            assertEquals(2, runs.get());
            assertEquals(Status.END_OF_STREAM, channel.receiver().poll(channel.receiver().newMessage()));
        }
    }
}

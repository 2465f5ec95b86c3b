package io.barge.core.transport;

import io.barge.core.transport.spi.Flyweights;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user's flyweights show no transport internals: those live in {@link Flyweights}.
 */
class PublicSurfaceTest
{
    private static final Set<String> INTERNAL = Set.of("wrap", "checkClaimable", "complete", "token", "attachment",
        "begin", "addPiece", "end");

    @Test
    void claimAndMessageExposeNoTransportInternals()
    {
        for (final Class<?> type : new Class<?>[]{Claim.class, Message.class})
        {
            final Set<String> shown = publicMethods(type);
            final Set<String> leaked = new TreeSet<>(shown);
            leaked.retainAll(INTERNAL);
            assertTrue(leaked.isEmpty(), type.getSimpleName() + " shows " + leaked);
        }
    }

    @Test
    void flyweightsDriveAClaimAndAMessage()
    {
        final Claim claim = new Claim();
        assertFalse(claim.isActive());
        Flyweights.checkClaimable(claim, 8, 64);
        Flyweights.wrap(claim, null, 4096, 8, 42, "att");
        assertTrue(claim.isActive());
        assertEquals(42, Flyweights.token(claim));
        assertEquals("att", Flyweights.attachment(claim));
        assertThrows(IllegalArgumentException.class, () -> Flyweights.checkClaimable(new Claim(), 65, 64));
        Flyweights.complete(claim);
        assertFalse(claim.isActive());
        assertThrows(io.barge.core.BufferStateException.class, () -> Flyweights.complete(claim));

        final Message message = new Message();
        Flyweights.begin(message, null, null, 7, "rx", false);
        Flyweights.addPiece(message, 8192, 100);
        Flyweights.addPiece(message, 16384, 28);
        assertEquals(128, message.length());
        assertEquals(2, message.pieceCount());
        assertEquals(7, Flyweights.token(message));
        assertEquals("rx", Flyweights.attachment(message));
        Flyweights.end(message);
        assertFalse(message.isHeld());
        assertThrows(io.barge.core.BufferStateException.class, () -> Flyweights.end(message));
    }

    @Test
    void messageIdsAreSetThroughFlyweightsAndResetByTheNextClaimOrDelivery()
    {
        final Claim claim = new Claim();
        assertEquals(-1, claim.messageId(), "not numbered");
        Flyweights.wrap(claim, null, 4096, 8, 1, null);
        Flyweights.messageId(claim, 1234567890123L);
        assertEquals(1234567890123L, claim.messageId());
        Flyweights.complete(claim);
        assertEquals(1234567890123L, claim.messageId(), "valid until the next claim");
        Flyweights.wrap(claim, null, 4096, 8, 2, null);
        assertEquals(-1, claim.messageId(), "a claim the transport does not number");

        final Message message = new Message();
        Flyweights.begin(message, null, null, 7, null, false);
        Flyweights.messageId(message, 9);
        assertEquals(9, message.messageId());
        Flyweights.end(message);
        Flyweights.begin(message, null, null, 8, null, false);
        assertEquals(-1, message.messageId());
    }

    private static Set<String> publicMethods(final Class<?> type)
    {
        return Arrays.stream(type.getDeclaredMethods())
            .filter(m -> Modifier.isPublic(m.getModifiers()))
            .map(Method::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    }
}

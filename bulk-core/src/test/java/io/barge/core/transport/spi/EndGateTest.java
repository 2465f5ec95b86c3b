package io.barge.core.transport.spi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end gate's protocol: calls enter and leave; a teardown on another thread waits for the call in progress and
 * bars every later one; a hold keeps calls out until it is undone; a second thread inside a busy end is refused;
 * a teardown on the caller's own thread inside a call does not wait for itself.
 */
@Timeout(30)
class EndGateTest
{
    @Test
    void callsEnterAndLeaveUntilShutThenNoneEnters()
    {
        final EndGate gate = new EndGate();
        assertTrue(gate.enter());
        gate.leave();
        assertTrue(gate.enter());
        gate.leave();
        gate.shut();
        assertFalse(gate.enter());
        gate.shut(); // again: already shut, returns at once
        assertEquals(EndGate.ALREADY_SHUT, gate.hold());
    }

    @Test
    void aShutOnAnotherThreadWaitsForTheCallInProgress() throws Exception
    {
        final EndGate gate = new EndGate();
        assertTrue(gate.enter());
        final AtomicBoolean shut = new AtomicBoolean();
        final Thread closer = new Thread(() ->
        {
            gate.shut();
            shut.set(true);
        }, "closer");
        closer.start();
        awaitWaiting(closer);
        assertFalse(shut.get(), "the shut returned while a call was in progress");
        gate.leave();
        closer.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(shut.get());
        assertFalse(gate.enter());
    }

    @Test
    void aSecondThreadInsideABusyEndIsRefused() throws Exception
    {
        final EndGate gate = new EndGate();
        assertTrue(gate.enter());
        final CompletableFuture<Throwable> second = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                gate.enter();
                return null;
            }
            catch (final Throwable t)
            {
                return t;
            }
        });
        final Throwable refused = second.get(10, TimeUnit.SECONDS);
        assertTrue(refused instanceof IllegalStateException, "second thread got " + refused);
        // The refused thread did not take the place of the one inside: a teardown hook here is still "inside".
        assertEquals(EndGate.INSIDE, gate.hold());
        gate.leave();
        assertTrue(gate.enter(), "the refusal changed the gate");
        gate.leave();
    }

    @Test
    void aHoldKeepsCallsOutUntilUndone() throws Exception
    {
        final EndGate gate = new EndGate();
        assertEquals(EndGate.HELD_OUT, gate.hold());
        final AtomicBoolean entered = new AtomicBoolean();
        final Thread caller = new Thread(() ->
        {
            if (gate.enter())
            {
                entered.set(true);
                gate.leave();
            }
        }, "caller");
        caller.start();
        awaitWaiting(caller);
        assertFalse(entered.get(), "a call entered a held gate");
        gate.unhold();
        caller.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(entered.get());
    }

    @Test
    void aShutOnTheCallersOwnThreadInsideACallDoesNotWaitAndStays()
    {
        final EndGate gate = new EndGate();
        assertTrue(gate.enter());
        assertEquals(EndGate.INSIDE, gate.hold()); // a hook on the caller's thread: it cannot wait for itself
        gate.shut();
        gate.leave(); // the call ends: the gate stays shut
        assertFalse(gate.enter());
    }

    /** Waits until {@code thread} spins in its back-off's park (the gate's slow path), bounded by the timeout. */
    private static void awaitWaiting(final Thread thread)
    {
        while (thread.getState() != Thread.State.TIMED_WAITING)
        {
            assertTrue(thread.isAlive(), thread.getName() + " ended instead of waiting at the gate");
            Thread.onSpinWait();
        }
    }
}

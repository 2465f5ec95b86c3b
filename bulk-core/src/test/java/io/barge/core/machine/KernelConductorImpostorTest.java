package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client ids are credentials: an impostor that reads the whole machine file (the ring with its victim's commands in
 * it, the broadcast with the public keys) and writes the ring cannot make the kernel act for its victim. A forged
 * command is refused BAD_MAC, counted, answered to nobody and changes nothing; a replayed command of the victim's
 * is refused as stale (or, its very last, answered again); a replayed keepalive does not keep a dead victim alive.
 */
@Timeout(10)
class KernelConductorImpostorTest
{
    private static final long TIMEOUT = ConductorHarness.TIMEOUT_MS;

    @TempDir
    Path dir;

    /** A record the impostor read in the ring: its type and its bytes, MAC included. */
    private record Copied(int type, UnsafeBuffer bytes, int length)
    {
    }

    /** What the impostor reads: the record at the ring's head, not yet taken by the kernel. */
    private static Copied copyAtHead(final ConductorHarness h)
    {
        final AtomicBuffer ring = h.kernel.machineFile().toKernelBuffer();
        final int capacity = ring.capacity() - RingBufferDescriptor.TRAILER_LENGTH;
        final int index = (int)ring.getLongVolatile(capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET) &
            (capacity - 1);
        final int length = ring.getIntVolatile(index) - RecordDescriptor.HEADER_LENGTH;
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[length]);
        bytes.putBytes(0, ring, index + RecordDescriptor.HEADER_LENGTH, length);
        return new Copied(ring.getInt(index + Integer.BYTES), bytes, length);
    }

    private static void replay(final ConductorHarness h, final Copied copied)
    {
        assertTrue(h.ring.write(copied.type(), copied.bytes(), 0, copied.length()));
    }

    @Test
    void aForgedDestroyDomainWithTheVictimsIdIsRefusedAndTheVictimsDomainLives()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int victim = h.attachClient(1);
            final int impostor = h.attachClient(2);
            final int domain = h.createDomain(victim, "victim's");
            final long victimsOwn = h.create(victim, "queued"); // in the ring, where the impostor reads it
            final Copied seen = copyAtHead(h);
            h.one(victimsOwn, ON_DOMAIN_CREATED);

            // 1. Signed with the impostor's own key. 2. With no key at all. 3. With the MAC the victim's last
            // command carried (read from the ring), on a DESTROY_DOMAIN with a fresh id.
            h.command().putInt(DOMAIN_ID_OFFSET, domain);
            final long next = victimsOwn + 1000;
            h.sendSigned(DESTROY_DOMAIN, victim, ONE_INT_LENGTH, next, 0, h.keyOf(impostor));
            final ConductorHarness.Response forged = h.error(next, ERROR_BAD_MAC);
            assertEquals(NULL_ID, forged.clientId(), "answered to nobody: the victim cannot take it for its own");
            h.sendSigned(DESTROY_DOMAIN, victim, ONE_INT_LENGTH, next + 1, 0, null);
            h.error(next + 1, ERROR_BAD_MAC);
            final UnsafeBuffer copy = seen.bytes();
            final long victimsMac = copy.getLong(seen.length() - MAC_LENGTH, ByteOrder.LITTLE_ENDIAN);
            putHeader(h.command(), next + 2, victim);
            h.command().putInt(DOMAIN_ID_OFFSET, domain);
            h.command().putLong(ONE_INT_LENGTH, victimsMac, ByteOrder.LITTLE_ENDIAN);
            assertTrue(h.ring.write(DESTROY_DOMAIN, h.command(), 0, ONE_INT_LENGTH + MAC_LENGTH));
            h.error(next + 2, ERROR_BAD_MAC);
            // 4. The victim's own record with its body changed.
            copy.putInt(NAME_OFFSET, 'Q' ^ 0x20);
            replay(h, seen);
            h.error(victimsOwn, ERROR_BAD_MAC);

            assertEquals(4, h.kernelCount(ConductorCounters.FORGED_COMMANDS));
            assertTrue(h.kernel.domain(domain).isAlive(), "the victim's domain lives");
            assertEquals(2, h.conductor.clientCount());
            assertEquals(1, h.domainsNamed("queued"));
            // The victim goes on, its own sequence untouched by the forgeries.
            h.one(h.destroy(victim, domain), ON_DOMAIN_DESTROYED);
            h.createDomain(impostor, "impostor's own work is fine");
        }
    }

    @Test
    void aReplayedCommandIsRefusedAsStaleAndItsLastIsOnlyAnsweredAgain()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int victim = h.attachClient(1);
            final long first = h.create(victim, "once");
            final Copied old = copyAtHead(h);
            final int once = h.one(first, ON_DOMAIN_CREATED).value();
            final long second = h.destroy(victim, once);
            final Copied last = copyAtHead(h);
            h.one(second, ON_DOMAIN_DESTROYED);

            replay(h, old);
            h.error(first, ERROR_STALE_COMMAND);
            assertEquals(0, h.domainsNamed("once"), "not created again");
            replay(h, last);
            final List<ConductorHarness.Response> again = List.of(h.one(second, ON_DOMAIN_DESTROYED));
            assertEquals(once, again.get(0).value(), "the kernel's record of it, not a second destroy");
            assertEquals(1, h.kernelCount(ConductorCounters.STALE_COMMANDS));
            assertEquals(1, h.kernelCount(ConductorCounters.DUPLICATE_COMMANDS));
            assertEquals(0, h.kernelCount(ConductorCounters.FORGED_COMMANDS));
            h.createDomain(victim, "next");
        }
    }

    @Test
    void replayedKeepalivesDoNotKeepADeadClientAlive()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int victim = h.attachClient(1);
            h.keepalive(victim);
            final Copied beat = copyAtHead(h);
            h.work();
            // The victim dies; the impostor replays its keepalive every half timeout.
            for (int i = 0; i < 3; i++)
            {
                h.advance(TIMEOUT / 2);
                replay(h, beat);
                h.work();
            }
            final List<ConductorHarness.Response> responses = h.responses();
            assertEquals(ON_ERROR, responses.get(0).type(), responses.toString());
            assertEquals(ERROR_STALE_COMMAND, responses.get(0).value(), responses.toString());
            assertTrue(responses.stream().anyMatch((r) -> r.type() == ON_CLIENT_TIMEOUT && r.clientId() == victim),
                responses.toString());
            assertEquals(0, h.conductor.clientCount());
        }
    }
}

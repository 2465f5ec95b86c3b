package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Liveness and damage: a client that stops sending keepalives is declared dead and its domains destroyed; a producer
 * that died between claim and commit is unblocked; garbage sent through the ring, or written straight over it, never
 * stops the kernel nor harms another client.
 */
@Timeout(30)
class KernelConductorDamageTest
{
    private static final long TIMEOUT = ConductorHarness.TIMEOUT_MS;

    @TempDir
    Path dir;

    @Test
    void aSilentClientIsDeclaredDeadItsDomainsDestroyedAndItsSlotFreed()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int startFree = h.kernel.freeFrames();
            final int live = h.attachClient(1);
            final int silent = h.attachClient(2);
            final int kept = h.createDomain(live, "kept");
            final int lost = h.createDomain(silent, "lost");
            h.kernel.allocateFrame(h.kernel.domain(kept), true);
            h.kernel.allocateFrame(h.kernel.domain(lost), true);
            h.kernel.allocateFrame(h.kernel.domain(lost), false);

            // The live one beats every half timeout; the silent one never does.
            for (int i = 0; i < 2; i++)
            {
                h.advance(TIMEOUT / 2);
                h.keepalive(live);
                h.work();
                assertTrue(h.responses().isEmpty(), "no one is timed out before the timeout");
            }
            h.advance(TIMEOUT / 2); // the silent one's last sign of life is now 1.5 timeouts old
            final List<ConductorHarness.Response> events = h.responses();
            assertEquals(List.of(new ConductorHarness.Response(ON_CLIENT_TIMEOUT, NULL_ID, silent, 1, "")), events);
            assertNull(h.kernel.domain(lost));
            assertTrue(h.kernel.domain(kept).isAlive());
            assertEquals(startFree - 1, h.kernel.freeFrames(), "the dead client's frames are back");
            assertEquals(1, h.kernelCount(ConductorCounters.CLIENT_TIMEOUTS));
            try (MachineReader reader = MachineReader.attach(dir))
            {
                assertEquals(1, reader.clients().size());
                assertEquals(live, reader.clients().get(0).clientId());
            }
            h.error(h.keepalive(silent), ERROR_UNKNOWN_CLIENT);

            // The restarted process attaches again and works.
            final int restarted = h.attachClient(2);
            h.createDomain(restarted, "lost again");
            h.keepalive(live);
            h.one(h.destroy(live, kept), ON_DOMAIN_DESTROYED);
        }
    }

    @Test
    void aProducerThatDiedBetweenClaimAndCommitIsUnblockedAfterTheTimeout()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            h.ring.tryClaim(CLIENT_KEEPALIVE, HEADER_LENGTH); // never committed: the claimer "died"
            final long behind = h.create(a, "behind the claim");
            h.work();
            assertTrue(h.responses().isEmpty(), "the claim blocks the ring");
            h.keepalive(a); // keeps the client alive through the wait without passing the claim
            h.advance(TIMEOUT / 2);
            h.advance(TIMEOUT / 2 + 50);
            final List<ConductorHarness.Response> responses = h.responses();
            assertEquals(1, responses.size(), responses.toString());
            assertEquals(ON_DOMAIN_CREATED, responses.get(0).type());
            assertEquals(behind, responses.get(0).correlationId());
            assertEquals(1, h.kernelCount(ConductorCounters.COMMAND_RING_REPAIRS));
            assertEquals(1, h.conductor.clientCount(), "the client is not timed out: its create ran in time");
        }
    }

    /** Random records through the ring: each is answered with an error, nothing else changes. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 0x5eed, 20261203})
    void garbageCommandsAreEachRefusedAndChangeNothing(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final int mine = h.createDomain(a, "mine");
            final int startFree = h.kernel.freeFrames();
            final long errorsBefore = h.kernelCount(ConductorCounters.COMMAND_ERRORS);
            final UnsafeBuffer command = h.command();
            final int records = 300;
            for (int i = 0; i < records; i++)
            {
                for (int b = 0; b < 300; b++)
                {
                    command.putByte(b, (byte)random.nextInt());
                }
                // A random client id is (almost surely) unknown; random types and lengths cover each check.
                final int type = random.nextInt(4) == 0 ? random.nextInt(1, Integer.MAX_VALUE) : random.nextInt(1, 7);
                final int length = random.nextInt(0, 300);
                assertTrue(h.ring.write(type, command, 0, length), "seed " + seed);
                if (i % 50 == 49)
                {
                    h.work();
                }
            }
            h.work();
            final List<ConductorHarness.Response> responses = h.responses();
            assertEquals(records, responses.size(), "seed " + seed);
            assertTrue(responses.stream().allMatch((r) -> r.type() == ON_ERROR), "seed " + seed);
            assertEquals(errorsBefore + records, h.kernelCount(ConductorCounters.COMMAND_ERRORS), "seed " + seed);
            assertEquals(startFree, h.kernel.freeFrames(), "seed " + seed);
            assertEquals(1, h.conductor.clientCount(), "seed " + seed);
            assertTrue(h.kernel.domain(mine).isAlive(), "seed " + seed);
            h.createDomain(a, "after garbage");
        }
    }

    private static AtomicBuffer ringOf(final ConductorHarness h)
    {
        return h.kernel.machineFile().toKernelBuffer();
    }

    private static int capacity(final ConductorHarness h)
    {
        return ringOf(h).capacity() - RingBufferDescriptor.TRAILER_LENGTH;
    }

    /**
     * After damage: the kernel repaired the ring, and a client's next command works. Garbage left beyond the tail is
     * met (and repaired, each time broadcast) only when the head gets there, so resets may follow the answer.
     */
    private static void checkRepairedAndWorking(final ConductorHarness h, final int client, final String what)
    {
        assertTrue(h.kernelCount(ConductorCounters.COMMAND_RING_REPAIRS) >= 1, what);
        h.responses();
        final long created = h.create(client, "after " + what);
        h.keepalive(client);
        h.work();
        final List<ConductorHarness.Response> responses = h.responses();
        assertEquals(ON_DOMAIN_CREATED, responses.get(0).type(), what + ": " + responses);
        assertEquals(created, responses.get(0).correlationId(), what + ": " + responses);
        assertTrue(responses.stream().skip(1).allMatch((r) -> r.type() == ON_COMMAND_RING_RESET),
            what + ": " + responses);
    }

    @ParameterizedTest(name = "length word {0}")
    @ValueSource(ints = {1, 7, 0x7FFF_0000, 65536, 65529, Integer.MAX_VALUE})
    void aRecordLengthThatCannotBeARecordsIsDamageRepaired(final int length)
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final AtomicBuffer ring = ringOf(h);
            final long head = ring.getLong(capacity(h) + RingBufferDescriptor.HEAD_POSITION_OFFSET);
            // Straight into the memory at the head, where the next record would be.
            ring.putInt((int)head & (capacity(h) - 1), length);
            ring.putInt(((int)head & (capacity(h) - 1)) + 4, CREATE_DOMAIN);
            h.work();
            checkRepairedAndWorking(h, a, "length " + length);
        }
    }

    @Test
    void garbageOverTheWholeRingWithCommandsInItIsRepaired()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final int b = h.attachClient(2);
            h.keepalive(a);
            h.create(b, "lost in the damage");
            final AtomicBuffer ring = ringOf(h);
            final SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < capacity(h); i += 4)
            {
                // Positive (a negative one is a claim in progress), and far too long for a record.
                ring.putInt(i, (random.nextInt() | 0x4000_0000) & 0x7FFF_FFFF);
            }
            h.work();
            checkRepairedAndWorking(h, a, "random bytes over the ring");
            checkRepairedAndWorking(h, b, "b goes on");
        }
    }

    @Test
    void aTailThatCannotBeAProducersIsRepairedAfterTheTimeout()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final AtomicBuffer ring = ringOf(h);
            final int tailIndex = capacity(h) + RingBufferDescriptor.TAIL_POSITION_OFFSET;
            ring.putLongVolatile(tailIndex, ring.getLong(tailIndex) + 16L * capacity(h));
            final UnsafeBuffer command = h.command();
            command.putLong(0, 1);
            assertTrue(!h.ring.write(CLIENT_KEEPALIVE, command, 0, HEADER_LENGTH), "producers see a full ring");
            h.advance(TIMEOUT / 2); // first seen stuck
            h.advance(TIMEOUT / 2 + 50); // stuck for over half the timeout: repaired
            assertEquals(1, h.kernelCount(ConductorCounters.COMMAND_RING_REPAIRS));
            h.keepalive(a); // the client's next keepalive gets in, within its timeout
            h.advance(200);
            assertEquals(1, h.conductor.clientCount());
            assertEquals(List.of(new ConductorHarness.Response(ON_COMMAND_RING_RESET, NULL_ID, NULL_ID, 1, "")),
                h.responses(), "a repair by the timer is broadcast as well");
            h.createDomain(a, "after the tail");
            h.createDomain(h.attachClient(3), "a new client's");
        }
    }
}

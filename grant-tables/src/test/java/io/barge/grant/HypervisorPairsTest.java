package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.barge.grant.Races.await;
import static io.barge.grant.Races.guarded;
import static io.barge.grant.Races.joinAll;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Several granter/mapper pairs driving the hypervisor at once on their own threads, now that each pair's operations
 * take only its own domains' locks: maps, unmaps, pins, copies and the granter's ends and re-grants, then the
 * destroy of one pair's granter and another pair's mapper while the third pair goes on. Every operation is counted
 * exactly on its mapper, no pin or mapping is left, and every frame is free after teardown. Bounded: fixed
 * operation counts, every join and barrier with a timeout; seeds fixed and printed in every failure.
 */
class HypervisorPairsTest
{
    private static final int PAIRS = 3;
    private static final int SLOTS = 4;
    private static final int OPS = 3000;
    private static final int PAGE = PhysicalMemory.DEFAULT_FRAME_SIZE;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Hypervisor hv;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory, 1 << 12, 64);
        hv = new Hypervisor(kernel, 64);
    }

    @AfterEach
    void tearDown()
    {
        hv.close();
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames(), "every frame free after teardown");
        memory.close();
    }

    /** One pair: a granter with a table and frames marked with the pair's number, and its mapper. */
    private final class Pair
    {
        final int number;
        final Domain granter;
        final Domain mapper;
        final GrantTable table;
        final int[] frames = new int[SLOTS];
        final AtomicIntegerArray refs = new AtomicIntegerArray(SLOTS);
        final long[] pages = new long[SLOTS];
        final long buffer;
        long maps;
        long unmaps;
        long pins;
        long unpins;
        long copies;
        long errors;

        Pair(final int number)
        {
            this.number = number;
            granter = kernel.createDomain("granter-" + number);
            mapper = kernel.createDomain("mapper-" + number);
            table = hv.setupTable(granter, 16);
            for (int s = 0; s < SLOTS; s++)
            {
                frames[s] = kernel.allocateFrame(granter, true);
                final long va = kernel.reserve(granter, 1);
                kernel.map(granter, va, frames[s], Rights.READ_WRITE);
                for (int off = 0; off < PAGE; off += 8)
                {
                    granter.addressSpace().putLong(va + off, number);
                }
                refs.set(s, table.grantAccess(mapper, frames[s], false));
                pages[s] = kernel.reserve(mapper, 1);
            }
            buffer = kernel.reserve(mapper, 1);
            kernel.map(mapper, buffer, kernel.allocateFrame(mapper, true), Rights.READ_WRITE);
        }

        /** The granter's side: ends a grant that is idle and grants the frame again, read-only at times. */
        void endAndRegrant(final SplittableRandom random)
        {
            final int s = random.nextInt(SLOTS);
            if (table.endAccess(refs.get(s)) == EndAccessResult.ENDED)
            {
                refs.set(s, table.grantAccess(mapper, frames[s], random.nextInt(4) == 0));
            }
        }

        /** The mapper's side: one map and unmap, pin and unpin, or copy each way, counted as it turned out. */
        void use(final SplittableRandom random, final List<Long> held)
        {
            final int s = random.nextInt(SLOTS);
            final int ref = refs.get(s);
            final boolean readOnly = random.nextBoolean();
            try
            {
                switch (random.nextInt(4))
                {
                    case 0:
                        if (held.size() < SLOTS && mapper.addressSpace().frameAt(pages[s]) == -1)
                        {
                            final long handle = hv.mapGrant(mapper, granter.id(), ref, pages[s], readOnly);
                            maps++;
                            assertEquals(number, mapper.addressSpace().getLong(pages[s]), "a frame of my granter");
                            held.add(handle);
                        }
                        else if (!held.isEmpty())
                        {
                            hv.unmapGrant(mapper, held.remove(random.nextInt(held.size())));
                            unmaps++;
                        }
                        break;
                    case 1:
                    {
                        final long pin = hv.pinGrant(mapper, granter.id(), ref, readOnly);
                        pins++;
                        assertEquals(frames[s], hv.pinnedFrame(mapper, pin));
                        hv.unpinGrant(mapper, pin);
                        unpins++;
                        break;
                    }
                    case 2:
                        mapper.addressSpace().putLong(buffer, -1);
                        hv.grantCopy(mapper, granter.id(), ref, 8 * random.nextInt(PAGE / 8), buffer, 8, false);
                        copies++;
                        assertEquals(number, mapper.addressSpace().getLong(buffer), "copied from my granter");
                        break;
                    default:
                        mapper.addressSpace().putLong(buffer, number);
                        hv.grantCopy(mapper, granter.id(), ref, 0, buffer, 8, true);
                        copies++;
                }
            }
            catch (final GrantException ex)
            {
                // Raced with an end, or the grant is read-only now: refused, nothing changed.
                assertTrue(ex.status() == GrantStatus.BAD_GNTREF || ex.status() == GrantStatus.PERMISSION_DENIED ||
                    ex.status() == GrantStatus.GENERAL_ERROR, ex.getMessage());
                errors++;
            }
        }

        void assertCounted(final String where)
        {
            assertEquals(maps, mapper.counter(GrantCounters.GRANT_MAPS), where + " maps");
            assertEquals(unmaps, mapper.counter(GrantCounters.GRANT_UNMAPS), where + " unmaps");
            assertEquals(pins, mapper.counter(GrantCounters.GRANT_PINS), where + " pins");
            assertEquals(unpins, mapper.counter(GrantCounters.GRANT_UNPINS), where + " unpins");
            assertEquals(copies, mapper.counter(GrantCounters.GRANT_COPIES), where + " copies");
            assertEquals(copies * 8, mapper.counter(CounterType.BYTES_COPIED), where + " bytes copied");
            assertEquals(errors, mapper.counter(GrantCounters.GRANT_ERRORS), where + " errors");
        }

        /** Nothing in use: no pins on the frames, and the granter can end every grant. */
        void assertIdleAndEnd(final String where)
        {
            for (int s = 0; s < SLOTS; s++)
            {
                assertEquals(0, kernel.pinCountOf(frames[s]), where + " frame " + frames[s] + " unpinned");
                assertEquals(EndAccessResult.ENDED, table.endAccess(refs.get(s)), where + " slot " + s + " ends");
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pairsMapCopyAndEndAtOnceThenDestroyWhileAnotherPairGoesOn() throws Exception
    {
        final long seed = 20261203L;
        final Pair[] pairs = new Pair[PAIRS];
        for (int p = 0; p < PAIRS; p++)
        {
            pairs[p] = new Pair(p);
        }
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final CyclicBarrier start = new CyclicBarrier(2 * PAIRS + 1);
        final AtomicInteger mappersInPhaseTwo = new AtomicInteger();
        final AtomicInteger grantersDone = new AtomicInteger();
        final AtomicBoolean destroyed = new AtomicBoolean();
        final List<List<Long>> held = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PAIRS; p++)
        {
            final Pair pair = pairs[p];
            final List<Long> mine = new ArrayList<>();
            held.add(mine);
            threads.add(new Thread(() -> guarded(errors, start, () ->
            {
                final SplittableRandom random = new SplittableRandom(seed + 100 + pair.number);
                for (int i = 0; i < OPS; i++)
                {
                    pair.endAndRegrant(random);
                }
                grantersDone.incrementAndGet();
            }), "granter-" + p));
            threads.add(new Thread(() -> guarded(errors, start, () ->
            {
                final SplittableRandom random = new SplittableRandom(seed + pair.number);
                for (int i = 0; i < OPS; i++)
                {
                    pair.use(random, mine);
                }
                // Phase two: hold a mapping of every slot that maps, then (pair 2) go on while the others die.
                for (int s = 0; s < SLOTS; s++)
                {
                    try
                    {
                        if (pair.mapper.addressSpace().frameAt(pair.pages[s]) == -1)
                        {
                            mine.add(hv.mapGrant(pair.mapper, pair.granter.id(), pair.refs.get(s), pair.pages[s],
                                true));
                            pair.maps++;
                        }
                    }
                    catch (final GrantException ex)
                    {
                        pair.errors++;
                    }
                }
                mappersInPhaseTwo.incrementAndGet();
                if (pair.number == 2)
                {
                    for (int i = 0; i < OPS || !destroyed.get(); i++)
                    {
                        pair.use(random, mine);
                    }
                }
            }), "mapper-" + p));
        }
        threads.add(new Thread(() -> guarded(errors, start, () ->
        {
            while (mappersInPhaseTwo.get() < PAIRS || grantersDone.get() < PAIRS)
            {
                Thread.onSpinWait();
            }
            // Pair 0's granter dies with its grants mapped; pair 1's mapper dies holding mappings.
            kernel.destroyDomain(pairs[0].granter);
            kernel.destroyDomain(pairs[1].mapper);
            destroyed.set(true);
        }), "destroyer"));
        threads.forEach(Thread::start);
        joinAll(threads, 100);
        assertTrue(errors.isEmpty(), () -> "seed=" + seed + " errors: " + errors);

        pairs[0].assertCounted("seed=" + seed + " pair 0");
        pairs[2].assertCounted("seed=" + seed + " pair 2");
        // Pair 1's mapper died holding mappings: its uses were released, so its granter can end every grant.
        pairs[1].assertIdleAndEnd("seed=" + seed + " pair 1");
        assertEquals(held.get(0).size() + held.get(2).size(), hv.liveHandles(), "seed=" + seed);
        // Pair 0's granter is dead: its frames mapped by pair 0's mapper stay allocated until those unmaps.
        for (final long handle : held.get(0))
        {
            hv.unmapGrant(pairs[0].mapper, handle);
            pairs[0].unmaps++;
        }
        for (final long handle : held.get(2))
        {
            hv.unmapGrant(pairs[2].mapper, handle);
            pairs[2].unmaps++;
        }
        pairs[0].assertCounted("seed=" + seed + " pair 0 after unmaps");
        pairs[2].assertCounted("seed=" + seed + " pair 2 after unmaps");
        assertEquals(0, hv.liveHandles());
        for (final int frame : pairs[0].frames)
        {
            assertEquals(-1, kernel.ownerOf(frame), "seed=" + seed + " the dead granter's frame " + frame +
                " freed with its last unmap");
        }
        pairs[2].assertIdleAndEnd("seed=" + seed + " pair 2");
        assertEquals(2, hv.activeGranters(), "the dead granter's active table went with its last use");
    }

    /**
     * A mapper maps, copies and pins a grant in a loop while another thread destroys it (and, in odd rounds, its
     * granter too): whichever way each race goes, no pin and no use is left once the destroy is done, and the
     * frame returns to the free pool. Many rounds, fresh domains each.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void destroyRacingMapsCopiesAndPinsLeavesNothing() throws Exception
    {
        final int rounds = 300;
        final int freeBefore = memory.freeFrames();
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < rounds; round++)
        {
            final int r = round;
            final Domain granter = kernel.createDomain("g" + round);
            final Domain mapper = kernel.createDomain("m" + round);
            final GrantTable table = hv.setupTable(granter, 4);
            final int frame = kernel.allocateFrame(granter, true);
            final int ref = table.grantAccess(mapper, frame, false);
            final long va = kernel.reserve(mapper, 1);
            final long buffer = kernel.reserve(mapper, 1);
            kernel.map(mapper, buffer, kernel.allocateFrame(mapper, true), Rights.READ_WRITE);
            final AtomicInteger progress = new AtomicInteger();
            final int target = round % 16;
            final boolean alsoGranter = (round & 1) != 0;
            final CyclicBarrier start = new CyclicBarrier(2);
            final Thread user = new Thread(() -> guarded(errors, start, () ->
            {
                try
                {
                    for (int i = 0; ; i++)
                    {
                        switch (i % 3)
                        {
                            case 0:
                                hv.unmapGrant(mapper, hv.mapGrant(mapper, granter.id(), ref, va, false));
                                break;
                            case 1:
                                hv.grantCopy(mapper, granter.id(), ref, 0, buffer, 64, false);
                                break;
                            default:
                                hv.pinGrant(mapper, granter.id(), ref, true); // left pinned: the destroy drops it
                        }
                        progress.incrementAndGet();
                    }
                }
                catch (final IllegalStateException | GrantException ex)
                {
                    // The mapper (IllegalStateException) or the granter (BAD_DOMAIN) died: the loop ends.
                    assertTrue(!mapper.isAlive() || !granter.isAlive(), ex.toString());
                }
            }), "user-" + round);
            final Thread destroyer = new Thread(() -> guarded(errors, start, () ->
            {
                while (progress.get() < target)
                {
                    Thread.onSpinWait();
                }
                if (alsoGranter)
                {
                    kernel.destroyDomain(granter);
                }
                kernel.destroyDomain(mapper);
            }), "destroyer-" + round);
            user.start();
            destroyer.start();
            joinAll(List.of(user, destroyer), 30);
            assertTrue(errors.isEmpty(), () -> "round " + r + " errors: " + errors);
            assertEquals(0, hv.liveHandles(), "round " + r + ": the dead mapper's pins and mappings released");
            if (alsoGranter)
            {
                assertEquals(-1, kernel.ownerOf(frame), "round " + r + ": the dead granter's frame freed");
            }
            else
            {
                assertEquals(0, kernel.pinCountOf(frame), "round " + r + ": no pin left");
                assertEquals(EndAccessResult.ENDED, table.endAccess(ref), "round " + r + ": nothing in use");
                kernel.destroyDomain(granter);
            }
            assertEquals(freeBefore, memory.freeFrames(), "round " + r + ": every frame back");
            assertEquals(0, hv.activeGranters(), "round " + r);
        }
    }

    /**
     * The granter ends a grant while its grantee maps it, both released together each round: exactly one wins,
     * either the map (and the end reports the grant in use) or the end (and the map is refused); never both, never
     * neither.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void endAccessRacingMapOfTheSameGrantHasOneWinner() throws Exception
    {
        final int rounds = 4000;
        final Domain granter = kernel.createDomain("granter");
        final Domain mapper = kernel.createDomain("mapper");
        final GrantTable table = hv.setupTable(granter, 4);
        final int frame = kernel.allocateFrame(granter, true);
        final long va = kernel.reserve(mapper, 1);
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicInteger ref = new AtomicInteger();
        final AtomicIntegerArray ended = new AtomicIntegerArray(rounds);
        final long[] handles = new long[rounds];
        final CyclicBarrier start = new CyclicBarrier(2);
        final CyclicBarrier round = new CyclicBarrier(2);
        final Thread end = new Thread(() -> guarded(errors, start, () ->
        {
            for (int i = 0; i < rounds; i++)
            {
                ref.set(table.grantAccess(mapper, frame, false));
                await(round);
                ended.set(i, table.endAccess(ref.get()) == EndAccessResult.ENDED ? 1 : 0);
                await(round);
                await(round); // the mapper checks and cleans up
            }
        }), "end");
        final Thread map = new Thread(() -> guarded(errors, start, () ->
        {
            for (int i = 0; i < rounds; i++)
            {
                await(round);
                try
                {
                    handles[i] = hv.mapGrant(mapper, granter.id(), ref.get(), va, false);
                }
                catch (final GrantException ex)
                {
                    assertEquals(GrantStatus.name(GrantStatus.BAD_GNTREF), GrantStatus.name(ex.status()));
                    handles[i] = -1;
                }
                await(round);
                final boolean mapped = handles[i] != -1;
                assertNotEquals(mapped, ended.get(i) == 1, "round " + i + ": mapped=" + mapped + " ended=" +
                    ended.get(i));
                if (mapped)
                {
                    hv.unmapGrant(mapper, handles[i]);
                    assertEquals(EndAccessResult.ENDED, table.endAccess(ref.get()), "round " + i);
                }
                await(round);
            }
        }), "map");
        end.start();
        map.start();
        joinAll(List.of(end, map), 100);
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
        int endWins = 0;
        for (int i = 0; i < rounds; i++)
        {
            endWins += ended.get(i);
        }
        assertTrue(endWins > 0 && endWins < rounds, "both sides won some races: ends=" + endWins);
        assertEquals(0, hv.liveHandles());
        assertEquals(0, kernel.pinCountOf(frame));
        kernel.destroyDomain(mapper);
        kernel.destroyDomain(granter);
    }
}

package io.barge.grant;

import io.barge.core.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static io.barge.grant.Races.await;
import static io.barge.grant.Races.breaking;
import static io.barge.grant.Races.guarded;
import static io.barge.grant.Races.joinAll;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A granter ending and re-granting while grantees map, pin, copy and unmap from other threads (bounded: a fixed
 * number of operations per thread, every join bounded): the granter's end races the hypervisor's acquire on the
 * shared status word. No use count may go negative (the hypervisor throws if one would), a second unmap is always
 * refused, a mapping always shows a frame granted to its mapper, and everything ends clean.
 */
class GrantConcurrencyTest extends GrantFixture
{
    private static final int SLOTS = 8;
    private static final int OPS = 2500;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void mapUnmapAndEndAccessFromSeveralThreads() throws Exception
    {
        final Domain[] grantees = { b, c };
        final int[] frames = new int[SLOTS];
        final AtomicIntegerArray refs = new AtomicIntegerArray(SLOTS);
        for (int s = 0; s < SLOTS; s++)
        {
            // Each frame says which grantee it is for: a mapping must always show one of its own.
            frames[s] = frameWith(a, grantees[s & 1].id());
            refs.set(s, table.grantAccess(grantees[s & 1], frames[s], false));
        }
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicLong mapped = new AtomicLong();
        final AtomicLong inUse = new AtomicLong();
        final CyclicBarrier start = new CyclicBarrier(4);
        final List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(() -> guarded(errors, start, () ->
        {
            final SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < OPS; i++)
            {
                final int s = random.nextInt(SLOTS);
                final int ref = refs.get(s);
                final EndAccessResult result = table.endAccess(ref);
                if (result == EndAccessResult.ENDED)
                {
                    refs.set(s, table.grantAccess(grantees[s & 1], frames[s], random.nextBoolean()));
                }
                else
                {
                    inUse.incrementAndGet();
                }
            }
        }), "granter"));
        for (int t = 0; t < 3; t++)
        {
            final Domain me = grantees[t & 1];
            final long seed = 100 + t;
            threads.add(new Thread(() -> guarded(errors, start, () ->
            {
                final SplittableRandom random = new SplittableRandom(seed);
                final long va = kernel.reserve(me, 1);
                final long buffer = kernel.reserve(me, 1);
                kernel.map(me, buffer, kernel.allocateFrame(me, true), io.barge.core.Rights.READ_WRITE);
                for (int i = 0; i < OPS; i++)
                {
                    final int s = (random.nextInt(SLOTS / 2) << 1) | (me == b ? 0 : 1);
                    final int ref = refs.get(s);
                    final boolean ro = random.nextBoolean();
                    try
                    {
                        switch (random.nextInt(3))
                        {
                            case 0:
                            {
                                final long h = hv.mapGrant(me, a.id(), ref, va, ro);
                                assertEquals(me.id(), me.addressSpace().getLong(va), "a frame granted to me");
                                hv.unmapGrant(me, h);
                                final GrantException again = assertThrows(GrantException.class,
                                    () -> hv.unmapGrant(me, h));
                                assertEquals(GrantStatus.BAD_HANDLE, again.status());
                                mapped.incrementAndGet();
                                break;
                            }
                            case 1:
                            {
                                final long h = hv.pinGrant(me, a.id(), ref, ro);
                                assertTrue(hv.pinnedFrame(me, h) == frames[s]);
                                hv.unpinGrant(me, h);
                                break;
                            }
                            default:
                                hv.grantCopy(me, a.id(), ref, 0, buffer, 8, false);
                                assertEquals(me.id(), me.addressSpace().getLong(buffer));
                        }
                    }
                    catch (final GrantException ex)
                    {
                        // Raced with an end, or a re-grant read-only: refused, and nothing changed.
                        assertTrue(ex.status() == GrantStatus.BAD_GNTREF ||
                            ex.status() == GrantStatus.PERMISSION_DENIED ||
                            ex.status() == GrantStatus.GENERAL_ERROR, ex.getMessage());
                    }
                }
            }), "grantee-" + t));
        }
        threads.forEach(Thread::start);
        joinAll(threads, 100);
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
        assertTrue(mapped.get() > 0, "some maps succeeded");
        assertEquals(0, hv.liveHandles());
        for (int s = 0; s < SLOTS; s++)
        {
            final int ref = refs.get(s);
            assertEquals(0, hv.maps(a.id(), ref, false) + hv.maps(a.id(), ref, true) +
                hv.pins(a.id(), ref, false) + hv.pins(a.id(), ref, true));
            assertEquals(0, kernel.pinCountOf(frames[s]));
            assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
        }
    }

    /**
     * A granter gives frames up with {@code endAccessDeferred} while a grantee maps the same grant, both released
     * together each round: an end that wins against a map must free the frame at once, even while the losing map
     * is still validating it (the hypervisor used to pin the frame before its compare-and-set, which then failed, and
     * the free threw FrameInUseException and stranded the frame); an end that loses is deferred and completes on the
     * unmap. Every frame comes back.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void deferredEndRacingMapsFreesEveryFrame() throws Exception
    {
        final int rounds = 5_000;
        final int freeBefore = memory.freeFrames();
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicInteger published = new AtomicInteger();
        final AtomicLong ended = new AtomicLong();
        final AtomicLong mapped = new AtomicLong();
        final CyclicBarrier start = new CyclicBarrier(2);
        final CyclicBarrier round = new CyclicBarrier(2);
        final Thread granter = new Thread(() -> guarded(errors, start, breaking(round, () ->
        {
            for (int i = 0; i < rounds; i++)
            {
                published.set(table.grantAccess(b, kernel.allocateFrame(a, true), false));
                await(round);
                if (table.endAccessDeferred(published.get()) == EndAccessResult.ENDED)
                {
                    ended.incrementAndGet();
                }
                await(round);
            }
        })), "granter");
        final Thread grantee = new Thread(() -> guarded(errors, start, breaking(round, () ->
        {
            final long va = kernel.reserve(b, 1);
            for (int i = 0; i < rounds; i++)
            {
                await(round);
                try
                {
                    hv.unmapGrant(b, hv.mapGrant(b, a.id(), published.get(), va, false));
                    mapped.incrementAndGet();
                }
                catch (final GrantException ex)
                {
                    // Ended before the map read it: refused, nothing changed.
                    assertEquals(GrantStatus.name(GrantStatus.BAD_GNTREF), GrantStatus.name(ex.status()));
                }
                await(round);
            }
        })), "grantee");
        granter.start();
        grantee.start();
        joinAll(List.of(granter, grantee), 100);
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
        assertTrue(ended.get() > 0 && mapped.get() > 0, "both sides won some races: ended=" + ended + " mapped=" +
            mapped);
        assertEquals(0, table.grantsInUse());
        assertEquals(0, table.deferredEnds());
        assertEquals(freeBefore, memory.freeFrames(), "every given-up frame freed");
    }
}

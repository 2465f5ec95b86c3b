package io.barge.fbufs;

import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frees from another thread travel back to the allocating thread through its magazine's return ring: reused without a
 * fresh fbuf, counted as cached, handed to the next owner when the old one's thread ends, and given back to the
 * kernel by a teardown while they wait in the ring.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReturnRingPathTest extends FbufFixture
{
    private FbufRegion region;
    private IoPath path;
    private ExecutorService other;

    @BeforeEach
    void setUpPath()
    {
        region = new FbufRegion(kernel, 512);
        path = region.createPath(new Domain[]{ a, b }, new FbufMode(true, true, true), 64);
        other = Executors.newSingleThreadExecutor(r -> new Thread(r, "other"));
    }

    @AfterEach
    void tearDownPath() throws Exception
    {
        other.shutdownNow();
        assertTrue(other.awaitTermination(10, TimeUnit.SECONDS));
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames(), "free frames after the region closed");
    }

    private void releaseElsewhere(final long... handles) throws Exception
    {
        other.submit(() ->
        {
            for (final long handle : handles)
            {
                region.release(handle);
            }
        }).get();
    }

    @Test
    void aFreeOnAnotherThreadLandsInTheOwnersMagazine() throws Exception
    {
        final long first = path.allocate(100);
        assertEquals(1, region.liveFbufs());
        releaseElsewhere(first);
        assertEquals(1, path.cachedFbufs(), "waiting in the owner's return ring");
        final long again = path.allocate(100);
        assertEquals((int)first, (int)again, "the same fbuf, taken from the ring");
        assertNotEquals(first, again, "under a new generation");
        assertEquals(1, region.liveFbufs(), "no fresh fbuf");
        assertEquals(0, path.cachedFbufs());
        assertThrows(BufferStateException.class, () -> region.release(first), "the old handle is stale");
        path.release(again);
    }

    @Test
    void freesFromAnotherThreadKeepThePoolAtWhatIsOut() throws Exception
    {
        final int inFlight = 6;
        final long[] out = new long[inFlight];
        for (int round = 0; round < 500; round++)
        {
            for (int i = 0; i < inFlight; i++)
            {
                out[i] = path.allocate(1 + (round * 31 + i * 7) % 4000);
            }
            releaseElsewhere(out);
            assertEquals(inFlight, region.liveFbufs(), "round " + round + ": every free came back for reuse");
        }
        assertEquals(inFlight, path.cachedFbufs());
        assertEquals(0, region.heldFbufs());
    }

    @Test
    void aFullMagazineSendsTheRestToTheSharedListsAndNothingIsLost() throws Exception
    {
        // More frees than a magazine's stack holds: the ring keeps them, refills take a stack's worth at a time.
        final int count = 2 * Magazine.SIZE - 4; // within the budget of 64 pages
        final long[] out = new long[count];
        for (int i = 0; i < count; i++)
        {
            out[i] = path.allocatePages(1);
        }
        releaseElsewhere(out);
        assertEquals(count, path.cachedFbufs());
        for (int i = 0; i < count; i++)
        {
            out[i] = path.allocatePages(1);
        }
        assertEquals(count, region.liveFbufs(), "all reused");
        for (final long handle : out)
        {
            path.release(handle);
        }
        assertEquals(count, path.cachedFbufs());
    }

    @Test
    void theRingOfAnOwnerWhoseThreadEndedGoesToTheNextOwner() throws Exception
    {
        final long[] out = other.submit(() -> new long[]{ path.allocate(10), path.allocate(10), path.allocate(10) })
            .get();
        other.shutdown();
        assertTrue(other.awaitTermination(10, TimeUnit.SECONDS));
        final ExecutorService ended = other;
        other = Executors.newSingleThreadExecutor();
        assertTrue(ended.isTerminated());
        // The owner's thread has ended; these frees wait in its ring.
        for (final long handle : out)
        {
            region.release(handle);
        }
        // Wait for the thread itself, not just the executor: its magazine is drained once it is not alive.
        awaitThreadEnd("other");
        assertEquals(3, path.cachedFbufs());
        final long[] again = { path.allocate(10), path.allocate(10), path.allocate(10) };
        assertEquals(3, region.liveFbufs(), "the new owner reused what the old owner's ring held");
        for (final long handle : again)
        {
            path.release(handle);
        }
    }

    @Test
    void aRetiredMagazineIsDrainedByItsOwnThreadOnItsNextAllocation() throws Exception
    {
        // "other" owns the path and keeps one free fbuf in its own stack; two more wait in its ring.
        final long[] out = other.submit(() ->
        {
            final long kept = path.allocate(10);
            final long[] handles = { path.allocate(10), path.allocate(10) };
            path.release(kept);
            return handles;
        }).get();
        region.release(out[0]);
        region.release(out[1]);
        assertEquals(3, path.cachedFbufs());
        // This thread takes over: the old magazine is retired, still counted.
        final long mine = path.allocate(10);
        assertEquals(4, region.liveFbufs(), "a fresh fbuf: the retired magazine is its own thread's to drain");
        assertEquals(3, path.cachedFbufs());
        // Its thread allocates again and moves the retired contents to the shared lists on the way.
        final long theirs = other.submit(() -> path.allocate(10)).get();
        assertEquals(4, region.liveFbufs());
        assertEquals(2, path.cachedFbufs());
        path.release(mine);
        releaseElsewhere(theirs);
        assertEquals(4, path.cachedFbufs());
    }

    @Test
    void teardownWithFbufsInTheRingReturnsEveryFrame() throws Exception
    {
        final long[] out = new long[10];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = path.allocate(1 + i * 1000);
        }
        final long held = path.allocate(50);
        releaseElsewhere(out);
        assertEquals(10, path.cachedFbufs());
        region.closePath(path);
        assertEquals(0, region.liveFbufs(), "ring, magazine and held fbufs all reclaimed");
        assertThrows(BufferStateException.class, () -> region.release(held), "a held handle went stale");
        assertEquals(freeFramesAtStart, kernel.freeFrames(), "every frame back while the region stays open");
    }

    private static void awaitThreadEnd(final String name) throws InterruptedException
    {
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().equals(name))
            {
                thread.join(10_000);
            }
        }
    }
}

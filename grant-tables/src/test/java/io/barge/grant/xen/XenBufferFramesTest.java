package io.barge.grant.xen;

import io.barge.core.Domain;
import io.barge.core.transport.Message;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Where a channel's data buffers live: each buffer on physically consecutive frames when such runs are free, even
 * after frees have scattered the free list (so that a message is one run of frames for the receiver's touch), and on
 * scattered frames, still working, when memory has no run left.
 */
@Timeout(60)
class XenBufferFramesTest extends XenFixture
{
    private static final int PAGES = 4;
    private static final int CAPACITY = 4;

    @ParameterizedTest
    @EnumSource(value = GrantMode.class, names = { "MAP", "PERSISTENT" })
    void eachBufferIsOneRunOfFramesAfterFreesScatteredTheFreeList(final GrantMode mode)
    {
        // Free 64 frames in an order that hands them out again backwards and interleaved.
        final int[] taken = new int[64];
        kernel.allocateFrames(c, taken.length, false, taken);
        for (int i = 0; i < taken.length; i += 2)
        {
            kernel.freeFrame(c, taken[i]);
        }
        for (int i = taken.length - 1; i > 0; i -= 2)
        {
            kernel.freeFrame(c, taken[i]);
        }
        try (XenChannel channel = transport(mode).open(a, b, config(PAGES * PAGE, CAPACITY)))
        {
            // Every buffer in turn (one held at a time), each seen by the receiver as consecutive frames.
            final List<Integer> firstFrames = new ArrayList<>();
            for (int m = 0; m < CAPACITY; m++)
            {
                for (int k = 0; k <= m; k++)
                {
                    send(channel, k, PAGES * PAGE);
                }
                final List<Message> held = new ArrayList<>();
                for (int k = 0; k <= m; k++)
                {
                    held.add(receive(channel, k, PAGES * PAGE));
                }
                final Message last = held.get(m);
                assertEquals(1, last.pieceCount(), "one piece");
                final int first = frameAt(b, last.pieceAddress(0));
                for (int p = 1; p < PAGES; p++)
                {
                    assertEquals(first + p, frameAt(b, last.pieceAddress(0) + (long)p * PAGE),
                        mode + " buffer " + m + " page " + p + " follows its first frame " + first);
                }
                firstFrames.add(first);
                held.forEach(channel.receiver()::release);
            }
            assertEquals(CAPACITY, firstFrames.stream().distinct().count(), "four different buffers: " + firstFrames);
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void withNoRunFreeTheBuffersTakeScatteredFramesAndStillCarryMessages(final GrantMode mode)
    {
        // Hold every other frame: no two free frames are neighbours.
        final int[] all = new int[memory.freeFrames()];
        kernel.allocateFrames(c, all.length, false, all);
        java.util.Arrays.sort(all);
        int freed = 0;
        for (int i = 0; i < all.length; i += 2)
        {
            kernel.freeFrame(c, all[i]);
            freed++;
        }
        assertNotEquals(0, freed);
        // One-page rings and buffers that fit the direct segments: nothing here needs a run but the buffers.
        try (XenChannel channel = transport(mode).open(a, b, config(PAGES * PAGE, CAPACITY)))
        {
            for (int m = 0; m < 2 * CAPACITY; m++)
            {
                send(channel, m, PAGES * PAGE);
                channel.receiver().release(receive(channel, m, PAGES * PAGE));
            }
        }
        for (int i = 1; i < all.length; i += 2)
        {
            kernel.freeFrame(c, all[i]);
        }
    }

    private static int frameAt(final Domain d, final long address)
    {
        return d.addressSpace().frameAt(address);
    }
}

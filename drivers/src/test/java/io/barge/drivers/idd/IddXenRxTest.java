package io.barge.drivers.idd;

import io.barge.core.CounterType;
import io.barge.core.transport.Claim;
import io.barge.grant.GrantCounters;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver domain's xen RX path, netfront's way: each guest posts RX buffers in its own granted pages; the driver
 * domain pins a posted buffer through its grant mapping and the NIC DMAs the frame straight into the guest's page
 * ({@code persistent}, {@code map}), or into a staging page of its own that the commit grant-copies into the posted
 * page ({@code copy}). Either way a guest receives in its own memory.
 */
@Timeout(60)
class IddXenRxTest
{
    @ParameterizedTest(name = "{0}")
    @CsvSource({ "persistent, true", "map, true", "copy, false" })
    void guestsReceiveInTheirOwnPostedPagesAndTheNicWritesThereUnlessCopying(final String grants,
        final boolean dmaIntoGuest)
    {
        try (IddRig rig = new IddRig(2, 4096))
        {
            final DriverDomain idd = rig.attach(IddRig.small(IddPath.XEN, grants));
            for (int g = 0; g < 2; g++)
            {
                final int frame = idd.rxFramePosted(g);
                assertTrue(frame >= 0, "guest " + g + " has RX buffers on its NIC");
                assertEquals(dmaIntoGuest ? rig.guests[g].id() : idd.domain().id(), rig.kernel.ownerOf(frame),
                    grants + ": the frame the NIC writes for guest " + g);
            }
            final long copies0 = idd.domain().counter(GrantCounters.GRANT_COPIES);
            final long bytes0 = idd.domain().counter(CounterType.BYTES_COPIED);
            final long maps0 = idd.domain().counter(GrantCounters.GRANT_MAPS);
            final Claim[] claims = { idd.guest(0).newClaim(), idd.guest(1).newClaim() };
            final long[] sent = new long[2];
            final long[] received = new long[2];
            final int frames = 100;
            final int length = 300;
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                for (int g = 0; g < 2; g++)
                {
                    if (sent[g] < frames && IddRig.send(idd.guest(g), claims[g], g, sent[g], length))
                    {
                        sent[g]++;
                    }
                    final int me = g;
                    idd.guest(g).poll(message ->
                    {
                        // From the other guest, in order, intact, in a page of this guest's own.
                        final int from = 1 - me;
                        assertEquals(((long)from << 48) | received[me], IddRig.stamp(message));
                        for (int i = 8; i < length; i++)
                        {
                            assertEquals(IddRig.pattern(from, received[me], i), message.getByte(i));
                        }
                        final int frame = rig.guests[me].addressSpace().frameAt(message.pieceAddress(0));
                        assertEquals(rig.guests[me].id(), rig.kernel.ownerOf(frame), "received in its own page");
                        received[me]++;
                    }, 16);
                    idd.guest(g).pollResponses((id, status) -> { }, 16);
                }
                return received[0] == frames && received[1] == frames;
            }), () -> "received " + received[0] + "/" + received[1]);
            final long copies = idd.domain().counter(GrantCounters.GRANT_COPIES) - copies0;
            final long bytes = idd.domain().counter(CounterType.BYTES_COPIED) - bytes0;
            final long maps = idd.domain().counter(GrantCounters.GRANT_MAPS) - maps0;
            switch (grants)
            {
                case "persistent":
                    assertEquals(0, copies + maps, "persistent: nothing mapped or copied per frame");
                    break;
                case "map":
                    assertEquals(0, copies);
                    // TX maps each request's page, RX each posted buffer's page when claimed: up to 16 a guest were
                    // claimed before the count started, and as many may be claimed ahead when it ends.
                    assertTrue(maps >= 4L * frames - 2 * 16 && maps <= 4L * frames + 2 * 16, "maps=" + maps);
                    break;
                default:
                    // TX copies each request's page in, RX each frame out into its posted page at the commit.
                    assertEquals(4L * frames, copies, "grant copies");
                    assertTrue(bytes >= 2L * frames * length, "bytes copied=" + bytes);
                    break;
            }
            rig.closeAndCheckFrames(idd);
        }
    }
}

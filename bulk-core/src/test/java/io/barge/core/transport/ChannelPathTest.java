package io.barge.core.transport;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A {@link ChannelPath} made of channels opened one by one (as a user would join hops of different transports): the
 * hops must meet, no domain may come twice, and closing closes every hop even if one close fails.
 */
@Timeout(30)
class ChannelPathTest
{
    private static final ChannelConfig SMALL = new ChannelConfig(4096, 4, ChannelConfig.Notification.UMP);

    private Kernel kernel;
    private Domain a;
    private Domain b;
    private Domain c;
    private Transport copy;

    @BeforeEach
    void setUp()
    {
        kernel = Kernel.withMemoryMiB(8);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        c = kernel.createDomain("c");
        copy = Transports.create(kernel, "copy", Map.of());
    }

    @AfterEach
    void tearDown()
    {
        copy.close();
        kernel.close();
    }

    @Test
    void hopsOpenedOneByOneMakeAPath()
    {
        final Channel ab = copy.open(a, b, SMALL);
        final Channel bc = copy.open(b, c, SMALL);
        try (ChannelPath path = new ChannelPath(ab, bc))
        {
            assertEquals(2, path.hops());
            assertSame(ab, path.hop(0));
            assertSame(bc, path.hop(1));
            assertSame(c, path.domain(2));
            assertEquals("ChannelPath[a -> b -> c]", path.toString());
        }
        assertFalse(ab.isOpen());
        assertFalse(bc.isOpen());
    }

    @Test
    void aSingleHopIsAPathOfTwoDomains()
    {
        try (ChannelPath path = new ChannelPath(copy.open(a, b, SMALL)))
        {
            assertSame(path.source(), path.outbound(0));
            assertSame(path.sink(), path.inbound(1));
            assertEquals(2, path.domainCount());
        }
    }

    @Test
    void hopsThatDoNotMeetOrComeBackAreRefused()
    {
        final Channel ab = copy.open(a, b, SMALL);
        final Channel ac = copy.open(a, c, SMALL);
        final Channel ba = copy.open(b, a, SMALL);
        final IllegalArgumentException apart = assertThrows(IllegalArgumentException.class,
            () -> new ChannelPath(ab, ac));
        assertEquals("hop 1 starts in a(1) but hop 0 ends in b(2)", apart.getMessage());
        final IllegalArgumentException loop = assertThrows(IllegalArgumentException.class,
            () -> new ChannelPath(ab, ba));
        assertEquals("path domains must be distinct: a(1) at 0 and 2", loop.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ChannelPath());
        assertThrows(IllegalArgumentException.class, () -> new ChannelPath((Channel[])null));
        assertThrows(IllegalArgumentException.class, () -> new ChannelPath(ab, null));
        assertTrue(ab.isOpen() && ac.isOpen() && ba.isOpen(), "a refused path closes nothing it was given");
    }

    @Test
    void theHopsAreCopiedSoTheCallersArrayCannotChangeThePath()
    {
        final Channel[] hops = {copy.open(a, b, SMALL), copy.open(b, c, SMALL)};
        final Channel second = hops[1];
        final ChannelPath path = new ChannelPath(hops);
        hops[1] = copy.open(b, a, SMALL);
        assertSame(second, path.hop(1));
        path.close();
    }

    @Test
    void closeClosesEveryHopEvenIfOneCloseFailsAndThrowsTheFirstFailure()
    {
        final Channel ab = copy.open(a, b, SMALL);
        final Channel bc = copy.open(b, c, SMALL);
        final IllegalStateException boom = new IllegalStateException("boom");
        final Channel failing = new Channel()
        {
            @Override
            public Sender sender()
            {
                return ab.sender();
            }

            @Override
            public Receiver receiver()
            {
                return ab.receiver();
            }

            @Override
            public boolean isOpen()
            {
                return ab.isOpen();
            }

            @Override
            public void close()
            {
                ab.close();
                throw boom;
            }
        };
        final ChannelPath path = new ChannelPath(failing, bc);
        assertSame(boom, assertThrows(IllegalStateException.class, path::close));
        assertFalse(ab.isOpen());
        assertFalse(bc.isOpen(), "the hop after the failing close is closed too");
        assertFalse(path.isOpen());
    }

    @Test
    void theDomainRuleIsCheckedBeforeAnythingIsOpened()
    {
        assertEquals("a path needs at least 2 domains, got 1",
            assertThrows(IllegalArgumentException.class, () -> ChannelPath.checkDomains(a)).getMessage());
        assertEquals("a path needs at least 2 domains, got null",
            assertThrows(IllegalArgumentException.class, () -> ChannelPath.checkDomains((Domain[])null))
                .getMessage());
        assertEquals("path domain 1 is null",
            assertThrows(IllegalArgumentException.class, () -> ChannelPath.checkDomains(a, null)).getMessage());
        assertEquals("path domains must be distinct: b(2) at 1 and 3",
            assertThrows(IllegalArgumentException.class, () -> ChannelPath.checkDomains(a, b, c, b)).getMessage());
        ChannelPath.checkDomains(a, b, c);
    }
}

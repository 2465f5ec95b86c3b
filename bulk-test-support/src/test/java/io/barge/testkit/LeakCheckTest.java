package io.barge.testkit;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class LeakCheckTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain domain;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(32);
        kernel = new Kernel(memory, 1 << 12, 8);
        domain = kernel.createDomain("d");
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void passesWhenEverythingCameBack()
    {
        final AtomicLong live = new AtomicLong(3);
        final LeakCheck check = LeakCheck.of(kernel).probe("live buffers", live::get);
        final int frame = kernel.allocateFrame(domain, false);
        live.incrementAndGet();
        kernel.freeFrame(domain, frame);
        live.decrementAndGet();
        assertEquals(List.of(), check.differences());
        check.assertNothingLeaked();
    }

    @Test
    void reportsALeakedFrame()
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final int free = kernel.freeFrames();
        kernel.allocateFrame(domain, false);
        final AssertionFailedError failure = assertThrows(AssertionFailedError.class, check::assertNothingLeaked);
        assertEquals("leaked: free frames: was " + free + ", now " + (free - 1) + " (-1)", failure.getMessage());
    }

    @Test
    void reportsEveryDifferenceAtOnce()
    {
        final AtomicLong live = new AtomicLong(0);
        final AtomicLong held = new AtomicLong(5);
        final LeakCheck check = LeakCheck.of(kernel).probe("live fbufs", live::get).probe("held refs", held::get);
        kernel.allocateFrame(domain, false);
        kernel.allocateFrame(domain, false);
        live.set(2);
        assertEquals(List.of(
            "free frames: was 32, now 30 (-2)",
            "live fbufs: was 0, now 2 (+2)"), check.differences());
        final AssertionFailedError failure = assertThrows(AssertionFailedError.class, check::assertNothingLeaked);
        assertTrue(failure.getMessage().contains("live fbufs: was 0, now 2 (+2)"), failure.getMessage());
        assertFalse(failure.getMessage().contains("held refs"), failure.getMessage());
    }
}

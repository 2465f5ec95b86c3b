package io.barge.testkit;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class KillSwitchTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain victim;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(32);
        kernel = new Kernel(memory, 1 << 12, 8);
        victim = kernel.createDomain("victim");
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void destroysOnTheNthTickAndReturnsItsFrames()
    {
        final LeakCheck check = LeakCheck.of(kernel);
        kernel.allocateFrame(victim, true);
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, victim, 3);
        assertFalse(kill.tick());
        assertFalse(kill.tick());
        assertTrue(victim.isAlive(), "alive after two ticks");
        assertFalse(kill.fired());
        assertTrue(kill.tick());
        assertFalse(victim.isAlive(), "destroyed on the third");
        assertTrue(kill.fired());
        assertNull(kernel.domain(victim.id()));
        check.assertNothingLeaked();
        assertFalse(kill.tick(), "later ticks do nothing");
        assertEquals(4, kill.ticks());
    }

    @Test
    void aDomainAlreadyDeadIsNotDestroyedTwice()
    {
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, victim, 1);
        kernel.destroyDomain(victim);
        assertFalse(kill.tick());
    }

    @Test
    void refusesANonPositiveCount()
    {
        assertThrows(IllegalArgumentException.class, () -> KillSwitch.destroyAfter(kernel, victim, 0));
    }
}

package io.barge.bench.core;

import io.barge.core.CounterType;
import io.barge.core.device.DeviceCounters;
import io.barge.core.machine.ConductorCounters;
import io.barge.drivers.nic.NicCounters;
import io.barge.grant.GrantCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every module's counter types load together in one process (the CLI, a kernel process serving a driver domain):
 * the second registration of an id throws, so two modules that picked one id could never run side by side.
 */
@Timeout(30)
class CounterIdsTest
{
    @Test
    void everyModulesCounterTypesLoadTogetherUnderIdsOfTheirOwn()
    {
        // Touch one type of each module so that its static initialiser registers all of its types.
        final CounterType[] firsts = {
            GrantCounters.GRANT_MAPS, DeviceCounters.DMA_BYTES, NicCounters.NIC_TX_FRAMES, ConductorCounters.COMMANDS };
        final Map<Integer, String> seen = new HashMap<>();
        for (final CounterType type : CounterType.values())
        {
            assertNull(seen.put(type.id(), type.name()), "id " + type.id() + " registered twice");
        }
        assertEquals(24, firsts[0].id());
        assertEquals(40, firsts[2].id());
        assertEquals(70, firsts[3].id());
    }
}

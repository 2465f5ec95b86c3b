package io.barge.grant;

import io.barge.core.CounterType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The grant tables' counter types keep the ids they had in the core: reports and other processes find them by id.
 */
class GrantCountersTest
{
    @Test
    void idsNamesAndLabelsNeverChange()
    {
        // Fixed data: the ids 24..29, in this order.
        final CounterType[] types = {
            GrantCounters.GRANT_MAPS, GrantCounters.GRANT_UNMAPS, GrantCounters.GRANT_COPIES,
            GrantCounters.GRANT_PINS, GrantCounters.GRANT_UNPINS, GrantCounters.GRANT_ERRORS };
        final String[] names = { "GRANT_MAPS", "GRANT_UNMAPS", "GRANT_COPIES", "GRANT_PINS", "GRANT_UNPINS",
            "GRANT_ERRORS" };
        for (int i = 0; i < types.length; i++)
        {
            assertEquals(24 + i, types[i].id(), names[i]);
            assertEquals(names[i], types[i].name());
            assertSame(types[i], CounterType.fromId(24 + i));
        }
        assertEquals("grant operation errors", GrantCounters.GRANT_ERRORS.label());
        assertSame(GrantCounters.GRANT_MAPS, CounterType.register(24, "GRANT_MAPS", "grant maps"),
            "registering again returns the same type");
    }
}

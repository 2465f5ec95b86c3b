package io.barge.fbufs;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The per-message counter profile of every combination matches the seed's struck-out table (as mapped in
 * {@link OverheadTable}), at one and at several pages per message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverheadTableTest
{
    static List<Object[]> cases()
    {
        final List<Object[]> cases = new ArrayList<>();
        for (final FbufMode mode : FbufMode.ALL)
        {
            cases.add(new Object[]{ mode, 1000 });
            cases.add(new Object[]{ mode, 3 * 4096 + 100 });
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1} bytes")
    @MethodSource("cases")
    void profileMatchesSeedTable(final FbufMode mode, final int length)
    {
        final int bytes = mode.integrated() ? AggregateDescriptor.withNodes(length, 1) : length;
        final int pages = (bytes + 4095) / 4096;
        final long[] expected = OverheadTable.expected(mode, pages);
        final double[] measured = OverheadTable.measure(mode, length, 32);
        final double[] expectedD = Arrays.stream(expected).asDoubleStream().toArray();
        assertArrayEquals(expectedD, measured, 1e-9, mode.shortName() + " pages=" + pages + " items=" +
            OverheadTable.items(mode) + " measured=" + Arrays.toString(measured));
    }
}

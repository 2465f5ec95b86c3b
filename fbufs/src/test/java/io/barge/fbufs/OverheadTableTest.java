package io.barge.fbufs;

import io.barge.core.CounterType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The measured overhead table against fixed data: the seed's list per combination (copied here from seed 004's
 * slides a second time, so a change to the copy in {@link OverheadTable} fails), the documented differences, and
 * each seed item's count per message at one and at four pages.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverheadTableTest
{
    /** Seed 004's list per combination: the four slides, and the stated eliminations for the other four. */
    private static final Map<String, List<String>> SEED = Map.of(
        "plain", List.of("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.2", "3.3", "4.1", "4.2", "4.3"),
        "integrated", List.of("1.1", "1.2", "1.3", "2.2", "2.3", "3.2", "4.1", "4.2", "4.3"),
        "volatile", List.of("1.1", "1.2", "1.3", "2.1", "3.2", "3.3", "4.1", "4.2", "4.3"),
        "volatile+integrated", List.of("1.1", "1.2", "1.3", "3.2", "4.1", "4.2", "4.3"),
        "cached", List.of("2.3", "3.2", "3.3"),
        "cached+integrated", List.of("2.3", "3.2"),
        "cached+volatile", List.of("3.2", "3.3"),
        "cached+volatile+integrated", List.of("3.2"));

    /** Barge's documented differences: "+item" incurred though struck out, "-item" listed but not incurred. */
    private static final Map<String, List<String>> DIFFERENCES = Map.of(
        "plain", List.of(),
        "integrated", List.of("+2.1", "+3.3"),
        "volatile", List.of(),
        "volatile+integrated", List.of("+2.1", "+3.3"),
        "cached", List.of("+2.1", "+2.2", "-3.2"),
        "cached+integrated", List.of("+2.1", "+2.2", "-3.2", "+3.3"),
        "cached+volatile", List.of("+2.1", "-3.2"),
        "cached+volatile+integrated", List.of("+2.1", "-3.2", "+3.3"));

    /**
     * Per combination and pages, operations per message for items 1.1 1.2 1.3 2.1 2.2 2.3 3.1 3.2 3.3 4.1 4.2 4.3.
     * 2.2 counts rights changes (a cached non-volatile fbuf: lowered on send, given back on reuse); 2.3 the
     * originator's flush after raising; 4.2 unmapping from originator and receiver plus one flush each.
     */
    private static final Map<String, double[]> ONE_PAGE = Map.of(
        "plain", new double[]{ 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 4, 1 },
        "integrated", new double[]{ 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 4, 1 },
        "volatile", new double[]{ 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 4, 1 },
        "volatile+integrated", new double[]{ 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 4, 1 },
        "cached", new double[]{ 0, 0, 0, 1, 2, 1, 0, 0, 1, 0, 0, 0 },
        "cached+integrated", new double[]{ 0, 0, 0, 1, 2, 1, 0, 0, 1, 0, 0, 0 },
        "cached+volatile", new double[]{ 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0 },
        "cached+volatile+integrated", new double[]{ 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0 });

    private static final Map<String, double[]> FOUR_PAGES = Map.of(
        "plain", new double[]{ 1, 4, 4, 1, 4, 1, 0, 4, 1, 1, 10, 4 },
        "integrated", new double[]{ 1, 4, 4, 1, 4, 1, 0, 4, 1, 1, 10, 4 },
        "volatile", new double[]{ 1, 4, 4, 1, 0, 0, 0, 4, 1, 1, 10, 4 },
        "volatile+integrated", new double[]{ 1, 4, 4, 1, 0, 0, 0, 4, 1, 1, 10, 4 },
        "cached", new double[]{ 0, 0, 0, 1, 8, 1, 0, 0, 1, 0, 0, 0 },
        "cached+integrated", new double[]{ 0, 0, 0, 1, 8, 1, 0, 0, 1, 0, 0, 0 },
        "cached+volatile", new double[]{ 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0 },
        "cached+volatile+integrated", new double[]{ 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0 });

    static List<Object[]> cases()
    {
        final List<Object[]> cases = new ArrayList<>();
        for (final FbufMode mode : FbufMode.ALL)
        {
            cases.add(new Object[]{ mode, 1000, ONE_PAGE.get(mode.shortName()) });
            cases.add(new Object[]{ mode, 3 * 4096 + 100, FOUR_PAGES.get(mode.shortName()) });
        }
        return cases;
    }

    @Test
    void seedListIsTheSeedsAndDifferencesAreTheDocumentedOnes()
    {
        for (final FbufMode mode : FbufMode.ALL)
        {
            assertEquals(SEED.get(mode.shortName()), OverheadTable.seedItems(mode), mode.shortName());
            final List<String> differences = new ArrayList<>();
            OverheadTable.differences(mode).forEach((d) -> differences.add((d.incurred() ? "+" : "-") + d.item()));
            assertEquals(DIFFERENCES.get(mode.shortName()), differences, mode.shortName());
        }
    }

    @ParameterizedTest(name = "{0} {1} bytes")
    @MethodSource("cases")
    void measuredItemsAreTheSeedsPlusTheDifferences(final FbufMode mode, final int length, final double[] expected)
    {
        final OverheadTable.Profile profile = OverheadTable.measure(mode, length, 32);
        final double[] measured = OverheadTable.ITEMS.stream().mapToDouble(profile::item).toArray();
        assertArrayEquals(expected, measured, 1e-9, mode.shortName() + " measured=" + Arrays.toString(measured));
        final List<String> wanted = new ArrayList<>(SEED.get(mode.shortName()));
        for (final String d : DIFFERENCES.get(mode.shortName()))
        {
            if (d.startsWith("+"))
            {
                wanted.add(d.substring(1));
            }
            else
            {
                wanted.remove(d.substring(1));
            }
        }
        wanted.sort(null);
        assertEquals(wanted, profile.incurred(), mode.shortName());
        assertEquals(profile.total(CounterType.FRAMES_ALLOCATED), profile.total(CounterType.FRAMES_ZEROED), 1e-9,
            "every allocated frame is zeroed (1.2)");
        assertEquals(0, profile.total(CounterType.BYTES_COPIED), 1e-9, "fbufs copy nothing");
    }
}

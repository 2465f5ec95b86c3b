package io.barge.bench.core;

import java.util.List;
import java.util.Locale;

/**
 * Where the two vCPUs of a two-thread or two-process measurement were during it, by the placement probes run just
 * before and just after it ({@link PingPongProbe}; the report's {@code PlacementProbe}): on the 2-vCPU machines Barge
 * is developed on they sit near or far from each other for seconds to minutes at a time, and every cross-core figure
 * flips with them, so figures are only compared within one placement.
 */
public enum Placement
{
    /** Both probes under the threshold. */
    NEAR,
    /** Both probes at or over it. */
    FAR,
    /** The probes disagree: the placement flipped during the measurement. */
    MIXED;

    /** The placements figures are given for ({@link #MIXED} measurements are left out), in ordinal order. */
    public static final List<Placement> CLASSIFIED = List.of(NEAR, FAR);

    /**
     * @param before         probe p50 before the measurement, ns.
     * @param after          probe p50 after it, ns.
     * @param thresholdNanos p50 under which a probe counts as near.
     * @return the measurement's placement.
     */
    public static Placement of(final double before, final double after, final long thresholdNanos)
    {
        final boolean nearBefore = before < thresholdNanos;
        if (nearBefore != after < thresholdNanos)
        {
            return MIXED;
        }
        return nearBefore ? NEAR : FAR;
    }

    /**
     * @return the lower-case name printed ({@code near}, {@code far}, {@code mixed}).
     */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}

package io.barge.bench.report;

import java.util.List;

/**
 * A measurement group: what one JVM measures, where JMH would use one fork.
 *
 * @param kind  {@link #TRANSPORT}, {@link #REFERENCES}, {@link #OVERHEADS} or {@link #TWO_THREAD}.
 * @param modes the transport modes it measures (one for {@link #TRANSPORT}, every selected one for
 *              {@link #TWO_THREAD}, none for {@link #REFERENCES} and
 *              {@link #OVERHEADS}).
 */
record Group(String kind, List<ModeSpec> modes)
{
    /** Single-thread crossings and pipelines of one transport mode. */
    static final String TRANSPORT = "transport";
    /** The single-thread reference points. */
    static final String REFERENCES = "references";
    /** Seed 004's overhead table: every fbufs combination, counted per phase of a message. */
    static final String OVERHEADS = "overheads";
    /**
     * Two-thread crossings beside the cross-core limit, Aeron IPC and Agrona's ring buffer, in alternating windows
     * with placement probes.
     */
    static final String TWO_THREAD = "two-thread";

    /**
     * @param settings the run's settings.
     * @return how many progress steps the group reports.
     */
    int units(final Settings settings)
    {
        switch (kind)
        {
            case TRANSPORT:
                return settings.sizes().size() * 2 + settings.hops().size();
            case REFERENCES:
                return settings.sizes().size() * 2 + 2;
            case OVERHEADS:
                return io.barge.fbufs.FbufMode.ALL.length;
            default:
                return settings.twoThreadRounds() * settings.twoThreadSizes().stream()
                    .mapToInt((size) -> modes.size() + TwoThreadRows.referencesAt(size)).sum();
        }
    }

    /**
     * @return a short name for progress and errors.
     */
    String display()
    {
        return TRANSPORT.equals(kind) ? modes.get(0).display() : kind;
    }
}

package io.barge.bench.report;

import java.util.List;

/**
 * A measurement group: what one JVM measures, where JMH would use one fork.
 *
 * @param kind  {@link #TRANSPORT}, {@link #REFERENCES}, {@link #OVERHEADS}, {@link #TWO_THREAD}, {@link #NIC} or
 *              {@link #PIPELINE_SCALING}.
 * @param modes the transport modes it measures (one for {@link #TRANSPORT}, every selected one for
 *              {@link #TWO_THREAD}, {@link #NIC} and {@link #PIPELINE_SCALING}, whose transports choose the paths
 *              and chains; none for {@link #REFERENCES} and {@link #OVERHEADS}).
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
    /** Packets per second through the driver domain per NIC path and frame size, beside the copying NicDriver. */
    static final String NIC = "nic";
    /** Pipelines of each length per chain of transports, on one, two and own threads, as ratios to 1 hop. */
    static final String PIPELINE_SCALING = "pipeline-scaling";

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
            case NIC:
                return NicRows.units(settings, transports());
            case PIPELINE_SCALING:
                return PipelineScalingRows.units(settings, transports());
            default:
                return settings.twoThreadRounds() * settings.twoThreadSizes().stream()
                    .mapToInt((size) -> modes.size() + TwoThreadRows.referencesAt(size)).sum();
        }
    }

    /**
     * @return the names of the transports of its modes.
     */
    java.util.Set<String> transports()
    {
        return modes.stream().map(ModeSpec::transport).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * @return a short name for progress and errors.
     */
    String display()
    {
        return TRANSPORT.equals(kind) ? modes.get(0).display() : kind;
    }
}

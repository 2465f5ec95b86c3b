package io.barge.bench.report;

import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Transport;
import io.barge.core.transport.InvalidOptionException;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs one measurement group in this JVM, on a machine (physical memory and kernel) of its own.
 */
final class GroupRunner
{
    private GroupRunner()
    {
    }

    /**
     * @param settings the run's settings.
     * @param group    what to measure.
     * @param providers the installed transports to create the group's modes from.
     * @param progress told the name of each step as it finishes.
     * @return the rows measured.
     */
    static ReportModel.GroupOutput run(final Settings settings, final Group group,
        final List<TransportProvider> providers, final Consumer<String> progress)
    {
        final List<ReportModel.Row> rows = new ArrayList<>();
        final List<ReportModel.Reference> references = new ArrayList<>();
        final List<ReportModel.Overhead> overheads = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        if (Group.REFERENCES.equals(group.kind()))
        {
            new SingleThreadReferences(settings).run(references::add, progress);
            return new ReportModel.GroupOutput(rows, references, overheads, failures);
        }
        if (Group.OVERHEADS.equals(group.kind()))
        {
            Overheads.run(overheads::add, progress);
            return new ReportModel.GroupOutput(rows, references, overheads, failures);
        }
        if (Group.NIC.equals(group.kind()))
        {
            // Each path on a machine of its own (NicPathBenchmark's), so each kernel's counters are one path's.
            final List<ReportModel.NicRow> nic = new ArrayList<>();
            new NicRows(settings, group.transports()).run(nic::add, failures::add, progress);
            return new ReportModel.GroupOutput(rows, references, overheads, failures, nic, List.of());
        }
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(settings.memoryFrames());
            Kernel kernel = new Kernel(memory))
        {
            if (Group.PIPELINE_SCALING.equals(group.kind()))
            {
                final List<ReportModel.ScalingRow> scaling = new ArrayList<>();
                new PipelineScalingRows(settings, kernel, group.transports()).run(scaling::add, failures::add,
                    progress);
                return new ReportModel.GroupOutput(rows, references, overheads, failures, List.of(), scaling);
            }
            final Map<ModeSpec, Transport> transports = new LinkedHashMap<>();
            try
            {
                for (final ModeSpec mode : group.modes())
                {
                    transports.put(mode, create(providers, kernel, mode));
                }
                if (Group.TRANSPORT.equals(group.kind()))
                {
                    final ModeSpec mode = group.modes().get(0);
                    new SingleThreadRows(settings, kernel, mode, transports.get(mode)).run(rows::add, failures::add,
                        progress);
                }
                else
                {
                    new TwoThreadRows(settings, kernel, transports, failures::add)
                        .run(rows::add, references::add, progress);
                }
            }
            finally
            {
                transports.values().forEach(Transport::close);
            }
        }
        return new ReportModel.GroupOutput(rows, references, overheads, failures);
    }

    private static Transport create(final List<TransportProvider> providers, final Kernel kernel, final ModeSpec mode)
    {
        final TransportProvider provider = providers.stream().filter((p) -> p.name().equals(mode.transport()))
            .findFirst().orElseThrow(() -> new InvalidOptionException("transport '" + mode.transport() +
                "' is not installed in this JVM"));
        return provider.create(kernel, TransportOptions.parse(provider.name(), provider.options(), mode.options()));
    }
}

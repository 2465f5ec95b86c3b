package io.barge.bench.report;

import io.barge.core.CounterType;
import io.barge.fbufs.FbufMode;
import io.barge.fbufs.OverheadTable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Measures seed 004's overhead table for every combination of cached, volatile and integrated fbufs
 * ({@link OverheadTable}) and turns it into report rows.
 */
final class Overheads
{
    /** Message size of the table: one page in every combination (integrated adds its node). */
    static final int MESSAGE_BYTES = 2048;
    /** Messages measured per combination (counts are exact, so few are enough). */
    static final int MESSAGES = 64;

    private Overheads()
    {
    }

    /**
     * @param out      receives each combination's row.
     * @param progress told the name of each step as it finishes.
     */
    static void run(final Consumer<ReportModel.Overhead> out, final Consumer<String> progress)
    {
        for (final FbufMode mode : FbufMode.ALL)
        {
            out.accept(row(OverheadTable.measure(mode, MESSAGE_BYTES, MESSAGES)));
            progress.accept("overhead table " + mode.shortName());
        }
    }

    /**
     * @param profile a measured combination.
     * @return its report row.
     */
    static ReportModel.Overhead row(final OverheadTable.Profile profile)
    {
        final FbufMode mode = profile.mode();
        final Map<String, Double> measured = new LinkedHashMap<>();
        OverheadTable.ITEMS.forEach((item) -> measured.put(item, profile.item(item)));
        final Map<String, Double> counters = new LinkedHashMap<>();
        for (final CounterType type : CounterType.values())
        {
            counters.put(type.label(), profile.total(type));
        }
        final List<ReportModel.OverheadDifference> differences = OverheadTable.differences(mode).stream()
            .map((d) -> new ReportModel.OverheadDifference(d.item(), d.incurred(), d.why()))
            .collect(Collectors.toList());
        return new ReportModel.Overhead(mode.shortName(), mode.optionString(), profile.messageBytes(),
            profile.pages(), OverheadTable.seedSource(mode), OverheadTable.seedItems(mode), measured,
            profile.incurred(), differences, counters);
    }
}

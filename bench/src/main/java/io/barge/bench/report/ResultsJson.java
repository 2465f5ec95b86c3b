package io.barge.bench.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes {@code results.json}, and compares a run with an earlier one.
 */
final class ResultsJson
{
    /** The results file's name in the output folder. */
    static final String FILE_NAME = "results.json";

    private ResultsJson()
    {
    }

    /**
     * @return a mapper that writes indented JSON and ignores fields it does not know (added by later versions).
     */
    static ObjectMapper mapper()
    {
        return new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /**
     * @param results the run.
     * @param file    where to write it.
     * @throws IOException if it cannot be written.
     */
    static void write(final ReportModel.Results results, final Path file) throws IOException
    {
        mapper().writeValue(file.toFile(), results);
    }

    /**
     * Reads an earlier run for {@code --compare}.
     *
     * @param file a results file.
     * @return its rows.
     * @throws IllegalArgumentException if the file is missing, not JSON, or not a Barge results file of schema 1;
     *                                  the message says which.
     */
    static ReportModel.Results readForCompare(final Path file)
    {
        if (!Files.isRegularFile(file))
        {
            throw new IllegalArgumentException("--compare " + file + ": no such file");
        }
        final ObjectMapper json = mapper();
        final JsonNode root;
        try
        {
            root = json.readTree(file.toFile());
        }
        catch (final IOException ex)
        {
            throw notBarge(file, "it is not JSON (" + firstLine(ex.getMessage()) + ")");
        }
        if (root == null || !root.isObject())
        {
            throw notBarge(file, "its top level is not a JSON object");
        }
        final JsonNode schema = root.get("schema");
        if (schema == null || !schema.isInt())
        {
            throw notBarge(file, "it has no integer \"schema\" field");
        }
        if (schema.intValue() != ReportModel.SCHEMA)
        {
            throw notBarge(file, "its schema is " + schema.intValue() + ", this Barge reads schema " +
                ReportModel.SCHEMA);
        }
        if (!root.path("results").isArray() || !root.path("references").isArray())
        {
            throw notBarge(file, "it lacks the \"results\" and \"references\" arrays");
        }
        try
        {
            return json.treeToValue(root, ReportModel.Results.class);
        }
        catch (final JsonProcessingException ex)
        {
            throw notBarge(file, "a row does not have the Barge shape (" + firstLine(ex.getOriginalMessage()) + ")");
        }
    }

    /** The kinds of row a comparison covers, in the order they are listed. */
    static final List<String> KINDS = List.of("result", "reference", "nic", "pipelineScaling");
    /** {@link ReportModel.NotCompared#presentIn()} of a row only this run has. */
    static final String NOW = "now";
    /** {@link ReportModel.NotCompared#presentIn()} of a row only the earlier run has. */
    static final String BEFORE = "before";

    /** One comparable row: its rate and its relative spread. */
    private record Rate(String kind, String key, double value, double spread)
    {
    }

    /**
     * @param kind one of {@link #KINDS}.
     * @return how the page and the summary name that kind of row, plural.
     */
    static String kindName(final String kind)
    {
        switch (kind)
        {
            case "result":
                return "transport rows";
            case "reference":
                return "reference rows";
            case "nic":
                return "NIC rows";
            case "pipelineScaling":
                return "pipeline-scaling rows";
            default:
                throw new IllegalArgumentException("no such kind of row: " + kind);
        }
    }

    /**
     * Matches the two runs' rows by identity ({@code key()}: everything but the figures) kind by kind.
     *
     * @param against the earlier file's name.
     * @param older   the earlier run.
     * @param newer   this run.
     * @return ratios of the rates (messages per second; packets per second for NIC rows) for every row present in
     *         both, and every row present in one only, with why.
     */
    static ReportModel.Comparison compare(final String against, final ReportModel.Results older,
        final ReportModel.Results newer)
    {
        final Map<String, Rate> oldRates = rates(older);
        final Map<String, Rate> newRates = rates(newer);
        final List<ReportModel.Compared> rows = new ArrayList<>();
        final List<ReportModel.NotCompared> unmatched = new ArrayList<>();
        for (final Map.Entry<String, Rate> entry : newRates.entrySet())
        {
            final Rate now = entry.getValue();
            final Rate old = oldRates.get(entry.getKey());
            if (old != null && old.value() > 0)
            {
                final double ratio = now.value() / old.value();
                rows.add(new ReportModel.Compared(now.key(), now.kind(), old.value(), now.value(), ratio, old.spread(),
                    now.spread(), change(ratio, old.spread(), now.spread())));
            }
            else
            {
                unmatched.add(new ReportModel.NotCompared(now.key(), now.kind(), NOW, old != null ?
                    "the earlier run's rate is not above 0" : why(oldRates, now.kind(), "the earlier run")));
            }
        }
        for (final Map.Entry<String, Rate> entry : oldRates.entrySet())
        {
            if (!newRates.containsKey(entry.getKey()))
            {
                final Rate old = entry.getValue();
                unmatched.add(new ReportModel.NotCompared(old.key(), old.kind(), BEFORE, why(newRates, old.kind(),
                    "this run")));
            }
        }
        return new ReportModel.Comparison(against, rows, unmatched);
    }

    /** @return why a row of one run is not compared, {@code which} naming the other run ("this run"...). */
    private static String why(final Map<String, Rate> other, final String kind, final String which)
    {
        final boolean any = other.values().stream().anyMatch((r) -> r.kind().equals(kind));
        return any ? "no row with this identity in " + which : which + " has no " + kindName(kind) + (kind.equals("nic") || kind.equals("pipelineScaling") ?
            " (measured without them, or written before they existed)" : "");
    }

    /** @return every row of the run by kind and key, in KINDS order, then the run's order. */
    private static Map<String, Rate> rates(final ReportModel.Results run)
    {
        final Map<String, Rate> rates = new LinkedHashMap<>();
        for (final ReportModel.Row r : run.results())
        {
            put(rates, "result", r.key(), r.messagesPerSecond(), r.spread());
        }
        for (final ReportModel.Reference r : run.references())
        {
            put(rates, "reference", r.key(), r.messagesPerSecond(), r.spread());
        }
        for (final ReportModel.NicRow r : run.nicRows())
        {
            put(rates, "nic", r.key(), r.packetsPerSecond(), r.spread());
        }
        for (final ReportModel.ScalingRow r : run.scalingRows())
        {
            put(rates, "pipelineScaling", r.key(), r.messagesPerSecond(), r.spread());
        }
        return rates;
    }

    private static void put(final Map<String, Rate> rates, final String kind, final String key, final double value,
        final ReportModel.Spread spread)
    {
        rates.put(kind + "|" + key, new Rate(kind, key, value, relativeSpread(spread, value)));
    }

    /**
     * @param spread a row's spread, or null.
     * @param rate   its median rate.
     * @return slowest to fastest iteration as a share of the median, or 0 if unknown.
     */
    static double relativeSpread(final ReportModel.Spread spread, final double rate)
    {
        return spread == null || rate <= 0 ? 0 : (spread.max() - spread.min()) / rate;
    }

    /**
     * @param ratio     new over old.
     * @param oldSpread the earlier run's relative spread.
     * @param newSpread this run's.
     * @return "faster" or "slower" only if the change is larger than the spread of either run, else "within spread".
     */
    static String change(final double ratio, final double oldSpread, final double newSpread)
    {
        final double noise = Math.max(oldSpread, newSpread);
        if (ratio - 1 > noise)
        {
            return "faster";
        }
        if (1 - ratio > noise)
        {
            return "slower";
        }
        return "within spread";
    }

    private static String firstLine(final String message)
    {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    private static IllegalArgumentException notBarge(final Path file, final String why)
    {
        return new IllegalArgumentException("--compare " + file + " is not a Barge results file: " + why);
    }
}

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
import java.util.HashMap;
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

    /**
     * @param against the earlier file's name.
     * @param older   the earlier run.
     * @param newer   this run.
     * @return ratios of messages per second for every row and reference present in both.
     */
    static ReportModel.Comparison compare(final String against, final ReportModel.Results older,
        final ReportModel.Results newer)
    {
        final Map<String, double[]> oldRates = new HashMap<>();
        older.results().forEach((r) -> oldRates.put("result|" + r.key(),
            new double[]{ r.messagesPerSecond(), relativeSpread(r.spread(), r.messagesPerSecond()) }));
        older.references().forEach((r) -> oldRates.put("reference|" + r.key(),
            new double[]{ r.messagesPerSecond(), relativeSpread(r.spread(), r.messagesPerSecond()) }));
        final List<ReportModel.Compared> rows = new ArrayList<>();
        for (final ReportModel.Row row : newer.results())
        {
            add(rows, oldRates, "result", row.key(), row.messagesPerSecond(),
                relativeSpread(row.spread(), row.messagesPerSecond()));
        }
        for (final ReportModel.Reference ref : newer.references())
        {
            add(rows, oldRates, "reference", ref.key(), ref.messagesPerSecond(),
                relativeSpread(ref.spread(), ref.messagesPerSecond()));
        }
        return new ReportModel.Comparison(against, rows);
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

    private static void add(final List<ReportModel.Compared> rows, final Map<String, double[]> oldRates,
        final String kind, final String key, final double newRate, final double newSpread)
    {
        final double[] old = oldRates.get(kind + "|" + key);
        if (old != null && old[0] > 0)
        {
            final double ratio = newRate / old[0];
            rows.add(new ReportModel.Compared(key, kind, old[0], newRate, ratio, old[1], newSpread,
                change(ratio, old[1], newSpread)));
        }
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

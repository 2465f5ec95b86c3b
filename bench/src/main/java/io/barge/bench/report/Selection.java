package io.barge.bench.report;

import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns the command line's transport, mode and size choices into what to measure, or a message that says what is
 * valid. Nothing here names a transport: the installed providers are the only source.
 */
final class Selection
{
    private static final int MAX_SIZE = 1 << 20;

    private Selection()
    {
    }

    /**
     * @param installed  every installed provider.
     * @param transports names chosen, or null for all.
     * @param modes      "transport:mode" or "mode" strings chosen, or null for every mode of the chosen transports.
     * @return the modes to measure.
     * @throws IllegalArgumentException naming the unknown transport or mode and listing the valid ones.
     */
    static List<ModeSpec> modes(final List<TransportProvider> installed, final List<String> transports,
        final List<String> modes)
    {
        final List<TransportProvider> chosen = new ArrayList<>();
        if (transports == null)
        {
            chosen.addAll(installed);
        }
        else
        {
            for (final String name : transports)
            {
                chosen.add(installed.stream().filter((p) -> p.name().equals(name.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown transport '" + name.trim() +
                        "'; installed transports: " + names(installed))));
            }
        }
        final List<ModeSpec> all = new ArrayList<>();
        for (final TransportProvider provider : chosen)
        {
            for (final Map<String, String> options : provider.modes())
            {
                final String label = TransportOptions.parse(provider.name(), provider.options(), options).mode();
                all.add(new ModeSpec(provider.name(), Map.copyOf(options), label.isEmpty() ? "default" : label));
            }
        }
        if (modes == null)
        {
            return all;
        }
        final Set<ModeSpec> picked = new LinkedHashSet<>();
        for (final String wanted : modes)
        {
            final List<ModeSpec> matches = all.stream().filter((m) -> matches(m, wanted.trim()))
                .collect(Collectors.toList());
            if (matches.isEmpty())
            {
                throw new IllegalArgumentException("unknown mode '" + wanted + "'; valid modes (transport:mode): " +
                    all.stream().map((m) -> m.transport() + ":" + m.label()).collect(Collectors.joining("; ")));
            }
            picked.addAll(matches);
        }
        return new ArrayList<>(picked);
    }

    private static boolean matches(final ModeSpec mode, final String wanted)
    {
        final int colon = wanted.indexOf(':');
        if (colon < 0)
        {
            return mode.label().equals(wanted);
        }
        return mode.transport().equals(wanted.substring(0, colon)) && mode.label().equals(wanted.substring(colon + 1));
    }

    private static String names(final List<TransportProvider> installed)
    {
        return installed.isEmpty() ? "(none installed)" :
            installed.stream().map(TransportProvider::name).collect(Collectors.joining(", "));
    }

    /**
     * @param tokens sizes like "64", "4K", "64KiB", "1M", "1MiB".
     * @return the sizes in bytes, ascending, without repeats.
     * @throws IllegalArgumentException for a token that is not a size or is outside 1 B..1 MiB.
     */
    static List<Integer> sizes(final List<String> tokens)
    {
        if (tokens == null || tokens.isEmpty())
        {
            throw new IllegalArgumentException("--sizes needs at least one size, e.g. --sizes 64,4K,64K,1M");
        }
        final TreeSet<Integer> sizes = new TreeSet<>();
        for (final String token : tokens)
        {
            sizes.add(size(token.trim()));
        }
        return new ArrayList<>(sizes);
    }

    private static int size(final String token)
    {
        final String t = token.toUpperCase(Locale.ROOT);
        long multiplier = 1;
        String digits = t;
        for (final String[] suffix : new String[][] {{"KIB", "1024"}, {"MIB", "1048576"}, {"K", "1024"},
            {"M", "1048576"}, {"B", "1"}})
        {
            if (t.endsWith(suffix[0]))
            {
                multiplier = Long.parseLong(suffix[1]);
                digits = t.substring(0, t.length() - suffix[0].length()).trim();
                break;
            }
        }
        final long value;
        try
        {
            value = Long.parseLong(digits) * multiplier;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad size '" + token + "': write bytes as a whole number with an " +
                "optional K/KiB/M/MiB suffix, e.g. 64,4K,1M");
        }
        if (value < 1 || value > MAX_SIZE)
        {
            throw new IllegalArgumentException("bad size '" + token + "' = " + value + " bytes: sizes must be in [1, " +
                MAX_SIZE + "] (64 B .. 1 MiB is the usual range)");
        }
        return (int)value;
    }
}

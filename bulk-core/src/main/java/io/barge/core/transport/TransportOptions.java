package io.barge.core.transport;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Parsed, typed option values of one transport: every spec has a value (given or default).
 */
public final class TransportOptions
{
    private final String transport;
    private final Map<String, Object> values;
    private final Map<String, Object> labels;

    private TransportOptions(final String transport, final Map<String, Object> values,
        final Map<String, Object> labels)
    {
        this.transport = transport;
        this.values = Collections.unmodifiableMap(values);
        this.labels = Collections.unmodifiableMap(labels);
    }

    /**
     * @param transport the transport's name, for messages.
     * @param specs     its option specs.
     * @param given     key to value as the user wrote them.
     * @return every option's value.
     * @throws InvalidOptionException for an unknown key (listing the valid ones) or a value that does not parse.
     */
    public static TransportOptions parse(
        final String transport, final List<OptionSpec> specs, final Map<String, String> given)
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final OptionSpec spec : specs)
        {
            values.put(spec.name(), spec.parse(spec.defaultValue()));
        }
        for (final Map.Entry<String, String> entry : given.entrySet())
        {
            final OptionSpec spec = specs.stream().filter((s) -> s.name().equals(entry.getKey())).findFirst()
                .orElseThrow(() -> new InvalidOptionException("transport " + transport + " has no option '" +
                    entry.getKey() + "'; valid options: " + describe(specs)));
            values.put(spec.name(), spec.parse(entry.getValue()));
        }
        final Map<String, Object> labels = new LinkedHashMap<>();
        for (final OptionSpec spec : specs)
        {
            final Object value = values.get(spec.name());
            if (spec.labelledAtDefault() || !value.equals(spec.parse(spec.defaultValue())))
            {
                labels.put(spec.name(), value);
            }
        }
        return new TransportOptions(transport, values, labels);
    }

    /**
     * @param specs option specs.
     * @return "name=accepted (default d)" for each, or "none".
     */
    public static String describe(final List<OptionSpec> specs)
    {
        if (specs.isEmpty())
        {
            return "none";
        }
        return specs.stream()
            .map((s) -> s.name() + "=" + s.accepted() + " (default " + s.defaultValue() + ")")
            .collect(Collectors.joining(", "));
    }

    /**
     * @param name a boolean option.
     * @return its value.
     */
    public boolean getBoolean(final String name)
    {
        return (Boolean)get(name);
    }

    /**
     * @param name an integer option.
     * @return its value.
     */
    public int getInt(final String name)
    {
        return (Integer)get(name);
    }

    /**
     * @param name an enum option.
     * @return its value, as spelled in the spec's choices.
     */
    public String getString(final String name)
    {
        return (String)get(name);
    }

    private Object get(final String name)
    {
        final Object value = values.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("transport " + transport + " has no option '" + name + "'");
        }
        return value;
    }

    /**
     * @return option name to value, in spec order.
     */
    public Map<String, Object> asMap()
    {
        return values;
    }

    /**
     * @return "k=v,k=v", or "" with no options; names a mode in reports. An option whose spec is
     *         {@link OptionSpec#quietAtDefault() quiet at its default} is left out while it has that value.
     */
    public String mode()
    {
        return labels.entrySet().stream().map((e) -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
    }

    @Override
    public String toString()
    {
        return transport + (labels.isEmpty() ? "" : "[" + mode() + "]");
    }
}

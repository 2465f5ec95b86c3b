package io.barge.core.transport;

import java.util.List;
import java.util.Locale;

/**
 * One typed option of a transport: a name, a type, the values it accepts, a default and a description.
 *
 * @param name        the key, as in {@code --option name=value}.
 * @param type        how the value is parsed.
 * @param choices     the accepted values of an {@link Type#ENUM}; empty otherwise.
 * @param defaultValue the value when the option is not given, in its string form.
 * @param description one line for {@code --help}.
 * @param labelledAtDefault whether a mode's label ({@link TransportOptions#mode()}) names the option when it has its
 *                          default value; false for an option added to a transport after its modes were named, so
 *                          that their labels stay as they were.
 */
public record OptionSpec(String name, Type type, List<String> choices, String defaultValue, String description,
    boolean labelledAtDefault)
{
    /** Value types. */
    public enum Type
    {
        /** {@code true} or {@code false}. */
        BOOLEAN,
        /** A decimal integer. */
        INT,
        /** One of {@link OptionSpec#choices()}. */
        ENUM
    }

    /**
     * Checks the spec itself: the default must parse.
     */
    public OptionSpec
    {
        choices = List.copyOf(choices);
        parse(name, type, choices, defaultValue);
    }

    /**
     * A spec whose default is named in mode labels.
     *
     * @param name         key.
     * @param type         value type.
     * @param choices      accepted values of an enum, else empty.
     * @param defaultValue default.
     * @param description  help line.
     */
    public OptionSpec(final String name, final Type type, final List<String> choices, final String defaultValue,
        final String description)
    {
        this(name, type, choices, defaultValue, description, true);
    }

    /**
     * @return this spec, but left out of mode labels while it has its default value.
     */
    public OptionSpec quietAtDefault()
    {
        return new OptionSpec(name, type, choices, defaultValue, description, false);
    }

    /**
     * @param name         key.
     * @param defaultValue default.
     * @param description  help line.
     * @return a boolean option.
     */
    public static OptionSpec ofBoolean(final String name, final boolean defaultValue, final String description)
    {
        return new OptionSpec(name, Type.BOOLEAN, List.of(), Boolean.toString(defaultValue), description);
    }

    /**
     * @param name         key.
     * @param defaultValue default.
     * @param description  help line.
     * @return an integer option.
     */
    public static OptionSpec ofInt(final String name, final int defaultValue, final String description)
    {
        return new OptionSpec(name, Type.INT, List.of(), Integer.toString(defaultValue), description);
    }

    /**
     * @param name         key.
     * @param choices      accepted values.
     * @param defaultValue default, one of the choices.
     * @param description  help line.
     * @return an enumerated option.
     */
    public static OptionSpec ofEnum(
        final String name, final List<String> choices, final String defaultValue, final String description)
    {
        return new OptionSpec(name, Type.ENUM, choices, defaultValue, description);
    }

    /**
     * @param value a value in string form.
     * @return it parsed: a Boolean, Integer or String.
     * @throws InvalidOptionException if it does not parse or is not a choice.
     */
    public Object parse(final String value)
    {
        return parse(name, type, choices, value);
    }

    /**
     * @return the accepted values, for messages: the choices, or the type.
     */
    public String accepted()
    {
        switch (type)
        {
            case BOOLEAN:
                return "true|false";
            case INT:
                return "an integer";
            default:
                return String.join("|", choices);
        }
    }

    private static Object parse(final String name, final Type type, final List<String> choices, final String value)
    {
        if (value == null)
        {
            throw new InvalidOptionException("option " + name + " needs a value");
        }
        final String v = value.trim();
        switch (type)
        {
            case BOOLEAN:
                final String lower = v.toLowerCase(Locale.ROOT);
                if ("true".equals(lower) || "false".equals(lower))
                {
                    return Boolean.valueOf(lower);
                }
                throw new InvalidOptionException("option " + name + "=" + value + ": expected true|false");
            case INT:
                try
                {
                    return Integer.valueOf(v);
                }
                catch (final NumberFormatException ex)
                {
                    throw new InvalidOptionException("option " + name + "=" + value + ": expected an integer");
                }
            default:
                for (final String choice : choices)
                {
                    if (choice.equalsIgnoreCase(v))
                    {
                        return choice;
                    }
                }
                throw new InvalidOptionException(
                    "option " + name + "=" + value + ": expected one of " + String.join("|", choices));
        }
    }
}

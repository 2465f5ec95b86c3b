package io.barge.bench.cli;

import io.barge.core.transport.InvalidOptionException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Small helpers shared by the commands.
 */
final class Cli
{
    private Cli()
    {
    }

    /**
     * Runs a step whose {@link IllegalArgumentException} (an {@link InvalidOptionException} included) is the user's
     * mistake: it becomes a picocli usage error, printed with its message and exit code 2.
     *
     * @param spec the command.
     * @param step the step.
     * @param <T>  its result.
     * @return the result.
     */
    static <T> T usage(final CommandSpec spec, final Supplier<T> step)
    {
        try
        {
            return step.get();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage(), ex);
        }
    }

    /**
     * Parses a byte size: a number with an optional k, m or g suffix (powers of 1024).
     */
    static final class ByteSize implements CommandLine.ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String value)
        {
            final String v = value.trim().toLowerCase(Locale.ROOT);
            long multiplier = 1;
            String digits = v;
            if (v.endsWith("k") || v.endsWith("kib"))
            {
                multiplier = 1024;
            }
            else if (v.endsWith("m") || v.endsWith("mib"))
            {
                multiplier = 1024 * 1024;
            }
            if (multiplier != 1)
            {
                digits = v.substring(0, v.length() - (v.endsWith("ib") ? 3 : 1));
            }
            try
            {
                final long bytes = Long.parseLong(digits) * multiplier;
                if (bytes < 0 || bytes > Integer.MAX_VALUE)
                {
                    throw new CommandLine.TypeConversionException("'" + value + "' is out of range");
                }
                return (int)bytes;
            }
            catch (final NumberFormatException ex)
            {
                throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a byte size (e.g. 4096, 64k, 1m)");
            }
        }
    }
}

package io.barge.bench.report;

import java.util.Map;

/**
 * One transport in one mode: the unit a report measures side by side.
 *
 * @param transport the provider's name.
 * @param options   option values as given to the provider (a map from its {@code modes()}).
 * @param label     the mode's name in reports: every option's value "k=v,..." or "default".
 */
record ModeSpec(String transport, Map<String, String> options, String label)
{
    /**
     * @return "transport" or "transport[label]".
     */
    String display()
    {
        return "default".equals(label) ? transport : transport + "[" + label + "]";
    }
}

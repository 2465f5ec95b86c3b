package io.barge.grant.xen;

import java.util.Locale;

/**
 * How a {@code xen} channel's back end reaches the front end's message pages (the provider's {@code grants} option).
 */
public enum GrantMode
{
    /**
     * Per message the front end grants its pages; the back end maps them and reads in place, unmapping on release
     * (receiver-posted: maps the posted pages writable at the claim, fills them in place, unmaps at the commit).
     */
    MAP,
    /**
     * Per message the front end grants its pages; the back end grant-copies them into private memory
     * (receiver-posted: fills a private staging buffer and grant-copies it into the posted pages at the commit).
     */
    COPY,
    /**
     * A pool of pages granted and mapped once at open (persistent grants; writable when the receiver posts them):
     * nothing mapped or copied per message.
     */
    PERSISTENT;

    /**
     * @return the option value naming this mode.
     */
    public String optionValue()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param value an option value ({@code map}, {@code copy} or {@code persistent}).
     * @return the mode.
     */
    public static GrantMode of(final String value)
    {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}

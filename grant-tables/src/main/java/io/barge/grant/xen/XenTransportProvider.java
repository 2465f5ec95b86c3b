package io.barge.grant.xen;

import io.barge.core.Kernel;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code xen} transport: Xen device channels (seed 004; Fraser et al. 2004). A channel is one shared descriptor
 * ring, an event channel each way and grants. Option {@code granter} picks the front end, the domain that grants:
 * {@code sender} (default; {@link XenTransport}: the sender grants the pages it filled, as blkfront or netfront's TX)
 * or {@code receiver} ({@link XenPostedTransport}: the receiver posts empty pages it granted and the sender fills
 * them, as netfront's RX). Option {@code grants} picks how the back end reaches the pages: {@code map},
 * {@code copy} or {@code persistent}.
 */
public final class XenTransportProvider implements TransportProvider
{
    /** Provider name. */
    public static final String NAME = "xen";
    /** Option: how message pages are granted. */
    public static final String GRANTS = "grants";
    /** Option: which end grants the message pages, {@link #SENDER} or {@link #RECEIVER}. */
    public static final String GRANTER = "granter";
    /** {@link #GRANTER}: the sender is the front end and grants its filled pages (blkfront, netfront TX). */
    public static final String SENDER = "sender";
    /** {@link #GRANTER}: the receiver is the front end and posts empty pages it granted (netfront RX). */
    public static final String RECEIVER = "receiver";

    private static final List<OptionSpec> OPTIONS = List.of(OptionSpec.ofEnum(GRANTS,
        List.of(GrantMode.MAP.optionValue(), GrantMode.COPY.optionValue(), GrantMode.PERSISTENT.optionValue()),
        GrantMode.MAP.optionValue(),
        "map: the back end maps each message's granted pages; copy: it grant-copies them into private memory; " +
        "persistent: a pool of pages granted and mapped once"),
        // Quiet at its default: the modes named before this option existed keep their labels.
        OptionSpec.ofEnum(GRANTER, List.of(SENDER, RECEIVER), SENDER,
            "sender: the sender grants the pages it filled; receiver: the receiver posts empty pages it granted " +
            "and the sender fills them (netfront's RX requests)").quietAtDefault());

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "Xen device channels: shared descriptor ring, event channels, grant map, grant copy or " +
            "persistent grants; pages granted by the sender, or posted empty by the receiver";
    }

    @Override
    public List<OptionSpec> options()
    {
        return OPTIONS;
    }

    /**
     * @return every grant mode with the sender granting, then every grant mode with the receiver posting.
     */
    @Override
    public List<Map<String, String>> modes()
    {
        final List<Map<String, String>> modes = new ArrayList<>();
        for (final String granter : List.of(SENDER, RECEIVER))
        {
            for (final GrantMode mode : List.of(GrantMode.MAP, GrantMode.COPY, GrantMode.PERSISTENT))
            {
                // The sender-granted modes keep the one-option sets (and labels) they had before posting existed.
                modes.add(SENDER.equals(granter) ? Map.of(GRANTS, mode.optionValue()) :
                    Map.of(GRANTS, mode.optionValue(), GRANTER, granter));
            }
        }
        return List.copyOf(modes);
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        final GrantMode mode = GrantMode.of(options.getString(GRANTS));
        return RECEIVER.equals(options.getString(GRANTER)) ? new XenPostedTransport(kernel, options, mode) :
            new XenTransport(kernel, options, mode);
    }
}

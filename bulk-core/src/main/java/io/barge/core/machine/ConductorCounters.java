package io.barge.core.machine;

import io.barge.core.CounterType;

/**
 * What the {@link KernelConductor} counts, on the kernel's domain, under stable ids 70..82 and 60..63 (40..50 are the
 * NIC's): every command it reads, by type, every command it refuses, every client it declares dead, every repair of
 * the command ring, the retried commands it sees and answers again, the forged and the stale ones it refuses, and
 * the channels between processes it creates and frees.
 */
public final class ConductorCounters
{
    /** Records read from the command ring, valid or not. */
    public static final CounterType COMMANDS = CounterType.register(70, "COMMANDS", "commands");
    /** CLIENT_ATTACH commands. */
    public static final CounterType CLIENT_ATTACHES = CounterType.register(71, "CLIENT_ATTACHES", "client attaches");
    /** CLIENT_KEEPALIVE commands. */
    public static final CounterType CLIENT_KEEPALIVES =
        CounterType.register(72, "CLIENT_KEEPALIVES", "client keepalives");
    /** CREATE_DOMAIN commands. */
    public static final CounterType REMOTE_DOMAIN_CREATES =
        CounterType.register(73, "REMOTE_DOMAIN_CREATES", "remote domain creates");
    /** DESTROY_DOMAIN commands. */
    public static final CounterType REMOTE_DOMAIN_DESTROYS =
        CounterType.register(74, "REMOTE_DOMAIN_DESTROYS", "remote domain destroys");
    /** CLIENT_DETACH commands. */
    public static final CounterType CLIENT_DETACHES = CounterType.register(75, "CLIENT_DETACHES", "client detaches");
    /** Commands refused with an error response. */
    public static final CounterType COMMAND_ERRORS = CounterType.register(76, "COMMAND_ERRORS", "command errors");
    /** Clients declared dead for missing their keepalives. */
    public static final CounterType CLIENT_TIMEOUTS = CounterType.register(77, "CLIENT_TIMEOUTS", "client timeouts");
    /** Repairs of the command ring: a dead producer's claim unblocked, or damage dropped. */
    public static final CounterType COMMAND_RING_REPAIRS =
        CounterType.register(78, "COMMAND_RING_REPAIRS", "command ring repairs");
    /** Commands that repeat the client's last executed one (a retry): answered again, not executed again. */
    public static final CounterType DUPLICATE_COMMANDS =
        CounterType.register(79, "DUPLICATE_COMMANDS", "duplicate commands");
    /** Commands refused as STALE_COMMAND: a correlation id older than the client's last executed command's. */
    public static final CounterType STALE_COMMANDS = CounterType.register(80, "STALE_COMMANDS", "stale commands");
    /** Commands re-sent by their client (attempt above 0) after a ring reset, whether executed or answered again. */
    public static final CounterType RETRIED_COMMANDS =
        CounterType.register(81, "RETRIED_COMMANDS", "retried commands");
    /** Commands refused BAD_MAC: another client's id without that client's key (an impostor), or damage. */
    public static final CounterType FORGED_COMMANDS = CounterType.register(82, "FORGED_COMMANDS", "forged commands");

    /** CREATE_CHANNEL commands. */
    public static final CounterType CHANNEL_CREATES = CounterType.register(60, "CHANNEL_CREATES", "channel creates");
    /** CLOSE_CHANNEL commands. */
    public static final CounterType CHANNEL_CLOSES = CounterType.register(61, "CHANNEL_CLOSES", "channel closes");
    /** Channels whose frames went back to the kernel (both ends closed or dead). */
    public static final CounterType CHANNELS_FREED = CounterType.register(62, "CHANNELS_FREED", "channels freed");
    /** GRANT_OP commands (a Xen channel's back end asking for a grant map or copy). */
    public static final CounterType GRANT_OPS = CounterType.register(63, "GRANT_OPS", "grant operations asked");

    private ConductorCounters()
    {
    }

    /**
     * @param type a command type ({@link ControlProtocolDescriptor}).
     * @return its counter, or null for a type not the protocol's.
     */
    static CounterType ofCommand(final int type)
    {
        switch (type)
        {
            case ControlProtocolDescriptor.CLIENT_ATTACH:
                return CLIENT_ATTACHES;
            case ControlProtocolDescriptor.CLIENT_KEEPALIVE:
                return CLIENT_KEEPALIVES;
            case ControlProtocolDescriptor.CREATE_DOMAIN:
                return REMOTE_DOMAIN_CREATES;
            case ControlProtocolDescriptor.DESTROY_DOMAIN:
                return REMOTE_DOMAIN_DESTROYS;
            case ControlProtocolDescriptor.CLIENT_DETACH:
                return CLIENT_DETACHES;
            case ControlProtocolDescriptor.CREATE_CHANNEL:
                return CHANNEL_CREATES;
            case ControlProtocolDescriptor.CLOSE_CHANNEL:
                return CHANNEL_CLOSES;
            case ControlProtocolDescriptor.GRANT_OP:
                return GRANT_OPS;
            default:
                return null;
        }
    }
}

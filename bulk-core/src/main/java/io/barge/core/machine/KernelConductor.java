package io.barge.core.machine;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;

import static io.barge.core.machine.ControlProtocolDescriptor.*;

/**
 * The kernel's side of the machine file: performs privileged operations on the embedded {@link Kernel} for client
 * processes, which reach it through the to-kernel command ring and hear back on the to-domains broadcast buffer
 * ({@link ControlProtocolDescriptor}); the role of Aeron's driver conductor or Barrelfish's monitor.
 * <p>
 * Each command is copied out of the ring once ({@link CommandRingReader}), authenticated (its client id and the MAC
 * under that client's key), then validated: its type, its exact length, its name, its correlation id, and that a
 * domain it names is the caller's. A command that fails gets an
 * {@code ON_ERROR} response with a code and a message and changes nothing; the kernel and other clients go on. Every
 * command and every error is counted on the kernel's domain ({@link ConductorCounters}).
 * <p>
 * Liveness: a client whose last command (a keepalive at least) is older than the machine's timeout is declared dead:
 * its domains are destroyed (their frames back to the kernel), {@code ON_CLIENT_TIMEOUT} is broadcast and its slot
 * freed, so that a restarted process can attach again (under a new client id: ids are never reused). The same
 * timeout, halved, frees the ring from a producer that died between claiming a record and committing it.
 * <p>
 * Channels between client processes (CREATE_CHANNEL): the kernel allocates a run of frames in its memory file (owned
 * by the kernel's domain, counted there), lays out a {@link ProcessChannelDescriptor} ring (or an Rbufs channel,
 * {@link RbufsChannelDescriptor}) in them and records the
 * channel in the channel table; each end maps the frames itself. An end whose client closes it, detaches, destroys
 * its domain or times out is marked CLOSED or DEAD in the table (what the surviving end polls); once both ends are,
 * the frames go back to the kernel.
 * <p>
 * Retries are idempotent ({@link ControlProtocolDescriptor}'s "Correlation ids, retries and duplicates"): a repair
 * of the command ring that may have dropped queued commands is broadcast as {@code ON_COMMAND_RING_RESET}, and
 * waiting clients re-send; each {@link ConductorClient} remembers its last executed command's correlation id and
 * response, so a command seen again is answered again and not executed twice (a retried CREATE_DOMAIN makes one
 * domain, a retried DESTROY_DOMAIN is not refused), and an older one is refused as {@code STALE_COMMAND}. Both are
 * counted. A client that writes garbage into the ring thus breaks only its own commands.
 * <p>
 * Client ids are credentials ({@link ControlProtocolDescriptor}'s "Client keys and command MACs"): at attach the
 * client and the kernel agree on a key no reader of the file can derive, and every later command carries a MAC under
 * it, checked first; a command naming another client's id without its key is refused {@code BAD_MAC}, counted, and
 * changes nothing, and a replayed one of the client's own is refused as stale.
 * <p>
 * One thread runs it (an {@link org.agrona.concurrent.AgentRunner}, or a test calling {@link #doWork()}); one
 * conductor per kernel, since it owns the ring's head.
 */
public final class KernelConductor implements Agent
{
    /** Most commands taken per {@link #doWork()}. */
    static final int COMMAND_LIMIT = 16;

    private final Kernel kernel;
    private final Domain kernelDomain;
    private final EpochClock clock;
    private final long timeoutMs;
    private final long checkIntervalMs;
    private final CommandRingReader reader;
    private final BroadcastTransmitter transmitter;
    private final AtomicBuffer clientTable;
    private final ConductorClient[] slots;
    private final Int2ObjectHashMap<ConductorClient> byId = new Int2ObjectHashMap<>();
    private final ConductorChannels channels;
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[MAX_MESSAGE_LENGTH]);
    private final CommandRingReader.Handler handler = this::onCommand;
    private int nextClientId = 1;
    /** The client whose command is executing: its response is remembered for a retry. */
    private ConductorClient answering;
    private int resets;
    private long nextCheckMs;

    /**
     * @param kernel a kernel built with a machine directory.
     * @param clock  the time for keepalives and timeouts.
     * @throws IllegalArgumentException if the kernel has no machine file.
     * @throws IllegalStateException    if the kernel has a conductor already.
     */
    public KernelConductor(final Kernel kernel, final EpochClock clock)
    {
        final MachineFile file = kernel.machineFile();
        if (file == null)
        {
            throw new IllegalArgumentException("the kernel has no machine file: build it with machineDirectory(dir)");
        }
        file.claimConductor();
        this.kernel = kernel;
        this.kernelDomain = kernel.kernelDomain();
        this.clock = clock;
        this.timeoutMs = file.timeoutMs();
        this.checkIntervalMs = Math.max(1, timeoutMs / 10);
        this.reader = new CommandRingReader(file.toKernelBuffer(), MAX_MESSAGE_LENGTH);
        this.transmitter = new BroadcastTransmitter(file.toDomainsBuffer());
        this.clientTable = file.clientTableBuffer();
        this.slots = new ConductorClient[ClientTableDescriptor.slots(clientTable.capacity())];
        this.channels = new ConductorChannels(kernel, file.channelTableBuffer(), new ConductorChannels.Answers()
        {
            @Override
            public void error(final long correlationId, final int clientId, final int code, final String message)
            {
                KernelConductor.this.error(correlationId, clientId, code, message);
            }

            @Override
            public UnsafeBuffer response()
            {
                return response;
            }

            @Override
            public void reply(final int type, final int length)
            {
                KernelConductor.this.reply(type, length);
            }

            @Override
            public void count(final CounterType type)
            {
                KernelConductor.this.count(type);
            }
        });
        this.nextCheckMs = clock.time() + checkIntervalMs;
        reader.consumerHeartbeatRelease(clock.time());
    }

    @Override
    public String roleName()
    {
        return "barge-kernel-conductor";
    }

    @Override
    public int doWork()
    {
        final int read = reader.read(handler, COMMAND_LIMIT);
        int work;
        if (read < 0)
        {
            ringReset();
            work = -read;
        }
        else
        {
            work = read;
        }
        final long now = clock.time();
        if (now - nextCheckMs >= 0)
        {
            reader.consumerHeartbeatRelease(now);
            // Clients are judged only with the ring drained: keepalives still queued (after a stall of this thread)
            // would otherwise count as missed.
            if (read >= 0 && read < COMMAND_LIMIT)
            {
                nextCheckMs = now + checkIntervalMs;
                work += checkTimeouts(now);
            }
        }
        return work;
    }

    /**
     * Frees the client table: the clients' domains go with the kernel when it closes.
     */
    @Override
    public void onClose()
    {
        channels.freeAll();
        for (final ConductorClient client : slots)
        {
            if (client != null)
            {
                freeSlot(client);
            }
        }
    }

    /**
     * @return clients attached now (from the conductor's thread; others read the client table).
     */
    public int clientCount()
    {
        return byId.size();
    }

    /**
     * The ring was damaged and reset, dropping whatever was queued: waiting clients hear it now, not at their
     * timeout, and re-send (a command that was not dropped after all is then a duplicate, answered again).
     */
    private void ringReset()
    {
        count(ConductorCounters.COMMAND_RING_REPAIRS);
        resets++;
        putHeader(response, NULL_ID, NULL_ID);
        response.putInt(RESETS_OFFSET, resets);
        transmitter.transmit(ON_COMMAND_RING_RESET, response, 0, ONE_INT_LENGTH);
    }

    private int checkTimeouts(final long now)
    {
        // A producer is between claim and commit for microseconds: a head stuck for half the timeout is a dead one's
        // claim (or damage). Freed well within the clients' timeout, their keepalives queued behind it still count.
        final int unstuck = reader.unblockIfStuck(now, timeoutMs / 2);
        if (unstuck != CommandRingReader.OK)
        {
            if (unstuck == CommandRingReader.RECOVERED)
            {
                ringReset();
            }
            else
            {
                count(ConductorCounters.COMMAND_RING_REPAIRS); // a dead producer's claim became padding: no loss
            }
            return 1; // clients are judged after the queued commands are read, at the next check
        }
        int work = 0;
        for (final ConductorClient client : slots)
        {
            if (client != null && now - client.lastSeenMs > timeoutMs)
            {
                channels.endChannelsOf(client.clientId, -1, ChannelTableDescriptor.END_DEAD);
                final int destroyed = destroyAll(client);
                freeSlot(client);
                count(ConductorCounters.CLIENT_TIMEOUTS);
                putHeader(response, NULL_ID, client.clientId);
                response.putInt(DOMAINS_DESTROYED_OFFSET, destroyed);
                transmitter.transmit(ON_CLIENT_TIMEOUT, response, 0, ONE_INT_LENGTH);
                work++;
            }
        }
        return work;
    }

    private void onCommand(final int type, final UnsafeBuffer command, final int length)
    {
        count(ConductorCounters.COMMANDS);
        if (type == CLIENT_ATTACH)
        {
            count(ConductorCounters.CLIENT_ATTACHES);
            final long correlationId = length >= CLIENT_ID_OFFSET ? correlationId(command) : NULL_ID;
            final int clientId = length >= HEADER_LENGTH ? clientId(command) : NULL_ID;
            if (length != ATTACH_LENGTH)
            {
                error(correlationId, clientId, ERROR_MALFORMED, "command type " + type + " length=" + length +
                    " must be " + ATTACH_LENGTH);
                return;
            }
            onAttach(correlationId, clientId, command);
            return;
        }
        // Until its MAC is checked a command is nobody's: its refusals name no attached client.
        final long correlationId = length >= CLIENT_ID_OFFSET + MAC_LENGTH ? correlationId(command) : NULL_ID;
        if (length < HEADER_LENGTH + MAC_LENGTH || length > command.capacity())
        {
            error(correlationId, NULL_ID, ERROR_MALFORMED, "command type " + type + " length=" + length + " cannot " +
                "be a header, a body and a " + MAC_LENGTH + "-byte MAC (" + (HEADER_LENGTH + MAC_LENGTH) + ".." +
                command.capacity() + ")");
            return;
        }
        final int clientId = clientId(command);
        final ConductorClient client = byId.get(clientId);
        if (client == null)
        {
            error(correlationId, clientId, ERROR_UNKNOWN_CLIENT, "no attached client has id " + clientId +
                " (never attached, detached, or timed out)");
            return;
        }
        final int bodyLength = length - MAC_LENGTH;
        if (!client.authentic(type, command, bodyLength))
        {
            count(ConductorCounters.FORGED_COMMANDS);
            error(correlationId, NULL_ID, ERROR_BAD_MAC, "command type " + type + " correlationId=" + correlationId +
                " names client " + clientId + " but its MAC is not made with that client's key");
            return;
        }
        onAuthentic(type, correlationId, client, command, bodyLength);
    }

    /** A command whose MAC is its client's: validated, then executed, answered again, or refused as stale. */
    private void onAuthentic(final int type, final long correlationId, final ConductorClient client,
        final UnsafeBuffer command, final int length)
    {
        final int clientId = client.clientId;
        final CounterType typeCounter = ConductorCounters.ofCommand(type);
        if (typeCounter == null)
        {
            error(correlationId, clientId, ERROR_UNKNOWN_COMMAND, "command type " + type + " is not one of " +
                CLIENT_ATTACH + ".." + LAST_COMMAND);
            return;
        }
        count(typeCounter);
        final String malformed = checkCommandLength(type, command, length);
        if (malformed != null)
        {
            error(correlationId, clientId, ERROR_MALFORMED, malformed);
            return;
        }
        if (attempt(command) != 0)
        {
            count(ConductorCounters.RETRIED_COMMANDS);
        }
        final long now = clock.time();
        if (type == CLIENT_KEEPALIVE)
        {
            // Its own sequence: sent beside the commands from another thread, and never answered or remembered.
            if (!client.newKeepalive(correlationId))
            {
                count(ConductorCounters.STALE_COMMANDS);
                error(correlationId, clientId, ERROR_STALE_COMMAND, "keepalive correlationId=" + correlationId +
                    " is not newer than client " + clientId + "'s last keepalive");
                return;
            }
            client.lastSeenMs = now;
            ClientTableDescriptor.heartbeat(clientTable, client.slot, now);
            return;
        }
        final int seen = client.classify(correlationId, type);
        if (seen == ConductorClient.DUPLICATE)
        {
            count(ConductorCounters.DUPLICATE_COMMANDS);
            client.answerAgain(transmitter); // not a sign of life: anyone may copy it from the ring
            return;
        }
        if (seen == ConductorClient.STALE)
        {
            count(ConductorCounters.STALE_COMMANDS);
            error(correlationId, clientId, ERROR_STALE_COMMAND, "command type " + type + " correlationId=" +
                correlationId + " is not newer than client " + clientId + "'s last executed command (type " +
                client.lastType() + ", correlationId=" + client.lastCorrelationId() + ")");
            return;
        }
        client.lastSeenMs = now; // a new command shows the client alive
        client.executing(correlationId, type);
        answering = client;
        try
        {
            execute(type, correlationId, client, command);
        }
        finally
        {
            answering = null;
        }
    }

    private void execute(final int type, final long correlationId, final ConductorClient client,
        final UnsafeBuffer command)
    {
        final int clientId = client.clientId;
        switch (type)
        {
            case CREATE_DOMAIN:
                onCreateDomain(correlationId, client, command, command.getInt(NAME_LENGTH_OFFSET));
                break;
            case DESTROY_DOMAIN:
                onDestroyDomain(correlationId, client, command.getInt(DOMAIN_ID_OFFSET));
                break;
            case CREATE_CHANNEL:
                onCreateChannel(correlationId, client, command.getInt(SENDER_DOMAIN_OFFSET),
                    command.getInt(RECEIVER_DOMAIN_OFFSET), command.getInt(MAX_MESSAGE_LENGTH_OFFSET),
                    command.getInt(CAPACITY_OFFSET), command.getInt(KIND_OFFSET));
                break;
            case CLOSE_CHANNEL:
                onCloseChannel(correlationId, client, command.getInt(CHANNEL_ID_OFFSET), command.getInt(END_OFFSET));
                break;
            case GRANT_OP:
                channels.grantOp(correlationId, client.clientId, command);
                break;
            default: // CLIENT_DETACH
                channels.endChannelsOf(client.clientId, -1, ChannelTableDescriptor.END_CLOSED);
                final int destroyed = destroyAll(client);
                freeSlot(client);
                putHeader(response, correlationId, clientId);
                response.putInt(DOMAINS_DESTROYED_OFFSET, destroyed);
                reply(ON_DETACHED, ONE_INT_LENGTH);
                break;
        }
    }

    private void onAttach(final long correlationId, final int clientId, final UnsafeBuffer command)
    {
        final long pid = command.getLong(PID_OFFSET);
        if (clientId != 0 || pid <= 0)
        {
            error(correlationId, clientId, ERROR_BAD_ATTACH, "CLIENT_ATTACH needs clientId=0 and a positive pid, " +
                "got clientId=" + clientId + " pid=" + pid);
            return;
        }
        if (attempt(command) != 0)
        {
            count(ConductorCounters.RETRIED_COMMANDS);
        }
        for (final ConductorClient client : slots)
        {
            if (client != null && client.isAttachOf(pid, correlationId))
            {
                // Its retry after a ring reset: the attach happened, the client learns its id again.
                count(ConductorCounters.DUPLICATE_COMMANDS);
                client.answerAgain(transmitter);
                return;
            }
        }
        int slot = 0;
        while (slot < slots.length && slots[slot] != null)
        {
            slot++;
        }
        if (slot == slots.length)
        {
            error(correlationId, clientId, ERROR_TOO_MANY_CLIENTS, "all " + slots.length + " client slots are taken");
            return;
        }
        // Once per attach, so it may allocate: a key pair for this client, the key both sides derive.
        final KeyPair own = CommandMac.generateKeyPair();
        final long[] key;
        try
        {
            key = CommandMac.deriveKey(own.getPrivate(), command, ATTACH_PUBLIC_KEY_OFFSET);
        }
        catch (final GeneralSecurityException | RuntimeException ex)
        {
            error(correlationId, clientId, ERROR_BAD_ATTACH, "CLIENT_ATTACH's public key is not an X25519 key " +
                "the kernel can agree with: " + ex.getMessage());
            return;
        }
        final ConductorClient client = new ConductorClient(slot, nextClientId++, pid, clock.time(), correlationId,
            key);
        slots[slot] = client;
        byId.put(client.clientId, client);
        writeSlot(client);
        putHeader(response, correlationId, client.clientId);
        CommandMac.putPublicKey(response, ATTACHED_PUBLIC_KEY_OFFSET, own.getPublic());
        answering = client;
        reply(ON_ATTACHED, ATTACHED_LENGTH);
        answering = null;
    }

    private void onCreateDomain(final long correlationId, final ConductorClient client, final UnsafeBuffer command,
        final int nameLength)
    {
        if (nameLength > MAX_NAME_LENGTH)
        {
            error(correlationId, client.clientId, ERROR_BAD_NAME, "a domain name of " + nameLength +
                " bytes is longer than " + MAX_NAME_LENGTH);
            return;
        }
        for (int i = 0; i < nameLength; i++)
        {
            if (!isNameByte(command.getByte(NAME_OFFSET + i)))
            {
                error(correlationId, client.clientId, ERROR_BAD_NAME, "name byte " + i + " = 0x" +
                    Integer.toHexString(command.getByte(NAME_OFFSET + i) & 0xFF) + " is not printable ASCII");
                return;
            }
        }
        if (nameLength == 0)
        {
            error(correlationId, client.clientId, ERROR_BAD_NAME, "a domain name must not be empty");
            return;
        }
        if (client.domainCount == client.domainIds.length)
        {
            error(correlationId, client.clientId, ERROR_TOO_MANY_DOMAINS, "client " + client.clientId + " owns " +
                client.domainCount + " domains, the most a client may");
            return;
        }
        final String name = command.getStringWithoutLengthAscii(NAME_OFFSET, nameLength);
        final Domain domain;
        try
        {
            domain = kernel.createDomain(name);
        }
        catch (final RuntimeException ex)
        {
            error(correlationId, client.clientId, ERROR_KERNEL, "the kernel refused to create \"" + name + "\": " +
                ex.getMessage());
            return;
        }
        client.domainIds[client.domainCount++] = domain.id();
        writeSlot(client);
        putHeader(response, correlationId, client.clientId);
        response.putInt(DOMAIN_ID_OFFSET, domain.id());
        reply(ON_DOMAIN_CREATED, ONE_INT_LENGTH);
    }

    private void onDestroyDomain(final long correlationId, final ConductorClient client, final int domainId)
    {
        final int index = client.indexOf(domainId);
        if (index < 0)
        {
            error(correlationId, client.clientId, ERROR_NOT_OWNER, "domain " + domainId + " is not client " +
                client.clientId + "'s" + (kernel.domain(domainId) == null ? " (no such domain)" : ""));
            return;
        }
        client.remove(index);
        writeSlot(client);
        channels.endChannelsOf(client.clientId, domainId, ChannelTableDescriptor.END_CLOSED);
        final String failure = destroy(domainId);
        if (failure != null)
        {
            error(correlationId, client.clientId, ERROR_KERNEL, failure);
            return;
        }
        putHeader(response, correlationId, client.clientId);
        response.putInt(DOMAIN_ID_OFFSET, domainId);
        reply(ON_DOMAIN_DESTROYED, ONE_INT_LENGTH);
    }

    private void onCreateChannel(final long correlationId, final ConductorClient client, final int senderDomain,
        final int receiverDomain, final int maxMessageLength, final int capacity, final int kind)
    {
        final ConductorClient sender = ownerOfDomain(senderDomain);
        final ConductorClient receiver = ownerOfDomain(receiverDomain);
        if (sender == null || receiver == null || senderDomain == receiverDomain)
        {
            error(correlationId, client.clientId, ERROR_UNKNOWN_DOMAIN, "CREATE_CHANNEL senderDomain=" +
                senderDomain + " receiverDomain=" + receiverDomain + ": each must be a different domain owned by an " +
                "attached client" + (sender == null ? " (no client owns the sender's)" : "") +
                (receiver == null ? " (no client owns the receiver's)" : ""));
            return;
        }
        if (sender != client && receiver != client)
        {
            error(correlationId, client.clientId, ERROR_NOT_OWNER, "client " + client.clientId + " owns neither " +
                "domain " + senderDomain + " nor domain " + receiverDomain);
            return;
        }
        channels.create(correlationId, client.clientId, sender.clientId, receiver.clientId, senderDomain,
            receiverDomain, maxMessageLength, capacity, kind);
    }

    private void onCloseChannel(final long correlationId, final ConductorClient client, final int channelId,
        final int end)
    {
        channels.close(correlationId, client.clientId, channelId, end);
    }

    private ConductorClient ownerOfDomain(final int domainId)
    {
        for (final ConductorClient client : slots)
        {
            if (client != null && client.indexOf(domainId) >= 0)
            {
                return client;
            }
        }
        return null;
    }

    /** @return how many of the client's domains were destroyed (some may have gone another way already). */
    private int destroyAll(final ConductorClient client)
    {
        int destroyed = 0;
        while (client.domainCount > 0)
        {
            final int domainId = client.domainIds[client.domainCount - 1];
            client.remove(client.domainCount - 1);
            if (destroy(domainId) == null)
            {
                destroyed++;
            }
        }
        return destroyed;
    }

    /** @return null once the domain is gone, or why the kernel could not destroy it. */
    private String destroy(final int domainId)
    {
        final Domain domain = kernel.domain(domainId);
        if (domain == null)
        {
            return "domain " + domainId + " was already destroyed";
        }
        try
        {
            kernel.destroyDomain(domain);
            return null;
        }
        catch (final RuntimeException ex)
        {
            return "the kernel could not destroy domain " + domainId + ": " + ex.getMessage();
        }
    }

    private void freeSlot(final ConductorClient client)
    {
        slots[client.slot] = null;
        byId.remove(client.clientId);
        ClientTableDescriptor.writeSlot(clientTable, client.slot, 0, ClientTableDescriptor.STATE_FREE, 0, 0, 0,
            client.domainIds, 0);
    }

    private void writeSlot(final ConductorClient client)
    {
        ClientTableDescriptor.writeSlot(clientTable, client.slot, client.clientId, ClientTableDescriptor.STATE_ACTIVE,
            client.pid, client.attachMs, client.lastSeenMs, client.domainIds, client.domainCount);
    }

    private void error(final long correlationId, final int clientId, final int code, final String message)
    {
        count(ConductorCounters.COMMAND_ERRORS);
        final byte[] text = message.getBytes(StandardCharsets.US_ASCII);
        final int length = Math.min(text.length, MAX_ERROR_MESSAGE_LENGTH);
        putHeader(response, correlationId, clientId);
        response.putInt(ERROR_CODE_OFFSET, code);
        response.putInt(ERROR_MESSAGE_LENGTH_OFFSET, length);
        response.putBytes(ERROR_MESSAGE_OFFSET, text, 0, length);
        reply(ON_ERROR, ERROR_MESSAGE_OFFSET + length);
    }

    /** Broadcasts the response built in {@code response}, remembered as its client's last if it answers one. */
    private void reply(final int type, final int length)
    {
        transmitter.transmit(type, response, 0, length);
        if (answering != null)
        {
            answering.answered(type, response, length);
        }
    }

    private void count(final CounterType type)
    {
        kernelDomain.count(type, 1);
    }
}

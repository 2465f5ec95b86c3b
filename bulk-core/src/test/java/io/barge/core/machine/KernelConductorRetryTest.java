package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands survive a repair of the command ring, on a conductor driven by hand: a hostile client damages the ring
 * while an honest client's command is queued behind the damage; the kernel broadcasts the reset, the honest client's
 * re-send is executed once, and a further copy is answered from the kernel's record of its last command, not
 * executed again. Older commands are refused as stale; keepalives are compared only among themselves.
 */
@Timeout(10)
class KernelConductorRetryTest
{
    private static final ConductorHarness.Response RESET_1 =
        new ConductorHarness.Response(ON_COMMAND_RING_RESET, NULL_ID, NULL_ID, 1, "");

    @TempDir
    Path dir;

    /** The hostile client scribbles over the length of the record at the head (its own, queued first). */
    private static void damageAtHead(final ConductorHarness h)
    {
        ConductorHarness.damageAtHead(h.kernel.machineFile().toKernelBuffer());
    }

    private static int channelsInTable(final ConductorHarness h)
    {
        final AtomicBuffer table = h.kernel.machineFile().channelTableBuffer();
        int count = 0;
        for (int slot = 0; slot < ChannelTableDescriptor.slots(table.capacity()); slot++)
        {
            if (ChannelTableDescriptor.readSlot(table, slot) != null)
            {
                count++;
            }
        }
        return count;
    }

    @Test
    void aCreateDomainQueuedBehindDamageIsRetriedAndMakesExactlyOneDomain()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int honest = h.attachClient(1);
            final int hostile = h.attachClient(2);
            h.create(hostile, "hostile");
            final long queued = h.create(honest, "honest"); // behind the hostile's record; its body stays in command()
            damageAtHead(h);
            h.work();
            assertEquals(List.of(RESET_1), h.responses(), "the repair is broadcast at once");
            assertEquals(0, h.domainsNamed("honest"), "dropped by the repair");
            assertEquals(1, h.kernelCount(ConductorCounters.COMMAND_RING_REPAIRS));

            h.send(CREATE_DOMAIN, honest, NAME_OFFSET + "honest".length(), queued, 1);
            final ConductorHarness.Response created = h.one(queued, ON_DOMAIN_CREATED);
            assertEquals(honest, created.clientId());
            assertEquals(1, h.domainsNamed("honest"));
            assertTrue(h.kernel.domain(created.value()).isAlive());
            assertEquals(1, h.kernelCount(ConductorCounters.RETRIED_COMMANDS));
            assertEquals(0, h.kernelCount(ConductorCounters.DUPLICATE_COMMANDS));

            // A second copy (as when the first re-send raced the repair): the same answer, no second domain.
            h.send(CREATE_DOMAIN, honest, NAME_OFFSET + "honest".length(), queued, 2);
            assertEquals(created, h.one(queued, ON_DOMAIN_CREATED));
            assertEquals(1, h.domainsNamed("honest"));
            assertEquals(2, h.kernelCount(ConductorCounters.RETRIED_COMMANDS));
            assertEquals(1, h.kernelCount(ConductorCounters.DUPLICATE_COMMANDS));

            // What broke is the hostile's own command; both clients go on.
            assertEquals(0, h.domainsNamed("hostile"));
            assertEquals(2, h.conductor.clientCount());
            h.createDomain(hostile, "hostile again");
            h.createDomain(honest, "honest again");
        }
    }

    @Test
    void aCreateChannelQueuedBehindDamageIsRetriedAndMakesExactlyOneChannel()
    {
        try (ConductorHarness h = new ConductorHarness(dir, true))
        {
            final int honest = h.attachClient(1);
            final int hostile = h.attachClient(2);
            final int sender = h.createDomain(honest, "sender");
            final int receiver = h.createDomain(honest, "receiver");
            final int free = h.kernel.freeFrames();
            h.keepalive(hostile);
            h.command().putInt(SENDER_DOMAIN_OFFSET, sender);
            h.command().putInt(RECEIVER_DOMAIN_OFFSET, receiver);
            h.command().putInt(MAX_MESSAGE_LENGTH_OFFSET, 64);
            h.command().putInt(CAPACITY_OFFSET, 4096);
            h.command().putInt(KIND_OFFSET, ProcessChannelDescriptor.KIND_RING);
            final long queued = h.send(CREATE_CHANNEL, honest, CREATE_CHANNEL_LENGTH);
            damageAtHead(h); // over the hostile's keepalive
            h.work();
            assertEquals(List.of(RESET_1), h.responses());
            assertEquals(0, channelsInTable(h));
            assertEquals(free, h.kernel.freeFrames());

            h.send(CREATE_CHANNEL, honest, CREATE_CHANNEL_LENGTH, queued, 1);
            final ConductorHarness.Response created = h.one(queued, ON_CHANNEL_CREATED);
            final int used = free - h.kernel.freeFrames();
            assertEquals(ProcessChannelDescriptor.frameCount(4096, h.kernel.memory().frameSize()), used);
            assertEquals(1, channelsInTable(h));

            h.send(CREATE_CHANNEL, honest, CREATE_CHANNEL_LENGTH, queued, 2);
            assertEquals(created, h.one(queued, ON_CHANNEL_CREATED), "the same channel, from the record");
            assertEquals(1, channelsInTable(h));
            assertEquals(free - used, h.kernel.freeFrames(), "no second channel's frames");
            assertEquals(2, h.kernelCount(ConductorCounters.RETRIED_COMMANDS));
            assertEquals(1, h.kernelCount(ConductorCounters.DUPLICATE_COMMANDS));
            assertEquals(1, h.kernelCount(ConductorCounters.COMMAND_RING_REPAIRS));
        }
    }

    @Test
    void aDuplicateOfAnExecutedCommandIsAnsweredAgainNotExecutedAgain()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final long create = h.create(a, "once");
            final ConductorHarness.Response created = h.one(create, ON_DOMAIN_CREATED);
            h.send(CREATE_DOMAIN, a, NAME_OFFSET + "once".length(), create, 0); // delivered twice, unchanged
            assertEquals(created, h.one(create, ON_DOMAIN_CREATED));
            assertEquals(1, h.domainsNamed("once"));

            final long destroy = h.destroy(a, created.value());
            final ConductorHarness.Response destroyed = h.one(destroy, ON_DOMAIN_DESTROYED);
            final long errors = h.kernelCount(ConductorCounters.COMMAND_ERRORS);
            h.send(DESTROY_DOMAIN, a, ONE_INT_LENGTH, destroy, 1);
            assertEquals(destroyed, h.one(destroy, ON_DOMAIN_DESTROYED), "not NOT_OWNER: it was destroyed by this");
            assertEquals(errors, h.kernelCount(ConductorCounters.COMMAND_ERRORS));
            assertNull(h.kernel.domain(created.value()));

            // A refusal is an answer too: the duplicate gets the same one, counted as an error once.
            final long bad = h.create(a, "bad\u0001name");
            final ConductorHarness.Response refused = h.error(bad, ERROR_BAD_NAME);
            h.send(CREATE_DOMAIN, a, NAME_OFFSET + "bad\u0001name".length(), bad, 1);
            assertEquals(refused, h.one(bad, ON_ERROR));
            assertEquals(errors + 1, h.kernelCount(ConductorCounters.COMMAND_ERRORS));
            assertEquals(3, h.kernelCount(ConductorCounters.DUPLICATE_COMMANDS));
            assertEquals(0, h.kernelCount(ConductorCounters.STALE_COMMANDS));
        }
    }

    @Test
    void aRetriedAttachGetsTheSameClientBack()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final long attach = h.attach(77);
            final ConductorHarness.Response attached = h.one(attach, ON_ATTACHED);
            h.send(CLIENT_ATTACH, 0, ATTACH_LENGTH, attach, 1);
            assertEquals(attached, h.one(attach, ON_ATTACHED));
            assertEquals(1, h.conductor.clientCount());
            assertEquals(1, h.kernelCount(ConductorCounters.DUPLICATE_COMMANDS));
            h.command().putLong(PID_OFFSET, 78); // another process's attach with that id is its own
            h.send(CLIENT_ATTACH, 0, ATTACH_LENGTH, attach, 0);
            assertTrue(h.one(attach, ON_ATTACHED).clientId() != attached.clientId());
            assertEquals(2, h.conductor.clientCount());
        }
    }

    @Test
    void anOlderCommandIsRefusedAsStaleAndChangesNothing()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final int kept = h.createDomain(a, "kept");
            final long last = h.create(a, "last");
            final int lastDomain = h.one(last, ON_DOMAIN_CREATED).value();

            h.command().putInt(DOMAIN_ID_OFFSET, kept);
            h.send(DESTROY_DOMAIN, a, ONE_INT_LENGTH, last - 1, 0); // older than the last executed
            assertTrue(h.error(last - 1, ERROR_STALE_COMMAND).message().contains("not newer"));
            h.send(DESTROY_DOMAIN, a, ONE_INT_LENGTH, last, 0); // the last's id with another type
            h.error(last, ERROR_STALE_COMMAND);
            assertTrue(h.kernel.domain(kept).isAlive());
            assertTrue(h.kernel.domain(lastDomain).isAlive());
            assertEquals(2, h.kernelCount(ConductorCounters.STALE_COMMANDS));

            // The refusals did not move the client's record: its last is still answered again, its next runs.
            h.command().putInt(NAME_LENGTH_OFFSET, "last".length());
            h.command().putStringWithoutLengthAscii(NAME_OFFSET, "last");
            h.send(CREATE_DOMAIN, a, NAME_OFFSET + "last".length(), last, 1);
            assertEquals(lastDomain, h.one(last, ON_DOMAIN_CREATED).value());
            assertEquals(1, h.domainsNamed("last"));
            h.one(h.destroy(a, kept), ON_DOMAIN_DESTROYED);
        }
    }

    @Test
    void keepalivesHaveASequenceOfTheirOwn()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final long created = h.create(a, "before");
            h.one(created, ON_DOMAIN_CREATED);
            // From the keepalive thread, out of order with the commands: one far behind them, then one far ahead.
            h.send(CLIENT_KEEPALIVE, a, HEADER_LENGTH, created - 10, 0);
            h.send(CLIENT_KEEPALIVE, a, HEADER_LENGTH, Long.MAX_VALUE - 1, 0);
            h.work();
            assertEquals(List.of(), h.responses(), "no answer, no refusal");
            h.createDomain(a, "after"); // not stale: a keepalive's id is not a command's
            assertEquals(0, h.kernelCount(ConductorCounters.STALE_COMMANDS));
            h.send(CLIENT_KEEPALIVE, a, HEADER_LENGTH, Long.MAX_VALUE - 2, 0); // behind the last keepalive
            h.error(Long.MAX_VALUE - 2, ERROR_STALE_COMMAND);
            h.send(CLIENT_KEEPALIVE, a, HEADER_LENGTH, Long.MAX_VALUE, 0);
            h.work();
            assertEquals(List.of(), h.responses());
            assertEquals(1, h.kernelCount(ConductorCounters.STALE_COMMANDS));
            assertEquals(0, h.kernelCount(ConductorCounters.DUPLICATE_COMMANDS));
        }
    }
}
